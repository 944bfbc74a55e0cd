"""Safe YAML loading that remembers the line of every value, so that errors can name `file:line`.

Scenario files come from users: anchors and aliases are refused (a "billion laughs" file would otherwise expand
without bound when validated), and so are files over a size limit and bytes that are not UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from s4chain.errors import S4ChainError

MAX_FILE_BYTES = 1_048_576

Location = tuple[str | int, ...]


class ScenarioFileError(S4ChainError):
    """A scenario file that cannot be used; the message starts with `file:line:`."""

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


def _build(node: yaml.Node, location: Location, lines: LineMap, path: Path) -> Any:
    lines.lines[location] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*location, "<key>"), lines, path)
            if not isinstance(key, str | int):
                raise ScenarioFileError(path, key_node.start_mark.line + 1, "mapping keys must be plain text")
            if key in result:
                raise ScenarioFileError(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[key] = _build(value_node, (*location, key), lines, path)
            # A field's problems are shown at its key, not where its value starts (the next line for a block).
            lines.lines[(*location, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*location, i), lines, path) for i, item in enumerate(node.value)]
    return _SCALARS.construct_object(node)  # a scalar: YAML's own typing (int, bool, date...)


_SCALARS = yaml.SafeLoader("")


def _refuse_aliases(text: str, path: Path) -> None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1 if event.start_mark else 1
            raise ScenarioFileError(path, line, "YAML anchors and aliases are not allowed in scenario files")


def load_yaml_with_lines(path: Path) -> tuple[Any, LineMap]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioFileError(path, 1, f"cannot read the file: {exc.strerror}") from exc
    if not path.is_file():
        raise ScenarioFileError(path, 1, "not a file; expected a scenario .yaml file")
    if size > MAX_FILE_BYTES:
        raise ScenarioFileError(
            path, 1, f"the file is {size:,} bytes; scenario files are limited to {MAX_FILE_BYTES:,} bytes"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioFileError(
            path, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from exc
    try:
        _refuse_aliases(text, path)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ScenarioFileError(path, line, f"invalid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise ScenarioFileError(path, 1, f"invalid YAML: {exc}") from exc
    if node is None:
        raise ScenarioFileError(path, 1, "the file is empty; expected a scenario mapping")
    lines = LineMap()
    return _build(node, (), lines, path), lines
