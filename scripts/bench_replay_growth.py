"""Does a long replay on anvil slow down as it goes? Replays a generated single-action scenario (a token
transfer repeated N times) on a fresh anvil, journaled as `s4chain replay --rpc` journals (a snapshot every
`CHECKPOINT_EVERY` steps), and prints the time per step of the first and the last window of steps and their ratio
(issue 12 asks for at most 1.2 over 5,000 steps), the share of it spent journaling, the CPU time per step of the
replay's process and of anvil, and anvil's memory at the end.

On a shared machine the load moves during a run of minutes, and the wall clock with it. So a second, fresh replay
runs in the same process, taking turns with the long one (one at a time, `TURN` steps each) over the long one's
last window: its first steps are timed under the same load as the long one's last, and the line `last/fresh`
compares the two.

The node runs as `s4chain node` runs it, with `--prune-history` (`--keep-history`: without). `--baseline` does all
this again as s4chain did before: a snapshot before every step, on an anvil that keeps its full history;
`--control` once more without a journal (so without snapshots either): what the node and the engine alone do.

    .venv/bin/python scripts/bench_replay_growth.py [--steps 5000] [--window 250] [--baseline] [--control]
        [--checkpoint-every 50] [--keep-history] [--anvil-arg=...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from s4chain.chain import AnvilNode, RpcChain, anvil_binary
from s4chain.cli.replay import replay_all
from s4chain.compiler import compile_project
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer, StepRecord
from s4chain.scenarios.journal import CHECKPOINT_EVERY, JournalWriter, journal_path
from s4chain.scenarios.loader import load_scenario

REPEAT_CAP = 1000  # the most runs one step's `repeat` may plan
TICKS = os.sysconf("SC_CLK_TCK")


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


TICKS = os.sysconf("SC_CLK_TCK")
TURN = 25  # steps a replay runs before handing over to the other one


class Turns:
    """Lets one of two replays (`long`, `fresh`) run at a time."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._holder = "long"
        self.done: set[str] = set()

    def hand_over(self, me: str, other: str) -> None:
        with self._changed:
            if other in self.done:
                return
            self._holder = other
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._holder == me)

    def wait(self, me: str) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._holder == me)

    def finish(self, me: str, other: str) -> None:
        with self._changed:
            self.done.add(me)
            self._holder = other
            self._changed.notify_all()


@dataclass
class Clock:
    """Per step, from its start to its end: wall time, this process's CPU time, anvil's CPU time, and the time
    spent journaling it. After its `share_from`-th step a replay hands over to the other one every TURN steps."""

    anvil_pid: int
    name: str
    turns: Turns
    share_from: int
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    anvil_cpu: list[float] = field(default_factory=list)
    journaling: list[float] = field(default_factory=list)
    _began: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _now(self) -> tuple[float, float, float]:
        fields = Path(f"/proc/{self.anvil_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return time.perf_counter(), time.process_time(), (int(fields[11]) + int(fields[12])) / TICKS

    def begin(self) -> None:
        self._began = self._now()

    def end(self, _: Any = None) -> None:
        now = self._now()
        for spent, a, b in zip((self.wall, self.cpu, self.anvil_cpu), self._began, now, strict=True):
            spent.append(b - a)
        done = len(self.wall)
        if done >= self.share_from and done % TURN == 0:
            self.turns.hand_over(self.name, "fresh" if self.name == "long" else "long")


class TimedJournal(JournalWriter):
    """The journal a replay keeps, timing each step and what journaling it costs (its mark as under way, with a
    checkpoint's snapshot when one is due, and its line once done)."""

    clock: Clock

    def starting(self, scenario: Path, chain: Any) -> None:
        self.clock.begin()
        began = time.perf_counter()
        super().starting(scenario, chain)
        self.clock.journaling.append(time.perf_counter() - began)

    def step(self, scenario: Path, record: StepRecord, state: dict[str, list[Any]], chain: Any) -> None:
        began = time.perf_counter()
        super().step(scenario, record, state, chain)
        self.clock.journaling[-1] += time.perf_counter() - began
        self.clock.end()


@dataclass(frozen=True)
class Setup:
    store: ArtifactStore
    binary: Path
    anvil_args: tuple[str, ...]
    keep_history: bool
    checkpoint_every: int | None  # None: no journal


def replay(setup: Setup, steps: int, name: str, turns: Turns, share_from: int) -> tuple[Clock, float, int]:
    """One replay on an anvil started for it: its clock, its seconds (waits for the other replay included) and
    anvil's RSS at the end."""
    other = "fresh" if name == "long" else "long"
    turns.wait(name)
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            AnvilNode(setup.binary, extra_args=setup.anvil_args, keep_history=setup.keep_history) as node,
        ):
            assert node.process is not None
            clock = Clock(node.process.pid, name, turns, share_from)
            path = Path(tmp) / "long.yaml"
            path.write_text(scenario_text(steps))
            chain = RpcChain(node.url, setup.store)
            began = time.perf_counter()
            if setup.checkpoint_every is None:
                Replayer(chain, load_scenario(path)).run(on_step=clock.end, before_step=clock.begin)
            else:
                fresh = JournalWriter.fresh(journal_path(Path(tmp) / "long.html"), chain)
                fresh.close()
                journal = TimedJournal(fresh.path, fresh.header, fresh.entries, setup.checkpoint_every)
                journal.clock = clock
                replay_all(
                    [load_scenario(path)], lambda: chain, Console(quiet=True), shared_chain=True, journal=journal
                )
            seconds = time.perf_counter() - began
            status = Path(f"/proc/{node.process.pid}/status").read_text()
            rss = next(int(line.split()[1]) // 1024 for line in status.splitlines() if line.startswith("VmRSS"))
    finally:
        turns.finish(name, other)
    return clock, seconds, rss


def measure(what: str, setup: Setup, steps: int, window: int) -> None:
    """The long replay, with a fresh one taking turns with it over its last window; then the figures."""
    turns = Turns()
    fresh: list[tuple[Clock, float, int]] = []
    companion = threading.Thread(target=lambda: fresh.append(replay(setup, window + 1, "fresh", turns, 0)))
    companion.start()
    clock, seconds, rss = replay(setup, steps, "long", turns, steps - window + 1)
    companion.join()
    # Steps counted from 1: the 0th creates the token (and, journaled, follows the deployment's mark).
    first, last, start = clock.wall[1 : window + 1], clock.wall[-window:], fresh[0][0].wall[1 : window + 1]
    print(f"{what}: {len(clock.wall)} steps in {seconds:.1f} s, anvil {rss} MiB at the end, load {_load()}")
    print(f"  time per step: {_ms(first)} first {window}, {_ms(last)} last {window}: last/first {_ratio(last, first)}")
    print(
        f"    a fresh replay's first {window}, in turns with the last: {_ms(start)}: last/fresh {_ratio(last, start)}"
    )
    if clock.journaling:
        print(_compare("  of which journaling", clock.journaling, window))
    both = [a + b for a, b in zip(clock.cpu, clock.anvil_cpu, strict=True)]
    print(_compare("CPU per step, replay and anvil", both, window))
    print(_compare("  of which the replay's process", clock.cpu, window))
    print(_compare("  of which anvil's", clock.anvil_cpu, window))


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f} (2-minute mean {os.getloadavg()[1]:.1f}) on {os.cpu_count()} cores"


def _ms(seconds: list[float]) -> str:
    return f"{sum(seconds) / len(seconds) * 1000:.2f} ms"


def _ratio(a: list[float], b: list[float]) -> str:
    return f"{(sum(a) / len(a)) / (sum(b) / len(b)):.2f}"


def _compare(what: str, seconds: list[float], window: int) -> str:
    first, last = seconds[1 : window + 1], seconds[-window:]
    return f"  {what}: {_ms(first)} first {window}, {_ms(last)} last {window}: last/first {_ratio(last, first)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY, help="steps between snapshots")
    parser.add_argument("--baseline", action="store_true", help="also replay with a snapshot before every step")
    parser.add_argument("--control", action="store_true", help="also replay without a journal, so no snapshots")
    parser.add_argument("--keep-history", action="store_true", help="anvil without --prune-history")
    parser.add_argument("--anvil-arg", action="append", default=[], help="another option for anvil")
    options = parser.parse_args()
    project = Project.discover(Path(__file__).resolve().parents[1])
    store = compile_project(project).store
    binary, anvil_args = anvil_binary(project.node_modules), tuple(options.anvil_arg)
    history = "full history" if options.keep_history else "--prune-history"
    every = options.checkpoint_every
    runs = [(f"journaled, a snapshot every {every} steps", options.keep_history, every)]
    if options.baseline:
        runs.append(("baseline: journaled, a snapshot before every step, anvil with full history", True, 1))
    if options.control:
        runs.append((f"control: no journal, no snapshots, anvil {history}", options.keep_history, None))
    for what, keep_history, snapshot_every in runs:
        shown = f"{what}, anvil {history}" if snapshot_every not in (1, None) else what
        shown = f"{shown} {' '.join(anvil_args)}" if anvil_args else shown
        measure(shown, Setup(store, binary, anvil_args, keep_history, snapshot_every), options.steps, options.window)


if __name__ == "__main__":
    main()
