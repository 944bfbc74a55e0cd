"""Loading a scenario file: YAML with line marks, the pydantic schema, then the references (actors, contract
sets, driver actions and their arguments, the order of dates). Every problem is reported as `file:line: ...`
before anything is sent to a chain."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from s4chain.drivers.registry import UnknownDriverError, driver_class
from s4chain.scenarios.model import Scenario, Step
from s4chain.scenarios.values import ValueProblem, parse_duration, to_timestamp
from s4chain.scenarios.yaml_lines import LineMap, ScenarioFileError, load_yaml_with_lines


@dataclass(frozen=True)
class LoadedScenario:
    path: Path
    scenario: Scenario
    lines: LineMap

    @property
    def start(self) -> int:
        return to_timestamp(self.scenario.start, 0)

    def step_line(self, index: int) -> int:
        return self.lines.line_of(("steps", index))


def _expected(error: dict[str, object]) -> str:
    message = str(error["msg"])
    if error["type"] == "missing":
        return "this field is required"
    if error["type"] == "extra_forbidden":
        return "unknown field (see docs/scenarios.md for the fields of each section)"
    return message


def load_scenario(path: Path) -> LoadedScenario:
    data, lines = load_yaml_with_lines(path)
    if not isinstance(data, dict):
        raise ScenarioFileError(
            path, 1, "expected a mapping with name, description, use_case, start, actors, contracts and steps"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(part for part in error["loc"] if isinstance(part, str | int))
        shown = ".".join(str(p) for p in location) or "the scenario"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ScenarioFileError(path, lines.line_of(location), f"{shown}: {_expected(error)}{more}") from None
    loaded = LoadedScenario(path, scenario, lines)
    _check_references(loaded)
    return loaded


def _check_action(loaded: LoadedScenario, location: tuple[str | int, ...], actor: str, do: str) -> None:
    scenario, path, lines = loaded.scenario, loaded.path, loaded.lines
    if actor not in scenario.actors:
        raise ScenarioFileError(
            path, lines.line_of((*location, "actor")), f"unknown actor {actor!r} (actors: {', '.join(scenario.actors)})"
        )
    set_name, _, action = do.partition(".")
    if set_name not in scenario.contracts or not action:
        raise ScenarioFileError(
            path,
            lines.line_of((*location, "do")),
            f"{do!r}: expected <contract set>.<action> with a set among {', '.join(scenario.contracts)}",
        )
    driver = driver_class(scenario.contracts[set_name].driver)
    method = getattr(driver, action, None)
    if action.startswith("_") or action == "deploy" or not callable(method):
        actions = sorted(n for n, m in inspect.getmembers(driver, callable) if not n.startswith("_") and n != "deploy")
        raise ScenarioFileError(
            path,
            lines.line_of((*location, "do")),
            f"the {scenario.contracts[set_name].driver} driver has no action {action!r} "
            f"(actions: {', '.join(actions)})",
        )


def _check_references(loaded: LoadedScenario) -> None:
    scenario, path, lines = loaded.scenario, loaded.path, loaded.lines
    for name, spec in scenario.contracts.items():
        try:
            driver_class(spec.driver)
        except UnknownDriverError as exc:
            raise ScenarioFileError(path, lines.line_of(("contracts", name, "driver")), str(exc)) from None
    previous = loaded.start
    for index, step in enumerate(scenario.steps):
        _check_action(loaded, ("steps", index), step.actor, step.do)
        try:
            when = step_time(step, loaded.start)
        except ValueProblem as exc:
            raise ScenarioFileError(path, lines.line_of(("steps", index, "at")), str(exc)) from None
        if when is not None:
            if when < previous:
                raise ScenarioFileError(
                    path,
                    lines.line_of(("steps", index, "at")),
                    f"steps go back in time: {step.at} is before the previous step",
                )
            previous = when
    for index, bot in enumerate(scenario.bots):
        _check_action(loaded, ("bots", index), bot.actor, bot.do)
        try:
            first, last = to_timestamp(bot.start, loaded.start), to_timestamp(bot.until, loaded.start)
            parse_duration(bot.every)
        except ValueProblem as exc:
            raise ScenarioFileError(path, lines.line_of(("bots", index)), str(exc)) from None
        if last < first:
            raise ScenarioFileError(path, lines.line_of(("bots", index, "until")), "until is before start")


def step_time(step: Step, start: int) -> int | None:
    if step.at is None:
        return None
    try:
        return to_timestamp(step.at, start)
    except ValueProblem as exc:
        raise ValueProblem(f"at: {exc}") from exc
