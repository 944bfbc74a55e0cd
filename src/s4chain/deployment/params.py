"""`--params FILE`: the drivers' deploy parameters by set name, in YAML or JSON, validated with their models.

    ico:
      goal: 20000 EUR
      hard_cap: 60000 EUR
      duration: 30d
    supply:
      intensities: {rail: 17}

Values are written as in a scenario's `params` (s4chain.inputs.values: amounts with units, durations, dates), and
mean the same; so are those of `--param SET.FIELD=VALUE` options. Sets not named keep their defaults. Errors name
`file:line` (or the option) and the field.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError

from s4chain.deployment.sets import contract_sets
from s4chain.errors import S4ChainError
from s4chain.inputs.values import Resolver, ValueProblem
from s4chain.inputs.yaml_lines import InputFileError, LineMap, Location, load_yaml_with_lines


class ParamsFileError(InputFileError):
    """A params file that cannot be used; the message starts with `file:line:`."""


class ParamsOptionError(S4ChainError):
    """A `--param SET.FIELD=VALUE` option that cannot be used; the message names the option."""


def load_params(path: Path | None, options: Sequence[str] = ()) -> dict[str, BaseModel]:
    """The validated params of each set the file at `path` (if any) and the `SET.FIELD=VALUE` `options` name; an
    option wins over the file. A value is read as in the file: `ico.goal=20000 EUR`, `leasing.plan.period=30d`."""
    data: dict[Any, Any] = {}
    lines = LineMap()
    sets = contract_sets()
    if path is not None:
        try:
            document, lines = load_yaml_with_lines(path, kind="params", error=ParamsFileError)
        except OSError as exc:
            raise ParamsFileError(path, 1, f"cannot read the file: {exc.strerror or exc}") from None
        if not isinstance(document, dict):
            raise ParamsFileError(path, 1, f"expected a mapping of set names ({', '.join(sets)}) to parameters")
        data = document
    given = {_place(data, option): option for option in options}

    def fail(location: Location, message: str) -> NoReturn:
        """Blame the option that gave the value at fault, or one inside what is at fault (a set's rule across
        fields, say): the file alone was not given that; else the file's line."""
        option = next((o for names, o in given.items() if _nested(location, names) or _nested(names, location)), None)
        if option is not None:
            raise ParamsOptionError(f"--param {option}: {message}")
        assert path is not None
        raise ParamsFileError(path, lines.line_of(location), message)

    result: dict[str, BaseModel] = {}
    for name, values in data.items():
        if name not in sets:
            fail((name,), f"unknown contract set {name!r} (known: {', '.join(sets)})")
        result[str(name)] = _validate(fail, str(name), values)
    return result


def _nested(inner: Location, outer: Location) -> bool:
    return inner[: len(outer)] == outer


def _place(data: dict[Any, Any], option: str) -> Location:
    """Put an option's value where its `SET.FIELD[.KEY...]` says in `data`; the place, as a location."""
    key, equals, value = option.partition("=")
    names = tuple(part.strip() for part in key.split("."))
    if not equals or len(names) < 2 or not all(names):
        raise ParamsOptionError(f"--param {option!r}: expected SET.FIELD=VALUE, e.g. ico.goal=20000 EUR")
    target = data
    for depth, part in enumerate(names[:-1]):
        if target.get(part) is None:
            target[part] = {}
        target = target[part]
        if not isinstance(target, dict):
            where = ".".join(names[: depth + 1])
            raise ParamsOptionError(f"--param {option}: {where} is not a mapping of parameters, so has no fields")
    target[names[-1]] = value.strip()
    return names


def _validate(fail: Callable[[Location, str], NoReturn], name: str, values: Any) -> BaseModel:
    model = contract_sets()[name].params_model
    if values is None:
        values = {}
    if not isinstance(values, dict):
        fail((name,), f"{name}: expected a mapping of parameters")
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
    fail((name, *location), f"{field}: {reason}")
