"""Gas regression gate: compares the gas figures of this tree with the committed `gas-snapshot.json`.

Figures: gas per external function (the highest seen by the contract suites, from `build/gas-report.json`,
which pytest writes at the end of a run) and gas per scenario (each file of `scenarios/` replayed on the
in-process chain, deployments included).

    python scripts/gas_snapshot.py check    # exit 1 when a figure grew by more than 2% or is not in the snapshot
    python scripts/gas_snapshot.py update   # write the current figures into gas-snapshot.json
    python scripts/gas_snapshot.py check --backend revm --exact   # after `pytest --s4-backend revm ...`: every
                                            # figure equal to the snapshot's (the revm backend's parity)

`make test` runs `check` after the suites, so a change that costs more gas lands only together with the
updated snapshot, where the reviewer sees it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from s4chain.chain.backends import BACKENDS, DEFAULT_BACKEND, in_process_chain
from s4chain.compiler import compile_project
from s4chain.files import write_json_atomic
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "gas-snapshot.json"
GAS_REPORT = ROOT / "build" / "gas-report.json"
TOLERANCE = 0.02


def current_figures(backend: str = DEFAULT_BACKEND) -> dict[str, dict[str, int]]:
    if not GAS_REPORT.is_file():
        sys.exit(f"error: {GAS_REPORT.relative_to(ROOT)} is missing: run the test suite first (make test)")
    functions = json.loads(GAS_REPORT.read_text())
    store = compile_project(Project(ROOT)).store
    scenarios = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        run = Replayer(in_process_chain(backend, store), load_scenario(path)).run()
        scenarios[path.stem] = run.gas_used
    return {"functions": dict(sorted(functions.items())), "scenarios": scenarios}


def check(current: dict[str, dict[str, int]], snapshot: dict[str, dict[str, int]]) -> list[str]:
    problems = []
    for section, figures in current.items():
        known = snapshot.get(section, {})
        for key, gas in figures.items():
            if key not in known:
                problems.append(f"{section}.{key}: {gas:,} gas is not in gas-snapshot.json")
            elif gas > known[key] * (1 + TOLERANCE):
                growth = (gas - known[key]) / known[key]
                problems.append(f"{section}.{key}: {known[key]:,} -> {gas:,} gas (+{growth:.1%}, over {TOLERANCE:.0%})")
    return problems


def exact(current: dict[str, dict[str, int]], snapshot: dict[str, dict[str, int]]) -> list[str]:
    """Every current figure different from the snapshot's (a backend's parity with the reference)."""
    return [
        f"{section}.{key}: {snapshot.get(section, {}).get(key)} in the snapshot, {gas:,} now"
        for section, figures in current.items()
        for key, gas in figures.items()
        if snapshot.get(section, {}).get(key) != gas
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="Gas regression gate against gas-snapshot.json.")
    parser.add_argument("action", choices=["check", "update"])
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND, help="replay the scenarios on it")
    parser.add_argument("--exact", action="store_true", help="check: every figure equal, not within 2%%")
    options = parser.parse_args()
    action = options.action
    current = current_figures(options.backend)
    if action == "update":
        write_json_atomic(SNAPSHOT, current)
        count = sum(len(v) for v in current.values())
        print(f"gas-snapshot.json: {count} figures written")
        return 0
    try:
        snapshot = json.loads(SNAPSHOT.read_text())
    except (OSError, ValueError) as exc:
        print(f"error: gas-snapshot.json cannot be read ({exc}); create it with `scripts/gas_snapshot.py update`")
        return 1
    problems = exact(current, snapshot) if options.exact else check(current, snapshot)
    for problem in problems:
        print(f"gas: {problem}")
    improved = [
        f"{section}.{key}"
        for section, figures in current.items()
        for key, gas in figures.items()
        if key in snapshot.get(section, {}) and gas < snapshot[section][key] * (1 - TOLERANCE)
    ]
    if improved:
        print(
            f"gas: {len(improved)} figure(s) improved by more than {TOLERANCE:.0%}; "
            "`scripts/gas_snapshot.py update` records them"
        )
    if problems:
        print(
            "gas: if the increase is intended, run `.venv/bin/python scripts/gas_snapshot.py update` and commit "
            "gas-snapshot.json with the change"
        )
        return 1
    how = "equal to" if options.exact else f"within {TOLERANCE:.0%} of"
    print(f"gas: {sum(len(v) for v in current.values())} figures {how} gas-snapshot.json ({options.backend})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
