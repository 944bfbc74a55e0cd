"""s4chain against Foundry on the same 50-test token-sale suite (issue 16, goal 6).

benchmarks/foundry holds the suite twice, with the same 50 cases by the same names: test/TokenSale.t.sol for
`forge test` (forge from npm, offline) and test_token_sale.py for pytest with the s4chain plugin. This script builds
both once (forge build, s4chain's compile cache; compilation is left out of the timed runs, as `forge test` after a
build leaves it out), then runs, taking turns `--runs` times: `forge test`, `pytest --s4-backend revm` and `pytest`
(py-evm), each a fresh process, and measures its CPU (user + system of the child, `RUSAGE_CHILDREN`) and wall
time. It prints a table of the medians and, as its last line, one JSON object with `foundry_cpu_s`,
`s4chain_revm_cpu_s`, `s4chain_pyevm_cpu_s`, `revm_over_foundry`, `pyevm_over_foundry` (and the wall figures;
`*_nohyp_*`: revm with `-p no:hypothesispytest`, see the row's comment).

    .venv/bin/python scripts/bench_foundry.py [--runs 3] [--no-pyevm]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks" / "foundry"
FORGE = REPO / "node_modules" / ".bin" / "forge"
TWIN = BENCH / "test_token_sale.py"
TESTS = 50
# As a user's shell runs them: with PYTHONDONTWRITEBYTECODE (set in some CI and agent sessions) every pytest run
# compiles every module again, and re-does pytest's assertion rewriting of the plugin's modules (about 0.5 CPU-s).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Run `cmd` to completion; its (CPU seconds, wall seconds). A failing run stops the benchmark: a suite that
    does not pass measures nothing."""
    cpu, wall = _children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    if f"{TESTS} passed" not in done.stdout and f"{TESTS} tests passed" not in done.stdout:
        sys.exit(f"{' '.join(cmd)} did not report {TESTS} passed tests:\n{done.stdout[-3000:]}")
    return cpu, wall


def pytest_cmd(*extra: str) -> list[str]:
    return [sys.executable, "-m", "pytest", str(TWIN.relative_to(REPO)), "-q", "-p", "no:cacheprovider", *extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each suite, taking turns (default 3)")
    parser.add_argument("--no-pyevm", action="store_true", help="leave out the py-evm run (the slowest)")
    args = parser.parse_args()
    if not FORGE.exists():
        sys.exit(f"{FORGE} is missing: run `npm install` (package.json has @foundry-rs/forge)")

    load_at_start = os.getloadavg()[0]  # the machine is shared: the ratio moves by about 0.2 with the load
    forge_build = run_build([str(FORGE), "build", "--force"], BENCH)
    s4_compile = run_build([str(REPO / ".venv" / "bin" / "s4chain"), "compile"], REPO)
    suites: dict[str, tuple[list[str], Path]] = {
        "foundry": ([str(FORGE), "test"], BENCH),
        "s4chain_revm": (pytest_cmd("--s4-backend", "revm"), REPO),
        # Hypothesis's own pytest plugin imports Hypothesis at every session's end (6.170: pytest_terminal_summary
        # imports hypothesis.internal.observability), @given or not; a suite without it may leave the plugin out.
        "s4chain_revm_nohyp": (pytest_cmd("--s4-backend", "revm", "-p", "no:hypothesispytest"), REPO),
    }
    if not args.no_pyevm:
        suites["s4chain_pyevm"] = (pytest_cmd(), REPO)
    for cmd, cwd in suites.values():  # warm the caches (compile cache, page cache) before timing
        run(cmd, cwd)
    cpu: dict[str, list[float]] = {name: [] for name in suites}
    wall: dict[str, list[float]] = {name: [] for name in suites}
    for _ in range(args.runs):
        for name, (cmd, cwd) in suites.items():
            c, w = run(cmd, cwd)
            cpu[name].append(c)
            wall[name].append(w)

    med_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    med_wall = {name: statistics.median(values) for name, values in wall.items()}
    load = os.getloadavg()[0]
    print(
        f"The 50-test token-sale suite, medians of {args.runs} runs taking turns "
        f"(load average {load_at_start:.2f} at the start, {load:.2f} at the end)"
    )
    print(f"{'suite':<18} {'CPU s':>8} {'wall s':>8} {'CPU x forge':>12} {'CPU ms/test':>12}")
    for name in suites:
        ratio = med_cpu[name] / med_cpu["foundry"]
        per_test = med_cpu[name] / TESTS * 1e3
        print(f"{name:<18} {med_cpu[name]:8.2f} {med_wall[name]:8.2f} {ratio:12.1f} {per_test:12.1f}")
    print(f"compile (not in the runs): forge build --force {forge_build:.2f} CPU-s, s4chain compile {s4_compile:.2f}")
    figures: dict[str, float | None] = {
        "foundry_cpu_s": round(med_cpu["foundry"], 3),
        "foundry_wall_s": round(med_wall["foundry"], 3),
        "s4chain_revm_cpu_s": round(med_cpu["s4chain_revm"], 3),
        "s4chain_revm_wall_s": round(med_wall["s4chain_revm"], 3),
        "s4chain_revm_nohyp_cpu_s": round(med_cpu["s4chain_revm_nohyp"], 3),
        "revm_nohyp_over_foundry": round(med_cpu["s4chain_revm_nohyp"] / med_cpu["foundry"], 2),
        "s4chain_pyevm_cpu_s": round(med_cpu["s4chain_pyevm"], 3) if "s4chain_pyevm" in med_cpu else None,
        "revm_over_foundry": round(med_cpu["s4chain_revm"] / med_cpu["foundry"], 2),
        "pyevm_over_foundry": (
            round(med_cpu["s4chain_pyevm"] / med_cpu["foundry"], 2) if "s4chain_pyevm" in med_cpu else None
        ),
        "forge_build_cpu_s": round(forge_build, 3),
        "load_average": round(load, 2),
        "load_average_start": round(load_at_start, 2),
    }
    print(json.dumps(figures))


def run_build(cmd: list[str], cwd: Path) -> float:
    """CPU seconds of one build step (not a test run)."""
    cpu = _children_cpu()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return _children_cpu() - cpu


if __name__ == "__main__":
    main()
