"""`RpcChain.sole_writer` (set by `s4chain replay --rpc` once it holds the node's lock): the latest block is known
from the chain's own Sync send or last look, without asking, until any request that may make or replace a block;
off, every read asks the node."""

from __future__ import annotations

import time

import pytest
from tests.faults.proxy import FaultyProxy, Kind

from s4chain.chain import AnvilNode, RpcChain
from s4chain.chain.anvil import anvil_binary
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.testing import isolation

pytestmark = pytest.mark.anvil


def _node_head(anvil: AnvilNode) -> tuple[int, str, int]:
    block = RpcChain(anvil.url).request("eth_getBlockByNumber", ["latest", False])
    return int(block["number"], 16), block["hash"], int(block["timestamp"], 16)


def _asked(proxy: FaultyProxy, since: int) -> list[str]:
    return [entry.sent_as for entry in proxy.log[since:] if not entry.sent_as.startswith("debug_")]


def test_a_sole_writer_knows_the_head_from_its_own_sends(
    faulty_proxy: FaultyProxy, anvil: AnvilNode, compiled: ArtifactStore
) -> None:
    chain = RpcChain(faulty_proxy.url, compiled)
    chain.sole_writer = True
    alice, bob = chain.accounts[:2]
    with isolation(RpcChain(anvil.url, compiled)):
        token = chain.deploy("EuroStablecoin", alice, sender=alice)
        token.mint(alice, 10**20, sender=alice)
        for _ in range(3):
            chain.set_next_block_timestamp(chain.timestamp + 60)  # the check reads the time: known
            result = token.transfer(bob, 1, sender=alice)
            before = len(faulty_proxy.log)
            number, block_hash, stamp = _node_head(anvil)
            assert (chain.head(), chain.block_number, chain.timestamp) == ((number, block_hash), number, stamp)
            assert result.block_number == number and result.timestamp == stamp
            assert _asked(faulty_proxy, before) == []
        chain.mine()  # evm_mine: the head moved, and is read again
        before = len(faulty_proxy.log)
        assert chain.head() == _node_head(anvil)[:2]
        assert _asked(faulty_proxy, before) == ["eth_getBlockByNumber"]
        assert chain.timestamp == _node_head(anvil)[2] and _asked(faulty_proxy, before) == ["eth_getBlockByNumber"]
        snapshot = chain.snapshot()
        token.transfer(bob, 1, sender=alice)
        chain.revert(snapshot)  # evm_revert: forgotten
        before = len(faulty_proxy.log)
        assert chain.head() == _node_head(anvil)[:2]
        assert _asked(faulty_proxy, before) == ["eth_getBlockByNumber"]


def test_without_sole_writer_every_read_asks(
    faulty_proxy: FaultyProxy, anvil: AnvilNode, compiled: ArtifactStore
) -> None:
    chain = RpcChain(faulty_proxy.url, compiled)
    alice, bob = chain.accounts[:2]
    with isolation(RpcChain(anvil.url, compiled)):
        token = chain.deploy("EuroStablecoin", alice, sender=alice)
        token.mint(bob, 1, sender=alice)
        # Another client mines: a chain that is not the node's sole writer sees it.
        RpcChain(anvil.url).request("evm_mine", [])
        before = len(faulty_proxy.log)
        assert chain.head() == _node_head(anvil)[:2]
        assert chain.block_number == _node_head(anvil)[0]
        assert chain.timestamp == _node_head(anvil)[2]
        assert _asked(faulty_proxy, before) == ["eth_getBlockByNumber", "eth_blockNumber", "eth_getBlockByNumber"]


def test_a_replay_claims_to_be_the_sole_writer_only_where_no_block_comes_by_itself(
    anvil: AnvilNode, faulty_proxy: FaultyProxy, s4_project: Project
) -> None:
    assert RpcChain(anvil.url).claim_sole_writer()  # automining: only sends make blocks
    # A node that cannot say whether it mines on an interval (Hardhat has no anvil_getIntervalMining).
    faulty_proxy.inject("anvil_getIntervalMining", Kind.UNKNOWN, count=1)
    unsure = RpcChain(faulty_proxy.url)
    assert not unsure.claim_sole_writer() and not unsure.sole_writer
    with AnvilNode(anvil_binary(s4_project.node_modules), extra_args=("--block-time", "1")) as mining:
        chain = RpcChain(mining.url)
        assert not chain.claim_sole_writer()
        first = chain.block_number
        time.sleep(2.2)
        assert chain.block_number > first  # the interval's blocks are seen: nothing is remembered
