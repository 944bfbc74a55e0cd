"""The same behaviour on the in-process chain and on anvil: deploy, transfer, events, snapshots, time,
and decoded reverts."""

from __future__ import annotations

import pytest

from s4chain.chain import Chain, CustomErrorRevert, PanicRevert, RevertWithReason
from s4chain.compiler import Artifact, ArtifactStore, compile_project
from s4chain.project import Project
from s4chain.testing import assert_events, reverts

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="session")
def fixture_store(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> ArtifactStore:
    root = tmp_path_factory.mktemp("reverter")
    (root / "contracts").mkdir()
    (root / "contracts" / "Reverter.sol").write_text((s4_project.root / "tests/fixtures/Reverter.sol").read_text())
    (root / "node_modules").symlink_to(s4_project.node_modules)
    return compile_project(Project(root)).store


@pytest.fixture(scope="session")
def reverter_artifact(fixture_store: ArtifactStore) -> Artifact:
    return fixture_store.get("Reverter")


def test_dev_accounts_and_chain_id(both_chains: Chain) -> None:
    assert both_chains.chain_id == 31337
    assert both_chains.accounts[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert len(both_chains.accounts) == 10
    assert both_chains.balance(both_chains.accounts[9]) > 9_999 * 10**18


def test_erc20_deploy_transfer_and_events(both_chains: Chain) -> None:
    alice, bob = both_chains.accounts[:2]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    assert token.deployment is not None and token.deployment.gas_used > 500_000
    token.mint(alice, 1_000_000, sender=alice)
    result = token.transfer(bob, 250_000, sender=alice)
    assert_events(result, "Transfer", count=1, **{"from": alice, "to": bob, "value": 250_000})
    assert token.balanceOf(bob) == 250_000
    assert token.balanceOf(alice) == 750_000
    logged = both_chains.get_events(address=token.address)
    assert [e.name for e in logged].count("Transfer") == 2


def test_snapshot_and_revert(both_chains: Chain) -> None:
    alice = both_chains.accounts[0]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    before = both_chains.snapshot()
    token.mint(alice, 5, sender=alice)
    assert token.totalSupply() == 5
    both_chains.revert(before)
    assert token.totalSupply() == 0
    token.mint(alice, 7, sender=alice)  # nonces are right again after a revert
    assert token.totalSupply() == 7


def test_time_travel(both_chains: Chain, reverter_artifact: Artifact) -> None:
    reverter = both_chains.deploy(reverter_artifact)
    start = both_chains.timestamp
    both_chains.set_next_block_timestamp(start + 3_600)
    result = reverter.store(1)
    assert result.timestamp == start + 3_600
    both_chains.travel_to(start + 7_200)
    assert both_chains.timestamp == start + 7_200
    height = both_chains.block_number
    both_chains.mine(3)
    assert both_chains.block_number == height + 3
    both_chains.travel_to(2_000_000_000)
    with reverts(reason="closed"):
        reverter.closesAt()
    with pytest.raises(ValueError, match="not after"):
        both_chains.set_next_block_timestamp(both_chains.timestamp)


def test_decoded_custom_error_with_arguments(both_chains: Chain, reverter_artifact: Artifact) -> None:
    reverter = both_chains.deploy(reverter_artifact)
    with pytest.raises(CustomErrorRevert) as caught:
        reverter.store(101)
    assert caught.value.name == "TooLarge"
    assert caught.value.arguments == {"given": 101, "limit": 100}
    assert caught.value.message == "reverted with TooLarge(given=101, limit=100)"
    assert caught.value.tx_hash is not None  # mined, like on a real chain
    with reverts("TooLarge", given=200, limit=100):
        reverter.store(200)


def test_decoded_require_message_and_panic(both_chains: Chain, reverter_artifact: Artifact) -> None:
    reverter = both_chains.deploy(reverter_artifact)
    with pytest.raises(RevertWithReason, match="unlucky number"):
        reverter.store(13)
    with pytest.raises(PanicRevert) as caught:
        reverter.divide(0)
    assert caught.value.code == 0x12
    assert "division or modulo by zero" in str(caught.value)


def test_openzeppelin_errors_decoded_by_name(both_chains: Chain) -> None:
    alice, mallory = both_chains.accounts[0], both_chains.accounts[5]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    with reverts("AccessControlUnauthorizedAccount", account=mallory):
        token.mint(mallory, 1, sender=mallory)
    with reverts("ERC20InsufficientBalance", sender=mallory, balance=0, needed=1):
        token.transfer(alice, 1, sender=mallory)


def test_nonces_resync_after_transactions_sent_elsewhere(both_chains: Chain) -> None:
    alice, bob = both_chains.accounts[:2]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 10, sender=alice)
    # Another client sends from the same account behind s4chain's back...
    raw = both_chains.w3.eth.contract(address=token.address, abi=token.abi)
    tx_hash = raw.functions.transfer(bob.address, 1).transact({"from": alice.address})
    both_chains.w3.eth.wait_for_transaction_receipt(tx_hash)
    # ...and the next transaction still goes through.
    token.transfer(bob, 2, sender=alice)
    assert token.balanceOf(bob) == 3


def test_one_second_blocks_give_the_same_timestamps_on_every_backend(both_chains: Chain) -> None:
    alice = both_chains.accounts[0]
    both_chains.one_second_blocks = True
    try:
        start = both_chains.timestamp
        token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
        first = token.mint(alice, 1, sender=alice)
        both_chains.mine(2)
        both_chains.set_next_block_timestamp(start + 100)
        explicit = token.mint(alice, 1, sender=alice)
        after = token.mint(alice, 1, sender=alice)
    finally:
        both_chains.one_second_blocks = False
    assert token.deployment is not None and token.deployment.timestamp == start + 1
    assert first.timestamp == start + 2
    assert (explicit.timestamp, after.timestamp) == (start + 100, start + 101)


def test_overloaded_functions_are_told_apart(both_chains: Chain, reverter_artifact: Artifact) -> None:
    reverter = both_chains.deploy(reverter_artifact)
    assert reverter.scaled(3) == 30
    assert reverter.scaled(3, 4) == 12
    assert reverter.scaled(both_chains.accounts[1]) == int(both_chains.accounts[1].address, 16) % 7
    with pytest.raises(TypeError, match=r"Reverter.scaled takes 1 or 2 argument\(s\), got 3"):
        reverter.scaled(1, 2, 3)


def test_same_error_in_two_contracts_decodes_with_the_called_ones_names(
    both_chains: Chain, fixture_store: ArtifactStore
) -> None:
    other = both_chains.deploy(fixture_store.get("OtherReverter"))
    reverter = both_chains.deploy(fixture_store.get("Reverter"))
    with reverts("TooLarge", amount=1, cap=2):
        other.fail()
    with reverts("TooLarge", given=101, limit=100):
        reverter.store(101)


def test_same_event_in_two_contracts_decodes_with_the_emitters_names(
    both_chains: Chain, fixture_store: ArtifactStore
) -> None:
    reverter = both_chains.deploy(fixture_store.get("Reverter"))
    other = both_chains.deploy(fixture_store.get("OtherEmitter"))
    assert_events(other.store(7), "Stored", who=both_chains.accounts[0], amount=7)
    assert_events(reverter.store(8), "Stored", by=both_chains.accounts[0], value=8)
