"""`s4chain replay` and `s4chain demo`: validate every file first, then replay each on its own chain."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from s4chain.chain.base import Chain
from s4chain.chain.lock import NodeLock
from s4chain.scenarios.engine import Replayer, ScenarioRun, StepRecord
from s4chain.scenarios.journal import JournalWriter, resume_point
from s4chain.scenarios.loader import LoadedScenario


def summary_table(runs: list[ScenarioRun]) -> Table:
    table = Table(title="Replay summary")
    for column in ("scenario", "use case", "steps", "transactions", "gas", "failures", "time"):
        table.add_column(column, justify="right" if column not in ("scenario", "use case") else "left")
    for run in runs:
        failures = len(run.failures)
        table.add_row(
            run.name,
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
    attached: dict[str, Any] | None = None,
    journal: JournalWriter | None = None,
) -> list[ScenarioRun]:
    """Replay each scenario on a chain from `make_chain()`: a fresh one each, or one node for all
    (`shared_chain`). On a shared node every scenario starts from the state the replay found, since time only
    moves forward and each has its own start date: each is undone by snapshot and revert, but the last, whose
    final state the node keeps for inspection. `attached` drivers (from deployment records) stand in for the
    sets of the same driver instead of new deployments. With a `journal`, every step is journaled, and what a
    resumed journal already holds is not sent again; files it does not hold run after the ones it does."""
    if journal is not None:
        loaded = journal.order(loaded)
    runs = []
    with Progress(
        TextColumn("{task.description}"),
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
                    journal.start(item.path, snapshot_id, chain)
            replayer = Replayer(chain, item, attached=attached)
            task = progress.add_task(item.scenario.name, total=replayer.planned_steps())
            progress.update(task, completed=len(entry.steps) if entry else 0)
            run = replayer.run(
                on_step=partial(_stepped, progress, task, journal, item.path, replayer),
                resume=resume_point(entry) if entry else None,
                on_deployed=partial(_deployed, journal, item.path, replayer) if journal else None,
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


def _deployed(journal: JournalWriter, path: Path, replayer: Replayer, run: ScenarioRun) -> None:
    journal.deployed(path, run, replayer.new_driver_state(), replayer.chain)


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
                f"[red]FAILED[/] {run.file}:{step.line}: step {step.action} by {step.actor}: {step.problem}",
                highlight=False,
                soft_wrap=True,
            )


def default_scenarios(root: Path) -> list[Path]:
    return sorted((root / "scenarios").glob("*.yaml"))
