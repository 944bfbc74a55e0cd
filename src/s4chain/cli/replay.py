"""`s4chain replay` and `s4chain demo`: validate every file first, then replay each on its own chain."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from s4chain.chain.base import Chain
from s4chain.chain.lock import NodeLock
from s4chain.cli.exits import fail
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.deployment.records import DeploymentRecords
from s4chain.scenarios.engine import Replayer, ScenarioRun, ScenarioSetupError, StepRecord, start_problem, utc
from s4chain.scenarios.journal import JournalWriter, resume_point
from s4chain.scenarios.loader import LoadedScenario, load_scenario


def load_all(
    paths: list[Path],
    compiled: Callable[[], ArtifactStore],
    parameters: dict[str, str] | None = None,
    seed: int = 0,
) -> list[LoadedScenario]:
    """The scenario files, checked; actions that are contract functions against the compiled ABIs; with
    `parameters` (`--param`) and `seed` (`--seed`) for the files' parameters and populations."""
    loaded: list[LoadedScenario] = []
    for given in paths:
        # A folder stands for the scenario files in it.
        files = sorted(given.glob("*.yaml")) if given.is_dir() else [given]
        if not files:
            fail(f"{given}: a folder with no .yaml scenario files")
        loaded.extend(load_scenario(path, lambda name: compiled().get(name).abi, parameters, seed) for path in files)
    return loaded


def summary_table(runs: list[ScenarioRun]) -> Table:
    table = Table(title="Replay summary")
    for column in ("scenario", "use case", "steps", "transactions", "gas", "failures", "time"):
        table.add_column(column, justify="right" if column not in ("scenario", "use case") else "left")
    for run in runs:
        failures = len(run.failures)
        table.add_row(
            escape(run.name),
            run.use_case,
            str(len(run.steps)),
            str(run.transaction_count),
            f"{run.gas_used:,}",
            f"[red]{failures}[/]" if failures else "0",
            f"{run.seconds:.1f} s",
        )
    return table


def replay_all(
    loaded: list[LoadedScenario],
    make_chain: Callable[[], Chain],
    console: Console,
    *,
    shared_chain: bool = False,
    attached: Callable[[LoadedScenario], dict[str, Any]] | None = None,
    journal: JournalWriter | None = None,
    trace: bool = False,
) -> list[ScenarioRun]:
    """Replay each scenario on a chain from `make_chain()`: a fresh one each, or one node for all
    (`shared_chain`). On a shared node every scenario starts from the state the replay found, since time only
    moves forward and each has its own start date: each is undone by snapshot and revert, but the last, whose
    final state the node keeps for inspection. `attached(file)` gives drivers (from deployment records, by
    driver name) that stand in for that file's sets of the same driver instead of new deployments. With a
    `journal`, every step is journaled, and what a resumed journal already holds is not sent again; files it
    does not hold run after the ones it does. Each step's console.log lines are printed as it ends, and with
    `trace` its call traces."""
    if journal is not None:
        loaded = journal.order(loaded)
    runs = []
    with Progress(
        TextColumn("{task.description}", markup=False),  # scenario names are text
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for position, item in enumerate(loaded):
            undo = shared_chain and position < len(loaded) - 1
            chain = make_chain()
            entry = journal.entry(item.path) if journal else None
            if entry is not None and entry.run is not None:
                done = entry.run
                progress.add_task(f"{item.scenario.name} (journal)", total=len(done.steps), completed=len(done.steps))
                runs.append(done)
                if undo and journal is not None:
                    journal.undo(item.path, chain)
                continue
            snapshot_id = None
            if entry is not None and journal is not None:
                journal.undo_in_flight(item.path, chain)
            else:
                # Every file on a node gets a snapshot, the last too: a resume may add files after it.
                snapshot_id = chain.snapshot() if shared_chain else None
                if journal:
                    journal.start(item.path, snapshot_id, chain, item.shift)
            replayer = Replayer(chain, item, attached=attached(item) if attached else None, trace=trace)
            task = progress.add_task(item.scenario.name, total=replayer.planned_steps())
            progress.update(task, completed=len(entry.steps) if entry else 0)
            run = replayer.run(
                on_step=partial(_stepped, progress, task, journal, item.path, replayer),
                resume=resume_point(entry) if entry else None,
                on_deployed=partial(_deployed, progress, journal, item.path, replayer),
                before_step=partial(journal.starting, item.path, chain) if journal else None,
            )
            if journal:
                journal.finished(item.path, run)
            runs.append(run)
            if undo:
                if journal:
                    journal.undo(item.path, chain)
                else:
                    chain.revert(snapshot_id)
    if journal is not None:
        journal.compact()
    return runs


def _deployed(
    progress: Progress, journal: JournalWriter | None, path: Path, replayer: Replayer, run: ScenarioRun
) -> None:
    if journal:
        journal.deployed(path, run, replayer.new_driver_state(), replayer.chain)
    for line in run.deployment_console:
        progress.console.print(f"console.log {path}: deployment: {line}", markup=False, highlight=False, soft_wrap=True)


def _stepped(
    progress: Progress,
    task: TaskID,
    journal: JournalWriter | None,
    path: Path,
    replayer: Replayer,
    record: StepRecord,
) -> None:
    if journal:
        journal.step(path, record, replayer.new_driver_state(), replayer.chain)
    where = f"{path}:{record.line}: step {record.action} by {record.actor}"
    for line in record.console:
        progress.console.print(f"console.log {where}: {line}", markup=False, highlight=False, soft_wrap=True)
    if replayer.trace and record.trace:
        progress.console.print(f"{where}:\n{record.trace}", markup=False, highlight=False, soft_wrap=True)
    progress.advance(task)


_HELD: list[NodeLock] = []  # locks taken outside a command: held until the process ends


def hold_node_lock(chain: Chain, command: typer.Context | None) -> None:
    """Take the node's lock for the rest of `command` (released when it ends, or by the kernel when the process
    dies); NodeInUseError when another run holds it."""
    from s4chain.chain.lock import node_lock

    lock = node_lock(chain).acquire()
    if command is not None:
        command.call_on_close(lock.release)
    else:
        _HELD.append(lock)


def print_failures(runs: list[ScenarioRun], console: Console) -> None:
    for run in runs:
        for step in run.failures:
            console.print(
                "[red]FAILED[/] "
                + escape(f"{run.file}:{step.line}: step {step.action} by {step.actor}: {step.problem}"),
                highlight=False,
                soft_wrap=True,
            )
            if step.trace:
                console.print(step.trace, markup=False, highlight=False, soft_wrap=True)


def default_scenarios(root: Path) -> list[Path]:
    return sorted((root / "scenarios").glob("*.yaml"))


DAY = 86_400
TimeShift = int | Literal["auto"]


def parse_shift(text: str) -> TimeShift:
    """`--shift-time`: `auto`, or a duration (`365d`, `2w`)."""
    from s4chain.inputs.values import ValueProblem, parse_duration

    if text.strip() == "auto":
        return "auto"
    try:
        return parse_duration(text)
    except ValueProblem:
        fail(f"--shift-time {text!r}: expected auto or a duration (e.g. 365d, 2w)")


def auto_shift(start: int, clock: int) -> int:
    """Whole days that put `start` just after `clock` (0 when it is ahead already): times of day are kept."""
    return 0 if start > clock else -(-(clock + 1 - start) // DAY) * DAY


@dataclass(frozen=True)
class Timing:
    """When a replay's files start: after `clock` (the node's, or the in-process genesis), their dates moved by
    `--shift-time` (`shift`), or as `journal` recorded them on a resume."""

    clock: int
    shift: TimeShift | None = None
    journal: JournalWriter | None = None

    def place(self, loaded: list[LoadedScenario], records: DeploymentRecords | None = None) -> list[LoadedScenario]:
        """Each file with its dates moved forward: as journaled (a resume keeps them); else as its sets were
        recorded by `deploy --scenario --shift-time` (unless a duration says otherwise); else by `shift` (auto:
        to just after `clock`, only when needed)."""
        placed = []
        for item in loaded:
            entry = self.journal.entries.get(str(item.path)) if self.journal is not None else None
            recorded = recorded_shift(item, records) if records is not None else None
            if entry is not None:
                seconds = entry.shift
            elif recorded is not None and self.shift in (None, "auto"):
                seconds = recorded
            elif self.shift == "auto":
                seconds = auto_shift(item.start, self.clock)
            else:
                seconds = self.shift or 0
            placed.append(replace(item, shift=seconds))
        return placed

    def check(self, loaded: list[LoadedScenario], deployed: Callable[[LoadedScenario], bool]) -> None:
        """That each file not resumed can start at `clock` (ScenarioSetupError names the file, the two dates and
        the ways out); `deployed` tells a file whose sets are all recorded."""
        for item in loaded:
            if self.journal is not None and str(item.path) in self.journal.entries:
                continue  # resumed: it started before
            problem = start_problem(item, self.clock, deployed(item))
            if problem is not None:
                raise ScenarioSetupError(problem)


def plan_replay(
    loaded: list[LoadedScenario],
    timing: Timing,
    *,
    node: Chain | None = None,
    records_dir: Path | None = None,
    redeploy: bool = False,
    console: Console | None = None,
) -> tuple[list[LoadedScenario], Callable[[LoadedScenario], dict[str, Any]] | None]:
    """Everything decided before anything is sent or shown: each file's dates (`Timing.place`); with
    `records_dir`, the recorded sets each file attaches to on `node` (`use_deployments`); then that each file
    can start (`Timing.check`)."""
    console = console or Console()
    opened = open_deployments(node, records_dir, console) if node is not None and records_dir is not None else None
    loaded = timing.place(loaded, opened[1] if opened else None)
    attached = None
    deployed: Callable[[LoadedScenario], bool] = lambda _: False  # noqa: E731
    if node is not None and opened is not None:
        attached, deployed = use_deployments(node, opened, loaded, redeploy, console)
    timing.check(loaded, deployed)
    return loaded, attached


def recorded_shift(item: LoadedScenario, records: DeploymentRecords) -> int | None:
    """The shift `deploy --scenario` recorded for the file's sets (None: none recorded, or not one)."""
    from s4chain.deployment.records import scenario_key

    shifts = {
        records.sets[key].time_shift
        for key in (scenario_key(item.path, name) for name in item.scenario.contracts)
        if key in records.sets
    }
    return shifts.pop() if len(shifts) == 1 else None


def node_clock(chain: Chain, journal: JournalWriter | None) -> int:
    """The clock every file of a replay on a node starts from: the node's, or on a resume the one when the
    journal's first file started (each file is undone before the next one)."""
    first = next(iter(journal.entries.values()), None) if journal is not None else None
    if first is not None and first.start_head is not None:
        return int(chain.w3.eth.get_block(first.start_head[0])["timestamp"])
    return chain.timestamp


def shifted_notes(loaded: list[LoadedScenario]) -> Iterator[str]:
    for item in loaded:
        if item.shift:
            yield (
                f"{item.path}: dates moved forward by {item.shift // DAY:,} days {item.shift % DAY:,} s "
                f"(--shift-time): starts {utc(item.start)}"
            )


def open_deployments(
    chain: Chain, records_dir: Path, console: Console
) -> tuple[Path, DeploymentRecords, dict[str, Any]]:
    """The records `s4chain deploy` wrote for this chain, checked to describe it, with a driver over each
    complete set (by the records' key); exit 2 naming the file when they cannot be used."""
    from s4chain.deployment.attach import attach_drivers
    from s4chain.deployment.deployer import Deployer
    from s4chain.deployment.records import (
        RecordsFileError,
        StaleRecordsError,
        load_records,
        records_path,
        verify_chain,
    )

    path = records_path(chain.chain_id, records_dir)
    if not path.is_file():
        fail(f"--use-deployments: no records at {path}; run `s4chain deploy --rpc URL` first")
    records = load_records(path)  # its errors name the file
    complete = [name for name, record in records.sets.items() if record.complete]
    try:
        verify_chain(records, chain)  # before a pending deployment is sent again: to its own chain only
        if any(record.pending for record in records.sets.values()):  # sent by an interrupted deploy
            Deployer(chain, records, path, log=lambda line: console.print(line, highlight=False)).settle_pending()
        attached = attach_drivers(chain, records, complete)
    except (RecordsFileError, StaleRecordsError) as exc:
        fail(f"--use-deployments: {path}: {exc}")
    return path, records, attached


def use_deployments(
    chain: Chain,
    opened: tuple[Path, DeploymentRecords, dict[str, Any]],
    loaded: list[LoadedScenario],
    redeploy: bool,
    console: Console,
) -> tuple[Callable[[LoadedScenario], dict[str, Any]], Callable[[LoadedScenario], bool]]:
    """Per file, the drivers over the recorded sets whose params and `with:` are the file's
    (cli/deployments.py), and whether every set of the file has one; refused (exit 2) when some differ, unless
    `redeploy`: those are deployed by the replay. Every choice is printed."""
    from s4chain.cli.deployments import drivers_for, notes, plan_sets, refusal

    path, records, attached = opened
    plan = plan_sets(loaded, records, chain)
    if plan.differing and not redeploy:
        fail(refusal(plan, path, str(getattr(chain, "url", "URL"))))
    for line in notes(plan):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    return drivers_for(plan, attached), plan.all_attached
