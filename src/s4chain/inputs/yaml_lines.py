"""Safe YAML loading that remembers the line of every value, so that errors can name `file:line`.

Scenario and params files come from users: anchors and aliases are refused (a "billion laughs" file would
otherwise expand without bound when validated), and so are files over a size limit and bytes that are not UTF-8.
JSON is YAML, so a JSON file loads too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from s4chain.errors import S4ChainError

MAX_FILE_BYTES = 1_048_576

Location = tuple[str | int, ...]


class InputFileError(S4ChainError):
    """An input file (a scenario, a params file) that cannot be used; the message starts with `file:line:`."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class LineMap:
    """The 1-based line of each location (a tuple of keys and indexes) in a loaded document."""

    lines: dict[Location, int] = field(default_factory=dict)

    def line_of(self, location: Location) -> int:
        """The line of `location`, or of its nearest enclosing value that has one."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return 1


def _build(node: yaml.Node, location: Location, lines: LineMap, path: Path, error: type[InputFileError]) -> Any:
    lines.lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*location, "<key>"), lines, path, error)
            if not isinstance(key, str | int):
                raise error(path, key_node.start_mark.line + 1, "mapping keys must be plain text")
            if key in result:
                raise error(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[key] = _build(value_node, (*location, key), lines, path, error)
            # A field's problems are shown at its key, not where its value starts (the next line for a block).
            lines.lines[(*location, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*location, i), lines, path, error) for i, item in enumerate(node.value)]
    return _SCALARS.construct_object(node)  # a scalar: YAML's own typing (int, bool, date...)


_SCALARS = yaml.SafeLoader("")


def _refuse_aliases(text: str, path: Path, kind: str, error: type[InputFileError]) -> None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1 if event.start_mark else 1
            raise error(path, line, f"YAML anchors and aliases are not allowed in {kind} files")


def load_yaml_with_lines(
    path: Path, *, kind: str = "scenario", error: type[InputFileError] = InputFileError
) -> tuple[Any, LineMap]:
    """The document in `path` and the line of each of its values. `kind` names the file in messages ("scenario",
    "params"); problems raise `error` (a subclass of InputFileError that says which kind of file failed)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise error(path, 1, f"cannot read the file: {exc.strerror}") from exc
    if not path.is_file():
        raise error(path, 1, f"not a file; expected a {kind} .yaml file")
    if size > MAX_FILE_BYTES:
        raise error(path, 1, f"the file is {size:,} bytes; {kind} files are limited to {MAX_FILE_BYTES:,} bytes")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8") from exc
    try:
        _refuse_aliases(text, path, kind, error)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise error(path, line, f"invalid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise error(path, 1, f"invalid YAML: {exc}") from exc
    if node is None:
        raise error(path, 1, f"the file is empty; expected a {kind} mapping")
    lines = LineMap()
    return _build(node, (), lines, path, error), lines
