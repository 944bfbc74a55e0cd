"""From a program counter to a Solidity file, line and column, through the source maps solc writes.

A source map has one entry per instruction (`start:length:file:jump`, compressed: an empty field repeats the one
before). A program counter is turned into an instruction index by walking the code once and skipping PUSH data.
`SourceIndex` finds the artifact a piece of running code belongs to (runtime code compared with its immutables
masked, creation code as a prefix of the init code, which has the constructor's arguments after it) and builds each
artifact's map once: decompressed entries, instruction offsets and the line starts of each file read.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from s4chain.compiler.artifacts import Artifact
from s4chain.files import sha256_hex

PUSH0, PUSH1, PUSH32 = 0x5F, 0x60, 0x7F
JUMP, JUMPI, JUMPDEST = 0x56, 0x57, 0x5B


def _size(code: bytes, pc: int) -> int:
    op = code[pc] if pc < len(code) else 0
    return 1 + (op - PUSH0 if PUSH1 <= op <= PUSH32 else 0)


@dataclass(frozen=True)
class Entry:
    """One instruction's source range: byte offset and length in file `file` (solc's source id; -1: none) and its
    jump type (`i` into a function, `o` out of one, `-` a plain jump or none)."""

    start: int
    length: int
    file: int
    jump: str


def decompress(source_map: str) -> list[Entry]:
    """The entries of a compressed source map, one per instruction."""
    entries: list[Entry] = []
    start, length, file, jump = -1, -1, -1, "-"
    for item in source_map.split(";") if source_map else ():
        fields = item.split(":")
        if fields[0]:
            start = int(fields[0])
        if len(fields) > 1 and fields[1]:
            length = int(fields[1])
        if len(fields) > 2 and fields[2]:
            file = int(fields[2])
        if len(fields) > 3 and fields[3]:
            jump = fields[3]
        entries.append(Entry(start, length, file, jump))
    return entries


def instruction_offsets(code: bytes) -> list[int]:
    """The program counter of each instruction, in order (PUSH data is no instruction)."""
    offsets = []
    pc, size = 0, len(code)
    while pc < size:
        offsets.append(pc)
        pc += _size(code, pc)
    return offsets


@dataclass(frozen=True)
class SourceText:
    """A source file as solc read it: its bytes (source maps count bytes) and where each line starts."""

    unit: str
    data: bytes
    line_starts: tuple[int, ...]

    @classmethod
    def of(cls, unit: str, data: bytes) -> SourceText:
        starts = [0]
        starts.extend(i + 1 for i, byte in enumerate(data) if byte == 0x0A)
        return cls(unit, data, tuple(starts))

    def line_of(self, offset: int) -> int:
        """1-based line of a byte offset (the number of lines starting at or before it; line 1 for any offset
        before the first)."""
        return max(bisect.bisect_right(self.line_starts, offset), 1)

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.data)
        return self.data[start:end].decode("utf-8", errors="replace").rstrip("\r")

    def text(self, start: int, length: int) -> str:
        return self.data[start : start + length].decode("utf-8", errors="replace")


@dataclass(frozen=True)
class SourceLocation:
    """Where an instruction comes from: a file (its unit name), 1-based line and column, and that line's text."""

    contract: str
    file: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column} ({self.contract}): {self.text.strip()}"


class Program:
    """One artifact's creation or runtime code with its source map: a program counter's entry, and the files."""

    def __init__(self, artifact: Artifact, creation: bool, code: bytes, texts: dict[int, SourceText | None]) -> None:
        self.artifact = artifact
        self.creation = creation
        self.code = code
        self.entries = decompress(artifact.source_map if creation else artifact.deployed_source_map)
        self.offsets = instruction_offsets(code)[: len(self.entries)]
        self.index = {pc: i for i, pc in enumerate(self.offsets)}
        self.texts = texts  # solc source id -> the file's text (None: not readable, or changed since the compile)

    def entry(self, pc: int) -> Entry | None:
        i = self.index.get(pc)
        return None if i is None else self.entries[i]

    def text_of(self, entry: Entry) -> SourceText | None:
        return self.texts.get(entry.file) if entry.start >= 0 else None

    def location(self, pc: int) -> SourceLocation | None:
        """The source of the instruction at `pc`, when it comes from a readable source file (not from code the
        compiler generated, such as its checked-arithmetic helpers)."""
        entry = self.entry(pc)
        text = self.text_of(entry) if entry is not None else None
        if entry is None or text is None:
            return None
        line = text.line_of(entry.start)
        column = len(text.data[text.line_starts[line - 1] : entry.start].decode("utf-8", errors="replace")) + 1
        return SourceLocation(self.artifact.contract_name, text.unit, line, column, text.line_text(line))


def _hex(code: str) -> bytes:
    try:
        return bytes.fromhex(code.removeprefix("0x"))
    except ValueError:  # unlinked library placeholders: not code that runs
        return b""


def _masked(code: bytes, artifact: Artifact) -> bytes:
    """Runtime code with its immutables zeroed (the deployed code has their values there)."""
    buffer = bytearray(code)
    for references in artifact.immutable_references.values():
        for ref in references:
            start, length = int(ref["start"]), int(ref["length"])
            buffer[start : start + length] = bytes(length)
    return bytes(buffer)


class SourceIndex:
    """The artifacts a chain knows, answering which program a piece of running code is and where its instructions
    come from. Everything is built on first use and kept."""

    def __init__(self, artifacts: Iterable[Artifact] = ()) -> None:
        self._artifacts: dict[str, Artifact] = {}
        self._by_code: dict[tuple[bytes, bool], Program | None] = {}
        self._programs: dict[tuple[str, bool], Program] = {}
        self._texts: dict[tuple[str, str], SourceText | None] = {}
        for artifact in artifacts:
            self.add(artifact)

    def add(self, artifact: Artifact) -> None:
        if artifact.deployed_source_map and artifact.input_hash + artifact.fully_qualified_name not in self._artifacts:
            self._artifacts[artifact.input_hash + artifact.fully_qualified_name] = artifact
            self._by_code = {key: found for key, found in self._by_code.items() if found is not None}

    def program(self, code: bytes, creation: bool) -> Program | None:
        """The program `code` runs: an artifact's runtime code, or (`creation`) its init code."""
        key = (code, creation)
        if key not in self._by_code:
            self._by_code[key] = self._find(code, creation)
        return self._by_code[key]

    def _find(self, code: bytes, creation: bool) -> Program | None:
        for name, artifact in self._artifacts.items():
            if creation:
                own = _hex(artifact.bytecode)
                if own and code.startswith(own):
                    return self._program(name, artifact, True, own)
            else:
                own = _hex(artifact.deployed_bytecode)
                if len(own) == len(code) and own and _masked(code, artifact) == _masked(own, artifact):
                    return self._program(name, artifact, False, own)
        return None

    def _program(self, name: str, artifact: Artifact, creation: bool, code: bytes) -> Program:
        key = (name, creation)
        if key not in self._programs:
            texts = {ref.id: self._text(artifact, unit, ref.content_hash) for unit, ref in artifact.sources.items()}
            self._programs[key] = Program(artifact, creation, code, texts)
        return self._programs[key]

    @property
    def artifacts(self) -> list[Artifact]:
        """The artifacts with source maps, each once."""
        return list(self._artifacts.values())

    def programs_of(self, artifact: Artifact) -> list[Program]:
        """An artifact's runtime and creation programs (none for an abstract contract or an interface)."""
        name = artifact.input_hash + artifact.fully_qualified_name
        found = []
        for creation, code in ((False, _hex(artifact.deployed_bytecode)), (True, _hex(artifact.bytecode))):
            if code:
                found.append(self._program(name, artifact, creation, code))
        return found

    def _text(self, artifact: Artifact, unit: str, content_hash: str) -> SourceText | None:
        key = (unit, content_hash)
        if key not in self._texts:
            self._texts[key] = _read(unit, content_hash, artifact.source_roots)
        return self._texts[key]

    def locate(self, code: bytes, pc: int, creation: bool = False) -> SourceLocation | None:
        program = self.program(code, creation)
        return program.location(pc) if program is not None else None

    def locate_revert(self, code: bytes, creation: bool, trail: tuple[int, ...]) -> SourceLocation | None:
        """The statement a frame reverted in, from the program counters it ran (the last one reverted).

        The optimizer shares identical code between statements, such as the `revert(ptr, size)` tail of every
        `require` and custom error: the block the frame ended in, when it was entered by a jump, may belong to any
        of them, so the statement is looked for before that jump. Instructions of code the compiler generated
        (panic helpers, ABI encoders) have no source: the last one before them that has one is the statement (an
        overflow's `a + b`, say)."""
        program = self.program(code, creation)
        if program is None or not trail:
            return None
        start = len(trail) - 1
        while start > 0 and code[trail[start]] != JUMPDEST and code[trail[start - 1]] not in (JUMP, JUMPI):
            start -= 1
        entered_by_jump = start > 0 and trail[start - 1] + _size(code, trail[start - 1]) != trail[start]
        for pc in reversed(trail[:start] if entered_by_jump else trail):
            found = program.location(pc)
            if found is not None:
                return found
        return None


def _read(unit: str, content_hash: str, roots: tuple[Path, ...]) -> SourceText | None:
    """The file solc compiled as `unit`, found under `roots` as the compiler found it; None if it is not there or
    its content changed since (its lines would be wrong)."""
    for root in roots:
        path = root / unit
        if path.is_file():
            content = path.read_text(encoding="utf-8")
            return SourceText.of(unit, content.encode("utf-8")) if sha256_hex(content) == content_hash else None
    return None
