"""The in-process chain's own paths (issue 16) give what eth-tester's gave: calls on a VM kept per block, snapshots
as positions in an undo log of the chain's store, and the latest block read from py-evm's header chain."""

from __future__ import annotations

import pytest
from eth_tester.exceptions import SnapshotNotFound

from s4chain.chain import InProcessChain
from s4chain.compiler import ArtifactStore


@pytest.fixture
def chain(compiled: ArtifactStore) -> InProcessChain:
    return InProcessChain(compiled)


def test_calls_read_the_block_they_name_and_see_each_new_block(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    minted = token.mint(alice, 100, sender=alice)
    assert token.balanceOf(alice) == 100  # the VM kept for this block
    token.transfer(bob, 30, sender=alice)
    assert token.balanceOf(alice) == 70  # a new block: a new VM
    assert token.balanceOf.call(alice, block=minted.block_number) == 100
    assert token.balanceOf.call(alice, block=minted.block_number - 1) == 0
    # A call that writes leaves nothing behind in the kept VM: the next call reads the block as it was.
    assert token.transfer.call(bob, 70, sender=alice) is True
    assert token.balanceOf(alice) == 70 and token.balanceOf(bob) == 30


def test_calls_agree_with_eth_testers_own(chain: InProcessChain) -> None:
    alice = chain.accounts[0]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 5, sender=alice)
    data = token.balanceOf.encode(alice)
    fast = chain.call(token.address, data)
    tx = {"from": alice.address, "to": token.address, "data": "0x" + data.hex(), "gas": 15_000_000}
    assert bytes(chain.w3.eth.call(tx)) == fast  # eth-tester's way, on the same chain
    assert int.from_bytes(fast, "big") == 5


def test_revert_restores_blocks_time_state_and_forgets_the_transactions(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    head, time, balance = chain.block_number, chain.timestamp, chain.balance(alice)
    snapshot = chain.snapshot()
    chain.increase_time(3600)
    sent = token.mint(bob, 9, sender=alice)
    assert chain.block_number == head + 1 and chain.timestamp == time + 3600
    chain.revert(snapshot)
    assert (chain.block_number, chain.timestamp, chain.balance(alice)) == (head, time, balance)
    assert token.totalSupply() == 0
    assert not chain._known(sent.tx_hash)  # gone, as on anvil: a resend would land it again
    again = token.mint(bob, 9, sender=alice)  # the same nonce, block number and time as the one undone
    assert (again.block_number, again.timestamp) == (sent.block_number, time + 1)
    assert chain.w3.eth.get_block("latest")["number"] == chain.block_number


def test_snapshots_nest_and_are_used_up_by_a_revert(chain: InProcessChain) -> None:
    alice = chain.accounts[0]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    outer = chain.snapshot()
    token.mint(alice, 1, sender=alice)
    inner = chain.snapshot()
    token.mint(alice, 2, sender=alice)
    chain.revert(inner)
    assert token.totalSupply() == 1
    later = chain.snapshot()
    token.mint(alice, 4, sender=alice)
    chain.revert(outer)  # drops `later` too
    assert token.totalSupply() == 0
    for used in (inner, later, outer):
        with pytest.raises(SnapshotNotFound):
            chain.revert(used)
    assert chain.engine._undo_log().undo is None  # no snapshot open: nothing is remembered any more


def test_a_revert_drops_the_pending_block_and_a_pinned_time(chain: InProcessChain) -> None:
    alice, bob = chain.accounts[:2]
    snapshot = chain.snapshot()
    with pytest.raises(RuntimeError), chain.one_block():
        chain.send(bob.address, b"", sender=alice, value=1)
        chain.revert(snapshot)  # inside the block: what it held is undone before it is mined
        raise RuntimeError
    assert chain.balance(bob) == 10_000 * 10**18
    chain.set_next_block_timestamp(chain.timestamp + 500)
    snapshot = chain.snapshot()
    chain.revert(snapshot)
    assert chain.next_block_time == chain.timestamp + 1
    assert chain.send(bob.address, b"", sender=alice).timestamp == chain.timestamp
