"""Call traces: the tree of calls a transaction or a call made, decoded with the ABIs the chain knows, and shown
the way `forge test -vvvv` shows them.

Both backends give the same model, `CallFrame`: the in-process chain by running the transaction again on py-evm
(`chain.trace_pyevm`), a node through `debug_traceTransaction`/`debug_traceCall` with geth's `callTracer`
(`chain.trace_rpc`). `CallTrace` pairs a frame with what names its parts: the contract at each address (a contract
deployed or looked up through the chain, else the compiled artifact whose runtime code it runs), each function and
its arguments from that ABI, returns, reverts (decoded as the chain decodes them) and events.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_abi_to_4byte_selector, to_checksum_address

from s4chain.chain.contract import type_string
from s4chain.chain.trace_console import CONSOLE_ADDRESS, format_console

if TYPE_CHECKING:
    from s4chain.chain.events import EventRegistry
    from s4chain.chain.reverts import ErrorRegistry
    from s4chain.compiler.artifacts import Artifact, ArtifactStore


class TracedChain(Protocol):
    """What naming a trace needs of its chain (`s4chain.chain.base.Chain` is one)."""

    known_contracts: dict[str, Artifact]
    artifacts: ArtifactStore
    errors: ErrorRegistry
    events: EventRegistry

    def code_at(self, address: str) -> bytes: ...

    def trace(self, tx_hash: str) -> CallTrace: ...

    def trace_call_fields(self, tx: dict[str, Any], block: int | str = "latest") -> CallTrace: ...


class TraceUnavailable(Exception):
    """The chain cannot trace this transaction (a node without the debug API, or without the state it needs)."""


@dataclass
class TraceLog:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    position: int = 0  # how many of its frame's calls came before it


@dataclass
class CallFrame:
    """One call or contract creation, with the ones it made. `gas_used` of the outermost frame is the
    transaction's (intrinsic gas included, refunds deducted), as the receipt says; the others' are what the
    call itself used."""

    kind: str  # CALL, STATICCALL, DELEGATECALL, CALLCODE, CREATE, CREATE2
    sender: str
    to: str  # the address called, or the one created
    value: int
    gas: int
    gas_used: int
    input: bytes  # calldata, or the init code of a creation
    output: bytes  # return or revert data, or the runtime code created
    error: str | None = None  # "execution reverted", "out of gas", ... (None: it succeeded)
    logs: list[TraceLog] = field(default_factory=list)
    calls: list[CallFrame] = field(default_factory=list)

    @property
    def reverted(self) -> bool:
        return self.error is not None

    def walk(self) -> list[CallFrame]:
        """This frame and every frame under it, in the order they ran."""
        return [self, *(frame for call in self.calls for frame in call.walk())]

    def shape(self) -> tuple[Any, ...]:
        """What two backends must agree on: kinds, addresses, values, calldata, outputs, gas below the outermost
        frame, whether each failed, logs, and the same of every call under it."""
        logs = tuple((log.address, log.topics, log.data, log.position) for log in self.logs)
        calls = tuple(call.shape() for call in self.calls)
        return (self.kind, self.sender, self.to, self.value, self.input, self.output, self.reverted, logs, calls)


def canonical_error(error: str) -> str:
    """One spelling of a failure for both backends."""
    lowered = error.lower().replace(" ", "")
    if "revert" in lowered:
        return "execution reverted"
    if "outofgas" in lowered:
        return "out of gas"
    return error


# --- naming what a trace shows ---------------------------------------------------------------------------------
def _differences(code: bytes, compiled: bytes) -> int:
    """Bytes where deployed code differs from compiled code, leaving out the compiled zeros that immutables fill."""
    return sum(a != b for a, b in zip(code, compiled, strict=True) if b)


# Differing bytes tolerated beyond immutables: the metadata hash of a build from other source paths or settings.
_METADATA_BYTES = 64


class TraceNames:
    """What the chain knows to name a trace's parts: contracts by address, functions by selector."""

    def __init__(self, chain: TracedChain) -> None:
        self.chain = chain
        self._contracts: dict[str, Artifact | None] = {}
        self._compiled: list[tuple[bytes, Artifact]] | None = None

    def _runtime_codes(self) -> list[tuple[bytes, Artifact]]:
        if self._compiled is None:
            artifacts = [*self.chain.known_contracts.values(), *self.chain.artifacts]
            self._compiled = [
                (bytes.fromhex(a.deployed_bytecode.removeprefix("0x")), a)
                for a in artifacts
                if len(a.deployed_bytecode) > 2 and "__$" not in a.deployed_bytecode
            ]
        return self._compiled

    def artifact(self, address: str, code: bytes | None = None) -> Artifact | None:
        """The artifact of the contract at `address`: the one the chain deployed or looked up there, else the
        compiled one whose runtime code its code is (the same length, equal but for immutables and metadata)."""
        if address in self.chain.known_contracts:
            return self.chain.known_contracts[address]
        if address not in self._contracts:
            if code is None:
                code = self.chain.code_at(address)
            alike = [
                (_differences(code, compiled), artifact)
                for compiled, artifact in self._runtime_codes()
                if len(compiled) == len(code) and code
            ]
            best = min(alike, key=lambda pair: pair[0], default=None)
            close = best is not None and best[0] <= min(_METADATA_BYTES, len(code) // 10)
            self._contracts[address] = best[1] if best is not None and close else None
        return self._contracts[address]

    def creation(self, init_code: bytes) -> tuple[Artifact, bytes] | None:
        """The artifact whose creation code `init_code` starts with, and the constructor arguments after it."""
        for artifact in [*self.chain.known_contracts.values(), *self.chain.artifacts]:
            compiled = bytes.fromhex(artifact.bytecode.removeprefix("0x"))
            if len(compiled) > 0 and init_code[: len(compiled)] == compiled:
                return artifact, init_code[len(compiled) :]
        return None

    def function(self, artifact: Artifact | None, selector: bytes) -> dict[str, Any] | None:
        """The ABI entry of the function with this selector: of `artifact`, else of any compiled contract."""
        abis = [artifact.abi] if artifact is not None else []
        abis += [a.abi for a in self.chain.artifacts]
        for abi in abis:
            for entry in abi:
                if entry.get("type") == "function" and function_abi_to_4byte_selector(entry) == selector:  # type: ignore[arg-type]
                    return entry
        return None


def _value(kind: str, value: Any) -> str:
    if kind == "address":
        return to_checksum_address(value)
    if kind == "string":
        return json.dumps(value, ensure_ascii=False)
    if kind == "bool":
        return "true" if value else "false"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):  # an array (of its element type) or a struct (its fields shown plainly)
        inner = re.sub(r"\[\d*\]$", "", kind) if kind.endswith("]") else ""
        return ("[{}]" if inner else "({})").format(", ".join(_value(inner, v) for v in value))
    return _show_arg(value)


def _decoded(params: list[dict[str, Any]], data: bytes, named: bool) -> str | None:
    """ABI values as `a, b` (or `name: a, name: b`); None when they do not decode."""
    kinds = [type_string(p) for p in params]
    try:
        values = abi_decode(kinds, data)
    except (DecodingError, ValueError, OverflowError):
        return None
    shown = [_value(kind, value) for kind, value in zip(kinds, values, strict=True)]
    if named:
        shown = [f"{p.get('name') or f'arg{i}'}: {text}" for i, (p, text) in enumerate(zip(params, shown, strict=True))]
    return ", ".join(shown)


# --- rendering ----------------------------------------------------------------------------------------------------
_STYLES = {"ok": "32", "fail": "31", "event": "36", "gas": "2", "note": "33"}


@dataclass
class CallTrace:
    """A decoded call trace; `str()` is its text, `render(color=True)` with colours for a terminal."""

    frame: CallFrame
    names: TraceNames = field(repr=False, compare=False)
    tx_hash: str | None = None
    note: str | None = None  # how it was obtained, when that is not the plain way (a replay as a call, say)

    def __str__(self) -> str:
        return self.render()

    @property
    def console(self) -> list[str]:
        """The console.log lines of the traced execution, in order."""
        return [format_console(f.input) for f in self.frame.walk() if f.to == CONSOLE_ADDRESS]

    def render(self, color: bool = False) -> str:
        lines: list[str] = []
        if self.tx_hash is not None or self.note is not None:
            head = f"Trace of {self.tx_hash}" if self.tx_hash is not None else "Trace"
            lines.append(head + (f" ({self.note})" if self.note else "") + ":")
        self._frame(self.frame, "", "", lines, self._styler(color))
        return "\n".join(lines)

    @staticmethod
    def _styler(color: bool) -> Any:
        if not color:
            return lambda _style, text: text
        return lambda style, text: f"\x1b[{_STYLES[style]}m{text}\x1b[0m"

    def _frame(self, frame: CallFrame, first: str, rest: str, lines: list[str], paint: Any) -> None:
        lines.append(first + self._call_line(frame, paint))
        items: list[tuple[int, int, Any]] = [(log.position, 0, log) for log in frame.logs]
        items += [(index, 1, call) for index, call in enumerate(frame.calls)]
        items.sort(key=lambda item: (item[0], item[1]))
        children = [item[2] for item in items]
        result = self._result_line(frame, paint)
        for index, child in enumerate([*children, result]):
            last = index == len(children)
            branch, below = ("└─ ", "    ") if last else ("├─ ", "│   ")
            if isinstance(child, CallFrame):
                self._frame(child, rest + branch, rest + below, lines, paint)
            elif isinstance(child, TraceLog):
                lines.append(rest + branch + paint("event", self._event(child)))
            else:
                lines.append(rest + branch + child)

    def _call_line(self, frame: CallFrame, paint: Any) -> str:
        style = "fail" if frame.reverted else "ok"
        gas = paint("gas", f"[{frame.gas_used}]")
        value = f"{{value: {frame.value}}}" if frame.value else ""
        if frame.to == CONSOLE_ADDRESS:
            text = json.dumps(format_console(frame.input), ensure_ascii=False)
            return f"{gas} {paint(style, 'console')}::log({text}) {paint('note', '[staticcall]')}"
        if frame.kind.startswith("CREATE"):
            created = self.names.creation(frame.input)
            name = created[0].contract_name if created else "<unknown contract>"
            arguments = ""
            if created is not None:
                constructor = next((e for e in created[0].abi if e.get("type") == "constructor"), None)
                if constructor is not None and constructor.get("inputs"):
                    arguments = _decoded(constructor["inputs"], created[1], False) or f"0x{created[1].hex()}"
            kind = "new" if frame.kind == "CREATE" else "new (create2)"
            return f"{gas} → {kind} {paint(style, name)}@{frame.to}{value}({arguments})"
        artifact = self.names.artifact(frame.to, None)
        contract = artifact.contract_name if artifact is not None else frame.to
        note = {"STATICCALL": " [staticcall]", "DELEGATECALL": " [delegatecall]", "CALLCODE": " [callcode]"}
        suffix = paint("note", note[frame.kind].strip()) if frame.kind in note else ""
        suffix = " " + suffix if suffix else ""
        if not frame.input:
            return f"{gas} {paint(style, contract)}::{{receive}}{value}(){suffix}"
        entry = self.names.function(artifact, frame.input[:4]) if len(frame.input) >= 4 else None
        if entry is None:
            return f"{gas} {paint(style, contract)}::{{fallback}}{value}(0x{frame.input.hex()}){suffix}"
        decoded = _decoded(entry.get("inputs", []), frame.input[4:], False)
        shown = decoded if decoded is not None else f"0x{frame.input[4:].hex()}"
        return f"{gas} {paint(style, contract)}::{entry['name']}{value}({shown}){suffix}"

    def _result_line(self, frame: CallFrame, paint: Any) -> str:
        if frame.reverted:
            if frame.error == "execution reverted":
                revert = self.names.chain.errors.decode(frame.output, address=frame.to)
                return paint("fail", "← [Revert] ") + revert.message.removeprefix("reverted with ")
            return paint("fail", f"← [{frame.error}]")
        if frame.kind.startswith("CREATE"):
            return paint("ok", "← [Return] ") + f"{len(frame.output)} bytes of code"
        if not frame.output:
            return paint("ok", "← [Stop]")
        entry = None
        if frame.to != CONSOLE_ADDRESS and len(frame.input) >= 4:
            entry = self.names.function(self.names.artifact(frame.to, None), frame.input[:4])
        shown = _decoded(entry.get("outputs", []), frame.output, False) if entry is not None else None
        return paint("ok", "← [Return] ") + (shown if shown is not None else f"0x{frame.output.hex()}")

    def _event(self, log: TraceLog) -> str:
        raw = {
            "address": log.address,
            "topics": list(log.topics),
            "data": log.data,
            "logIndex": 0,
            "transactionIndex": 0,
            "transactionHash": b"\x00" * 32,
            "blockHash": b"\x00" * 32,
            "blockNumber": 0,
        }
        event = self.names.chain.events.decode(raw)
        if event is None:
            topics = ", ".join("0x" + t.hex() for t in log.topics)
            return f"emit <unknown event>(topics: [{topics}], data: 0x{log.data.hex()})"
        shown = ", ".join(f"{key}: {_show_arg(value)}" for key, value in event.args.items())
        return f"emit {event.name}({shown})"


def _show_arg(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return value if value.startswith("0x") and len(value) == 42 else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_all(traces: list[CallTrace], color: bool = False) -> str:
    return "\n".join(trace.render(color) for trace in traces)


def revert_trace(exc: BaseException | None, color: bool = False) -> str | None:
    """The rendered trace of the first reverted transaction or call in an exception's chain (its causes and
    contexts); None when there is none, the reason when it cannot be traced."""
    from s4chain.chain.reverts import ContractRevert

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, ContractRevert) and exc.chain is not None and (exc.tx_hash or exc.call):
            chain: TracedChain = exc.chain
            try:
                if exc.tx_hash is not None:
                    return chain.trace(exc.tx_hash).render(color)
                assert exc.call is not None
                return chain.trace_call_fields(*exc.call).render(color)
            except TraceUnavailable as unavailable:
                return f"no trace of {exc.tx_hash or 'the call'}: {unavailable}"
        exc = exc.__cause__ or exc.__context__
    return None
