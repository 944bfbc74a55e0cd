"""`s4chain sweep` on the local process pool: a row per run with its parameters, seed and outcomes, the failed
runs' replay commands, resume, a worker lost mid-sweep, one row replayed alone, and bad input (exit 2)."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from s4chain.cli.main import app
from s4chain.sweeps.report import replay_command
from s4chain.sweeps.runner import run_sweep
from s4chain.sweeps.worker import Bundle
from tests.sweeps.conftest import REPO, comparable, jobs_of


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, [*args, "--project", str(REPO)])


def test_a_sweep_writes_a_row_per_run_a_report_and_resumes(small_sale: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("sweep", str(small_sale), "--grid", "rate=0,1", "--grid", "goal=2000..8000/2", "--runs", "2")
    result = cli(*args, "--workers", "2", "--out", str(out))
    rows = pq.read_table(out / "results.parquet").to_pylist()
    assert len(rows) == 8
    assert {(row["rate"], row["goal"], row["seed"]) for row in rows} == {
        (rate, goal, seed) for rate in (0, 1) for goal in (2000, 8000) for seed in (0, 1)
    }
    for row in rows:
        assert set(row) >= {"run_id", "seed", "rate", "goal", "raised", "success", "gas", "passed", "first_failure"}
        if row["rate"] == 1:  # everyone revokes: nothing raised, the sale fails, and so does its check
            assert row["raised"] == 0 and row["success"] is False and row["passed"] is False
            assert "expected True, got False" in row["first_failure"]
        assert row["passed"] == row["success"]
    assert result.exit_code == 1, result.output  # some runs' expectations failed
    page = (out / "report.html").read_text()
    assert page.count("<svg") >= 4  # raised and success against rate and goal, and their heatmaps
    failed = [row for row in rows if not row["passed"]]
    for row in failed:
        assert replay_command(str(small_sale), row, ["goal", "rate"]) in page.replace("&#x27;", "'")

    again = cli(*args, "--workers", "2", "--out", str(out))
    assert "0 run(s) done, 8 already in" in again.output
    assert comparable(pq.read_table(out / "results.parquet").to_pylist()) == comparable(rows)
    more = cli(*args[:-1], "3", "--workers", "2", "--out", str(out))
    assert "4 run(s) done, 8 already in" in more.output
    assert len(pq.read_table(out / "results.parquet").to_pylist()) == 12

    # The file changed: its old rows are another scenario's, which a resume must not mix with the new ones.
    small_sale.write_text(small_sale.read_text().replace("three investors", "three investors, edited"))
    changed = cli(*args, "--workers", "2", "--out", str(out))
    assert changed.exit_code == 2, changed.output
    assert "holds runs of another version of the scenario file" in " ".join(changed.output.split())


def test_a_row_replays_alone_with_its_command(small_sale: Path, tmp_path: Path, bundle: Bundle) -> None:
    rows, _ = run_sweep(jobs_of(small_sale, [("rate", [0.5])], 3, seed=5), bundle, tmp_path / "r.parquet", workers=1)
    for row in rows:
        command = shlex.split(replay_command(str(small_sale), row, ["goal", "rate"]))
        assert command[:2] == ["s4chain", "replay"]
        report = tmp_path / f"{row['run_id']}.html"
        cli(*command[1:], "--report", str(report))
        data = json.loads(report.with_suffix(".json").read_text())
        scenario = data["scenarios"][0]
        assert scenario["summary"]["gas"] == row["gas"]
        assert scenario["summary"]["failures"] == row["failures"]
        assert float(scenario["final_states"]["sale"]["raised"]) == row["raised"]


def test_a_worker_lost_mid_sweep_loses_only_runs_in_flight(small_sale: Path, tmp_path: Path, bundle: Bundle) -> None:
    jobs = jobs_of(small_sale, [("rate", [0, 0.5])], 4)
    killed: list[int] = []

    def kill_a_worker(_: dict[str, object]) -> None:
        if killed:
            return
        # The pool's workers are the fork server's children (the server and the resource tracker are ours).
        servers = {child.pid for child in psutil.Process(os.getpid()).children()}
        workers = [child for child in psutil.Process(os.getpid()).children(recursive=True) if child.pid not in servers]
        workers[0].kill()
        killed.append(workers[0].pid)

    rows, progress = run_sweep(jobs, bundle, tmp_path / "r.parquet", workers=2, on_row=kill_a_worker)
    assert killed
    assert progress.retried >= 1
    assert sorted(row["run_id"] for row in rows) == sorted(job.run.run_id for job in jobs)
    assert all(row.get("error") is None for row in rows)
    alone, _ = run_sweep(jobs, bundle, tmp_path / "alone.parquet", workers=1)
    assert comparable(rows) == comparable(alone)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--grid", "rate=0..1"), "expected name=low..high/count"),
        (("--grid", "rate"), "expected name=value"),
        (("--grid", "rate=0..2/3"), "small-sale.yaml:7: parameter rate: 2 is outside its range [0, 1]"),
        (("--grid", "speed=1,2"), "unknown parameter 'speed' (parameters: goal, rate)"),
        (("--sample", "rate=gamma(1,2)"), "--sample rate: 'gamma(1,2)': expected uniform(low, high)"),
        (("--param", "goal=lots"), "parameter goal: 'lots' is not a number"),
        (("--grid", "rate=0,1", "--param", "rate=0.5"), "rate given by more than one option"),
    ],
)
def test_bad_sweep_input_is_one_line_and_exit_2(
    small_sale: Path, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    result = cli("sweep", str(small_sale), *options, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()
