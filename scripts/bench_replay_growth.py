"""Does a long replay on anvil slow down as it goes? Replays a generated single-action scenario (a token
transfer repeated N times) on a fresh anvil, journaled as `s4chain replay --rpc` journals, and prints the time per
step of the first and the last window of steps, and the share of it spent journaling the step and taking the
node snapshot before it. `--control` replays without a journal (so without snapshots either): what the node and
the engine alone do.

    .venv/bin/python scripts/bench_replay_growth.py [--steps 3000] [--window 250] [--control]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from rich.console import Console

from s4chain.chain import AnvilNode, RpcChain, anvil_binary
from s4chain.cli.replay import replay_all
from s4chain.compiler import compile_project
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer, StepRecord
from s4chain.scenarios.journal import JournalWriter, journal_path
from s4chain.scenarios.loader import load_scenario

REPEAT_CAP = 1000  # the most runs one step's `repeat` may plan


def scenario_text(steps: int) -> str:
    lines = [
        "name: Long transfer run",
        "description: One token transfer repeated, to see whether a replay slows down as it goes.",
        "use_case: UC2",
        "start: 2031-09-12T10:00:00Z",
        "actors:",
        "  lea: {role: issuer}",
        "  noor: {role: holder}",
        "contracts:",
        "  market: {driver: tokens}",
        "steps:",
        "  - {actor: lea, do: market.create_token, with: {name: Bench, symbol: BEN, supply: 1000000 tokens}}",
    ]
    left = steps - 1
    while left > 0:
        times = min(left, REPEAT_CAP)
        lines.append(
            "  - {at: +1m, actor: lea, do: market.transfer, with: {token: BEN, to: '@noor', amount: 1 tokens}, "
            f"repeat: {{times: {times}, every: 1m}}}}"
        )
        left -= times
    return "\n".join(lines) + "\n"


class TimedJournal(JournalWriter):
    """The journal a replay keeps, noting when each step was journaled and how long journaling it took."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.done_at: list[float] = []
        self.journal_seconds: list[float] = []
        self.snapshot_seconds: list[float] = []

    def starting(self, scenario: Path, chain: Any) -> None:
        began = time.perf_counter()
        super().starting(scenario, chain)
        self.snapshot_seconds.append(time.perf_counter() - began)

    def step(self, scenario: Path, record: StepRecord, state: dict[str, list[Any]], chain: Any) -> None:
        began = time.perf_counter()
        super().step(scenario, record, state, chain)
        now = time.perf_counter()
        self.journal_seconds.append(now - began)
        self.done_at.append(now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--control", action="store_true", help="no journal, no snapshots")
    options = parser.parse_args()
    project = Project.discover(Path(__file__).resolve().parents[1])
    store = compile_project(project).store
    with tempfile.TemporaryDirectory() as tmp, AnvilNode(anvil_binary(project.node_modules)) as node:
        path = Path(tmp) / "long.yaml"
        path.write_text(scenario_text(options.steps))
        chain = RpcChain(node.url, store)
        began = time.perf_counter()
        if options.control:
            done: list[float] = []
            Replayer(chain, load_scenario(path)).run(on_step=lambda _: done.append(time.perf_counter()))
        else:
            fresh = JournalWriter.fresh(journal_path(Path(tmp) / "long.html"), chain)
            fresh.close()
            journal = TimedJournal(fresh.path, fresh.header, fresh.entries)
            replay_all([load_scenario(path)], lambda: chain, Console(quiet=True), shared_chain=True, journal=journal)
            done = journal.done_at
        total = time.perf_counter() - began
    window = options.window
    per_step = [b - a for a, b in pairwise(done)]
    print(f"steps: {len(done)} on anvil in {total:.1f} s ({'no journal' if options.control else 'journaled'})")
    print(_compare("time per step", per_step, window))
    if not options.control:
        print(_compare("  of which journaling the step", journal.journal_seconds, window))
        print(_compare("  of which the snapshot before it", journal.snapshot_seconds[1:], window))  # [0]: deploy


def _compare(what: str, seconds: list[float], window: int) -> str:
    first, last = sum(seconds[:window]) / window * 1000, sum(seconds[-window:]) / window * 1000
    return f"{what}: first {window} {first:.2f} ms, last {window} {last:.2f} ms, last/first {last / first:.2f}"


if __name__ == "__main__":
    main()
