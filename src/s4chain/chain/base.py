"""One interface over the in-process chain and any JSON-RPC node.

Transactions are signed locally with the dev accounts and sent raw, with a fixed gas limit: no gas estimation
per transaction (on eth-tester, web3's estimate is a binary search of about 13 EVM runs). A transaction that
reverts is mined like on a real chain; its revert data is recovered by replaying it as a call on top of its
block, and raised as a decoded exception.

Writes happen exactly once: a transaction is known by its hash, and after a transport fault the node is asked what
became of it before anything else (see `_send_signed`); a node that cannot tell raises a `NodeError`.
`one_block()` puts several transactions (an approval and the action it pays for) into one block; `recording()`
collects every transaction and block mined inside it, so that an action of several transactions is known by all
of them (the replay engine builds its step records from it). `deploying_with(strategy)` routes every `deploy`
inside it through a deploy strategy (`s4chain.deployment` reuses contracts already on chain with one, and
records each deployment as sent through `DeployRequest.proceed(on_signed=...)` before it is sent).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import TransactionNotFound

from s4chain.chain.cheats import CheatCodes, Impersonated
from s4chain.chain.contract import Contract, TxResult, as_address
from s4chain.chain.errors import (
    NodeDownError,
    NodeError,
    NodeTimeoutError,
    NodeUnreachableError,
    RpcError,
    TransactionRefused,
    TransactionUnconfirmedError,
    hide_frame,
)
from s4chain.chain.events import DecodedEvent, EventRegistry
from s4chain.chain.reverts import ContractRevert, ErrorRegistry, RevertFrame
from s4chain.chain.signing import sign
from s4chain.chain.trace import CallFrame, CallTrace, TraceNames, TraceUnavailable
from s4chain.chain.trace_console import ConsoleBuffer
from s4chain.compiler.artifacts import Artifact, ArtifactStore
from s4chain.compiler.sourcemap import SourceIndex
from s4chain.errors import S4ChainError

TX_GAS_LIMIT = 15_000_000
BLOCK_GAS_LIMIT = 30_000_000
RECEIPT_TIMEOUT = 60.0
# Pauses between receipt polls: a node that mines at once answers on the first or second look.
RECEIPT_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
RESEND_PAUSE = 0.05

# Called with (chain, contract address, calldata or None for its deployment, gas used) for every contract call
# mined by any chain of the process (reverted ones too) and every deployment: the pytest plugin's gas report.
TransactionObserver = Callable[["Chain", str, bytes | None, int], None]
TRANSACTION_OBSERVERS: list[TransactionObserver] = []


class CallReverted(Exception):
    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__(data.hex())


@dataclass
class PendingBlock:
    """The block `Chain.one_block` is filling: its timestamp, and what was sent into it."""

    timestamp: int
    sent: list[tuple[TxResult, dict[str, Any]]] = field(default_factory=list)
    gas: int = 0  # the gas limits sent so far


@dataclass
class Recording:
    """What the chain mined while `Chain.recording()` was open: every transaction (reverted ones too, with
    `reverted` set) and every block, empty ones included."""

    results: list[TxResult] = field(default_factory=list)
    block_times: dict[int, int] = field(default_factory=dict)  # block number -> timestamp

    def _add(self, result: TxResult) -> None:
        self.results.append(result)
        self.block_times[result.block_number] = result.timestamp

    @property
    def transactions(self) -> list[TxResult]:
        """The transactions in chain order (a block's own order may differ from the order they were sent in)."""
        return sorted(self.results, key=lambda r: (r.block_number, r.transaction_index))

    @property
    def blocks(self) -> list[int]:
        return sorted(self.block_times)

    @property
    def gas_used(self) -> int:
        return sum(result.gas_used for result in self.results)

    @property
    def events(self) -> list[DecodedEvent]:
        return [event for result in self.transactions for event in result.events]

    @property
    def timestamp(self) -> int | None:
        """The time of the last block mined, if any."""
        return self.block_times[max(self.block_times)] if self.block_times else None


# Called with (sender, nonce, signed bytes, hash) once a transaction is signed and before it is sent: e.g.
# `s4chain.deployment` records a deployment as sent, so that one whose answer is lost is settled by its hash
# later (see `Chain.settle`). Called again if the node refuses the nonce and the transaction is signed anew.
OnSigned = Callable[[str, int, bytes, str], None]


@dataclass(frozen=True)
class DeployRequest:
    """One `Chain.deploy` call as a deploy strategy sees it; `proceed()` deploys it for real."""

    chain: Chain
    artifact: Artifact
    args: tuple[Any, ...]
    sender: LocalAccount | None
    value: int

    def proceed(self, on_signed: OnSigned | None = None) -> Contract:
        """Deploy it; `on_signed` sees the deployment's transaction once signed, before it is sent."""
        __tracebackhide__ = hide_frame
        return self.chain._deploy_artifact(self.artifact, self.args, self.sender, self.value, on_signed)


# How to find the frames of a revert, innermost first: called when its source lines are first shown.
RevertFrames = Callable[[], tuple[RevertFrame, ...]]

# What `deploy` returns instead, inside `Chain.deploying_with`: `request.proceed()`, or another Contract (one
# already deployed, say).
DeployStrategy = Callable[[DeployRequest], Contract]


class DeploymentError(S4ChainError):
    """A deployment that cannot start: an abstract contract or an interface, or unlinked libraries."""


class Chain(CheatCodes, ABC):
    """A chain with the dev accounts, time control, snapshots and decoded reverts and events."""

    backend_name = "chain"

    def __init__(self, w3: Web3, accounts: tuple[LocalAccount, ...], artifacts: ArtifactStore | None = None) -> None:
        self.w3 = w3
        self.accounts = accounts
        self.chain_id = int(w3.eth.chain_id)
        self.errors = ErrorRegistry()
        self.events = EventRegistry(w3.codec)
        self.artifacts = artifacts or ArtifactStore([])
        self.known_contracts: dict[str, Artifact] = {}  # address -> what `deploy` or `at` put there
        self.console = ConsoleBuffer()  # console.log lines caught, until read (`console.drain()`)
        for artifact in self.artifacts:
            self.register_abi(artifact.abi)
        self.sources = SourceIndex(self.artifacts)  # the source maps of every artifact deployed or known
        self._nonces: dict[str, int] = {}
        # With `one_second_blocks`, a block whose time was not set comes exactly one second after the one
        # before it, on every backend (anvil would otherwise follow the wall clock): replays then give the
        # same timestamps, and so the same outcomes, on the in-process chain and on a node.
        self.one_second_blocks = False
        self._next_timestamp: int | None = None
        self._block: PendingBlock | None = None
        self._recordings: list[Recording] = []
        self._strategies: list[DeployStrategy] = []
        # How long a sent transaction may stay unconfirmed (not mined, or its fate unknown) before
        # TransactionUnconfirmedError.
        self.confirm_timeout = RECEIPT_TIMEOUT
        base_fee = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
        # Base fee only rises when blocks are more than half full; three times the start value is ample.
        self._max_fee_per_gas = max(3 * base_fee, 3 * 10**9)

    # --- ABIs ---------------------------------------------------------------------------------------------
    def register_abi(self, abi: list[dict[str, Any]]) -> None:
        self.errors.register_abi(abi)
        self.events.register_abi(abi)

    def _register_contract(self, artifact: Artifact, address: str) -> None:
        self.known_contracts[address] = artifact
        self.register_abi(artifact.abi)
        self.errors.register_abi(artifact.abi, address)
        self.events.register_abi(artifact.abi, address)

    # --- state ----------------------------------------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    @property
    def timestamp(self) -> int:
        """Timestamp of the latest block."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _block_timestamp(self, number: int) -> int:
        return int(self.w3.eth.get_block(number)["timestamp"])

    def head(self) -> tuple[int, str]:
        """The latest block's number and hash (0x-hex): where the chain is (a replay's journal records it)."""
        block = self.w3.eth.get_block("latest")
        return int(block["number"]), "0x" + bytes(block["hash"]).hex()

    def block_hash(self, number: int) -> bytes:
        """The hash of mined block `number` (which tells a history from one that replaced it after a revert)."""
        return bytes(self.w3.eth.get_block(number)["hash"])

    def block_id(self, number: int) -> bytes:
        """An identity of mined block `number` that changes when a revert drops it and another block takes its
        number (what an event index checks): its hash, unless a chain knows a cheaper one."""
        return self.block_hash(number)

    def balance(self, account: Any) -> int:
        return int(self.w3.eth.get_balance(as_address(account)))

    def code_at(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    # --- time and blocks ------------------------------------------------------------------------------------
    def set_next_block_timestamp(self, timestamp: int) -> None:
        """The next block (mined or made by a transaction) gets exactly this timestamp."""
        latest = self.timestamp
        if timestamp <= latest:
            raise ValueError(f"timestamp {timestamp} is not after the latest block's ({latest})")
        self._set_next_block_timestamp(timestamp)
        self._next_timestamp = timestamp

    @property
    def next_block_time(self) -> int:
        """The time the next block will have: the one pinned by `set_next_block_timestamp`, else one second after
        the latest block (block times strictly increase)."""
        return self._next_timestamp if self._next_timestamp is not None else self.timestamp + 1

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._pin_block_time()
            self._mine_block()
            self._next_timestamp = None
            if self._recordings:
                number = self.block_number
                for recording in self._recordings:
                    recording.block_times[number] = self._block_timestamp(number)

    def _pin_block_time(self) -> None:
        if self.one_second_blocks and self._next_timestamp is None:
            self.set_next_block_timestamp(self.timestamp + 1)

    @abstractmethod
    def _set_next_block_timestamp(self, timestamp: int) -> None: ...

    @abstractmethod
    def _mine_block(self) -> None: ...

    @abstractmethod
    def snapshot(self) -> Any:
        """An id for `revert`. A snapshot is used up by reverting to it, as on anvil."""

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None: ...

    @abstractmethod
    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        """Run a call; raise CallReverted with the revert data if it reverts."""

    def increase_time(self, seconds: int) -> int:
        """Make the next block `seconds` later than the latest one; returns its timestamp."""
        target = self.timestamp + seconds
        self.set_next_block_timestamp(target)
        return target

    def travel_to(self, timestamp: int) -> None:
        """Mine a block at `timestamp`, so that views see that time."""
        self.set_next_block_timestamp(timestamp)
        self.mine()

    def _after_revert(self) -> None:
        self._nonces.clear()
        self._next_timestamp = None

    # --- calls and transactions -----------------------------------------------------------------------------
    def _sender(self, sender: LocalAccount | None) -> LocalAccount:
        return sender if sender is not None else self.accounts[0]

    def _call_fields(self, to: str, data: bytes, sender: LocalAccount | None, value: int) -> dict[str, Any]:
        """A call's transaction fields, as `call` sends them and `trace_call` runs them."""
        return {
            "from": self._sender(sender).address,
            "to": to,
            "data": "0x" + data.hex(),
            "value": value,
            "gas": TX_GAS_LIMIT,
        }

    def call(
        self,
        to: str,
        data: bytes,
        sender: LocalAccount | None = None,
        value: int = 0,
        block: int | str = "latest",
    ) -> bytes:
        __tracebackhide__ = hide_frame
        tx = self._call_fields(to, data, sender, value)
        try:
            return self._eth_call(tx, block)
        except CallReverted as reverted:
            error = self.errors.decode(reverted.data, address=to_checksum_address(to))
            error.chain, error.call = self, (tx, block)  # what can trace it, when it is shown
            with self.console.muted():  # the call logged when it ran
                self._locate(error, self._call_revert_frames(tx, block))
            raise error from None
        finally:
            self._after_call(tx, block)

    def send(
        self,
        to: str | None,
        data: bytes,
        sender: LocalAccount | None = None,
        value: int = 0,
        gas: int | None = None,
        on_signed: OnSigned | None = None,
    ) -> TxResult:
        """Sign and send a transaction, exactly once, and wait for it; a revert raises its decoded error.
        `on_signed` sees it once signed, before it is sent.

        Inside `one_block`, the result is handed out at once and completed when the block is mined (a revert
        is raised then)."""
        __tracebackhide__ = hide_frame
        account = self._sender(sender)
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "gas": gas or TX_GAS_LIMIT,
            "maxFeePerGas": self._max_fee_per_gas,
            "maxPriorityFeePerGas": 0,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        if self._block is None:
            self._pin_block_time()
        elif self._block.gas + tx["gas"] > BLOCK_GAS_LIMIT:  # the node would leave it for a later block
            raise ValueError(f"one_block: no room for another transaction of {tx['gas']:,} gas in this block")
        else:
            self._block.gas += tx["gas"]
        try:
            if isinstance(account, Impersonated):
                if on_signed is not None:
                    raise ValueError("an impersonated transaction is not signed: it cannot be recorded before sending")
                tx_hash = self._cheats().send_as(account, tx, self._block is None)
                self._nonces.pop(account.address, None)
            else:
                tx_hash = "0x" + bytes(self._send_signed(account, tx, on_signed)).hex()
        finally:
            if self._block is None:
                self._next_timestamp = None  # the time pinned was for this transaction's block
        replay = {"from": account.address, "data": "0x" + data.hex(), "value": value, "gas": tx["gas"]}
        if to is not None:
            replay["to"] = tx["to"]
        if self._block is not None:
            result = TxResult(tx_hash=tx_hash, block_number=0, timestamp=self._block.timestamp, gas_used=0)
            self._block.sent.append((result, replay))
            return result
        mined = self._mined(tx_hash, self._receipt(tx_hash), replay)
        if isinstance(mined, Exception):
            raise mined
        return mined

    def _mined(self, tx_hash: str, receipt: Any, replay: dict[str, Any]) -> TxResult | Exception:
        """The result of a mined transaction, or its decoded revert (`replay`: the transaction as a call)."""
        reverted = receipt["status"] != 1
        self._after_mined(tx_hash)
        to = replay.get("to")
        if TRANSACTION_OBSERVERS and to is not None:
            for observe in TRANSACTION_OBSERVERS:
                observe(self, to, bytes.fromhex(replay["data"][2:]), int(receipt["gasUsed"]))
        if reverted and not self._recordings:
            return self._revert_of(replay, int(receipt["blockNumber"]), tx_hash)
        address = receipt.get("contractAddress")
        result = TxResult(
            tx_hash=tx_hash,
            block_number=int(receipt["blockNumber"]),
            timestamp=self._block_timestamp(int(receipt["blockNumber"])),
            gas_used=int(receipt["gasUsed"]),
            logs=tuple(receipt["logs"]),
            decoder=self._decode_logs,
            contract_address=to_checksum_address(address) if address else None,
            reverted=reverted,
            transaction_index=int(receipt["transactionIndex"]),
        )
        for recording in self._recordings:
            recording._add(result)
        if reverted:
            return self._revert_of(replay, result.block_number, tx_hash)
        return result

    def _decode_logs(self, logs: list[Any]) -> list[DecodedEvent]:
        return self.events.decode_all(logs)

    # --- what a step mined ------------------------------------------------------------------------------------
    @contextmanager
    def recording(self) -> Iterator[Recording]:
        """Collect every transaction (reverted ones too) and every block mined inside; recordings nest."""
        recording = Recording()
        self._recordings.append(recording)
        try:
            yield recording
        finally:
            self._recordings.remove(recording)

    def _receipt(self, tx_hash: str) -> Any:
        """Wait for the receipt, polling soon and then less often (web3's waiter sleeps 100 ms before looking,
        while anvil and the in-process chain mine at once)."""
        timeout = self.confirm_timeout
        deadline = time.monotonic() + timeout
        pauses = iter(RECEIPT_PAUSES)
        try:
            while True:
                try:
                    return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
                except TransactionNotFound:
                    pass
                if time.monotonic() > deadline:
                    raise TransactionUnconfirmedError(
                        tx_hash,
                        f"transaction {tx_hash} was sent but not mined within {timeout:g} s (see --confirm-timeout)",
                    )
                time.sleep(next(pauses, RECEIPT_PAUSES[-1]))
        except TransactionUnconfirmedError:
            raise
        except NodeUnreachableError as exc:
            raise TransactionUnconfirmedError(tx_hash, f"transaction {tx_hash} was sent, then: {exc}") from exc

    def _send_signed(self, account: LocalAccount, tx: dict[str, Any], on_signed: OnSigned | None = None) -> HexBytes:
        """Sign with the next nonce and send, exactly once; returns the transaction's hash.

        Nonces are counted locally to save a round trip per transaction. A transaction is known by its hash,
        computed here from the signed bytes: after any transport fault the node is asked what became of it
        before anything else, and only the same signed bytes are sent again (the same transaction). It is
        signed anew, with the node's nonce, only when it can never land: the node refused it outright, or
        another transaction took its nonce (something else sent from the account meanwhile)."""
        for attempt in range(2):
            nonce = self._nonces.pop(account.address, None)
            if nonce is None:
                nonce = self._pending_nonce(account.address)
            raw, tx_hash = self._sign(account, {**tx, "nonce": nonce})
            if on_signed is not None:
                on_signed(account.address, nonce, raw, tx_hash)
            try:
                delivered = self._deliver(raw, tx_hash, account.address, nonce)
            except TransactionRefused as exc:
                if attempt == 0 and "nonce" in str(exc).lower():
                    continue
                raise RpcError(f"the node refused the transaction: {exc}") from None
            if delivered:
                self._nonces[account.address] = nonce + 1
                return HexBytes(tx_hash)
        raise RpcError(f"the nonces of {account.address} keep being taken by other transactions")

    def _pending_nonce(self, address: str) -> int:
        """The account's next nonce, counting its transactions not yet mined."""
        return int(self.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]

    def _sign(self, account: LocalAccount, tx: dict[str, Any]) -> tuple[bytes, str]:
        """The signed transaction's raw bytes and its hash (0x-hex): eth-account's, made faster (chain/signing.py)."""
        signed = sign(account, tx)
        return signed.raw, "0x" + signed.hash.hex()

    def _deliver(self, raw: bytes, tx_hash: str, address: str, nonce: int) -> bool:
        """Send the signed bytes until the node has them; False if the transaction can never land. Gives up
        (TransactionUnconfirmedError) after `confirm_timeout`; or once the node has hung twice (a request it took
        and never answered, which waiting longer would only repeat); or once it is down (a look-up refused after a
        read's retries: nothing listens there, so waiting would be for nothing, and a node that comes back may
        not be the same chain). Giving up sends nothing more: the transaction stays known by its hash, settled
        (`settle`) by the next run once the node is back, never signed again."""
        deadline: float | None = None
        hung = 0
        while True:
            try:
                self._submit_raw(raw)
                return True
            except TransactionRefused as exc:
                if "already known" in str(exc).lower():
                    return True
                if deadline is None:  # the first answer: the node does not have it
                    raise
                problem: Exception = exc  # a resend refused, perhaps because the first one landed meanwhile
            except NodeUnreachableError as exc:
                problem = exc
                hung += isinstance(exc, NodeTimeoutError)
            deadline = deadline or time.monotonic() + self.confirm_timeout
            down = False
            try:
                if self._known(tx_hash):
                    return True
                if int(self.w3.eth.get_transaction_count(address, "latest")) > nonce:  # type: ignore[arg-type]
                    return self._known(tx_hash)  # mined between the two looks, or another one took the nonce
            except NodeUnreachableError as exc:
                problem = exc
                hung += isinstance(exc, NodeTimeoutError)
                down = isinstance(exc, NodeDownError)
            late = time.monotonic() > deadline
            if down or hung >= 2 or late:
                why = f" (unknown for {self.confirm_timeout:g} s; see --confirm-timeout)" if late else ""
                raise TransactionUnconfirmedError(
                    tx_hash, f"transaction {tx_hash} may or may not have reached the node{why}: {problem}"
                ) from problem
            time.sleep(RESEND_PAUSE)  # then the same signed bytes again: at most the same transaction

    def settle(self, raw: bytes, tx_hash: str, sender: str, nonce: int) -> Any | None:
        """The receipt of a transaction sent earlier, perhaps by a process that gave up on it: looked up by its
        hash, the same signed bytes sent again if the node lost them (at most the same transaction), then waited
        for. None when it can never land: the node refuses it, or another transaction took its nonce."""
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            pass
        try:
            delivered = self._deliver(raw, tx_hash, sender, nonce)
        except TransactionRefused:
            delivered = self._known(tx_hash)  # mined between the two looks, else refused: not in the pool
        return self._receipt(tx_hash) if delivered else None

    def _known(self, tx_hash: str) -> bool:
        """Whether the node has the transaction, mined or pending."""
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def _submit_raw(self, raw: bytes) -> None:
        """Hand signed bytes to the node once. Raises TransactionRefused when it answers that it will not take
        them, NodeUnreachableError when it gives no answer (they may or may not have arrived)."""
        try:
            self.w3.eth.send_raw_transaction(raw)
        except NodeError:
            raise
        except Exception as exc:  # the node's answer: it will not take this transaction
            raise TransactionRefused(str(exc)) from exc

    def _revert_of(self, replay: dict[str, Any], block_number: int, tx_hash: str) -> Exception:
        # A reverted transaction changed nothing but its sender's nonce and balance. A call on top of its block,
        # with that block's timestamp, takes the same path when nothing after it in the block changed state:
        # it was alone in its block, or the ones after it reverted too, or it came last (`one_block` raises the
        # first revert of a block, and an approve-then-act block reverts in its last transaction).
        with self.console.muted():  # the transaction logged when it ran
            data, frames = self._replay_revert(replay, block_number, tx_hash)
        error = (
            self.errors.decode(data, tx_hash, replay.get("to"))
            if data is not None
            else self.errors.decode(b"", tx_hash)
        )
        self._locate(error, frames)
        error.chain = self  # what can trace it, when it is shown (`s4chain.chain.trace.revert_traces`)
        return error

    # --- where a revert happened ------------------------------------------------------------------------------
    def _replay_revert(
        self, tx: dict[str, Any], block: int | str, tx_hash: str | None
    ) -> tuple[bytes | None, RevertFrames | None]:
        """Run a transaction that reverted as a call on top of its block: its revert data (None when the call does
        not revert) and how to find the frames that reverted (None: this chain cannot tell)."""
        try:
            self._eth_call(tx, block)
        except CallReverted as reverted:
            return reverted.data, None
        return None, None

    def _call_revert_frames(self, tx: dict[str, Any], block: int | str) -> RevertFrames | None:
        """How to find the frames of a call that just reverted (None: this chain cannot tell)."""
        return None

    def _locate(self, error: ContractRevert, frames: RevertFrames | None) -> None:
        if frames is None:
            return
        sources = self.sources
        error.locate(
            lambda: [
                where
                for frame in frames()
                if (where := sources.locate_revert(frame.code, frame.creation, frame.trail)) is not None
            ]
        )

    # --- several transactions in one block ------------------------------------------------------------------
    @contextmanager
    def one_block(self) -> Iterator[PendingBlock]:
        """Put every transaction sent inside the block into one block, mined at its end, at the time set for
        the next block (one second after the latest one if none was set). Each send returns its TxResult at
        once, completed when the block is mined; the first revert among them is raised then. Nested blocks
        are one."""
        __tracebackhide__ = hide_frame
        if self._block is not None:
            yield self._block
            return
        if self._next_timestamp is None:
            self.set_next_block_timestamp(self.timestamp + 1)
        assert self._next_timestamp is not None
        block = PendingBlock(self._next_timestamp)
        self._set_automine(False)
        self._block = block
        try:
            yield block
        except BaseException:
            self._block = None
            with suppress(NodeError):  # a node gone mid-block: the body's error says more (which transaction)
                self._close_block(block)
                if self._recordings:  # what the block holds is mined all the same
                    for result, replay in block.sent:
                        self._mined(result.tx_hash, self._receipt(result.tx_hash), replay)
            raise
        self._block = None
        self._close_block(block)
        first_revert: Exception | None = None
        for result, replay in block.sent:
            mined = self._mined(result.tx_hash, self._receipt(result.tx_hash), replay)
            if isinstance(mined, Exception):
                first_revert = first_revert or mined
            else:
                result._complete(mined)
        if first_revert is not None:
            raise first_revert

    def _close_block(self, block: PendingBlock) -> None:
        """Mine what was sent into the block, and mine each transaction at once again."""
        try:
            if block.sent:
                self._mine_block()
                self._next_timestamp = None
        finally:
            self._set_automine(True)

    @abstractmethod
    def _set_automine(self, on: bool) -> None:
        """Mine a block for each transaction (on), or keep them for the next `_mine_block` (off)."""

    def mine_left_pending(self) -> None:
        """Turn automining back on. A process killed inside `one_block` leaves a node with automining off and
        its transactions pending, which survive a revert to a snapshot (anvil keeps its pool): they are mined
        now, so that reverting to a snapshot taken before them undoes them, and no step lands twice."""
        self._set_automine(True)

    # --- contracts ------------------------------------------------------------------------------------------
    def _artifact(self, contract: str | Artifact) -> Artifact:
        return contract if isinstance(contract, Artifact) else self.artifacts.get(contract)

    def deploy(
        self, contract: str | Artifact, *args: Any, sender: LocalAccount | None = None, value: int = 0
    ) -> Contract:
        """Deploy a compiled contract by name (or artifact) and return it; `deployment` holds the receipt.

        Inside `deploying_with(strategy)`, returns `strategy(request)` instead (see `DeployRequest`)."""
        __tracebackhide__ = hide_frame
        request = DeployRequest(self, self._artifact(contract), args, sender, value)
        if self._strategies:
            return self._strategies[-1](request)
        return request.proceed()

    @contextmanager
    def deploying_with(self, strategy: DeployStrategy) -> Iterator[None]:
        """Route every `deploy` inside through `strategy` (the innermost one, when they nest)."""
        self._strategies.append(strategy)
        try:
            yield
        finally:
            self._strategies.pop()

    def _deploy_artifact(
        self,
        artifact: Artifact,
        args: tuple[Any, ...],
        sender: LocalAccount | None,
        value: int,
        on_signed: OnSigned | None = None,
    ) -> Contract:
        __tracebackhide__ = hide_frame
        if not artifact.is_deployable:
            raise DeploymentError(f"{artifact.fully_qualified_name} is abstract or an interface: nothing to deploy")
        if "__$" in artifact.bytecode:
            raise DeploymentError(
                f"{artifact.fully_qualified_name} needs linked libraries, which s4chain does not link"
            )
        self.register_abi(artifact.abi)
        self.sources.add(artifact)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*as_address(args)).data_in_transaction
        result = self.send(None, bytes.fromhex(data[2:]), sender=sender, value=value, on_signed=on_signed)
        assert result.contract_address is not None
        self._register_contract(artifact, result.contract_address)
        for observe in TRANSACTION_OBSERVERS:  # deployments are never in `one_block`: its gas is known
            observe(self, result.contract_address, None, result.gas_used)
        return Contract(self, result.contract_address, artifact.abi, artifact.contract_name, deployment=result)

    def at(self, contract: str | Artifact, address: str) -> Contract:
        """The contract of that name already deployed at `address`."""
        artifact = self._artifact(contract)
        self.sources.add(artifact)
        self._register_contract(artifact, to_checksum_address(address))
        return Contract(self, address, artifact.abi, artifact.contract_name)

    def get_events(
        self, from_block: int = 0, to_block: int | str = "latest", address: str | None = None
    ) -> list[DecodedEvent]:
        """Every decodable event in a block range, optionally of one contract."""
        params: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block}
        if address is not None:
            params["address"] = to_checksum_address(address)
        return self.events.decode_all(list(self.w3.eth.get_logs(params)))  # type: ignore[arg-type]

    # --- call traces and console.log (chain/trace.py) -------------------------------------------------------------
    def trace(self, tx_hash: str) -> CallTrace:
        """The call trace of a mined transaction (`str()` of it reads like `forge test -vvvv`); TraceUnavailable
        when the chain cannot trace it."""
        frame, note = self._trace_transaction_frame(tx_hash)
        return CallTrace(frame, TraceNames(self), tx_hash, note)

    def trace_call(
        self,
        to: str,
        data: bytes,
        sender: LocalAccount | None = None,
        value: int = 0,
        block: int | str = "latest",
    ) -> CallTrace:
        """The call trace of a call, as `call` would run it (nothing is sent)."""
        return self.trace_call_fields(self._call_fields(to, data, sender, value), block)

    def trace_call_fields(self, tx: dict[str, Any], block: int | str = "latest") -> CallTrace:
        """The call trace of a call given as transaction fields (`from`, `to`, `data`, `value`, `gas`)."""
        frame, note = self._trace_call_frame(tx, block)
        return CallTrace(frame, TraceNames(self), None, note)

    @contextmanager
    def tracing(self) -> Iterator[list[CallTrace]]:
        """The traces of every transaction mined inside, in chain order, filled in when the block ends (a revert
        that ends it included)."""
        traces: list[CallTrace] = []
        with self.recording() as recording:
            try:
                yield traces
            finally:
                traces.extend(self.trace(result.tx_hash) for result in recording.transactions)

    def _trace_transaction_frame(self, tx_hash: str) -> tuple[CallFrame, str | None]:
        """The transaction's frames, and a note when they were not obtained the plain way."""
        raise TraceUnavailable(f"the {self.backend_name} chain cannot trace transactions")

    def _trace_call_frame(self, tx: dict[str, Any], block: int | str) -> tuple[CallFrame, str | None]:
        raise TraceUnavailable(f"the {self.backend_name} chain cannot trace calls")

    def _after_mined(self, tx_hash: str) -> None:  # a hook: nothing to do by default
        """Called for every transaction mined (a node's console.log is read from its trace there)."""

    def _after_call(self, tx: dict[str, Any], block: int | str) -> None:  # a hook, as above
        """Called after every call, reverted or not."""
