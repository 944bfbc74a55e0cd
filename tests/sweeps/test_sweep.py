"""`s4chain sweep` on the local process pool: a row per run with its parameters, seed and outcomes, the failed
runs' replay commands, resume, a worker lost mid-sweep, one row replayed alone, and bad input (exit 2)."""

from __future__ import annotations

import functools
import json
import os
import shlex
import signal
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from s4chain.cli.main import app
from s4chain.sweeps.report import replay_command
from s4chain.sweeps.runner import run_sweep
from s4chain.sweeps.worker import Bundle
from tests.sweeps.conftest import REPO, comparable, jobs_of
from tests.sweeps.counting import counted, executions


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


def test_a_worker_lost_mid_sweep_loses_only_its_own_run(small_sale: Path, tmp_path: Path, bundle: Bundle) -> None:
    jobs = jobs_of(small_sale, [("rate", [0, 0.5])], 4)
    marks = tmp_path / "marks"
    marks.mkdir()
    done: set[str] = set()
    killed: list[tuple[str, int]] = []  # (run id, pid) of the execution killed

    def kill_a_busy_worker(row: dict[str, object]) -> None:
        done.add(str(row["run_id"]))
        if killed:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # a worker that has started a run not yet in
            running = [(run, pid) for run, pid in executions(marks) if run not in done]
            if running:
                os.kill(running[0][1], signal.SIGKILL)
                killed.append(running[0])
                return
            time.sleep(0.01)

    rows, progress = run_sweep(
        jobs,
        bundle,
        tmp_path / "r.parquet",
        workers=2,
        on_row=kill_a_busy_worker,
        execute=functools.partial(counted, str(marks)),
    )
    assert killed
    assert sorted(row["run_id"] for row in rows) == sorted(job.run.run_id for job in jobs)
    assert all(row.get("error") is None for row in rows)
    counts = Counter(run for run, _ in executions(marks))
    # Every run executed once, but the killed worker's own run (twice, unless its row was already sent): the
    # other worker's runs, finished or in flight, are not run again.
    assert set(counts.values()) <= {1, 2} and {run for run, n in counts.items() if n == 2} <= {killed[0][0]}
    assert progress.retried == sum(n - 1 for n in counts.values())
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
