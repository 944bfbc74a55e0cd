"""`s4chain gas check` and `s4chain gas update`: the gas regression gate against the committed `gas-snapshot.json`.

Figures: gas per function, from the gas report a pytest run writes (`build/gas-report.json`, see
`s4chain.testing.gas`): the figures the tests record themselves (`gas_report.record`, each a measured path), or,
for a suite that records none, the highest gas per `Contract.function` (and `Contract.deploy`) of every transaction
it sent; and gas per scenario (each file of the project's `scenarios/` replayed on the in-process chain,
deployments included). `check` exits 1 when a figure grew by more than 2% or is not in the snapshot. A report from
a partial run (the plugin notes why: a test file named, `-k`, stopped at a failure...) lacks figures: `check` then
compares only the figures both hold, names those it could not (exit 1 if none), and `update` refuses it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from s4chain.cli.exits import fail, map_errors
from s4chain.cli.options import BackendOption, ProjectOption
from s4chain.project import Project

TOLERANCE = 0.02
Figures = dict[str, dict[str, int]]

app = typer.Typer(
    help="The gas regression gate: compare a test run's gas report with gas-snapshot.json (2% tolerance).",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help texts, as the main app's
)

SnapshotOption = Annotated[
    Path | None, typer.Option("--snapshot", help="The committed figures (default: gas-snapshot.json in the project).")
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report", help="The gas report of a pytest run (default: build/gas-report.json; see --s4-gas-report)."
    ),
]
NoScenariosOption = Annotated[
    bool, typer.Option("--no-scenarios", help="Leave out the scenarios' gas (no replay of scenarios/*.yaml).")
]


def function_figures(report: dict[str, Any]) -> dict[str, int]:
    """The gated figures of a gas report: what the tests recorded, else the highest gas per function. A report
    of the older, flat form (`{key: gas}`) is what the tests recorded."""
    if all(isinstance(value, int) for value in report.values()):
        return dict(sorted(report.items()))
    if report.get("recorded"):
        return dict(sorted(report["recorded"].items()))
    figures = {}
    for contract, entry in report.get("contracts", {}).items():
        if "deployment" in entry:
            figures[f"{contract}.deploy"] = entry["deployment"]["max"]
        for function, stats in entry.get("functions", {}).items():
            figures[f"{contract}.{function}"] = stats["max"]
    return dict(sorted(figures.items()))


def scenario_figures(project: Project, backend: str = "py-evm") -> dict[str, int]:
    from s4chain.chain.backends import in_process_chain
    from s4chain.compiler import compile_project
    from s4chain.scenarios.engine import Replayer
    from s4chain.scenarios.loader import load_scenario

    paths = sorted((project.root / "scenarios").glob("*.yaml"))
    if not paths:
        return {}
    store = compile_project(project).store
    return {path.stem: Replayer(in_process_chain(backend, store), load_scenario(path)).run().gas_used for path in paths}


def read_report(report_path: Path) -> dict[str, Any]:
    try:
        report = json.loads(report_path.read_text())
    except FileNotFoundError:
        fail(f"{report_path} is missing: run the test suite first (pytest writes it; see --s4-gas-report)")
    except (OSError, ValueError) as exc:
        fail(f"{report_path} cannot be read ({exc})")
    if not isinstance(report, dict):
        fail(f"{report_path} is no gas report (a JSON object)")
    return report


def current_figures(project: Project, report: dict[str, Any], scenarios: bool, backend: str = "py-evm") -> Figures:
    figures = {"functions": function_figures(report)}
    if scenarios:
        figures["scenarios"] = scenario_figures(project, backend)
    return figures


def compare(
    current: Figures, snapshot: Figures, name: str = "gas-snapshot.json", exact: bool = False
) -> tuple[list[str], list[str]]:
    """The figures that grew by more than the tolerance (`exact`: that differ at all) or are not in the snapshot,
    and those that shrank by more."""
    problems, improved = [], []
    for section, figures in current.items():
        known = snapshot.get(section, {})
        for key, gas in figures.items():
            if key not in known:
                problems.append(f"{section}.{key}: {gas:,} gas is not in {name}")
            elif exact and gas != known[key]:
                problems.append(f"{section}.{key}: {known[key]:,} in {name}, {gas:,} now")
            elif gas > known[key] * (1 + TOLERANCE):
                growth = (gas - known[key]) / known[key]
                problems.append(f"{section}.{key}: {known[key]:,} -> {gas:,} gas (+{growth:.1%}, over {TOLERANCE:.0%})")
            elif gas < known[key] * (1 - TOLERANCE):
                improved.append(f"{section}.{key}")
    return problems, improved


def common_figures(current: Figures, snapshot: Figures) -> tuple[Figures, list[str], list[str]]:
    """For a partial run: its function figures the snapshot also holds (the scenarios are all replayed), those of
    the snapshot it did not measure, and those it measured that the snapshot lacks."""
    functions, known = current["functions"], snapshot.get("functions", {})
    common = {**current, "functions": {k: v for k, v in functions.items() if k in known}}
    return common, sorted(set(known) - set(functions)), sorted(set(functions) - set(known))


def _names(keys: list[str], most: int = 8) -> str:
    return ", ".join(keys[:most]) + (f" and {len(keys) - most} more" if len(keys) > most else "")


def _paths(project_root: Path | None, snapshot: Path | None, report: Path | None) -> tuple[Project, Path, Path]:
    project = Project.discover(project_root)
    return project, snapshot or project.root / "gas-snapshot.json", report or project.build_dir / "gas-report.json"


@app.command("check")
def check_command(
    project_root: ProjectOption = None,
    snapshot: SnapshotOption = None,
    report: ReportOption = None,
    no_scenarios: NoScenariosOption = False,
    backend: BackendOption = "py-evm",
    exact: Annotated[
        bool, typer.Option("--exact", help="Every figure equal to the snapshot's (a backend's parity), not within 2%.")
    ] = False,
) -> None:
    """Exit 1 when a figure grew by more than 2% over the snapshot, or is not in it."""
    project, snapshot_path, report_path = _paths(project_root, snapshot, report)
    gas_report = read_report(report_path)
    current = current_figures(project, gas_report, not no_scenarios, backend)
    try:
        known = json.loads(snapshot_path.read_text())
    except (OSError, ValueError) as exc:
        fail(f"{snapshot_path} cannot be read ({exc}); create it with `s4chain gas update`")
    if gas_report.get("partial"):
        current, unmeasured, unknown = common_figures(current, known)
        typer.echo(f"gas: {report_path} is from a partial run ({'; '.join(gas_report['partial'])}):")
        typer.echo(f"gas: only the {len(current['functions'])} function figure(s) it measured are compared")
        if unmeasured:
            typer.echo(f"gas: not measured by that run, not checked: {_names(unmeasured)}")
        if unknown:
            typer.echo(f"gas: measured but not in {snapshot_path.name}, not checked: {_names(unknown)}")
        if not current["functions"]:
            typer.echo("gas: no function figure to compare: run the whole suite (pytest with no test selection)")
            raise typer.Exit(1)
    problems, improved = compare(current, known, snapshot_path.name, exact)
    for problem in problems:
        typer.echo(f"gas: {problem}")
    if improved:
        typer.echo(
            f"gas: {len(improved)} figure(s) improved by more than {TOLERANCE:.0%}; `s4chain gas update` records them"
        )
    if problems:
        typer.echo(f"gas: if intended, run `s4chain gas update` and commit {snapshot_path.name} with the change")
        raise typer.Exit(1)
    count = sum(len(v) for v in current.values())
    typer.echo(f"gas: {count} figures within {TOLERANCE:.0%} of {snapshot_path.name}")


@app.command("update")
def update_command(
    project_root: ProjectOption = None,
    snapshot: SnapshotOption = None,
    report: ReportOption = None,
    no_scenarios: NoScenariosOption = False,
) -> None:
    """Write the current figures into the snapshot (after a change meant to cost more, or less, gas)."""
    from s4chain.files import write_json_atomic

    project, snapshot_path, report_path = _paths(project_root, snapshot, report)
    gas_report = read_report(report_path)
    if gas_report.get("partial"):
        fail(
            f"{report_path} is from a partial run ({'; '.join(gas_report['partial'])}): the snapshot would lose the "
            "figures it did not measure; run the whole suite first"
        )
    current = current_figures(project, gas_report, not no_scenarios)
    write_json_atomic(snapshot_path, current)
    typer.echo(f"{snapshot_path.name}: {sum(len(v) for v in current.values())} figures written")


map_errors(app)
