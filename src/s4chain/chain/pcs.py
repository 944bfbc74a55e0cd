"""The program counters py-evm executes: the frames of a call that reverted, and per-code counts for coverage.

py-evm builds a `CodeStream` over each message's code and iterates it, one opcode at a time. While a recorder is
installed (`eth.vm.computation.CodeStream` swapped for a recording subclass), each stream records what it runs;
otherwise py-evm runs as ever, and nothing here costs anything:

- `traced()`: every stream keeps its trail of program counters. The in-process chain re-runs a call that reverted
  under it, then reads the frames that reverted from the computation tree (`revert_frames`).
- `CoverageRecorder`: every stream counts how often each program counter ran, and how often each JUMPI jumped,
  in arrays shared by all runs of the same code (`pytest --s4-coverage`, `s4chain replay --coverage`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import eth.vm.computation as _computation
from eth.exceptions import Revert
from eth.vm.code_stream import CodeStream
from eth.vm.opcode_values import JUMPI, STOP

from s4chain.chain.base import CallReverted
from s4chain.chain.reverts import RevertFrame


class _TrailStream(CodeStream):
    """A code stream that keeps every program counter it runs, in order."""

    __slots__ = ["trail"]

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        self.trail: list[int] = []

    def __iter__(self) -> Iterator[int]:
        code, trail = self._raw_code_bytes, self.trail
        while True:
            pc = self.program_counter
            try:
                opcode = code[pc]
            except IndexError:
                break
            trail.append(pc)
            self.program_counter = pc + 1
            yield opcode  # the opcode may move the program counter (a jump) or read PUSH data
        yield STOP


@contextmanager
def _streams(stream: type[CodeStream]) -> Iterator[None]:
    saved = _computation.CodeStream
    _computation.CodeStream = stream  # type: ignore[misc]
    try:
        yield
    finally:
        _computation.CodeStream = saved  # type: ignore[misc]


def traced() -> Any:
    """Inside: every computation's code stream keeps its trail (a coverage recorder is paused meanwhile, so a re-run
    does not count as a run)."""
    return _streams(_TrailStream)


def _revert_data(computation: Any) -> bytes:
    return bytes(computation.output) if isinstance(computation.error, Revert) else b""


def revert_frames(computation: Any) -> tuple[RevertFrame, ...]:
    """The frames that reverted, innermost first, from a computation that ran `traced()`: the top frame, then,
    while a frame's revert data is its last sub-call's, which reverted with the same data (bubbled up), that call."""
    frames = []
    current = computation
    while current is not None and current.is_error:
        trail = getattr(current.code, "trail", None)
        if trail is None:
            break
        message = current.msg
        frames.append(RevertFrame(bytes(message.code), bool(message.is_create), tuple(trail)))
        last = current.children[-1] if current.children else None
        bubbled = last is not None and last.is_error and _revert_data(last) == _revert_data(current)
        current = last if bubbled else None
    return tuple(reversed(frames))


class PyEvmRevertFrames:
    """For the in-process chain: a call that reverted is run again, traced, and its frames read from py-evm. The
    chain's engine keeps its last call's computation (`last_computation`)."""

    engine: Any
    _eth_call: Callable[[dict[str, Any], int | str], bytes]

    def _replay_revert(
        self, tx: dict[str, Any], block: int | str, tx_hash: str | None
    ) -> tuple[bytes | None, Callable[[], tuple[RevertFrame, ...]] | None]:
        with traced():
            try:
                self._eth_call(tx, block)
            except CallReverted as reverted:
                frames = revert_frames(getattr(self.engine, "last_computation", None))
                return reverted.data, lambda: frames
        return None, None

    def _call_revert_frames(self, tx: dict[str, Any], block: int | str) -> Callable[[], tuple[RevertFrame, ...]] | None:
        return self._replay_revert(tx, block, None)[1]


@dataclass
class CodeCounts:
    """How often each program counter of one code ran, and how often each JUMPI there jumped."""

    code: bytes
    hits: list[int]
    jumped: dict[int, int]


class CoverageRecorder:
    """Counts every program counter py-evm runs while `recording()` is open (one recorder per process)."""

    def __init__(self) -> None:
        self.counts: dict[bytes, CodeCounts] = {}

    def _counts(self, code: bytes) -> CodeCounts:
        found = self.counts.get(code)
        if found is None:
            found = self.counts[code] = CodeCounts(code, [0] * len(code), {})
        return found

    @contextmanager
    def recording(self) -> Iterator[CoverageRecorder]:
        counts_of = self._counts

        class _CountingStream(CodeStream):
            __slots__ = ["_counts"]

            def __init__(self, code_bytes: bytes) -> None:
                super().__init__(code_bytes)
                self._counts = counts_of(code_bytes)

            def __iter__(self) -> Iterator[int]:
                code, hits, jumped = self._raw_code_bytes, self._counts.hits, self._counts.jumped
                while True:
                    pc = self.program_counter
                    try:
                        opcode = code[pc]
                    except IndexError:
                        break
                    hits[pc] += 1
                    self.program_counter = pc + 1
                    yield opcode
                    if opcode == JUMPI and self.program_counter != pc + 1:
                        jumped[pc] = jumped.get(pc, 0) + 1
                yield STOP

        with _streams(_CountingStream):
            yield self
