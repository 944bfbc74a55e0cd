"""The gas regression gate (`s4chain gas check|update`): a figure may not grow by more than 2% unless the snapshot
is updated with it; the figures come from the gas report a pytest run writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from s4chain.cli.gas import compare, function_figures
from s4chain.cli.main import app

SNAPSHOT = {"functions": {"TokenSale.buy": 100_000}, "scenarios": {"01-sale": 1_000_000}}
ROOT = Path(__file__).resolve().parents[2]


def test_growth_within_two_percent_passes() -> None:
    current = {"functions": {"TokenSale.buy": 102_000}, "scenarios": {"01-sale": 990_000}}
    assert compare(current, SNAPSHOT) == ([], [])


def test_growth_beyond_two_percent_fails_naming_the_figure() -> None:
    current = {"functions": {"TokenSale.buy": 102_001}, "scenarios": {"01-sale": 1_000_000}}
    problems = ["functions.TokenSale.buy: 100,000 -> 102,001 gas (+2.0%, over 2%)"]
    assert compare(current, SNAPSHOT) == (problems, [])


def test_a_figure_missing_from_the_snapshot_fails() -> None:
    current = {"functions": {"TokenSale.buy": 100_000, "TokenSale.claim": 50_000}, "scenarios": {}}
    missing = "functions.TokenSale.claim: 50,000 gas is not in gas-snapshot.json"
    assert compare(current, SNAPSHOT) == ([missing], [])


def test_an_improvement_beyond_two_percent_is_named() -> None:
    current = {"functions": {"TokenSale.buy": 97_999}, "scenarios": {}}
    assert compare(current, SNAPSHOT) == ([], ["functions.TokenSale.buy"])


REPORT = {
    "contracts": {
        "Coin": {
            "deployment": {"calls": 1, "min": 900_000, "mean": 900_000, "median": 900_000, "max": 900_000},
            "functions": {"mint": {"calls": 3, "min": 30_000, "mean": 40_000, "median": 45_000, "max": 45_000}},
        }
    },
    "recorded": {},
}


def test_the_gated_figures_are_the_recorded_ones_else_the_highest_per_function() -> None:
    assert function_figures(REPORT) == {"Coin.deploy": 900_000, "Coin.mint": 45_000}
    assert function_figures({**REPORT, "recorded": {"Coin.mint(first)": 50_000}}) == {"Coin.mint(first)": 50_000}
    assert function_figures({"Coin.mint": 45_000}) == {"Coin.mint": 45_000}  # the older, flat report


def test_update_then_check_in_a_project(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    report = tmp_path / "build" / "gas-report.json"
    report.parent.mkdir()
    report.write_text(json.dumps(REPORT))
    runner = CliRunner()
    project = ["--project", str(tmp_path)]

    updated = runner.invoke(app, ["gas", "update", *project])
    assert updated.exit_code == 0, updated.output
    assert json.loads((tmp_path / "gas-snapshot.json").read_text()) == {
        "functions": {"Coin.deploy": 900_000, "Coin.mint": 45_000},
        "scenarios": {},
    }
    assert runner.invoke(app, ["gas", "check", *project]).exit_code == 0

    grown = json.loads(json.dumps(REPORT))
    grown["contracts"]["Coin"]["functions"]["mint"]["max"] = 46_000
    other = tmp_path / "other.json"
    other.write_text(json.dumps(grown))
    checked = runner.invoke(app, ["gas", "check", *project, "--report", str(other)])
    assert checked.exit_code == 1
    assert "functions.Coin.mint: 45,000 -> 46,000 gas (+2.2%, over 2%)" in checked.output

    missing = runner.invoke(app, ["gas", "check", *project, "--report", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "none.json is missing: run the test suite first" in missing.output


def test_the_committed_snapshot_has_the_shape_the_gate_writes() -> None:
    snapshot = json.loads((ROOT / "gas-snapshot.json").read_text())
    assert set(snapshot) == {"functions", "scenarios"}
    assert all(isinstance(gas, int) for section in snapshot.values() for gas in section.values())


def test_the_deprecated_script_runs_the_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gas_snapshot.py"), "check", "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "deprecated: use `s4chain gas check|update`" in result.stderr
    assert result.returncode == 2 and "no s4chain.toml and no contracts/ folder" in result.stderr


def test_a_partial_run_is_gated_only_on_the_figures_it_measured(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    snapshot = {"functions": {"Coin.deploy": 900_000, "Coin.mint": 45_000, "Coin.burn": 30_000}, "scenarios": {}}
    (tmp_path / "gas-snapshot.json").write_text(json.dumps(snapshot))
    partial = json.loads(json.dumps(REPORT))
    partial["contracts"]["Coin"]["functions"]["pause"] = {"calls": 1, "min": 9, "mean": 9, "median": 9, "max": 9}
    partial["partial"] = ["only tests/test_coin.py of tests"]
    report = tmp_path / "build" / "gas-report.json"
    report.parent.mkdir()
    report.write_text(json.dumps(partial))
    runner = CliRunner()
    project = ["--project", str(tmp_path), "--no-scenarios"]

    checked = runner.invoke(app, ["gas", "check", *project])
    assert checked.exit_code == 0, checked.output
    assert "is from a partial run (only tests/test_coin.py of tests)" in checked.output
    assert "only the 2 function figure(s) it measured are compared" in checked.output
    assert "not measured by that run, not checked: Coin.burn" in checked.output
    assert "measured but not in gas-snapshot.json, not checked: Coin.pause" in checked.output

    partial["contracts"]["Coin"]["functions"]["mint"]["max"] = 46_000  # a measured figure still gated
    report.write_text(json.dumps(partial))
    grown = runner.invoke(app, ["gas", "check", *project])
    assert grown.exit_code == 1 and "Coin.mint: 45,000 -> 46,000" in grown.output

    partial["contracts"] = {"Other": partial["contracts"]["Coin"]}  # nothing in common: no silent pass
    report.write_text(json.dumps(partial))
    nothing = runner.invoke(app, ["gas", "check", *project])
    assert nothing.exit_code == 1 and "no function figure to compare" in nothing.output

    refused = runner.invoke(app, ["gas", "update", *project])
    assert refused.exit_code == 2 and "partial run" in refused.output
    assert json.loads((tmp_path / "gas-snapshot.json").read_text()) == snapshot
