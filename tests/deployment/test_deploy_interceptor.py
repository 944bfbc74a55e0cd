"""`Chain.deploy_interceptor`: every `deploy` goes through it; it may deploy for real or return another contract."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract
from s4chain.compiler.artifacts import Artifact


def test_interceptor_sees_every_deploy_and_may_proceed(chain: Chain, accounts: tuple[LocalAccount, ...]) -> None:
    seen: list[tuple[str, tuple[Any, ...], str | None, int]] = []

    def record(
        chain_: Chain, artifact: Artifact, args: tuple[Any, ...], sender: LocalAccount | None, value: int, proceed: Any
    ) -> Contract:
        seen.append((artifact.contract_name, args, sender.address if sender else None, value))
        contract: Contract = proceed()
        return contract

    chain.deploy_interceptor = record
    try:
        coin = chain.deploy("EuroStablecoin", accounts[0], sender=accounts[1])
    finally:
        chain.deploy_interceptor = None
    assert seen == [("EuroStablecoin", (accounts[0],), accounts[1].address, 0)]
    assert coin.deployment is not None and chain.code_at(coin.address)
    assert coin.decimals() == 6


def test_interceptor_may_skip_the_deployment(chain: Chain, accounts: tuple[LocalAccount, ...]) -> None:
    existing = chain.deploy("EuroStablecoin", accounts[0])
    block = chain.block_number

    def reuse(*_: Any) -> Contract:
        return chain.at("EuroStablecoin", existing.address)

    chain.deploy_interceptor = reuse
    try:
        again = chain.deploy("EuroStablecoin", accounts[0])
    finally:
        chain.deploy_interceptor = None
    assert again.address == existing.address
    assert chain.block_number == block  # nothing was sent
    assert chain.deploy("EuroStablecoin", accounts[0]).address != existing.address  # removed: deploys again
