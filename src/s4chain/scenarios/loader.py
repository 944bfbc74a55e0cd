"""Loading a scenario file: YAML with line marks, the pydantic schema, then everything the replay will need
(actors, contract sets, driver actions, their arguments, the order of dates), checked without a chain. Every
problem is reported as `file:line: ...` before anything is sent to a chain."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from s4chain.chain.accounts import dev_accounts
from s4chain.compiler.artifacts import ArtifactNotFoundError, ArtifactStore
from s4chain.drivers.contract import checked_units
from s4chain.drivers.registry import UnknownDriverError, driver_class
from s4chain.inputs.values import Resolver, ValueProblem, parse_duration, to_timestamp
from s4chain.inputs.yaml_lines import InputFileError, LineMap, Location, load_yaml_with_lines
from s4chain.project import Project, ProjectNotFoundError
from s4chain.scenarios.actions import (
    Abi,
    ContractCall,
    call_arguments,
    camel,
    driver_actions,
    driver_method,
    find_call,
    takes_actor,
)
from s4chain.scenarios.cheats import CHEAT, ChainCheats, cheat
from s4chain.scenarios.model import MAX_RUNS, ContractSet, Expectation, Scenario, assign_accounts
from s4chain.scenarios.outcomes import outcome_problems
from s4chain.scenarios.parameters import ExpansionProblem, expand

MAX_PLANNED = 20_000  # steps, repeats and bot runs of one file: a replay's work is bounded by its file
MAX_SPAN = 100 * 365 * 86_400  # every step and bot run lies within 100 years of the start...
LAST_MOMENT = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())  # ...and before the year 10000


class ScenarioFileError(InputFileError):
    """A scenario file that cannot be used; the message starts with `file:line:`."""


@dataclass(frozen=True)
class Schedule:
    """When a step (with its repeats) or a bot runs: `times` runs, `every` seconds apart from `first`."""

    first: int
    every: int
    times: int

    def moments(self) -> Iterator[int]:
        return (self.first + k * self.every for k in range(self.times))

    @property
    def last(self) -> int:
        return self.first + (self.times - 1) * self.every


class ScheduleProblem(ValueError):
    def __init__(self, location: Location, message: str) -> None:
        self.location = location
        super().__init__(message)


@dataclass(frozen=True)
class LoadedScenario:
    path: Path
    scenario: Scenario
    lines: LineMap
    shift: int = 0  # seconds every date of the file is moved forward by (`replay --shift-time`)
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)  # its `parameters:` in this run
    seed: int = 0  # what its populations' draws were seeded with

    @property
    def start(self) -> int:
        return to_timestamp(self.scenario.start, 0) + self.shift

    def step_line(self, index: int) -> int:
        return self.lines.line_of(("steps", index))

    def schedules(self) -> Iterator[Schedule]:
        """Each step's schedule, in order, then each bot's (the file was checked when loaded)."""
        return (schedule for _, schedule in _schedules(self.scenario, self.start, self.shift))


AbiSource = Callable[[str], Abi]  # a contract's name -> its ABI


def compiled_abis(artifacts_dir: Path) -> AbiSource:
    """ABIs from the compiled artifacts in `artifacts_dir`, read when first needed."""
    store = functools.cache(lambda: ArtifactStore.load(artifacts_dir))
    return lambda name: store().get(name).abi


def load_scenario(
    path: Path, abi: AbiSource | None = None, parameters: Mapping[str, Any] | None = None, seed: int = 0
) -> LoadedScenario:
    """Load and check a scenario file. Actions that are contract functions are checked against `abi` (by
    default, the artifacts in the build folder of the project around the working directory). `parameters`
    (by name) override the file's defaults, and `seed` seeds its populations' draws (docs/sweeps.md)."""
    data, lines = load_yaml_with_lines(path, kind="scenario", error=ScenarioFileError)
    return load_document(path, data, lines, abi, parameters, seed)


def load_document(
    path: Path,
    data: Any,
    lines: LineMap,
    abi: AbiSource | None = None,
    parameters: Mapping[str, Any] | None = None,
    seed: int = 0,
) -> LoadedScenario:
    """`load_scenario` of a document read already (a sweep reads its file once for every run)."""
    if not isinstance(data, dict):
        expected = "expected a mapping with name, description, use_case, start, actors, contracts and steps"
        raise ScenarioFileError(path, 1, expected)
    try:
        expanded = expand(data, lines, parameters or {}, seed)
    except ExpansionProblem as exc:
        raise ScenarioFileError(path, lines.line_of(exc.location), str(exc)) from None
    data, lines = expanded.data, expanded.lines
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = tuple(part for part in error["loc"] if isinstance(part, str | int))
        shown = ".".join(str(p) for p in location) or "the scenario"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ScenarioFileError(path, lines.line_of(location), f"{shown}: {_schema_message(error)}{more}") from None
    for name, problem in outcome_problems(scenario, expanded.parameters):
        raise ScenarioFileError(path, lines.line_of(("outcomes", name)), f"outcomes.{name}: {problem}")
    loaded = LoadedScenario(path, scenario, lines, parameters=expanded.parameters, seed=seed)
    _Checker(loaded, abi or _default_abis()).check()
    return loaded


@functools.cache
def _default_abis() -> AbiSource:
    try:
        return compiled_abis(Project.discover().build_dir / "artifacts")
    except ProjectNotFoundError as exc:
        message = str(exc)

        def missing(name: str) -> Abi:
            raise ArtifactNotFoundError(f"no project: {message}")

        return missing


def _schedules(scenario: Scenario, start: int, shift: int = 0) -> Iterator[tuple[Location, Schedule]]:
    """The steps' schedules (a step without `at` runs at the time of the step before it), then the bots';
    raises ScheduleProblem where a schedule goes back in time, leaves the scenario's span or plans too much.
    Absolute dates move by `shift` seconds, as `start` did (`+4d` after the unmoved start, moved)."""
    end = min(start + MAX_SPAN, LAST_MOMENT)
    planned = 0

    def moment(location: Location, value: str | datetime) -> int:
        try:
            when = to_timestamp(value, start - shift) + shift
        except ValueProblem as exc:
            raise ScheduleProblem(location, str(exc)) from None
        if when > end:
            raise ScheduleProblem(location, f"{value} is beyond the scenario's span ({_span_text(end)})")
        return when

    def counted(location: Location, schedule: Schedule) -> Schedule:
        nonlocal planned
        planned += schedule.times
        if planned > MAX_PLANNED:
            raise ScheduleProblem(location, f"the file plans more than {MAX_PLANNED:,} runs of steps and bots")
        return schedule

    current = start
    for index, step in enumerate(scenario.steps):
        location: Location = ("steps", index)
        if step.at is not None:
            when = moment((*location, "at"), step.at)
            if when < current:
                problem = f"steps go back in time: {step.at} is before the step before it"
                raise ScheduleProblem((*location, "at"), problem)
            current = when
        schedule = Schedule(current, 1, 1)
        if step.repeat:
            schedule = Schedule(current, parse_duration(step.repeat.every), step.repeat.times)
            if schedule.last > end:
                problem = f"the last repeat is beyond the scenario's span ({_span_text(end)})"
                raise ScheduleProblem((*location, "repeat"), problem)
        yield location, counted(location, schedule)
    for index, bot in enumerate(scenario.bots):
        location = ("bots", index)
        first, last = moment((*location, "start"), bot.start), moment((*location, "until"), bot.until)
        if first < start:
            problem = f"{bot.start} is before the scenario's start ({scenario.start.isoformat()})"
            raise ScheduleProblem((*location, "start"), problem)
        if last < first:
            raise ScheduleProblem((*location, "until"), "until is before start")
        every = parse_duration(bot.every)
        times = (last - first) // every + 1
        if times > MAX_RUNS:
            raise ScheduleProblem(
                (*location, "every"), f"the bot would run {times:,} times; a bot runs at most {MAX_RUNS:,} times"
            )
        yield location, counted(location, Schedule(first, every, times))


def _span_text(end: int) -> str:
    return f"it ends {datetime.fromtimestamp(end, UTC):%Y-%m-%d %H:%M:%S} UTC, 100 years after its start at most"


def _schema_message(error: Any) -> str:
    if error["type"] == "missing":
        return "this field is required"
    if error["type"] == "extra_forbidden":
        return "unknown field (docs/scenarios.md lists the fields of each section)"
    return str(error["msg"])


def _problem_text(problem: Exception) -> str:
    """A problem's message; for pydantic errors, the first one without its documentation link."""
    if isinstance(problem, ValidationError):
        error = problem.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return f"{where}: {error['msg']}" if where else str(error["msg"])
    return str(problem)


def _named_field(problem: Exception) -> str:
    """The field a problem is about: `amount` in "amount: 'x' is not an amount"."""
    if isinstance(problem, ValidationError) and problem.errors()[0]["loc"]:
        return str(problem.errors()[0]["loc"][0])
    return str(problem).split(":", 1)[0].strip("'\" ")


class _Checker:
    """Dry-runs the scenario: the dev accounts stand in for the actors, placeholders for contract addresses."""

    def __init__(self, loaded: LoadedScenario, abi: AbiSource) -> None:
        self.loaded = loaded
        self.abi = abi
        self.scenario = loaded.scenario
        actors = assign_accounts(self.scenario.actors, dev_accounts())
        self.resolver = Resolver(loaded.start, actors, {}, frozenset(self.scenario.contracts))

    def fail(self, location: Location, message: str) -> typing.NoReturn:
        raise ScenarioFileError(self.loaded.path, self.loaded.lines.line_of(location), message)

    def check(self) -> None:
        for name, spec in self.scenario.contracts.items():
            self._contract_set(name, spec)
        for index, step in enumerate(self.scenario.steps):
            location: Location = ("steps", index)
            self._action(location, step.actor, step.do, step.args)
            self._expectation(location, step.expect)
        for index, bot in enumerate(self.scenario.bots):
            location = ("bots", index)
            self._action(location, bot.actor, bot.do, bot.args)
            self._expectation(location, bot.expect)
        try:
            for _ in _schedules(self.scenario, self.loaded.start):
                pass
        except ScheduleProblem as exc:
            self.fail(exc.location, str(exc))

    def _contract_set(self, name: str, spec: ContractSet) -> None:
        location: Location = ("contracts", name)
        try:
            driver = driver_class(spec.driver)
        except UnknownDriverError as exc:
            self.fail((*location, "driver"), str(exc))
        try:
            spec.deploy_params(self.resolver, self.abi)
        except (ArtifactNotFoundError, OSError) as exc:
            self.fail((*location, "contract"), f"contracts.{name}.contract: {exc}; compile the contracts first")
        except (ValueProblem, ValueError) as exc:
            self.fail((*location, "params", _named_field(exc)), f"contracts.{name}.params: {_problem_text(exc)}")
        try:
            self.resolver.call_arguments(driver.deploy, spec.args, skip=2)
        except (ValueProblem, ValueError) as exc:
            self.fail((*location, "with", _named_field(exc)), f"contracts.{name}.with: {_problem_text(exc)}")

    def _method(self, location: Location, field: str, reference: str, what: str) -> Any:
        """The driver method or contract function `reference` (`set.action`) calls."""
        set_name, _, action = reference.partition(".")
        spec = self.scenario.contracts.get(set_name)
        if set_name == CHEAT and spec is None and what == "action":
            method = cheat(action)
            if method is None:
                cheats = ", ".join(n for n in vars(ChainCheats) if not n.startswith("_"))
                self.fail((*location, field), f"{reference!r}: the cheat actions are {cheats}")
            return method
        if spec is None or not action:
            sets = ", ".join(self.scenario.contracts)
            self.fail((*location, field), f"{reference!r}: expected <contract set>.<{what}> with a set among {sets}")
        driver = driver_class(spec.driver)
        method = driver_method(driver, action)
        if method is not None:
            return method
        try:
            call = find_call(action, self._abis(spec), getattr(driver, "ACTIONS", None))
        except (ArtifactNotFoundError, OSError) as exc:
            problem = f"{reference}: is no driver method, and the contracts' ABIs to look it up in are missing ({exc})"
            self.fail((*location, field), f"{problem}; compile the contracts first (s4chain compile)")
        if call is not None and spec.contract is not None:
            call = dataclasses.replace(call, units=checked_units(self.abi(spec.contract)))
        if call is None:
            known = ", ".join(driver_actions(driver))
            contracts = ", ".join(self._abis(spec))
            names = " or ".join(repr(n) for n in dict.fromkeys((action, camel(action))))
            self.fail(
                (*location, field),
                f"the {spec.driver} driver has no {what} {action!r} ({known}), and no function {names} "
                f"is in its contracts ({contracts})",
            )
        return call

    def _abis(self, spec: ContractSet) -> dict[str, Abi]:
        """The ABIs of a set's contracts, in the order a step's action is looked for in them (`call_order`), from
        the compiled artifacts."""
        return {name: self.abi(name) for name in spec.call_order}

    def _action(self, location: Location, actor: str, do: str, args: dict[str, Any]) -> None:
        if actor not in self.scenario.actors:
            self.fail((*location, "actor"), f"unknown actor {actor!r} (actors: {', '.join(self.scenario.actors)})")
        target = self._method(location, "do", do, "action")
        try:
            call_arguments(self.resolver, target, args, takes_actor(target))
        except (ValueProblem, ValueError) as exc:
            self.fail((*location, "with", _named_field(exc)), f"{do}: {_problem_text(exc)}")

    def _expectation(self, location: Location, expect: Expectation) -> None:
        for index, event in enumerate(expect.events):
            if isinstance(event, str):
                continue
            for key, value in event.args.items():
                if isinstance(value, str) and value.startswith("@"):
                    try:
                        self.resolver.reference(value)
                    except ValueProblem as exc:
                        self.fail((*location, "expect", "events", index, "args", key), f"{event.name}.{key}: {exc}")
        for index, check in enumerate(expect.checks):
            where: Location = (*location, "expect", "checks", index)
            target = self._method(where, "call", check.call, "read method")
            if isinstance(target, ContractCall) and not target.reads:
                self.fail((*where, "call"), f"{check.call}: {target.label} is no view function, so no read")
            try:
                call_arguments(self.resolver, target, check.args, False)
            except (ValueProblem, ValueError) as exc:
                self.fail((*where, "args", _named_field(exc)), f"{check.call}: {_problem_text(exc)}")
