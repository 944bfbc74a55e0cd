"""Line and branch coverage of a project's contracts, from the program counters py-evm ran and the source maps.

What counts (the rule `docs/testing.md` states):

- A **line** is executable when some instruction of a contract's code maps to a source range that *starts* on it and
  is a statement or an expression, not the compiler's glue: ranges of a whole contract, function, modifier,
  constructor, fallback or receive (dispatch, entry and return code), of a block (`{`, `unchecked`, `assembly`: the
  stack clean-up at its end), of a parameter or return variable (a range between `(`/`,` and `)`/`,`), of a public
  state variable (its getter), on the line of a `constant` (its value is compiled into each expression reading it),
  and of code the compiler generated (checked arithmetic, ABI coding: no source file).
  Its **hits** are the runs of its first such instruction in code order (the statement's anchor, as Foundry counts
  it), summed over every contract compiled from the file; code the optimizer shares between statements (a common
  `revert` tail) therefore counts only for the statement it starts.
- A **branch** is a JUMPI whose range is an `if`, `require`, `assert`, `for`, `while` or `do` statement: branch 0
  is the jump taken, branch 1 the fall-through. Checks the compiler adds (overflow, call value, ABI decoding, a
  call's success) are not branches.

Only files under the project's contracts folder are reported (not node_modules). Data comes from
`s4chain.chain.pcs.CoverageRecorder` (the in-process chain; a JSON-RPC node is not covered) and is written as
lcov (`SF`/`DA`/`BRDA`/`LF`/`LH`/`BRF`/`BRH`/`end_of_record`), which editors and coverage services read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s4chain.chain.pcs import CodeCounts
from s4chain.compiler.artifacts import Artifact
from s4chain.compiler.sourcemap import JUMPI, Entry, Program, SourceIndex, SourceText
from s4chain.files import write_atomic

_GLUE = re.compile(
    r"(contract|abstract|library|interface|function|modifier|constructor|fallback|receive|unchecked|assembly)\b|\{"
)
_BRANCH = re.compile(r"(if|require|assert|for|while|do)\b")
_PUBLIC_VARIABLE = re.compile(r"^(?:[^=;{(]|=>|\([^)]*\))*\bpublic\b")  # `mapping(K => V) public x`, not `x = f()`
# A constant's value is compiled into every expression that reads it, mapped to the declaration.
_CONSTANT = re.compile(r"^\s*[\w.\[\]]+(\s+\w+)*\s+constant\b")


def _neighbour(data: bytes, index: int, step: int) -> int:
    """The byte next to `index` in direction `step`, skipping whitespace (0 past either end)."""
    while 0 <= index < len(data) and data[index] in b" \t\r\n":
        index += step
    return data[index] if 0 <= index < len(data) else 0


def _counted(entry: Entry, text: SourceText) -> bool:
    snippet = text.text(entry.start, min(entry.length, 200)).lstrip()
    if _GLUE.match(snippet) or _PUBLIC_VARIABLE.match(snippet):
        return False
    if _CONSTANT.match(text.line_text(text.line_of(entry.start))):
        return False
    before = _neighbour(text.data, entry.start - 1, -1)
    after = _neighbour(text.data, entry.start + entry.length, 1)
    return not (before in b"(," and after in b"),")


@dataclass(frozen=True)
class Shape:
    """What is coverable in one program: each executable line's anchor, and each branch point's JUMPI, by file."""

    anchors: dict[tuple[str, int], int]  # (file, line) -> program counter of the line's first instruction
    branches: dict[tuple[str, int, int], int]  # (file, line, n-th branch point of that line) -> its JUMPI's pc


def shape(program: Program) -> Shape:
    anchors: dict[tuple[str, int], int] = {}
    branches: dict[tuple[str, int, int], int] = {}
    for pc, entry in zip(program.offsets, program.entries, strict=False):
        text = program.text_of(entry)
        if text is None or not _counted(entry, text):
            continue
        line = text.line_of(entry.start)
        anchors.setdefault((text.unit, line), pc)
        if program.code[pc] == JUMPI and _BRANCH.match(text.text(entry.start, 10)):
            ordinal = sum(1 for f, ln, _ in branches if f == text.unit and ln == line)
            branches[(text.unit, line, ordinal)] = pc
    return Shape(anchors, branches)


@dataclass
class FileCoverage:
    lines: dict[int, int] = field(default_factory=dict)  # executable line -> hits
    branches: dict[tuple[int, int, int], int | None] = field(default_factory=dict)  # (line, block, branch) -> taken

    def merge(self, other: FileCoverage) -> None:
        for line, hits in other.lines.items():
            self.lines[line] = self.lines.get(line, 0) + hits
        for key, taken in other.branches.items():
            mine = self.branches.get(key)
            self.branches[key] = taken if mine is None else mine + (taken or 0)

    @property
    def lines_hit(self) -> int:
        return sum(1 for hits in self.lines.values() if hits)

    @property
    def branches_hit(self) -> int:
        return sum(1 for taken in self.branches.values() if taken)

    def missed_lines(self) -> list[int]:
        return sorted(line for line, hits in self.lines.items() if not hits)


class Coverage:
    """Coverage by source file (unit name as solc knows it, e.g. `contracts/ico/TokenSale.sol`)."""

    def __init__(self, files: dict[str, FileCoverage] | None = None) -> None:
        self.files: dict[str, FileCoverage] = files or {}

    @classmethod
    def of(cls, artifacts: Iterable[Artifact], counts: Iterable[CodeCounts]) -> Coverage:
        """The coverage of the files `artifacts` were compiled from (the project's, not what they import from
        node_modules): every line of every contract, run or not, given what ran."""
        known = list(artifacts)
        index = SourceIndex(known)
        units = {artifact.source_name for artifact in known}  # abstract contracts' files too: their code is inherited
        ran: dict[int, tuple[Program, list[int], dict[int, int]]] = {}
        for counted in counts:
            program = index.program(counted.code, False) or index.program(counted.code, True)
            if program is None:
                continue
            hits, jumped = ran.setdefault(id(program), (program, [0] * len(counted.code), {}))[1:]
            if len(hits) < len(counted.hits):
                hits.extend([0] * (len(counted.hits) - len(hits)))
            for pc, n in enumerate(counted.hits):
                if n:
                    hits[pc] += n
            for pc, n in counted.jumped.items():
                jumped[pc] = jumped.get(pc, 0) + n
        coverage = cls()
        for artifact in index.artifacts:
            for program in index.programs_of(artifact):
                _, hits, jumped = ran.get(id(program), (program, [], {}))
                coverage._add(shape(program), hits, jumped, units)
        return coverage

    def _add(self, found: Shape, hits: list[int], jumped: dict[int, int], project_units: set[str]) -> None:
        def runs(pc: int) -> int:
            return hits[pc] if pc < len(hits) else 0

        part: dict[str, FileCoverage] = {}
        for (unit, line), pc in found.anchors.items():
            if unit in project_units:
                part.setdefault(unit, FileCoverage()).lines[line] = runs(pc)
        for (unit, line, ordinal), pc in found.branches.items():
            if unit in project_units:
                ran = runs(pc)
                taken = jumped.get(pc, 0)
                branch = part.setdefault(unit, FileCoverage()).branches
                branch[(line, ordinal, 0)] = taken if ran else None
                branch[(line, ordinal, 1)] = ran - taken if ran else None
        for unit, data in part.items():
            self.files.setdefault(unit, FileCoverage()).merge(data)

    # --- merging the figures of pytest-xdist workers ----------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            unit: {
                "lines": {str(line): hits for line, hits in data.lines.items()},
                "branches": [[*key, taken] for key, taken in data.branches.items()],
            }
            for unit, data in self.files.items()
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Coverage:
        return cls(
            {
                unit: FileCoverage(
                    {int(line): int(hits) for line, hits in data["lines"].items()},
                    {(int(b[0]), int(b[1]), int(b[2])): b[3] for b in data["branches"]},
                )
                for unit, data in raw.items()
            }
        )

    def merge(self, other: Coverage) -> None:
        for unit, data in other.files.items():
            self.files.setdefault(unit, FileCoverage()).merge(data)

    # --- output -------------------------------------------------------------------------------------------------
    def lcov(self, root: Path | None = None) -> str:
        """The lcov tracefile; `SF` paths are the unit names (relative to the project root), or under `root`."""
        out = []
        for unit, data in sorted(self.files.items()):
            out.append("TN:")
            out.append(f"SF:{(root / unit) if root is not None else unit}")
            for (line, block, branch), taken in sorted(data.branches.items()):
                out.append(f"BRDA:{line},{block},{branch},{'-' if taken is None else taken}")
            out.append(f"BRF:{len(data.branches)}")
            out.append(f"BRH:{data.branches_hit}")
            for line, hits in sorted(data.lines.items()):
                out.append(f"DA:{line},{hits}")
            out.append(f"LF:{len(data.lines)}")
            out.append(f"LH:{data.lines_hit}")
            out.append("end_of_record")
        return "\n".join(out) + "\n"

    def write_lcov(self, path: Path, root: Path | None = None) -> None:
        write_atomic(path, self.lcov(root))

    def summary(self) -> list[str]:
        """One row per file: lines and branches covered, and the lines never run (as coverage.py's `Missing`)."""
        if not self.files:
            return ["no contract code of the project ran"]
        width = max(len(unit) for unit in self.files)
        rows = [f"{'file':<{width}}  {'lines':>16}  {'branches':>16}  lines not run"]
        for unit, data in sorted(self.files.items()):
            lines, branches = _ratio(data.lines_hit, len(data.lines)), _ratio(data.branches_hit, len(data.branches))
            rows.append(f"{unit:<{width}}  {lines}  {branches}  {_spans(data.missed_lines())}")
        everything = self.files.values()
        lines = _ratio(sum(d.lines_hit for d in everything), sum(len(d.lines) for d in everything))
        branches = _ratio(sum(d.branches_hit for d in everything), sum(len(d.branches) for d in everything))
        rows.append(f"{'total':<{width}}  {lines}  {branches}")
        return rows


def _spans(lines: list[int]) -> str:
    """`[3, 4, 5, 9]` as `3-5, 9`."""
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _ratio(hit: int, total: int) -> str:
    percent = f"{100 * hit / total:5.1f}%" if total else "    -"
    return f"{hit:>4}/{total:<4} {percent:>6}"
