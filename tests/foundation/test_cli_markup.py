"""User text reaches the terminal as written: an error line or a help text holding brackets (`[node]`,
`[lot.container - 1]`) is not taken for rich markup and eaten."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from s4chain.cli.main import app
from s4chain.cli.replay import print_failures, summary_table
from s4chain.scenarios.engine import ScenarioRun, StepRecord

REPO = Path(__file__).resolve().parents[2]


def test_an_error_with_brackets_keeps_them(tmp_path: Path) -> None:
    missing = tmp_path / "[lot.container - 1] [bold].yaml"
    result = CliRunner().invoke(app, ["sweep", str(missing), "--project", str(REPO)])
    assert result.exit_code == 2
    assert f"error: {missing}: no such scenario file" in " ".join(result.output.split())


def test_help_text_with_brackets_keeps_them() -> None:
    result = CliRunner().invoke(app, ["node", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "(default: [node] port, 8545)" in " ".join(result.output.replace("│", " ").split())


def test_a_replays_failure_line_and_summary_keep_brackets() -> None:
    step = StepRecord(0, 12, 0, "keeper", "supply.recall", None, "failed", "reverted: NotInLot([lot.container - 1])")
    run = ScenarioRun("[draft] cold chain", "04.yaml", "UC4", "", "py-evm", 1, steps=[step])
    console = Console(record=True, width=200)
    print_failures([run], console)
    console.print(summary_table([run]))
    text = console.export_text()
    assert "FAILED 04.yaml:12: step supply.recall by keeper: reverted: NotInLot([lot.container - 1])" in text
    assert "[draft] cold chain" in text
