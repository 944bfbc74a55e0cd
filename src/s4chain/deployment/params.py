"""`--params FILE`: the drivers' deploy parameters by set name, in YAML or JSON, validated with their models.

    ico:
      goal: 20000
      hard_cap: 60000
    supply:
      intensities: {rail: 17}

Sets not named keep their defaults. Errors name `file:line` and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from s4chain.deployment.sets import contract_sets
from s4chain.errors import S4ChainError
from s4chain.scenarios.yaml_lines import LineMap, ScenarioFileError, load_yaml_with_lines


class ParamsFileError(S4ChainError):
    """A params file that cannot be used; the message starts with `file:line:`."""


def load_params(path: Path) -> dict[str, BaseModel]:
    """The validated params of each set the file names."""
    try:
        data, lines = load_yaml_with_lines(path)
    except ScenarioFileError as exc:
        raise ParamsFileError(str(exc)) from None
    except OSError as exc:
        raise ParamsFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data is None:
        return {}
    sets = contract_sets()
    if not isinstance(data, dict):
        raise ParamsFileError(f"{path}:1: expected a mapping of set names ({', '.join(sets)}) to parameters")
    result: dict[str, BaseModel] = {}
    for name, values in data.items():
        if name not in sets:
            raise ParamsFileError(
                f"{path}:{lines.line_of((name,))}: unknown contract set {name!r} (known: {', '.join(sets)})"
            )
        result[str(name)] = _validate(path, lines, str(name), values, sets[name].params_model)
    return result


def _validate(path: Path, lines: LineMap, name: str, values: Any, model: type[BaseModel]) -> BaseModel:
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ParamsFileError(f"{path}:{lines.line_of((name,))}: {name}: expected a mapping of parameters")
    for key in values:
        if key not in model.model_fields:
            raise ParamsFileError(
                f"{path}:{lines.line_of((name, key))}: {name}.{key}: unknown parameter "
                f"(known: {', '.join(model.model_fields)})"
            )
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(part for part in error["loc"])
        field = ".".join(str(part) for part in (name, *location))
        line = lines.line_of((name, *location))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ParamsFileError(f"{path}:{line}: {field}: {error['msg']}{more}") from None
