"""Assertions for contract tests: a revert by custom-error name (and arguments), reason or panic code,
and emitted events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from s4chain.chain.base import Chain
from s4chain.chain.contract import TxResult, as_address
from s4chain.chain.events import DecodedEvent
from s4chain.chain.reverts import ContractRevert, CustomErrorRevert, PanicRevert, RevertWithReason


@dataclass
class CaughtRevert:
    exception: ContractRevert | None = None


@contextmanager
def reverts(
    error: str | None = None, *, reason: str | None = None, panic: int | None = None, **arguments: Any
) -> Iterator[CaughtRevert]:
    """Expect the block to revert.

    `error` is a custom error's name (its `arguments` checked by name when given); `reason` the text of
    `require`/`revert("...")`; `panic` a Panic code. With none of them, any revert passes.
    """
    __tracebackhide__ = True  # a failed expectation shows the test's `with reverts(...)` line
    caught = CaughtRevert()
    try:
        yield caught
    except ContractRevert as exc:
        caught.exception = exc
        if error is not None:
            if not isinstance(exc, CustomErrorRevert) or exc.name != error:
                raise AssertionError(f"expected a revert with {error}, got: {exc}") from exc
            for key, value in arguments.items():
                if key not in exc.arguments:
                    raise AssertionError(f"{error} has no argument {key!r}: {exc}") from exc
                if exc.arguments[key] != as_address(value):
                    raise AssertionError(
                        f"{error}.{key} is {exc.arguments[key]!r}, expected {as_address(value)!r}"
                    ) from exc
        if reason is not None and (not isinstance(exc, RevertWithReason) or exc.reason != reason):
            raise AssertionError(f"expected a revert with reason {reason!r}, got: {exc}") from exc
        if panic is not None and (not isinstance(exc, PanicRevert) or exc.code != panic):
            raise AssertionError(f"expected panic 0x{panic:02x}, got: {exc}") from exc
        return
    wanted = error or (f"reason {reason!r}" if reason else f"panic 0x{panic:02x}" if panic is not None else "a revert")
    raise AssertionError(f"expected {wanted}, but nothing reverted")


def assert_events(result: TxResult, name: str, count: int | None = None, **arguments: Any) -> list[DecodedEvent]:
    """Assert that the transaction emitted `name` with these arguments (`count` times, when given)."""
    __tracebackhide__ = True
    expected = {key: as_address(value) for key, value in arguments.items()}
    matching = [event for event in result.events if event.matches(name, **expected)]
    if not matching or (count is not None and len(matching) != count):
        emitted = ", ".join(f"{e.name}{e.args}" for e in result.events) or "none"
        want = f"{count} x " if count is not None else ""
        raise AssertionError(f"expected {want}{name} with {expected}; emitted: {emitted}")
    return matching


@contextmanager
def isolation(chain: Chain) -> Iterator[Chain]:
    """Undo everything done inside the block (for module- or class-scoped fixtures)."""
    snapshot_id = chain.snapshot()
    try:
        yield chain
    finally:
        chain.revert(snapshot_id)
