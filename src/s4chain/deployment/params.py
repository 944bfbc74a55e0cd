"""`--params FILE`: the drivers' deploy parameters by set name, in YAML or JSON, validated with their models.

    ico:
      goal: 20000 EUR
      hard_cap: 60000 EUR
      duration: 30d
    supply:
      intensities: {rail: 17}

Values are written as in a scenario's `params` (s4chain.inputs.values: amounts with units, durations, dates), and
mean the same. Sets not named keep their defaults. Errors name `file:line` and the field.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from s4chain.deployment.sets import SETS
from s4chain.inputs.values import Resolver, ValueProblem
from s4chain.inputs.yaml_lines import InputFileError, LineMap, load_yaml_with_lines


class ParamsFileError(InputFileError):
    """A params file that cannot be used; the message starts with `file:line:`."""


def load_params(path: Path) -> dict[str, BaseModel]:
    """The validated params of each set the file names."""
    try:
        data, lines = load_yaml_with_lines(path, kind="params", error=ParamsFileError)
    except OSError as exc:
        raise ParamsFileError(path, 1, f"cannot read the file: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise ParamsFileError(path, 1, f"expected a mapping of set names ({', '.join(SETS)}) to parameters")
    result: dict[str, BaseModel] = {}
    for name, values in data.items():
        if name not in SETS:
            raise ParamsFileError(
                path, lines.line_of((name,)), f"unknown contract set {name!r} (known: {', '.join(SETS)})"
            )
        result[str(name)] = _validate(path, lines, str(name), values)
    return result


def _validate(path: Path, lines: LineMap, name: str, values: Any) -> BaseModel:
    model = SETS[name].params_model
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ParamsFileError(path, lines.line_of((name,)), f"{name}: expected a mapping of parameters")
    try:
        # A params file names no actor and has no start: `@alice` and `+4d` are refused, the rest reads as in
        # a scenario's `params`.
        return typing.cast(BaseModel, Resolver().coerce(values, model))
    except ValueProblem as exc:
        location, reason = exc.location, exc.reason
    except ValidationError as exc:  # the model's own rules across fields (a white paper from a hard cap up, ...)
        error = exc.errors()[0]
        location = tuple(error["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        reason = f"{error['msg']}{more}"
    field = ".".join(str(part) for part in (name, *location))
    raise ParamsFileError(path, lines.line_of((name, *location)), f"{field}: {reason}")
