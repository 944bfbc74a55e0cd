"""A send that eth_sendRawTransactionSync does not answer with a receipt: the node took it, so it is waited for
(never reported refused), and one waiting behind a nonce gap is named at once instead of after `confirm_timeout`."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

import pytest
from tests.faults.proxy import FaultyProxy, _answer

from s4chain.chain import AnvilNode, RpcChain, TransactionUnconfirmedError
from s4chain.compiler import ArtifactStore

pytestmark = pytest.mark.anvil

SYNC = "eth_sendRawTransactionSync"


class SyncTimesOut(FaultyProxy):
    """Hands each Sync send to the node as a plain send, then answers as anvil 1.7.1 does when a Sync send is not
    mined within its wait (30 s): error -32603 "Transaction confirmation timeout" (EIP-7966 says code 4)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.sync_sends: list[str] = []  # the signed bytes of each

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        payload = json.loads(body)
        if payload.get("method") != SYNC:
            super().handle(request, body)
            return
        self.sync_sends.append(payload["params"][0])
        self._forward(json.dumps({**payload, "method": "eth_sendRawTransaction"}).encode())
        error = {"code": -32603, "message": "Transaction confirmation timeout"}
        _answer(request, 200, json.dumps({"jsonrpc": "2.0", "id": payload["id"], "error": error}).encode())


@pytest.fixture
def node(node_chain: RpcChain) -> RpcChain:
    return node_chain


def test_a_sync_send_that_times_out_is_waited_for_not_refused(node: RpcChain, compiled: ArtifactStore) -> None:
    alice, bob = node.accounts[:2]
    coin = node.deploy("EuroStablecoin", alice)
    with SyncTimesOut(node.url) as proxy:
        chain = RpcChain(proxy.url, compiled)
        result = chain.at("EuroStablecoin", coin.address).mint(bob, 5, sender=alice)
    assert result.block_number == node.block_number
    assert coin.balanceOf(bob) == 5
    assert len(proxy.sync_sends) == 1 and not proxy.forwarded("eth_sendRawTransaction")  # sent once


def test_a_send_behind_a_nonce_gap_is_named_at_once(node: RpcChain, anvil: AnvilNode, compiled: ArtifactStore) -> None:
    """A revert done around the chain (not through `Chain.revert`) leaves its counted nonce one too high."""
    alice, bob = node.accounts[:2]
    chain = RpcChain(anvil.url, compiled, timeout=1.0)  # the Sync send of a gapped transaction never answers
    chain.confirm_timeout = 20.0
    snapshot = chain.snapshot()
    chain.send(bob.address, b"", alice, value=1)
    chain.request("evm_revert", [snapshot])
    started = time.monotonic()
    with pytest.raises(TransactionUnconfirmedError) as raised:
        chain.send(bob.address, b"", alice, value=1)
    assert time.monotonic() - started < chain.confirm_timeout / 2
    latest = node.w3.eth.get_transaction_count(alice.address)
    assert "nonce gap" in str(raised.value) and f"no transaction with nonce {latest};" in str(raised.value)
    assert raised.value.tx_hash in str(raised.value)
