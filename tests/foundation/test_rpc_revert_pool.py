"""RpcChain.revert leaves nothing in anvil's transaction pool to land on the state it restores.

Anvil keeps its pool across evm_revert, and takes a mined transaction out of it a moment after answering with its
receipt. A revert in that moment left the mined transaction in the pool as if pending: the next nonce asked of the
node ("pending") was one too high, and the next transaction waited for a nonce no transaction had, until a later
one took it and it landed on a state it was not sent for (a flaky `test_automatic_isolation[anvil]`: a mint of one
hypothesis example hung, then landed in another)."""

from __future__ import annotations

from typing import Any

import pytest
from web3.exceptions import TransactionNotFound

from s4chain.chain import RpcChain

pytestmark = pytest.mark.anvil

ROUNDS = 300  # the race showed in about one revert in 20 to 100 before the fix; each round takes a few ms


@pytest.fixture
def chain(node_chain: RpcChain) -> RpcChain:
    return node_chain


def _latest_nonce(chain: RpcChain, address: str) -> int:
    return int(chain.w3.eth.get_transaction_count(address, "latest"))  # type: ignore[arg-type]


def _send_raw(chain: RpcChain, sender: Any, to: str, value: int, nonce: int) -> str:
    """A transfer signed outside the chain's nonce count, handed to the node's pool as it is."""
    fields = {"to": to, "value": value, "gas": 21_000, "gasPrice": 10**10, "chainId": chain.chain_id, "nonce": nonce}
    signed = sender.sign_transaction(fields)
    return str(chain.request("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()]))


def test_after_each_revert_the_next_nonce_is_the_restored_one(chain: RpcChain) -> None:
    """Send (one Sync round trip) and revert at once, as the plugin does around each hypothesis example."""
    alice, bob = chain.accounts[:2]
    start = _latest_nonce(chain, alice.address)
    for round_ in range(ROUNDS):
        snapshot = chain.snapshot()
        chain.send(bob.address, b"", alice, value=1)
        chain.revert(snapshot)
        assert chain._pending_nonce(alice.address) == start, f"round {round_}: a stale pending nonce"
    chain.send(bob.address, b"", alice, value=1)
    assert _latest_nonce(chain, alice.address) == start + 1


def test_a_transaction_waiting_on_a_nonce_gap_does_not_outlive_a_revert(chain: RpcChain) -> None:
    alice, bob = chain.accounts[:2]
    before, nonce = chain.balance(bob), _latest_nonce(chain, alice.address)
    snapshot = chain.snapshot()
    gapped = _send_raw(chain, alice, bob.address, 10**18, nonce + 1)  # waits for `nonce`, which nothing takes
    chain.revert(snapshot)
    chain.send(bob.address, b"", alice, value=1)  # takes `nonce`: the gapped one would follow at once
    chain.mine()
    assert chain.balance(bob) == before + 1
    assert _latest_nonce(chain, alice.address) == nonce + 1
    with pytest.raises(TransactionNotFound):
        chain.w3.eth.get_transaction(gapped)  # type: ignore[arg-type]


def test_a_transaction_left_pending_with_automining_off_does_not_outlive_a_revert(chain: RpcChain) -> None:
    """As a `one_block` abandoned without mining (a killed process) leaves the node."""
    alice, bob = chain.accounts[:2]
    before, nonce = chain.balance(bob), _latest_nonce(chain, alice.address)
    snapshot = chain.snapshot()
    chain.request("evm_setAutomine", [False])
    try:
        pending = _send_raw(chain, alice, bob.address, 10**18, nonce)
        chain.revert(snapshot)
        assert chain._pending_nonce(alice.address) == nonce
    finally:
        chain.request("evm_setAutomine", [True])
    chain.send(bob.address, b"", alice, value=1)
    chain.mine()
    assert chain.balance(bob) == before + 1
    with pytest.raises(TransactionNotFound):
        chain.w3.eth.get_transaction(pending)  # type: ignore[arg-type]
