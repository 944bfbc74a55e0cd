"""Any node over JSON-RPC (anvil in the tests and in docker-compose).

Every request has a timeout (`RPC_TIMEOUT`, or the `timeout` given). Reads are retried after a quick transport
fault (a dropped connection, an HTTP error status, an answer that is not JSON-RPC), not after a timeout: a node
that took a request and never answered it is hung, and asking again would only multiply the wait. Writes never
are: a write whose answer was lost may have been done, so the caller looks up what became of it before anything
else (see `Chain._send_signed`). web3's own HTTP retries are off: they resend `eth_sendRawTransaction` and
`evm_mine` too.

One round trip per transaction where the node allows it: a node with `eth_sendRawTransactionSync` (EIP-7966; anvil
1.7 has it) answers a send with its receipt, block timestamp included, so no receipt polls and no block read
follow; each request goes straight to the node over one kept-alive HTTP connection (`http.client`: no web3
middleware, no `requests` session machinery per request).
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from eth_typing import URI
from web3 import Web3
from web3._utils.method_formatters import PYTHONIC_RESULT_FORMATTERS
from web3._utils.rpc_abi import RPC
from web3.providers.rpc import HTTPProvider
from web3.types import RPCEndpoint, RPCResponse

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.base import CallReverted, Chain
from s4chain.chain.cheats import NodeCheats
from s4chain.chain.errors import (
    NodeDownError,
    NodeTimeoutError,
    NodeUnreachableError,
    RpcError,
    TransactionRefused,
    TransactionUnconfirmedError,
)
from s4chain.chain.safety import require_local_dev_chain
from s4chain.chain.trace_rpc import NodeRevertFrames, RpcTracing
from s4chain.compiler.artifacts import ArtifactStore

__all__ = ["RPC_TIMEOUT", "NodeProvider", "NodeTimeoutError", "NodeUnreachableError", "RpcChain", "RpcError", "connect"]

# Seconds a node has to answer one request. Anvil answers in milliseconds; a node that takes this long is hung.
RPC_TIMEOUT = 10.0

# Requests that change nothing, or nothing more when done twice: these are retried. Anything else (a signed
# transaction, evm_mine, evm_revert, ...) is sent once.
RETRIED_METHODS = frozenset(
    {
        "web3_clientVersion",
        "net_version",
        "eth_chainId",
        "eth_blockNumber",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_feeHistory",
        "eth_getBalance",
        "eth_getCode",
        "eth_getStorageAt",
        "eth_getTransactionCount",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        "eth_getLogs",
        "eth_call",
        "eth_estimateGas",
        "evm_setNextBlockTimestamp",
        "evm_setAutomine",
        "anvil_metadata",
        "anvil_getIntervalMining",
        "hardhat_metadata",
        "evm_snapshot",  # a lost answer leaves an unused snapshot behind, nothing else
    }
)
# Requests that never make or replace a block: after any other one (a send, evm_mine, evm_revert, evm_setAutomine,
# anything unknown) the latest block a chain remembers is forgotten (`RpcChain.sole_writer`).
KEEP_HEAD_METHODS = (RETRIED_METHODS - {"evm_setAutomine"}) | {
    "debug_traceTransaction",
    "debug_traceCall",
    "txpool_status",
    "txpool_content",
}
# Pauses before each retry of a read: about 1.5 s in all, enough for a node that hiccups, short for one that is gone.
RETRY_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8)
HEADERS = {"Content-Type": "application/json"}
# eth_sendRawTransactionSync's answers (EIP-7966) that are not a refusal: the method is unknown to the node, or
# the node took the transaction and did not mine it in time (its receipt is then waited for as after any send).
METHOD_NOT_FOUND = -32601
SYNC_TIMED_OUT = 4
SYNC_TIMED_OUT_MESSAGE = "transaction confirmation timeout"  # anvil 1.7.1's answer, with code -32603
# Pauses while anvil takes a transaction it mined out of its pool (`RpcChain.revert`), which it does a moment after
# answering with the receipt, usually within a millisecond: about 0.2 s in all, then what still waits is not mined
# by itself (automining off) and is dropped.
POOL_PAUSES = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
# web3's own formatting of a receipt (what `w3.eth.get_transaction_receipt` returns), applied to a Sync answer.
FORMAT_RECEIPT = PYTHONIC_RESULT_FORMATTERS[RPC.eth_getTransactionReceipt]


class HttpStatusError(Exception):
    """The node (or something in front of it) answered with an HTTP error status."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"HTTP {status}")


# ValueError: an answer that is not JSON. http.client's own errors (a broken status line, a short body).
TRANSPORT_ERRORS = (OSError, ValueError, http.client.HTTPException, HttpStatusError)


class NodeConnection:
    """One kept-alive HTTP connection to the node through `http.client` (`requests` spent about a millisecond of
    CPU per request preparing it), opened again after any fault, since what it was in the middle of is unknown."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.https else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self.headers = dict(HEADERS)
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def post(self, body: bytes) -> bytes:
        with self._lock:
            try:
                connection = self._open()
                connection.request("POST", self.path, body, self.headers)
                reply = connection.getresponse()
                answer = reply.read()
            except BaseException:
                self.close()
                raise
            if reply.will_close:
                self.close()
            if reply.status >= 300:
                raise HttpStatusError(reply.status)
            return answer

    def _open(self) -> http.client.HTTPConnection:
        if self._connection is not None and _dropped(self._connection):
            self.close()  # the node closed it while idle: a request sent on it would be lost
        if self._connection is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            connection = kind(self.host, self.port, timeout=self.timeout)
            connection.connect()
            assert connection.sock is not None
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection was closed by the other end (readable with nothing asked: EOF)."""
    if connection.sock is None:
        return True
    readable, _, _ = select.select([connection.sock], [], [], 0)
    return bool(readable)


class NodeProvider(HTTPProvider):
    """HTTPProvider that retries reads only, and raises NodeUnreachableError for any transport fault."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
        self.url = URI(url)
        self.timeout = timeout
        self.connection = NodeConnection(url, timeout)
        self.moves = 0  # requests so far that may have made or replaced a block (not in KEEP_HEAD_METHODS)

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        request = self.encode_rpc_request(method, params)
        if method not in KEEP_HEAD_METHODS:
            self.moves += 1
        pauses = RETRY_PAUSES if method in RETRIED_METHODS else ()
        for attempt in range(len(pauses) + 1):
            try:
                response = self.decode_rpc_response(self.connection.post(request))
                if not isinstance(response, dict) or not ("result" in response or "error" in response):
                    raise ValueError("not a JSON-RPC response")
                return response
            except TimeoutError as exc:
                raise NodeTimeoutError(
                    f"the node at {self.url} gave no answer to {method} within {self.timeout:g} s "
                    f"({type(exc).__name__}; see --rpc-timeout)"
                ) from exc
            except TRANSPORT_ERRORS as exc:
                if attempt == len(pauses):
                    down = isinstance(exc, ConnectionRefusedError)  # nothing listens there: see NodeDownError
                    raise (NodeDownError if down else NodeUnreachableError)(
                        f"the node at {self.url} gave no usable answer to {method} ({_describe(exc)})"
                    ) from exc
                time.sleep(pauses[attempt])
        raise AssertionError("unreachable: the loop returns or raises")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HttpStatusError):
        return str(exc)
    if isinstance(exc, ValueError):
        return "the answer is not JSON-RPC"
    return type(exc).__name__


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def connect(url: str, timeout: float) -> tuple[Web3, int, str]:
    """web3 over the node at `url`, with its chain id and client version; NodeUnreachableError if none answers."""
    w3 = Web3(NodeProvider(url, timeout))
    try:
        return w3, int(w3.eth.chain_id), str(w3.client_version)
    except NodeTimeoutError as exc:
        raise NodeTimeoutError(
            f"no JSON-RPC node answers at {url}: it gave no answer within {timeout:g} s (see --rpc-timeout)"
        ) from exc
    except NodeUnreachableError as exc:
        cause = _describe(exc.__cause__) if exc.__cause__ is not None else str(exc)
        raise NodeUnreachableError(f"no JSON-RPC node answers at {url} ({cause})") from exc


class RpcChain(RpcTracing, NodeRevertFrames, Chain):
    backend_name = "json-rpc"
    # Whether nothing but this chain makes blocks on the node (a replay holding the node's lock: no other s4chain
    # run, no interval mining): the latest block is then known, without asking, from this chain's own last look
    # at it or its last Sync send's receipt, until any request that may make or replace a block. A replay step
    # reads the head and the time several times (the engine, the time check, the journal before and after).
    sole_writer = False

    def __init__(self, url: str, artifacts: ArtifactStore | None = None, timeout: float = RPC_TIMEOUT) -> None:
        self.url = url
        w3, chain_id, self.client_version = connect(url, timeout)
        require_local_dev_chain(url, chain_id, self.client_version)
        self._prepare_sends()
        super().__init__(w3, dev_accounts(), artifacts)

    def claim_sole_writer(self) -> bool:
        """Become the sole writer (`sole_writer`) unless the node mines blocks by itself: an anvil with interval
        mining (`--block-time`, `evm_setIntervalMining`) makes blocks nobody sent, and a node that cannot say
        (no `anvil_getIntervalMining`, e.g. Hardhat) is taken to be one. The caller holds the node's lock."""
        try:
            self.sole_writer = not self.request("anvil_getIntervalMining", [])  # null: no interval
        except RpcError:
            self.sole_writer = False
        return self.sole_writer

    def _prepare_sends(self) -> None:
        """What the sends keep (a subclass that signs with other accounts calls it before `Chain.__init__`)."""
        self._sync: bool | None = None  # whether the node has eth_sendRawTransactionSync: known at the first send
        self._sync_receipts: dict[str, Any] = {}  # what Sync sends answered, until `_receipt` takes it
        self._sync_unanswered: set[str] = set()  # Sync sends that timed out, until `_receipt` looks at them
        self._receipt_block: tuple[int, int] | None = None  # (number, timestamp) of the last receipt's block
        # The latest block as last seen: (the provider's `moves` then, number, hash, timestamp); see `sole_writer`.
        self._latest: tuple[int | None, int, str, int] | None = None

    # The latest block straight from the node, without web3's formatting of the whole block, or as remembered
    # (`sole_writer`).
    @property
    def block_number(self) -> int:
        known = self._known_latest()
        return known[1] if known is not None else _int(self.request("eth_blockNumber", []))

    @property
    def timestamp(self) -> int:
        return self._latest_block()[3]

    def head(self) -> tuple[int, str]:
        _, number, block_hash, _ = self._latest_block()
        return number, block_hash

    def _latest_block(self) -> tuple[int | None, int, str, int]:
        known = self._known_latest()
        if known is None:
            moves = self._moves()
            block = self.request("eth_getBlockByNumber", ["latest", False])
            known = self._latest = (moves, _int(block["number"]), str(block["hash"]).lower(), _int(block["timestamp"]))
        return known

    def _known_latest(self) -> tuple[int | None, int, str, int] | None:
        latest = self._latest
        if not self.sole_writer or latest is None or latest[0] is None or latest[0] != self._moves():
            return None
        return latest

    def _moves(self) -> int | None:
        """The provider's count of requests that may have made or replaced a block (None: it does not count)."""
        provider = self.w3.provider
        return provider.moves if isinstance(provider, NodeProvider) else None

    def _raw_request(self, method: str, params: list[Any]) -> RPCResponse:
        return self.w3.provider.make_request(RPCEndpoint(method), params)

    def request(self, method: str, params: list[Any]) -> Any:
        response = self._raw_request(method, params)
        if "error" in response:
            raise RpcError(f"{method} failed at {self.url}: {response['error']}")
        return response.get("result")

    def _cheats(self) -> NodeCheats:
        return NodeCheats(self.url, self.chain_id, self.client_version, self.request)

    def _submit_raw(self, raw: bytes) -> None:
        # Sync only while each transaction is mined at once: inside `one_block` the node would hold the answer
        # until the block is mined.
        if self._sync is not False and self._block is None:
            moves = self._moves()
            try:
                response = self._raw_request("eth_sendRawTransactionSync", ["0x" + raw.hex()])
            except NodeTimeoutError:
                self._sync_unanswered.add(Web3.keccak(raw).to_0x_hex())
                raise
            error = response.get("error")
            if error is None:
                self._sync = True
                receipt = response["result"]
                self._sync_receipts[str(receipt["transactionHash"]).lower()] = receipt
                if receipt.get("blockTimestamp") is not None and moves is not None:
                    # Mined at once: its block is the latest, as long as this send is the only move since.
                    number, block_hash = _int(receipt["blockNumber"]), str(receipt["blockHash"]).lower()
                    self._latest = (moves + 1, number, block_hash, _int(receipt["blockTimestamp"]))
                return
            if error.get("code") == SYNC_TIMED_OUT or SYNC_TIMED_OUT_MESSAGE in str(error.get("message", "")).lower():
                self._sync_unanswered.add(Web3.keccak(raw).to_0x_hex())  # taken, not mined in time: no refusal
                return
            if error.get("code") != METHOD_NOT_FOUND:
                raise TransactionRefused(str(error.get("message", error)))
            self._sync = False
        response = self._raw_request("eth_sendRawTransaction", ["0x" + raw.hex()])
        if "error" in response:
            raise TransactionRefused(str(response["error"].get("message", response["error"])))

    def _receipt(self, tx_hash: str) -> Any:
        if tx_hash.lower() in self._sync_unanswered:
            self._sync_unanswered.discard(tx_hash.lower())
            self._raise_if_behind_a_nonce_gap(tx_hash)
        answered = self._sync_receipts.pop(tx_hash.lower(), None)
        receipt = FORMAT_RECEIPT(answered) if answered is not None else super()._receipt(tx_hash)
        stamp = receipt.get("blockTimestamp")
        if stamp is not None:  # a node's extra field (anvil's); the block is then not read for its time
            self._receipt_block = (int(receipt["blockNumber"]), _int(stamp))
        return receipt

    def _raise_if_behind_a_nonce_gap(self, tx_hash: str) -> None:
        """A transaction the node took and did not mine while automining waits behind a nonce gap when its sender
        has no mined transaction with the nonce before it: it lands only if one is sent. Said at once, rather than
        after `confirm_timeout` of waiting for a receipt (which also sees to a node that stops answering here)."""
        try:
            tx = self.request("eth_getTransactionByHash", [tx_hash])
            if tx is None or tx.get("blockNumber") is not None:
                return
            sender, nonce = str(tx["from"]), _int(tx["nonce"])
            latest = _int(self.request("eth_getTransactionCount", [sender, "latest"]))
        except NodeUnreachableError:
            return
        if latest < nonce:
            missing = str(latest) if latest == nonce - 1 else f"{latest} to {nonce - 1}"
            raise TransactionUnconfirmedError(
                tx_hash,
                f"transaction {tx_hash} (nonce {nonce}) waits in the node's pool behind a nonce gap: {sender} has "
                f"no transaction with nonce {missing}; it lands only once one is sent",
            )

    def _block_timestamp(self, number: int) -> int:
        # Only the block of the receipt just read, once: `_mined` asks right away, and a revert (by anyone) can
        # replace any block later.
        known, self._receipt_block = self._receipt_block, None
        if known is not None and known[0] == number:
            return known[1]
        return super()._block_timestamp(number)

    def _after_revert(self) -> None:
        super()._after_revert()
        self._sync_receipts.clear()
        self._sync_unanswered.clear()
        self._receipt_block = None

    def _set_next_block_timestamp(self, timestamp: int) -> None:
        self.request("evm_setNextBlockTimestamp", [timestamp])

    def _set_automine(self, on: bool) -> None:
        self.request("evm_setAutomine", [on])

    def mine_left_pending(self) -> None:
        # Anvil mines a waiting pool in its own time once automining is back on, which can be after the revert
        # that follows (the transaction then lands after it): what waits is mined by an explicit block first,
        # which the node answers once mined. Only then: an empty block would move a head that is checked next.
        if int(self.request("txpool_status", [])["pending"], 16):
            self._mine_block()
        super().mine_left_pending()

    def _mine_block(self) -> None:
        before = self.block_number
        try:
            self.request("evm_mine", [])
        except NodeUnreachableError:
            # Not sent again (that could mine two blocks): whether it was mined is read from the node.
            if self.block_number == before:
                raise

    def snapshot(self) -> Any:
        return self.request("evm_snapshot", [])

    def revert(self, snapshot_id: Any) -> None:
        """Revert to the snapshot, leaving no transaction in the node's pool to land on the state it restores.

        Anvil answers a send (Sync, or a receipt poll) once the block is stored, and takes the transaction out of
        its pool a moment later; its pool outlives evm_revert. A revert in between left the mined transaction in
        the pool as if pending: eth_getTransactionCount "pending" then counted it, the next transaction was signed
        with the nonce after it and waited for a nonce that no transaction had, until a later one took it (a mint
        of one hypothesis example landed in another). So the pool is given that moment first; whatever still waits
        then (automining off, a nonce gap) was sent for the chain the revert undoes, and is dropped."""
        waiting = self._waiting_in_pool()
        if not self.request("evm_revert", [snapshot_id]):
            raise RpcError(f"evm_revert({snapshot_id}) failed at {self.url}: unknown or used snapshot")
        if waiting:
            self.request("anvil_dropAllTransactions", [])
        self._after_revert()

    def _waiting_in_pool(self) -> int:
        """How many transactions wait in the node's pool once it has taken out those it mined (0 on a node that
        shows no pool, e.g. Hardhat: there is then nothing to wait for or drop)."""
        pauses = iter(POOL_PAUSES)
        while True:
            try:
                status = self.request("txpool_status", [])
            except RpcError:
                return 0
            pending = _int(status["pending"])
            pause = next(pauses, None)
            if not pending or pause is None:
                return pending + _int(status["queued"])
            time.sleep(pause)

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        params = {k: hex(v) if isinstance(v, int) else v for k, v in tx.items()}
        block_id = hex(block) if isinstance(block, int) else block
        response = self._raw_request("eth_call", [params, block_id])
        if "error" in response:
            data = response["error"].get("data")
            if isinstance(data, dict):  # some nodes nest it: {"data": {"data": "0x..."}}
                data = data.get("data")
            if isinstance(data, str) and data.startswith("0x"):
                raise CallReverted(bytes.fromhex(data[2:]))
            if "revert" in str(response["error"].get("message", "")).lower():
                raise CallReverted(b"")
            raise RpcError(f"eth_call failed at {self.url}: {response['error']}")
        return bytes.fromhex(str(response["result"])[2:])
