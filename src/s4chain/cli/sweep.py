"""`s4chain sweep FILE`: one scenario replayed across parameter values and seeds, in parallel (docs/sweeps.md)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Annotated

import typer

from s4chain.cli.exits import err, fail, note
from s4chain.cli.options import ProjectOption
from s4chain.project import Project


def sweep_command(
    file: Annotated[Path, typer.Argument(help="The scenario file (with a parameters: block).")],
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", help="name=low..high/count (count values, ends included) or name=a,b,c; repeatable."),
    ] = None,
    sample: Annotated[
        list[str] | None,
        typer.Option(
            "--sample",
            help="name=uniform(lo,hi) | normal(mean,sd) | lognormal(mean,sigma) | bernoulli(p) | choice(a,b): "
            "drawn per run; repeatable.",
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, the same in every run; repeatable.")
    ] = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Seeds per grid point (seed, seed+1, ...).")] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The first seed.")] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Local worker processes (default: the CPU count).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results.parquet and report.html (default: reports/sweeps/<file>)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="A Dask distributed scheduler's address (tcp://host:8786) to run on."),
    ] = None,
    project_root: ProjectOption = None,
) -> None:
    """Replay FILE for every combination of --grid values (times --runs seeds, with --sample parameters drawn per
    run) and write each run's parameters, seed and outcomes to a Parquet file with a report page. Runs already
    in the results file are skipped (resume). Exit 0 when every run's expectations held, 1 when one did not."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from s4chain.compiler import CompilerError, compile_project
    from s4chain.inputs.yaml_lines import load_yaml_with_lines
    from s4chain.scenarios.loader import ScenarioFileError, load_document
    from s4chain.scenarios.outcomes import RUN_FIGURES, declared_outcomes
    from s4chain.scenarios.parameters import ExpansionProblem, declared, parameter_values
    from s4chain.sweeps.plan import parse_fixed, parse_grid, parse_sample, plan_runs
    from s4chain.sweeps.report import write_sweep_report
    from s4chain.sweeps.results import FIRST_COLUMNS, LAST_COLUMNS
    from s4chain.sweeps.runner import run_sweep
    from s4chain.sweeps.worker import Bundle, Job

    project = Project.discover(project_root)
    if not file.is_file():
        fail(f"{file}: no such scenario file")
    axes = [parse_grid(text) for text in grid or []]
    samples = [parse_sample(text) for text in sample or []]
    planned = plan_runs(axes, samples, parse_fixed(param or []), runs, seed)
    data, lines = load_yaml_with_lines(file, kind="scenario", error=ScenarioFileError)
    if not isinstance(data, dict):
        fail(f"{file}: not a scenario (expected a mapping)")
    try:
        parameters = declared(data)
        for run in planned:  # every run's values, checked before anything runs
            parameter_values(parameters, run.parameters)
    except ExpansionProblem as exc:
        raise ScenarioFileError(file, lines.line_of(exc.location), str(exc)) from None
    clashing = sorted(set(parameters) & {*FIRST_COLUMNS, *LAST_COLUMNS, *RUN_FIGURES})
    if clashing:
        fail(f"{file}: parameter(s) {', '.join(clashing)} would clash with the results' own columns; rename them")
    try:
        store = compile_project(project, progress=note).store
    except CompilerError as exc:
        fail(f"contracts do not compile:\n{exc}")
    first = planned[0]  # the file itself, with the first run's values: its errors before any worker starts
    loaded = load_document(file, data, lines, lambda name: store.get(name).abi, first.parameters, first.seed)
    outcomes = list(declared_outcomes(loaded.scenario))
    out = out or Path("reports") / "sweeps" / file.stem
    results, page = out / "results.parquet", out / "report.html"
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    jobs = [Job(str(file), data, lines, run, digest) for run in planned]
    count = workers or os.cpu_count() or 1
    where = f"the Dask scheduler at {cluster}" if cluster else f"{count} local worker(s)"
    typer.echo(f"{len(jobs)} run(s) of {file} on {where}")
    started = time.perf_counter()
    columns = (TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(f"{loaded.scenario.name} (runs not in the results yet)", total=None)
        rows, progress = run_sweep(
            jobs,
            Bundle.of(store),
            results,
            workers=count,
            cluster=cluster,
            on_row=lambda _: bar.advance(task),
            on_plan=lambda planned: bar.update(task, total=planned.total - planned.skipped),
        )
    elapsed = time.perf_counter() - started
    swept = [name for name, _ in axes] + [name for name, _ in samples]
    write_sweep_report(
        page,
        title=f"Sweep: {loaded.scenario.name}",
        scenario_file=str(file),
        rows=rows,
        swept=swept,
        parameters=list(parameters),
        outcomes=[*outcomes, "gas"],
        results_file=results,
    )
    failed = [row for row in rows if not row.get("passed")]
    rate = f", {progress.done / elapsed:.2f} runs/s" if progress.done else ""
    typer.echo(
        f"{progress.done} run(s) done, {progress.skipped} already in {results}{rate}"
        + (f", {progress.retried} retried after a lost worker" if progress.retried else "")
    )
    typer.echo(f"results: {results}\nreport: {page}")
    if failed:
        typer.echo(f"{len(failed)} run(s) with a failed expectation or an error: see the report", err=True)
        raise typer.Exit(1)
