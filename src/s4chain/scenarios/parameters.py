"""A scenario file's `parameters:` and `populations:` (docs/sweeps.md): `${name}` (or any expression of the
parameters, `${goal * 3}`) wherever a value is, and populations of N actors whose steps are made from a template
with values drawn from named distributions. Both are expanded into an ordinary scenario before it is validated,
so every check of the loader holds for each run, and a run is reproducible from (file, parameters, seed)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from s4chain.chain.accounts import DEV_ACCOUNT_COUNT
from s4chain.inputs.values import ValueProblem, to_timestamp
from s4chain.inputs.yaml_lines import LineMap, Location
from s4chain.scenarios.draws import Distribution, stream
from s4chain.scenarios.expressions import ExpressionError, evaluate

MAX_MEMBERS = 1_000  # members of one population (the dev accounts bound all actors further)
_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class ExpansionProblem(ValueError):
    """A problem at `location` of the file (the loader names its line)."""

    def __init__(self, location: Location, message: str) -> None:
        self.location = location
        super().__init__(message)


class Parameter(BaseModel):
    """One entry of `parameters:`: `revoke_rate: {default: 0.3, range: [0, 1], description: ...}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Any = Field(description="The value when neither --param nor a sweep gives one.")
    type: Literal["number", "integer", "text", "bool"] = "number"
    unit: str | None = Field(default=None, description="Appended where `${name}` is a whole value: 20000 -> 20000 EUR.")
    range: tuple[float, float] | None = Field(default=None, description="[lowest, highest] allowed.")
    description: str | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> Parameter:
        self.check(self.default)
        return self

    def check(self, value: Any) -> Any:
        """`value` as this parameter's type, within its range (ValueError says why not)."""
        if self.type == "text":
            return str(value)
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ValueError(f"{value!r} is not true or false")
        number = _number(value)
        if self.type == "integer":
            if number != int(number):
                raise ValueError(f"{value!r} is not a whole number")
            number = int(number)
        if self.range is not None and not self.range[0] <= number <= self.range[1]:
            raise ValueError(f"{value!r} is outside its range [{self.range[0]:g}, {self.range[1]:g}]")
        return number

    def text(self, value: Any) -> Any:
        """What `${name}` stands for as a whole value: the value, with its unit when it has one."""
        return f"{_format(value)} {self.unit}" if self.unit else value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number: int | float = value
    else:
        try:
            number = int(str(value))
        except ValueError:
            try:
                number = float(str(value))
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _format(value: Any) -> str:
    """A number as the value language reads it: no `20000.0`, no exponent."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


class Population(BaseModel):
    """`populations.investors`: `size` members, actors `<member><i>`, each drawing `draw` and running `steps`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: int = Field(ge=0, le=MAX_MEMBERS)
    member: str | None = Field(default=None, description="The members' actor names' stem (default: the population's).")
    role: str = "a member of a population"
    actors: bool = Field(default=True, description="false: members are no actors (lots, missions): `${i}` only.")
    draw: dict[str, Distribution] = Field(default_factory=dict)
    steps: list[dict[str, Any]] = Field(min_length=1)


@dataclass(frozen=True)
class Expanded:
    """A file's document with its parameters and populations expanded, and the line of every value in it."""

    data: dict[str, Any]
    lines: LineMap
    parameters: dict[str, Any]  # every declared parameter's value in this run


def declared(data: dict[str, Any]) -> dict[str, Parameter]:
    """The file's `parameters:` (ExpansionProblem at the bad one)."""
    raw = data.get("parameters") or {}
    if not isinstance(raw, dict):
        raise ExpansionProblem(("parameters",), "parameters: expected a mapping of names to {default, ...}")
    result = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ExpansionProblem(("parameters", name), f"parameters: {name!r} is no name (a-z, 0-9, _)")
        if not isinstance(spec, dict):
            spec = {"default": spec}  # `goal: 20000`, the short form
        try:
            result[name] = Parameter.model_validate(spec)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = (*("parameters", name), *(p for p in error["loc"] if isinstance(p, str | int)))
            field = ".".join(str(p) for p in where)
            if error["type"] == "extra_forbidden":
                message = "unknown field (a parameter has default, type, unit, range, description)"
            else:
                message = error["msg"].removeprefix("Value error, ")
            raise ExpansionProblem(where, f"{field}: {message}") from None
    return result


def parameter_values(parameters: Mapping[str, Parameter], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter's value: `given` (from --param or a sweep, text or numbers) over the defaults. Raises
    ExpansionProblem naming the parameter's declaration for an unknown name or a bad value."""
    for name in given:
        if name not in parameters:
            known = ", ".join(parameters) or "none: the file has no parameters block"
            raise ExpansionProblem(("parameters",), f"unknown parameter {name!r} (parameters: {known})")
    values = {}
    for name, parameter in parameters.items():
        value = given.get(name, parameter.default)
        try:
            values[name] = parameter.check(value)
        except ValueError as exc:
            raise ExpansionProblem(("parameters", name), f"parameter {name}: {exc}") from None
    return values


def expand(data: dict[str, Any], lines: LineMap, given: Mapping[str, Any], seed: int) -> Expanded:
    """The document with `${...}` replaced, populations made into actors and steps (in time order with the
    file's own steps), and the `parameters:` and `populations:` blocks taken out; `lines` follows each value."""
    parameters = declared(data)
    values = parameter_values(parameters, given)
    units = {name: p for name, p in parameters.items() if p.unit}
    body = {key: value for key, value in data.items() if key not in ("parameters", "populations")}
    result = _substitute(body, (), values, units)
    new_lines = LineMap({loc: line for loc, line in lines.lines.items() if not loc or loc[0] != "steps"})
    populations = data.get("populations") or {}
    if not isinstance(populations, dict):
        raise ExpansionProblem(("populations",), "populations: expected a mapping of names to populations")
    steps = result.get("steps")
    if not populations or not isinstance(steps, list):
        new_lines.lines.update({loc: line for loc, line in lines.lines.items() if loc and loc[0] == "steps"})
        return Expanded(result, new_lines, values)
    start = _start(result)
    timed = _timed(steps, start, lambda i: ("steps", i))
    actors = dict(result.get("actors") or {})
    for name, raw in populations.items():
        where: Location = ("populations", name)
        raw = _substitute(raw, where, values, units, keep=("steps",)) if isinstance(raw, dict) else raw
        try:
            population = Population.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = (*where, *(p for p in error["loc"] if isinstance(p, str | int)))
            raise ExpansionProblem(loc, f"{'.'.join(map(str, loc))}: {error['msg']}") from None
        stem = population.member or str(name)
        if population.actors and len(actors) + population.size > DEV_ACCOUNT_COUNT:
            problem = (
                f"populations.{name}.size: {population.size} members and {len(actors)} other actors make "
                f"{len(actors) + population.size}; a scenario has at most {DEV_ACCOUNT_COUNT} (one dev account each)"
            )
            raise ExpansionProblem((*where, "size"), problem)
        for number in range(1, population.size + 1):
            member = f"{stem}{number}"
            rng_scope = {key: dist.draw(stream(seed, name, number, key)) for key, dist in population.draw.items()}
            scope = {**values, **rng_scope, "i": number}
            if population.actors:
                if member in actors:
                    raise ExpansionProblem(where, f"population {name}: its member {member!r} is an actor already")
                actors[member] = {"role": population.role}
                scope["self"] = member
            member_steps = []
            for index, template in enumerate(population.steps):
                location = (*where, "steps", index)
                step = _substitute(template, location, scope, units)
                condition = step.pop("if", True) if isinstance(step, dict) else True
                if isinstance(condition, str):
                    condition = _evaluate(condition, scope, (*location, "if"))
                if condition:
                    member_steps.append((location, step))
            timed.extend(_timed([s for _, s in member_steps], start, lambda i, m=member_steps: m[i][0], rank=number))
    timed.sort(key=lambda entry: entry[0])
    result["actors"], result["steps"] = actors, []
    for index, (key, location, step) in enumerate(timed):
        if key[1] > 0:  # a member's step: its time written out, since the step before it may be another's
            step = {**step, "at": f"+{key[0] - start}s"}
        result["steps"].append(step)
        for loc, line in lines.lines.items():
            if loc[: len(location)] == location:
                new_lines.lines[("steps", index, *loc[len(location) :])] = line
    return Expanded(result, new_lines, values)


def _start(data: dict[str, Any]) -> int:
    try:
        return to_timestamp(data.get("start"), 0)
    except ValueProblem as exc:
        raise ExpansionProblem(("start",), f"start: {exc}") from None


def _timed(
    steps: list[Any], start: int, location: Any, rank: int = 0
) -> list[tuple[tuple[int, int, int], Location, Any]]:
    """Each step with its sort key (time, then the file's steps before members', then order) and location."""
    current, result = start, []
    for index, step in enumerate(steps):
        at = step.get("at") if isinstance(step, dict) else None
        if at is not None and isinstance(at, str | int | datetime):
            try:
                current = to_timestamp(at, start)
            except ValueProblem as exc:
                raise ExpansionProblem((*location(index), "at"), f"at: {exc}") from None
        result.append(((current, rank, index), location(index), step))
    return result


def _evaluate(text: str, scope: Mapping[str, Any], location: Location) -> Any:
    try:
        return evaluate(text, scope)
    except ExpressionError as exc:
        raise ExpansionProblem(location, f"${{{text}}}: {exc}") from None


def _substitute(
    value: Any, location: Location, scope: Mapping[str, Any], units: Mapping[str, Parameter], keep: tuple[str, ...] = ()
) -> Any:
    """`value` with every `${...}` replaced: a whole `${...}` by its value (a parameter's with its unit), one
    inside a text by its text. Keys in `keep` (at the top) are left for later."""
    if isinstance(value, dict):
        return {
            key: item if key in keep else _substitute(item, (*location, key), scope, units)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_substitute(item, (*location, index), scope, units) for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole is not None:
        expression = whole.group(1).strip()
        result = _evaluate(expression, scope, location)
        return units[expression].text(result) if expression in units else result
    return _TEMPLATE.sub(lambda match: _format(_evaluate(match.group(1), scope, location)), value)
