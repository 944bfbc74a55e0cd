"""The contract layer (`s4chain.chain.contract`): one function object per ABI entry, built once per ABI; struct
and multi-value returns as named tuples; overloads resolved by arity, then by what encodes; `TxResult.event`;
`Chain.recording()` (every transaction and block of a step) and `Chain.deploying_with` (deploy strategies)."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from s4chain.chain import Chain, Contract, DeployRequest, EventCountError
from s4chain.chain.contract import ContractType
from s4chain.drivers.supply import SupplyChainDriver, SupplyParams
from s4chain.testing import reverts


def _function(name: str, *inputs: str, outputs: tuple[dict[str, Any], ...] = (), mutability: str = "view") -> Any:
    return {
        "type": "function",
        "name": name,
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(inputs)],
        "outputs": list(outputs),
        "stateMutability": mutability,
    }


OVERLOADED = [
    _function("pick", "uint256"),
    _function("pick", "address"),
    _function("pick", "uint256", "uint256"),
    _function("same", "uint8"),
    _function("same", "uint16"),
]


def test_a_contract_type_is_built_once_per_abi(chain: Chain) -> None:
    coin = chain.deploy("EuroStablecoin", chain.accounts[0])
    again = chain.at("EuroStablecoin", coin.address)
    assert coin._type is again._type  # one ContractType for the ABI, shared
    assert ContractType.of([dict(e) for e in coin.abi], "EuroStablecoin") is coin._type  # an equal copy too
    transfer = coin._type.functions["transfer"].functions[0]
    assert transfer.selector == keccak(text="transfer(address,uint256)")[:4]
    assert (transfer.inputs, transfer.outputs, transfer.is_view) == (("address", "uint256"), ("bool",), False)
    assert coin.balanceOf is coin.balanceOf  # bound once per contract, then a plain attribute


def test_overloads_resolve_by_arity_then_by_encodability(chain: Chain) -> None:
    contract = Contract(chain, "0x" + "11" * 20, OVERLOADED, "Overloaded")
    alice = chain.accounts[1]
    assert contract.pick.encode(7)[:4] == keccak(text="pick(uint256)")[:4]
    assert contract.pick.encode(alice)[:4] == keccak(text="pick(address)")[:4]  # an account is an address
    assert contract.pick.encode(1, 2)[:4] == keccak(text="pick(uint256,uint256)")[:4]
    with pytest.raises(TypeError, match=r"Overloaded.pick takes 1 or 2 argument\(s\), got 3"):
        contract.pick.encode(1, 2, 3)
    with pytest.raises(TypeError, match=r"is ambiguous between same\(uint8\), same\(uint16\)"):
        contract.same.encode(5)
    assert contract.same.encode(300)[:4] == keccak(text="same(uint16)")[:4]  # only uint16 holds 300
    with pytest.raises(TypeError, match=r"fits none of same\(uint8\), same\(uint16\)"):
        contract.same.encode(-1)
    with pytest.raises(AttributeError, match="Overloaded has no function 'missing'"):
        contract.missing  # noqa: B018


def test_multi_value_returns_are_named_tuples(chain: Chain) -> None:
    coin = chain.deploy("EuroStablecoin", chain.accounts[0])
    domain = coin.eip712Domain()
    assert domain.name == coin.name() and domain.version == "1" and domain.chainId == chain.chain_id
    assert domain.verifyingContract == coin.address  # checksummed, like every address returned
    assert domain[1] == domain.name and isinstance(domain, tuple)  # still a tuple: positions kept
    assert coin.decimals() == 6  # a single output is the value itself


def test_struct_returns_are_named_tuples(chain: Chain, accounts: tuple[LocalAccount, ...]) -> None:
    admin, maker = accounts[0], accounts[1]
    driver = SupplyChainDriver.deploy(chain, SupplyParams(), admin)
    driver.grant_party(admin, party=maker, role="manufacturer")
    (lot,) = driver.created_lots(driver.commission(maker, product="C", quantity=3, mass_kg=40))
    stored = driver.contract.getLot(lot)
    assert type(stored).__name__ == "Lot"  # named after the Solidity struct
    assert (stored.holder, stored.quantity, stored.massKg, stored.producer) == (maker.address, 3, 40, maker.address)
    assert stored.kind == 0 and stored[0] == stored.holder


def test_event_is_exactly_one(chain: Chain) -> None:
    alice, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", alice, sender=alice)
    minted = coin.mint(bob, 5, sender=alice)
    assert minted.event("Transfer").args["value"] == 5
    assert minted.event("Transfer", to=bob.address).args["to"] == bob.address
    with pytest.raises(EventCountError, match=r"exactly one Approval event in 0x[0-9a-f]+, found 0 \(emitted: Tr"):
        minted.event("Approval")
    with pytest.raises(EventCountError, match="found 0"):
        minted.event("Transfer", to=alice.address)
    assert isinstance(EventCountError("x"), LookupError)  # a driver's bad reference: the step fails, no crash
    with chain.one_block():
        first = coin.mint(bob, 1, sender=alice)
        second = coin.mint(alice, 2, sender=alice)
    assert [e.name for e in first.events_named("Transfer", "Approval")] == ["Transfer"]
    assert second.event("Transfer").args["value"] == 2  # completed when the block was mined


def test_recording_holds_every_transaction_and_block(chain: Chain) -> None:
    alice, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", alice, sender=alice)
    start = chain.block_number
    with chain.recording() as mined:
        with chain.one_block():
            coin.mint(bob, 5, sender=alice)
            coin.approve(alice, 3, sender=bob)
        chain.mine()
        with reverts("ERC20InsufficientBalance"):
            coin.transfer(alice, 99, sender=bob)
    assert mined.blocks == [start + 1, start + 2, start + 3]  # the pair's block, an empty one, the revert's
    assert [r.block_number for r in mined.transactions] == [start + 1, start + 1, start + 3]
    assert [r.reverted for r in mined.transactions] == [False, False, True]
    blocks = [chain.w3.eth.get_block(n) for n in mined.blocks]
    assert mined.gas_used == sum(int(b["gasUsed"]) for b in blocks)
    assert [r.tx_hash for r in mined.transactions] == ["0x" + bytes(h).hex() for b in blocks for h in b["transactions"]]
    assert [e.name for e in mined.events] == ["Transfer", "Approval"]
    assert mined.timestamp == int(blocks[-1]["timestamp"])
    coin.mint(bob, 1, sender=alice)
    assert len(mined.transactions) == 3  # closed: nothing more is added


def test_a_deploy_strategy_sees_every_deploy_and_may_skip_it(chain: Chain) -> None:
    alice, bob = chain.accounts[:2]
    seen: list[tuple[str, tuple[Any, ...], str | None]] = []

    def note(request: DeployRequest) -> Contract:
        seen.append((request.artifact.contract_name, request.args, request.sender and request.sender.address))
        return request.proceed()

    with chain.deploying_with(note):
        coin = chain.deploy("EuroStablecoin", alice, sender=bob)
    assert seen == [("EuroStablecoin", (alice,), bob.address)] and coin.decimals() == 6
    block = chain.block_number
    with chain.deploying_with(lambda request: chain.at(request.artifact, coin.address)):
        assert chain.deploy("EuroStablecoin", alice).address == coin.address
    assert chain.block_number == block  # nothing was sent
    assert chain.deploy("EuroStablecoin", alice).address != coin.address  # outside: deploys again


def test_a_deployment_s_on_signed_sees_its_transaction_and_nothing_else(chain: Chain) -> None:
    """What `s4chain deploy` records as sent before sending: passed with the one deployment, not set on the chain."""
    alice, bob = chain.accounts[:2]
    signed: list[tuple[str, int, bytes, str]] = []

    def deploy_noting(request: DeployRequest) -> Contract:
        return request.proceed(on_signed=lambda *seen: signed.append(seen))

    with chain.deploying_with(deploy_noting):
        coin = chain.deploy("EuroStablecoin", alice, sender=bob)
    assert coin.deployment is not None
    [(sender, nonce, raw, tx_hash)] = signed
    sent = chain.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    assert (sender, nonce, tx_hash) == (bob.address, sent["nonce"], coin.deployment.tx_hash)
    assert "0x" + keccak(raw).hex() == tx_hash  # the signed bytes themselves, which `settle` sends again
    coin.mint(bob, 5, sender=alice)
    with chain.deploying_with(deploy_noting):
        chain.deploy("EuroStablecoin", alice, sender=bob).mint(bob, 5, sender=alice)
    assert len(signed) == 2  # the second deployment, not the mints
