"""Deprecated: YAML with line marks moved to `s4chain.inputs.yaml_lines` (params files use it too);
`ScenarioFileError` lives in `s4chain.scenarios.loader`."""

import warnings
from pathlib import Path
from typing import Any

from s4chain.inputs.yaml_lines import MAX_FILE_BYTES, LineMap, Location
from s4chain.inputs.yaml_lines import load_yaml_with_lines as _load
from s4chain.scenarios.loader import ScenarioFileError

warnings.warn(
    "s4chain.scenarios.yaml_lines is deprecated: import from s4chain.inputs.yaml_lines "
    "(ScenarioFileError from s4chain.scenarios.loader)",
    DeprecationWarning,
    stacklevel=2,
)


def load_yaml_with_lines(path: Path) -> tuple[Any, LineMap]:
    """A scenario file's document and lines; problems raise ScenarioFileError, as before the move."""
    return _load(path, kind="scenario", error=ScenarioFileError)


__all__ = ["MAX_FILE_BYTES", "LineMap", "Location", "ScenarioFileError", "load_yaml_with_lines"]
