"""Cheat codes on both backends (py-evm in-process and a real anvil): impersonation, balance, code, storage and
nonce; each visible at once, undone by a snapshot, and refused on a chain that is not a local dev chain."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address

from s4chain.chain import Chain, UnsafeChainError
from s4chain.chain.cheats import NodeCheats
from s4chain.chain.contract import as_address
from s4chain.compiler import ArtifactStore
from s4chain.testing import reverts

KEYLESS = to_checksum_address("0x" + "5e" * 20)  # no key anywhere: only impersonation sends from it


def _nonce(chain: Chain, account: Any) -> int:
    return int(chain.w3.eth.get_transaction_count(as_address(account)))


def test_impersonate_sends_from_an_address_without_its_key(both_chains: Chain) -> None:
    chain = both_chains
    admin, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", admin)
    coin.mint(KEYLESS, 100, sender=admin)
    assert chain.balance(KEYLESS) == 0  # no ether for gas: the impersonated transaction needs none here

    keyless = chain.impersonate(KEYLESS)
    result = coin.transfer(bob, 30, sender=keyless)

    assert result.event("Transfer").args["from"] == KEYLESS
    assert coin.balanceOf(KEYLESS) == 70 and coin.balanceOf(bob) == 30
    assert _nonce(chain, KEYLESS) == 1
    coin.transfer(bob, 5, sender=keyless)  # the next nonce, found by the node
    assert _nonce(chain, KEYLESS) == 2
    assert repr(keyless) == f"<Account {KEYLESS[:6]}…{KEYLESS[-4:]} (impersonated)>"


def test_impersonating_a_role_holder_and_reverts_still_decoded(both_chains: Chain) -> None:
    chain = both_chains
    admin, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", admin)
    as_admin = chain.impersonate(admin)  # a dev account too: its cached nonce must not go stale
    coin.mint(bob, 7, sender=as_admin)
    coin.mint(bob, 1, sender=admin)
    assert coin.balanceOf(bob) == 8
    with reverts("AccessControlUnauthorizedAccount", account=KEYLESS):
        coin.mint(bob, 1, sender=chain.impersonate(KEYLESS))


def test_set_balance_code_storage_and_nonce_are_seen_at_once(both_chains: Chain) -> None:
    chain = both_chains
    admin, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", admin)
    copy = to_checksum_address("0x" + "c0" * 20)

    chain.set_balance(KEYLESS, 12345)
    chain.set_code(copy, chain.code_at(coin.address))
    chain.set_storage_at(KEYLESS, 7, 0xBEEF)
    chain.set_storage_at(KEYLESS, keccak(b"slot"), b"\x01")
    chain.set_nonce(bob, 40)

    assert chain.balance(KEYLESS) == 12345
    assert chain.code_at(copy) == chain.code_at(coin.address)
    assert chain.at("EuroStablecoin", copy).decimals() == coin.decimals()
    assert int.from_bytes(chain.w3.eth.get_storage_at(KEYLESS, 7), "big") == 0xBEEF
    assert int.from_bytes(chain.w3.eth.get_storage_at(KEYLESS, keccak(b"slot")), "big") == 1
    assert _nonce(chain, bob) == 40
    coin.approve(admin, 1, sender=bob)  # signed with nonce 40: the chain forgot the nonce it had counted
    assert _nonce(chain, bob) == 41


def test_a_snapshot_undoes_every_cheat(both_chains: Chain) -> None:
    chain = both_chains
    bob = chain.accounts[1]
    before = (chain.balance(bob), _nonce(chain, bob), chain.code_at(KEYLESS))
    snapshot = chain.snapshot()
    chain.set_balance(bob, 1)
    chain.set_nonce(bob, 99)
    chain.set_code(KEYLESS, b"\x60\x00")
    chain.set_storage_at(KEYLESS, 0, 1)
    chain.revert(snapshot)
    assert (chain.balance(bob), _nonce(chain, bob), chain.code_at(KEYLESS)) == before
    assert chain.w3.eth.get_storage_at(KEYLESS, 0) == b"\0" * 32


def test_each_cheat_is_a_block_of_its_own_except_inside_one_block(both_chains: Chain) -> None:
    chain = both_chains
    admin, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", admin)
    start = chain.block_number
    chain.set_balance(KEYLESS, 10**18)
    assert chain.block_number == start + 1  # the same block numbers and times on both backends
    with chain.one_block():
        chain.set_balance(KEYLESS, 2 * 10**18)
        coin.mint(bob, 3, sender=admin)
        coin.transfer(admin, 1, sender=chain.impersonate(bob))
    assert chain.block_number == start + 2
    assert chain.balance(KEYLESS) == 2 * 10**18 and coin.balanceOf(bob) == 2


def test_cheats_refuse_a_chain_that_is_not_a_local_dev_chain() -> None:
    def never(method: str, params: list[object]) -> object:
        raise AssertionError(f"{method} sent to a chain that is not a local dev chain")

    with pytest.raises(UnsafeChainError, match="cheat codes refused"):
        NodeCheats("http://mainnet.example", 1, "anvil/v1.7.1", never)
    with pytest.raises(UnsafeChainError, match="cheat codes refused"):
        NodeCheats("http://node.example", 31337, "Geth/v1.14", never)


def test_revm_refuses_to_impersonate_an_address_with_code_and_says_why(compiled: ArtifactStore) -> None:
    pytest.importorskip("pyrevm")
    from s4chain.chain.revm import RevmChain, RevmUnavailableError

    chain = RevmChain(compiled)
    coin = chain.deploy("EuroStablecoin", chain.accounts[0])
    with pytest.raises(RevmUnavailableError, match="EIP-3607"):
        chain.impersonate(coin.address)
