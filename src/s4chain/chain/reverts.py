"""Turning revert data into Python exceptions that say what failed.

Solidity reverts with `Error(string)` for `require(..., "text")`, `Panic(uint256)` for failed asserts and
arithmetic, or a custom error. web3.py shows custom errors as raw hex; the registry here knows every error of
every ABI the chain has seen, so a revert reads like `SaleClosed(closingTime=1900000000)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_abi_to_4byte_selector, to_checksum_address

from s4chain.compiler.sourcemap import SourceLocation
from s4chain.errors import S4ChainError

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")

PANIC_MEANINGS = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "conversion to an invalid enum value",
    0x22: "incorrectly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory (too large an allocation)",
    0x51: "call to an uninitialised internal function",
}


@dataclass(frozen=True)
class RevertFrame:
    """A call frame that reverted: the code it ran (init code when `creation`) and the program counters it ran, in
    order (the last one reverted)."""

    code: bytes
    creation: bool
    trail: tuple[int, ...]


class ContractRevert(Exception):
    """A call or transaction reverted. `data` is the raw revert data; `tx_hash` is set for mined transactions.

    `str()` is the decoded error (`message`) followed by the Solidity source lines of the frames that reverted,
    innermost first (`source_locations`), when the chain could find them; they are looked up when first shown."""

    # The name a scenario or a test expects: the custom error's name, `Error` or `Panic`.
    error_name: str = "Revert"
    # The chain a mined transaction or a call reverted on, which can trace it (`s4chain.chain.trace.revert_trace`),
    # and for a call its transaction fields and block.
    chain: Any = None
    call: tuple[dict[str, Any], int | str] | None = None

    def __init__(self, message: str, data: bytes, tx_hash: str | None = None) -> None:
        self.data = data
        self.tx_hash = tx_hash
        self.message = message
        self._where: Callable[[], list[SourceLocation]] | None = None
        self._located: list[SourceLocation] | None = None
        super().__init__(message)

    def locate(self, where: Callable[[], list[SourceLocation]]) -> None:
        """How to find the source lines of the revert (called once, when they are first asked for)."""
        self._where, self._located = where, None

    @property
    def source_locations(self) -> list[SourceLocation]:
        """Where it reverted, innermost frame first, then the frames the revert bubbled up through."""
        if self._located is None:
            try:
                self._located = self._where() if self._where is not None else []
            except (S4ChainError, OSError, ValueError, KeyError):  # the lines are a help: never hide the error
                self._located = []
        return self._located

    def __str__(self) -> str:
        shown = [self.message]
        for i, where in enumerate(self.source_locations):
            shown.append(f"  {'at' if i == 0 else 'from'} {where.file}:{where.line}:{where.column} in {where.contract}")
            shown.append(f"    {where.line} | {where.text.strip()}")
        return "\n".join(shown)


class RevertWithReason(ContractRevert):
    """`require(cond, "reason")` or `revert("reason")`."""

    error_name = "Error"

    def __init__(self, reason: str, data: bytes, tx_hash: str | None = None) -> None:
        self.reason = reason
        super().__init__(f"reverted: {reason}", data, tx_hash)


class PanicRevert(ContractRevert):
    """A Solidity panic: failed assert, overflow, division by zero, bad index..."""

    error_name = "Panic"

    def __init__(self, code: int, data: bytes, tx_hash: str | None = None) -> None:
        self.code = code
        self.meaning = PANIC_MEANINGS.get(code, "unknown panic code")
        super().__init__(f"panic 0x{code:02x}: {self.meaning}", data, tx_hash)


class CustomErrorRevert(ContractRevert):
    """A custom error, decoded by name and arguments."""

    def __init__(self, name: str, arguments: dict[str, Any], data: bytes, tx_hash: str | None = None) -> None:
        self.name = self.error_name = name
        self.arguments = arguments
        shown = ", ".join(f"{key}={_show(value)}" for key, value in arguments.items())
        super().__init__(f"reverted with {name}({shown})", data, tx_hash)


class UnknownRevert(ContractRevert):
    """Revert data that matches no known error (or no data at all)."""

    def __init__(self, data: bytes, tx_hash: str | None = None) -> None:
        text = f"reverted with unknown data 0x{data.hex()}" if data else "reverted without a reason"
        super().__init__(text, data, tx_hash)


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


def _canonical_type(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind


class ErrorRegistry:
    """Every custom error of every registered ABI, by 4-byte selector. Two contracts may declare the same error
    with other argument names: the definition of the contract that was called wins, then the first one seen."""

    def __init__(self) -> None:
        self._errors: dict[bytes, dict[str, Any]] = {}
        self._by_contract: dict[str, dict[bytes, dict[str, Any]]] = {}

    def register_abi(self, abi: list[dict[str, Any]], address: str | None = None) -> None:
        if address is not None:
            # What is deployed at an address now replaces what was there (a snapshot revert reuses addresses).
            self._by_contract[address] = {}
        table = self._errors if address is None else self._by_contract[address]
        for entry in abi:
            if entry.get("type") == "error":
                table.setdefault(function_abi_to_4byte_selector(entry), entry)  # type: ignore[arg-type]

    def decode(self, data: bytes, tx_hash: str | None = None, address: str | None = None) -> ContractRevert:
        selector, payload = data[:4], data[4:]
        try:
            if selector == ERROR_STRING_SELECTOR:
                return RevertWithReason(abi_decode(["string"], payload)[0], data, tx_hash)
            if selector == PANIC_SELECTOR:
                return PanicRevert(abi_decode(["uint256"], payload)[0], data, tx_hash)
            entry = self._by_contract.get(address or "", {}).get(selector) or self._errors.get(selector)
            if entry is not None:
                inputs = entry.get("inputs", [])
                values = abi_decode([_canonical_type(p) for p in inputs], payload)
                names = [p.get("name") or f"arg{i}" for i, p in enumerate(inputs)]
                arguments = {
                    name: to_checksum_address(value) if param["type"] == "address" else value
                    for name, value, param in zip(names, values, inputs, strict=True)
                }
                return CustomErrorRevert(entry["name"], arguments, data, tx_hash)
        except DecodingError:
            pass
        return UnknownRevert(data, tx_hash)
