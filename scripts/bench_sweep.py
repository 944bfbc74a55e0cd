"""The sweep benchmark of issue 17: runs per second on the local pool with 1 and 2 workers, the scaling ratio (the
goal: at least 1.7x on 2 cores), and the per-run overhead beyond the replay itself.

Every run of one small sweep (the sale study: a population of investors, a grid of revocation rates) is also
made in this process, piece by piece: loading the file with the run's parameters and seed, the replay, the outcome
reads, the revert to the fresh chain's snapshot; and what a new chain would cost instead of the revert. The
overhead of a pool run beyond the replay is its wall time per run (1 worker) less the run's time inside the
worker, plus the run's loading, outcome reads and revert (both measured in the same sweep, so the machine's load
falls on both alike).

    .venv/bin/python scripts/bench_sweep.py [--runs N] [--workers-max 2]

The table goes first; the LAST line printed is one JSON object with the figures (docs/sweeps.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from s4chain.chain.inprocess import InProcessChain
from s4chain.compiler import compile_project
from s4chain.inputs.yaml_lines import load_yaml_with_lines
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_document
from s4chain.scenarios.outcomes import measure
from s4chain.sweeps.plan import plan_runs
from s4chain.sweeps.runner import run_sweep
from s4chain.sweeps.worker import Bundle, Job

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "studies" / "sale-revocations" / "scenario.yaml"


def jobs(count: int) -> list[Job]:
    data, lines = load_yaml_with_lines(SCENARIO)
    rates = [round(i / max(1, count - 1) * 0.6, 6) for i in range(count)]
    return [Job(str(SCENARIO), data, lines, run) for run in plan_runs([("revoke_rate", rates)], [], {}, 1, 0)]


def pieces(planned: list[Job], bundle: Bundle) -> dict[str, float]:
    """Median seconds of each piece of a run, in this process, on one chain reverted between runs."""
    from s4chain.compiler.artifacts import ArtifactStore

    store = ArtifactStore(list(bundle.artifacts))
    started = time.perf_counter()
    chain = InProcessChain(store)
    new_chain = time.perf_counter() - started
    snapshot = chain.snapshot()
    timings: dict[str, list[float]] = {"load": [], "replay": [], "outcomes": [], "revert": []}
    for job in planned:
        t0 = time.perf_counter()
        loaded = load_document(
            Path(job.path), job.data, job.lines, lambda n: store.get(n).abi, job.run.parameters, job.run.seed
        )
        t1 = time.perf_counter()
        replayer = Replayer(chain, loaded)
        run = replayer.run()
        t2 = time.perf_counter()
        measure(loaded.scenario, replayer.drivers, run, loaded.parameters)
        t3 = time.perf_counter()
        chain.revert(snapshot)
        snapshot = chain.snapshot()
        t4 = time.perf_counter()
        for key, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[key].append(seconds)
    figures = {key: statistics.median(values) for key, values in timings.items()}
    figures["new_chain"] = new_chain
    return figures


def pool(planned: list[Job], bundle: Bundle, workers: int) -> tuple[float, float]:
    """Wall seconds of the sweep on `workers` local processes (their start included), into a fresh file, and the
    mean seconds a run took inside its worker."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rows, _ = run_sweep(planned, bundle, Path(folder) / "r.parquet", workers=workers)
        elapsed = time.perf_counter() - started
    assert len(rows) == len(planned) and all(row.get("error") is None for row in rows), rows
    return elapsed, statistics.fmean(float(row["seconds"]) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=16, help="runs in the sweep (default 16)")
    parser.add_argument("--workers-max", type=int, default=2, help="the most workers to measure (default 2)")
    options = parser.parse_args()
    bundle = Bundle.of(compile_project(Project.discover(ROOT)).store)
    planned = jobs(options.runs)
    alone = pieces(planned, bundle)
    measured = {workers: pool(planned, bundle, workers) for workers in range(1, options.workers_max + 1)}
    walls = {workers: wall for workers, (wall, _) in measured.items()}
    rates = {workers: len(planned) / wall for workers, wall in walls.items()}
    # Beyond the replay: what the pool adds to a run (wall per run with one worker less the run's time inside it:
    # process start, hand-over, results file), plus the run's own loading, outcome reads and revert.
    wall_1, inside_1 = measured[1]
    overhead = wall_1 / len(planned) - inside_1 + alone["load"] + alone["outcomes"] + alone["revert"]
    print(f"sweep of {len(planned)} runs of {SCENARIO.relative_to(ROOT)} (8 investors, 30 steps, ~34 transactions)")
    print(f"{'piece (in-process, median)':<34}{'ms':>10}")
    for key in ("load", "replay", "outcomes", "revert", "new_chain"):
        print(f"  {key:<32}{alone[key] * 1000:>10.1f}")
    print(f"{'workers':<10}{'wall s':>10}{'runs/s':>10}{'vs 1':>8}")
    for workers, wall in walls.items():
        print(f"{workers:<10}{wall:>10.2f}{rates[workers]:>10.2f}{rates[workers] / rates[1]:>8.2f}")
    print(f"per-run overhead beyond the replay (1 worker, process start included): {overhead * 1000:.0f} ms")
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} cores: scaling needs idle cores")
    figures = {
        "runs": len(planned),
        "pieces_ms": {key: round(value * 1000, 2) for key, value in alone.items()},
        "runs_per_second": {str(k): round(v, 3) for k, v in rates.items()},
        "scaling_2_vs_1": round(rates[2] / rates[1], 3) if 2 in rates else None,
        "per_run_overhead_ms": round(overhead * 1000, 1),
        "load_average": round(load, 2),
        "cores": os.cpu_count(),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
