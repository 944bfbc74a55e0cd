"""RpcChain sends a transaction in one round trip on a node with `eth_sendRawTransactionSync` (EIP-7966, anvil 1.7),
and falls back to send + receipt on a node without it, asking only once."""

from __future__ import annotations

import pytest
from tests.faults.proxy import FaultyProxy, Kind

from s4chain.chain import AnvilNode, RpcChain
from s4chain.compiler import ArtifactStore
from s4chain.testing import isolation

pytestmark = pytest.mark.anvil

SYNC = "eth_sendRawTransactionSync"
WAITS = {"eth_getTransactionReceipt", "eth_getBlockByNumber", "eth_blockNumber"}


def _transfers(chain: RpcChain, proxy: FaultyProxy, count: int) -> list[list[str]]:
    """The requests (as sent) of each of `count` token transfers, after a deployment and a mint."""
    alice, bob = chain.accounts[:2]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 10**20, sender=alice)
    requests_of = []
    for _ in range(count):
        before = len(proxy.log)
        result = token.transfer(bob, 1, sender=alice)
        requests_of.append([entry.sent_as for entry in proxy.log[before:] if not entry.sent_as.startswith("debug_")])
        assert result.timestamp == int(chain.w3.eth.get_block(result.block_number)["timestamp"])  # not counted
    assert token.balanceOf(bob) == count
    return requests_of


def test_a_transaction_is_one_request_on_a_node_with_sync(
    faulty_proxy: FaultyProxy, anvil: AnvilNode, compiled: ArtifactStore
) -> None:
    chain = RpcChain(faulty_proxy.url, compiled)
    with isolation(RpcChain(anvil.url, compiled)):
        assert _transfers(chain, faulty_proxy, 3) == [[SYNC]] * 3  # no receipt polls, no block read for its time


def test_a_node_without_sync_is_asked_once_then_sent_to_the_usual_way(
    faulty_proxy: FaultyProxy, anvil: AnvilNode, compiled: ArtifactStore
) -> None:
    faulty_proxy.inject(SYNC, Kind.UNKNOWN, count=100)
    chain = RpcChain(faulty_proxy.url, compiled)
    with isolation(RpcChain(anvil.url, compiled)):
        per_transfer = _transfers(chain, faulty_proxy, 3)
    assert sum(entry.sent_as == SYNC for entry in faulty_proxy.log) == 1  # the first send found out
    for sent in per_transfer:
        assert sent[0] == "eth_sendRawTransaction" and set(sent[1:]) <= WAITS and "eth_getTransactionReceipt" in sent
