"""Exactly-once writes through a faulty JSON-RPC proxy in front of a real anvil.

Each run deploys the data market (two deployments), mints euros (a plain transaction), lists a data set and buys
access (an approval, then the purchase). A fault hits one of those transactions; the run must end exactly as an
unfaulted one (nonces, events, views) or raise a NodeError, and no action may be signed twice."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes

from s4chain.chain import AnvilNode, NodeError, RpcChain, TransactionUnconfirmedError
from s4chain.compiler import ArtifactStore
from s4chain.drivers.data import DataMarketDriver, DataParams
from s4chain.testing import isolation
from tests.faults.proxy import FaultyProxy, Kind

pytestmark = [pytest.mark.anvil, pytest.mark.slow]  # a few seconds per case: a deployment and five transactions

SEND = "eth_sendRawTransaction"
# The transactions of one run, in order: what a fault at that position hits.
WRITES = {"deploy": 0, "second deploy": 1, "transaction": 2, "approve": 4, "act": 5}
TRANSACTIONS = 6
TIMEOUT = 1.0  # the chain's HTTP timeout: a hanging or slow node costs this much, not 30 s


@dataclass
class Outcome:
    nonces: list[int]
    events: list[tuple[str, dict[str, Any]]]
    views: dict[str, Any]


def run(chain: RpcChain) -> Outcome:
    admin, owner, buyer = chain.accounts[0], chain.accounts[1], chain.accounts[2]
    first_block = chain.block_number + 1
    d = DataMarketDriver.deploy(chain, DataParams(), admin)
    d.fund(buyer, Decimal("100"))
    listing = d.listing_id(d.list_data(owner, "ride data", "terms", Decimal("12"), 86_400))
    d.buy_access(buyer, listing)
    return Outcome(
        nonces=[int(chain.w3.eth.get_transaction_count(a.address)) for a in (admin, owner, buyer)],
        events=[(e.name, e.args) for e in chain.get_events(from_block=first_block)],
        views={
            "buyer": d.holdings(buyer.address).model_dump(),
            "access": d.access(listing, buyer.address).model_dump(),
            "state": d.state().model_dump(),
        },
    )


def signed_senders(proxy: FaultyProxy) -> list[tuple[str, int]]:
    """(sender, nonce) of each distinct signed transaction that reached the node."""
    raws = {params[0] for params in proxy.forwarded(SEND)}
    sent = [(Account.recover_transaction(raw), _nonce(raw)) for raw in raws]
    assert len(set(sent)) == len(sent), f"two different transactions with one sender and nonce: {sent}"
    return sorted(sent)


def hit(proxy: FaultyProxy, method: str, kind: Kind) -> bool:
    """Whether the fault did happen (else the case proves nothing)."""
    return any(entry.method == method and entry.fault is kind for entry in proxy.log)


def _nonce(raw: str) -> int:
    return int(TypedTransaction.from_bytes(HexBytes(raw)).as_dict()["nonce"])


@pytest.fixture(scope="module")
def direct(anvil: AnvilNode, compiled: ArtifactStore) -> RpcChain:
    """The node without the proxy: for snapshots, and the unfaulted reference run."""
    return RpcChain(anvil.url, compiled)


@pytest.fixture(scope="module")
def reference(direct: RpcChain, anvil: AnvilNode, compiled: ArtifactStore) -> Outcome:
    with FaultyProxy(anvil.url) as proxy, isolation(direct):
        outcome = run(through(proxy, compiled))
        assert len(signed_senders(proxy)) == TRANSACTIONS
    return outcome


def through(proxy: FaultyProxy, compiled: ArtifactStore) -> RpcChain:
    chain = RpcChain(proxy.url, compiled, timeout=TIMEOUT)
    chain.one_second_blocks = True  # block times (and so views) do not follow the wall clock
    chain.confirm_timeout = 5.0
    return chain


READS_AND_NODE_WRITES = [
    "eth_getTransactionReceipt",
    "eth_getTransactionCount",
    "evm_mine",
    "evm_setAutomine",
    "eth_call",
]
FAULTS = [
    pytest.param(Kind.DROP_BEFORE, id="drop-before"),
    pytest.param(Kind.DROP_AFTER, id="drop-after"),
    pytest.param(Kind.HTTP_502, id="http-502"),
    pytest.param(Kind.MALFORMED, id="malformed"),
    pytest.param(Kind.DELAY, id="delay"),
    pytest.param(Kind.HANG, id="hang"),
]


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("kind", FAULTS)
def test_a_write_hit_by_a_fault_lands_once(
    kind: Kind, write: str, faulty_proxy: FaultyProxy, direct: RpcChain, compiled: ArtifactStore, reference: Outcome
) -> None:
    with isolation(direct):
        chain = through(faulty_proxy, compiled)
        faulty_proxy.inject(SEND, kind, skip=WRITES[write], seconds=TIMEOUT * 1.5)
        outcome = run(chain)
        assert hit(faulty_proxy, SEND, kind)
        assert outcome == reference
        faulty_proxy.wait_held()  # a send held back past the client's timeout lands now, before the revert...
        assert [direct.w3.eth.get_transaction_count(a.address) for a in direct.accounts[:3]] == reference.nonces
        assert len(signed_senders(faulty_proxy)) == TRANSACTIONS  # ...and changes nothing: each action signed once


@pytest.mark.parametrize(
    "method", ["eth_getTransactionReceipt", "eth_getTransactionCount", "evm_mine", "evm_setAutomine", "eth_call"]
)
@pytest.mark.parametrize("kind", [Kind.DROP_AFTER, Kind.HTTP_502])
def test_faults_on_other_requests_change_nothing(
    kind: Kind, method: str, faulty_proxy: FaultyProxy, direct: RpcChain, compiled: ArtifactStore, reference: Outcome
) -> None:
    with isolation(direct):
        chain = through(faulty_proxy, compiled)
        faulty_proxy.inject(method, kind, count=2)
        assert run(chain) == reference
        assert hit(faulty_proxy, method, kind)
        assert len(signed_senders(faulty_proxy)) == TRANSACTIONS


@pytest.mark.parametrize("write", ["deploy", "transaction", "act"])
def test_a_node_that_goes_away_raises_a_node_error_and_sends_nothing_twice(
    write: str, faulty_proxy: FaultyProxy, direct: RpcChain, compiled: ArtifactStore
) -> None:
    with isolation(direct):
        chain = through(faulty_proxy, compiled)
        chain.confirm_timeout = 2.0
        position = WRITES[write]
        # The write reaches the node, its answer is lost, and from then on nothing answers.
        faulty_proxy.inject(SEND, Kind.DROP_AFTER, skip=position, then_down=True)
        with pytest.raises(NodeError) as raised:
            run(chain)
        assert isinstance(raised.value, TransactionUnconfirmedError)
        assert raised.value.tx_hash in str(raised.value)  # named, to be looked up once the node is back
        assert len(signed_senders(faulty_proxy)) == position + 1  # nothing signed after it, nor twice
        # It reached the node. In the approve-then-act block the node was gone before the block was mined: it
        # waits in the pool (automine still off), and is mined once, like any pending transaction, when the
        # node is driven again.
        if direct.w3.eth.get_transaction(raised.value.tx_hash)["blockNumber"] is None:
            direct.request("evm_setAutomine", [True])
            direct.mine()
        assert direct.w3.eth.get_transaction_receipt(raised.value.tx_hash)["status"] == 1
