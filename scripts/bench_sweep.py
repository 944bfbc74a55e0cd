"""The sweep benchmark of issue 17: runs per second on the local pool with 1 and 2 workers, the scaling ratio (the
goal: at least 1.7x on 2 cores), and the per-run overhead beyond the replay itself.

The 1-worker and 2-worker sweeps alternate (1, 2, 2, 1, ...: a change of the machine's load during the benchmark
falls on both alike), after a warm-up sweep that starts the fork server; each sweep prints the load average
before and after it, how busy its workers were (the runs' seconds inside the workers per wall second) and how much
of a core a run got (its CPU seconds per wall second): on a machine whose cores other processes use, a second
worker adds little, and these say so.

Every run of one small sweep (the sale study: a population of investors, a grid of revocation rates) is also
made in this process, piece by piece: loading the file with the run's parameters and seed, the replay, the outcome
reads, the revert to the fresh chain's snapshot; and what a new chain would cost instead of the revert. The
overhead of a pool run beyond the replay is its wall time per run (1 worker) less the run's time inside the
worker, plus the run's loading, outcome reads and revert (both measured in the same sweep, so the machine's load
falls on both alike).

    .venv/bin/python scripts/bench_sweep.py [--runs 40] [--repeats 2]

The table goes first; the LAST line printed is one JSON object with the figures (docs/sweeps.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
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
from s4chain.sweeps.worker import Bundle, Job, run_job

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "studies" / "sale-revocations" / "scenario.yaml"
AUTOGROUP = Path("/proc/sys/kernel/sched_autogroup_enabled")  # Linux: CPU shared fairly between sessions


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


def timed(job: Job) -> dict[str, object]:
    """run_job, with the CPU seconds the run took in its worker (`cpu`): against its wall `seconds`, how much of
    the run the worker got a core for."""
    started = time.process_time()
    row = run_job(job)
    row["cpu"] = time.process_time() - started
    return row


@dataclass
class Sweep:
    workers: int
    wall: float  # seconds, the workers' start included
    inside: float  # sum of the runs' wall seconds inside their workers
    cpu: float  # sum of the runs' CPU seconds inside their workers
    load: tuple[float, float]  # 1-minute load average before and after


def pool(planned: list[Job], bundle: Bundle, workers: int) -> Sweep:
    """One sweep of `planned` on `workers` local processes (their start included), into a fresh file."""
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rows, _ = run_sweep(planned, bundle, Path(folder) / "r.parquet", workers=workers, execute=timed)
        elapsed = time.perf_counter() - started
    assert len(rows) == len(planned) and all(row.get("error") is None for row in rows), rows
    inside = sum(float(row["seconds"]) for row in rows)
    cpu = sum(float(row["cpu"]) for row in rows)
    return Sweep(workers, elapsed, inside, cpu, (before, os.getloadavg()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="runs in each sweep (default 40)")
    parser.add_argument("--repeats", type=int, default=2, help="sweeps per worker count, alternated (default 2)")
    options = parser.parse_args()
    bundle = Bundle.of(compile_project(Project.discover(ROOT)).store)
    planned = jobs(options.runs)
    alone = pieces(planned[:12], bundle)
    started = time.perf_counter()
    pool(planned[:2], bundle, 2)  # the fork server's start (once per command), kept out of the comparison
    cold = time.perf_counter() - started
    order = [1, 2, 2, 1] * (options.repeats // 2) + [1, 2] * (options.repeats % 2)  # ABBA: drift falls on both
    sweeps = [pool(planned, bundle, workers) for workers in order]
    by = {w: [s for s in sweeps if s.workers == w] for w in (1, 2)}
    rate = {w: statistics.median(len(planned) / s.wall for s in by[w]) for w in by}
    ones = by[1]
    # Beyond the replay: what the pool adds to a run (wall per run with one worker less the run's time inside it:
    # the worker's start, hand-over, results file), plus the run's own loading, outcome reads and revert.
    overhead = statistics.median(
        s.wall / len(planned) - s.inside / len(planned) + alone["load"] + alone["outcomes"] + alone["revert"]
        for s in ones
    )
    print(f"sweeps of {len(planned)} runs of {SCENARIO.relative_to(ROOT)} (8 investors, 30 steps, ~34 transactions)")
    print(f"{f'piece (in-process, median of {min(12, len(planned))})':<34}{'ms':>10}")
    for key in ("load", "replay", "outcomes", "revert", "new_chain"):
        print(f"  {key:<32}{alone[key] * 1000:>10.1f}")
    print(f"fork server's start and a 2-run warm-up sweep: {cold:.2f} s")
    print(f"{'workers':<9}{'wall s':>8}{'runs/s':>8}{'busy':>6}{'cores':>7}{'load':>12}")
    for s in sweeps:
        print(
            f"{s.workers:<9}{s.wall:>8.2f}{len(planned) / s.wall:>8.2f}{s.inside / s.wall:>6.2f}"
            f"{s.cpu / s.wall:>7.2f}{s.load[0]:>6.1f}-{s.load[1]:<5.1f}"
        )
    print("busy: the runs' seconds inside the workers per wall second (the pool's own limit: workers, at most)")
    print("cores: the runs' CPU seconds per wall second (what the machine gave them)")
    autogroup = AUTOGROUP.exists() and AUTOGROUP.read_text().strip() == "1"
    print(f"2 workers vs 1 (median runs/s): {rate[2] / rate[1]:.2f}x")
    print(f"per-run overhead beyond the replay (1 worker, the workers' start included): {overhead * 1000:.0f} ms")
    print(f"{os.cpu_count()} cores; load average (1 min) {os.getloadavg()[0]:.1f} at the end: scaling needs idle cores")
    if autogroup:
        print("the kernel's autogroup scheduling is on: this session's processes share one fair share of the cores")
    figures = {
        "runs": len(planned),
        "pieces_ms": {key: round(value * 1000, 2) for key, value in alone.items()},
        "cold_start_s": round(cold, 2),
        "sweeps": [
            {
                "workers": s.workers,
                "wall_s": round(s.wall, 2),
                "busy": round(s.inside / s.wall, 3),
                "cores": round(s.cpu / s.wall, 3),
                "load": [round(x, 2) for x in s.load],
            }
            for s in sweeps
        ],
        "runs_per_second": {str(w): round(r, 3) for w, r in rate.items()},
        "scaling_2_vs_1": round(rate[2] / rate[1], 3),
        "per_run_overhead_ms": round(overhead * 1000, 1),
        "cpu_count": os.cpu_count(),
        "autogroup": autogroup,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
