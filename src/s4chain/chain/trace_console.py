"""`console.log` from contracts: Hardhat's interface, decoded the way Hardhat's and Foundry's nodes print it.

A contract that imports `s4chain/console.sol` (or Hardhat's `hardhat/console.sol`) and calls `console.log(...)`
makes a static call to `CONSOLE_ADDRESS`, an account without code, with the ABI encoding of one `log(...)`
signature. The chains catch those calls (`chain.trace_pyevm` as they run, `chain.trace_rpc` from the node's call
traces) and keep them in the chain's `ConsoleBuffer`, from which the replay shows them under the step that made
them (or under its deployment). The pytest plugin reads every live buffer of the process (`drain_every_chain`): a
test's own chain logs under the test too, even one gone by the time the test ends.

`SIGNATURES` is the one list of the interface: `console.sol` is written from it (`render_console_sol`, by
`scripts/console_sol.py`; a test checks the shipped file is its output) and the decoder reads it. Hardhat's older
`console.sol` spelled `uint`/`int` in its signatures (other selectors): those decode too.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count, product
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak, to_checksum_address

CONSOLE_ADDRESS = to_checksum_address("0x000000000000000000636f6e736f6c652e6c6f67")
_CONSOLE_SIGNIFICANT = b"console.log"  # the address without its leading zero bytes, as code pushes it
# Lines kept until read (a script that never reads them must not grow without end); the ones past it are counted.
MAX_LINES = 10_000

_COMBINED = ("uint256", "string", "bool", "address")  # the types of log() with 2 to 4 arguments
_SINGLE = ("uint256", "int256", "string", "bool", "address")
_NAMED = {
    "Int": "int256",
    "Uint": "uint256",
    "String": "string",
    "Bool": "bool",
    "Address": "address",
    "Bytes": "bytes",
}
_NAMED.update({f"Bytes{n}": f"bytes{n}" for n in range(1, 33)})


def _signatures() -> list[tuple[str, tuple[str, ...]]]:
    """(function name in console.sol, parameter types); the payload's signature is always `log(types)`."""
    found: list[tuple[str, tuple[str, ...]]] = [("log", ())]
    found += [(f"log{suffix}", (kind,)) for suffix, kind in _NAMED.items()]
    found += [("log", (kind,)) for kind in _SINGLE]
    for arity in (2, 3, 4):
        found += [("log", kinds) for kinds in product(_COMBINED, repeat=arity)]
    return found


SIGNATURES = _signatures()


def _selector(kinds: tuple[str, ...]) -> bytes:
    return keccak(text=f"log({','.join(kinds)})")[:4]


def _legacy(kind: str) -> str:
    return {"uint256": "uint", "int256": "int"}.get(kind, kind)


def _decoders() -> dict[bytes, tuple[str, ...]]:
    table: dict[bytes, tuple[str, ...]] = {}
    for _, kinds in SIGNATURES:
        table[_selector(kinds)] = kinds
        table.setdefault(_selector(tuple(_legacy(k) for k in kinds)), kinds)
    return table


_DECODERS = _decoders()
_SPECIFIER = re.compile(r"%[sdioxe%]")


def _shown(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def format_console(data: bytes) -> str:
    """One console.log call's text: its arguments joined by spaces, `%s`, `%d`, `%i`, `%o`, `%x`, `%e` in a first
    string argument replaced by the following ones (as Hardhat and Foundry print them). Calldata that is no known
    log signature is shown as hex, not dropped."""
    kinds = _DECODERS.get(bytes(data[:4]))
    if kinds is None:
        return f"<console call with unknown data 0x{bytes(data).hex()}>"
    try:
        values = abi_decode(list(kinds), bytes(data[4:]))
    except DecodingError:
        return f"<console call with undecodable data 0x{bytes(data).hex()}>"
    shown = [_shown(kind, value) for kind, value in zip(kinds, values, strict=True)]
    if not shown or kinds[0] != "string" or "%" not in shown[0]:
        return " ".join(shown)
    rest = iter(zip(kinds[1:], values[1:], shown[1:], strict=True))

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        item = next(rest, None)
        if item is None:
            return match.group(0)
        _, value, text = item
        if match.group(0) == "%x" and isinstance(value, int) and not isinstance(value, bool):
            return hex(value)
        if match.group(0) == "%e" and isinstance(value, int) and not isinstance(value, bool):
            return f"{value:e}"
        return text

    head = _SPECIFIER.sub(substitute, shown[0])
    return " ".join([head, *(text for _, _, text in rest)])


def uses_console(bytecode: str | bytes) -> bool:
    """Whether compiled code calls the console (its address is a constant in the code of a contract that does)."""
    if isinstance(bytecode, str):
        return _CONSOLE_SIGNIFICANT.hex() in bytecode.lower()
    return _CONSOLE_SIGNIFICANT in bytecode


@dataclass(frozen=True)
class ConsoleLine:
    text: str
    tx_hash: str | None = None  # the transaction that logged it (None: a call, or not known)

    def __str__(self) -> str:
        return self.text


class ConsoleBuffer:
    """The console.log lines a chain caught and nobody has read yet (`drain()` takes them)."""

    def __init__(self) -> None:
        self._lines: list[ConsoleLine] = []  # the same list for the buffer's life: its finalizer holds it
        self.dropped = 0  # lines past MAX_LINES, counted in the next drain
        self._muted = 0
        self.created = next(_MADE)
        _LIVE.add(self)
        weakref.finalize(self, _orphan, self._lines)  # a chain collected unread leaves its lines behind

    def add(self, data: bytes, tx_hash: str | None = None) -> None:
        """One call to the console address (its calldata), unless muted."""
        if self._muted:
            return
        if len(self._lines) >= MAX_LINES:
            self.dropped += 1
            return
        self._lines.append(ConsoleLine(format_console(data), tx_hash))

    def add_note(self, text: str, tx_hash: str | None = None) -> None:
        """A line saying what could not be read (console.log is never dropped without a word)."""
        self._lines.append(ConsoleLine(f"<{text}>", tx_hash))

    def drain(self) -> list[ConsoleLine]:
        """The lines caught since the last drain, oldest first."""
        lines = self._lines[:]
        self._lines.clear()
        if self.dropped:
            lines.append(ConsoleLine(f"<{self.dropped:,} more console.log lines not kept: read them more often>"))
            self.dropped = 0
        return lines

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Nothing is caught inside: a transaction run again (to decode its revert, or to trace it) logged before."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1


# Every chain's buffer while the chain lives, and the unread lines of those collected since (`drain_every_chain`).
_LIVE: weakref.WeakSet[ConsoleBuffer] = weakref.WeakSet()
_ORPHANED: list[ConsoleLine] = []
_MADE = count()


def _orphan(lines: list[ConsoleLine]) -> None:
    """Keep a collected buffer's unread lines (up to MAX_LINES in all: a script may never read them)."""
    _ORPHANED.extend(lines[: max(0, MAX_LINES - len(_ORPHANED))])


def drain_every_chain() -> list[ConsoleLine]:
    """The unread console.log lines of every chain of the process, live or collected: those of chains gone first
    (they ran earlier), then each live chain's in the order the chains were made."""
    lines = _ORPHANED[:]
    _ORPHANED.clear()
    for buffer in sorted(_LIVE, key=lambda b: b.created):
        lines += buffer.drain()
    return lines


def _parameter(kind: str, index: int) -> str:
    where = " memory" if kind in ("string", "bytes") else ""
    return f"{kind}{where} p{index}"


def render_console_sol() -> str:
    """The text of `s4chain/console.sol`, one function per entry of SIGNATURES."""
    lines = [
        "// SPDX-License-Identifier: MIT",
        "// Written by scripts/console_sol.py from s4chain.chain.trace_console.SIGNATURES: do not edit by hand.",
        "pragma solidity >=0.8.13 <0.9.0;",
        "",
        "/// @title console.log for contracts tested with s4chain",
        "/// @notice Hardhat's console.log interface: each function makes a static call to the console address with",
        "/// the ABI encoding of `log(...)` and its arguments. s4chain prints what it decodes under the test or",
        "/// scenario step that logged it; on any other chain the call reaches an empty account and does nothing.",
        "library console {",
        f"    address internal constant CONSOLE_ADDRESS = {CONSOLE_ADDRESS};",
        "",
        "    function _sendView(bytes memory payload) private view {",
        "        address target = CONSOLE_ADDRESS;",
        '        assembly ("memory-safe") {',
        "            pop(staticcall(gas(), target, add(payload, 32), mload(payload), 0, 0))",
        "        }",
        "    }",
        "",
        "    // A static call changes nothing, so the view sender is used as pure: pure functions may log too.",
        "    function _asPure(function(bytes memory) internal view viewSend)",
        "        private",
        "        pure",
        "        returns (function(bytes memory) internal pure pureSend)",
        "    {",
        '        assembly ("memory-safe") {',
        "            pureSend := viewSend",
        "        }",
        "    }",
        "",
        "    function _send(bytes memory payload) private pure {",
        "        _asPure(_sendView)(payload);",
        "    }",
    ]
    for name, kinds in SIGNATURES:
        parameters = ", ".join(_parameter(kind, i) for i, kind in enumerate(kinds))
        arguments = "".join(f", p{i}" for i in range(len(kinds)))
        lines += [
            "",
            f"    function {name}({parameters}) internal pure {{",
            f'        _send(abi.encodeWithSignature("log({",".join(kinds)})"{arguments}));',
            "    }",
        ]
    lines += ["}", ""]
    return "\n".join(lines)
