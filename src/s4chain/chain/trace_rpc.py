"""Call traces and console.log on a JSON-RPC node (anvil), from geth's `callTracer` with its logs.

A node answers `debug_traceTransaction` only while it has the state before the transaction: anvil started with
a bare `--prune-history` keeps none, so s4chain starts it with `--prune-history 8` (the last blocks stay
traceable; `s4chain node --keep-history` keeps all). A reverted transaction whose state is gone is traced as a call
on top of its block, as its revert was decoded (the trace says so).

console.log on a node is read from the traces: when the chain's compiled contracts call the console, every
transaction sent and every call made is traced once more and its console calls go to the chain's buffer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from s4chain.chain.errors import RpcError
from s4chain.chain.reverts import RevertFrame
from s4chain.chain.trace import CallFrame, TraceLog, TraceUnavailable, canonical_error
from s4chain.chain.trace_console import CONSOLE_ADDRESS, ConsoleBuffer, uses_console

TRACER = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}


def _bytes(text: str | None) -> bytes:
    return bytes.fromhex(text.removeprefix("0x")) if text else b""


def _int(text: str | int | None) -> int:
    return int(text, 16) if isinstance(text, str) else int(text or 0)


def frame_of(trace: dict[str, Any]) -> CallFrame:
    """A callTracer frame as a CallFrame."""
    kind = str(trace.get("type", "CALL")).upper()
    logs = [
        TraceLog(
            to_checksum_address(log["address"]),
            tuple(_bytes(topic) for topic in log.get("topics", [])),
            _bytes(log.get("data")),
            _int(log.get("position")),
        )
        for log in trace.get("logs") or []
    ]
    error = trace.get("error")
    return CallFrame(
        kind=kind,
        sender=to_checksum_address(trace["from"]),
        to=to_checksum_address(trace["to"]) if trace.get("to") else "",
        value=0 if kind in ("STATICCALL", "DELEGATECALL") else _int(trace.get("value")),
        gas=_int(trace.get("gas")),
        gas_used=_int(trace.get("gasUsed")),
        input=_bytes(trace.get("input")),
        output=_bytes(trace.get("output")),
        error=canonical_error(str(error)) if error else None,
        logs=logs,
        calls=[frame_of(call) for call in trace.get("calls") or []],
    )


def _console_calls(frame: CallFrame) -> list[bytes]:
    return [f.input for f in frame.walk() if f.to == CONSOLE_ADDRESS]


class RpcTracing:
    """What `RpcChain` adds for traces and console.log (it is the first base of that class)."""

    console: ConsoleBuffer
    known_contracts: dict[str, Any]
    artifacts: Any

    if TYPE_CHECKING:

        def request(self, method: str, params: list[Any]) -> Any: ...  # RpcChain's

    def _trace_transaction_frame(self, tx_hash: str) -> tuple[CallFrame, str | None]:
        try:
            answer = self.request("debug_traceTransaction", [tx_hash, TRACER])
            problem: Exception | None = None
        except RpcError as exc:
            answer, problem = None, exc
        if isinstance(answer, dict) and "from" in answer:
            return frame_of(answer), None
        receipt = self.request("eth_getTransactionReceipt", [tx_hash])
        if receipt is None:  # anvil answers an unknown hash with an empty trace of another tracer
            raise TraceUnavailable(f"no mined transaction {tx_hash} on this chain") from problem
        if _int(receipt.get("status")) == 1:
            raise TraceUnavailable(
                f"the node cannot trace {tx_hash} ({problem or 'no call trace'}); it keeps no state from before "
                "its block (anvil --prune-history): start it with `s4chain node --keep-history`"
            ) from problem
        # A reverted transaction changed nothing but its sender's nonce and balance: as a call on its block.
        tx = self.request("eth_getTransactionByHash", [tx_hash])
        call = {key: tx[key] for key in ("from", "to", "input", "value", "gas") if tx.get(key) is not None}
        frame, _ = self._trace_call_frame(call, _int(receipt["blockNumber"]))
        frame.gas_used = _int(receipt["gasUsed"])
        return frame, "replayed as a call on its block: the node keeps no state from before it"

    def _trace_call_frame(self, tx: dict[str, Any], block: int | str) -> tuple[CallFrame, str | None]:
        params = {
            k: hex(v) if isinstance(v, int) else "0x" + v.hex() if isinstance(v, bytes) else v for k, v in tx.items()
        }
        block_id = hex(block) if isinstance(block, int) else block
        try:
            return frame_of(self.request("debug_traceCall", [params, block_id, TRACER])), None
        except RpcError as exc:
            raise TraceUnavailable(f"the node cannot trace the call: {exc}") from exc

    # --- console.log ------------------------------------------------------------------------------------------
    _console_checked: tuple[int, bool] = (-1, False)

    def _console_in_use(self) -> bool:
        """Whether a contract the chain knows calls the console (checked again when it learns of another)."""
        known = len(self.known_contracts)
        if self._console_checked[0] != known:
            codes = [a.deployed_bytecode for a in (*self.artifacts, *self.known_contracts.values())]
            self._console_checked = (known, any(uses_console(code) for code in codes))
        return self._console_checked[1]

    def _after_mined(self, tx_hash: str) -> None:
        if self._console_in_use():
            try:
                frame, _ = self._trace_transaction_frame(tx_hash)
            except TraceUnavailable as exc:
                self.console.add_note(f"console.log of {tx_hash} not read: {exc}", tx_hash)
                return
            for data in _console_calls(frame):
                self.console.add(data, tx_hash)

    def _after_call(self, tx: dict[str, Any], block: int | str) -> None:
        if self._console_in_use():
            try:
                frame, _ = self._trace_call_frame(tx, block)
            except TraceUnavailable as exc:
                self.console.add_note(f"console.log of a call not read: {exc}")
                return
            for data in _console_calls(frame):
                self.console.add(data)


class NodeRevertFrames:
    """For a JSON-RPC node (anvil): the frames of a revert from the node's traces, fetched only when the source
    lines are first shown (a revert that is expected costs nothing): the call tree (`callTracer`) tells which
    frames the revert bubbled up through and their code, the struct logs (without stack, memory and storage) the
    program counters each ran."""

    request: Callable[[str, list[Any]], Any]

    def _replay_revert(
        self, tx: dict[str, Any], block: int | str, tx_hash: str | None
    ) -> tuple[bytes | None, Callable[[], tuple[RevertFrame, ...]] | None]:
        data, _ = super()._replay_revert(tx, block, tx_hash)  # type: ignore[misc]
        return data, None if data is None else self._call_revert_frames(tx, block)

    def _call_revert_frames(self, tx: dict[str, Any], block: int | str) -> Callable[[], tuple[RevertFrame, ...]] | None:
        # The call is traced rather than the transaction: s4chain starts anvil with --prune-history, which keeps
        # no traces of mined transactions. A call on top of the block is how the revert data was found too.
        number = int(self.request("eth_blockNumber", []), 16) if block == "latest" else int(block)
        call = {k: hex(v) if isinstance(v, int) else v for k, v in tx.items()}
        return lambda: self._node_frames("debug_traceCall", [call, hex(number)], tx, number)

    def _node_frames(
        self, method: str, params: list[Any], tx: dict[str, Any], block: int | str
    ) -> tuple[RevertFrame, ...]:
        quiet = {"disableStack": True, "disableStorage": True, "disableMemory": True, "enableMemory": False}
        steps = self.request(method, [*params, quiet]).get("structLogs") or []
        tree = self.request(method, [*params, {"tracer": "callTracer"}])
        chain = [tree]  # the frames the revert bubbled up through, outermost first
        while chain[-1].get("calls") and chain[-1]["calls"][-1].get("error"):
            last = chain[-1]["calls"][-1]
            if last.get("output", "0x") != chain[-1].get("output", "0x"):
                break
            chain.append(last)
        if not steps:
            return ()
        base = int(steps[0]["depth"])
        frames = []
        end = len(steps)
        for depth, call in enumerate(chain, start=base):
            last = next((i for i in range(end - 1, -1, -1) if int(steps[i]["depth"]) == depth), None)
            if last is None:
                break
            trail, i = [], last
            while i >= 0 and int(steps[i]["depth"]) >= depth:
                if int(steps[i]["depth"]) == depth:
                    trail.append(int(steps[i]["pc"]))
                i -= 1
            end = last
            creation = call.get("type") in ("CREATE", "CREATE2")
            if creation:
                code = bytes.fromhex(str(call.get("input", "0x"))[2:])
            else:
                address = call.get("to") or tx.get("to")
                at = hex(block) if isinstance(block, int) else block
                code = bytes.fromhex(str(self.request("eth_getCode", [address, at]))[2:])
            frames.append(RevertFrame(code, creation, tuple(reversed(trail))))
        return tuple(reversed(frames))
