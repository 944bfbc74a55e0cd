"""The journal snapshots the node once per `checkpoint_every` steps, not before every step (anvil copies its whole
state per snapshot, docs/performance.md), and a resume after a crash between two checkpoints reverts to the last
one and runs the steps confirmed since again, each giving exactly its journaled record, before going on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from s4chain.chain import AnvilNode, RpcChain, anvil_binary
from s4chain.cli.replay import replay_all
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.project import Project
from s4chain.scenarios.engine import ScenarioRun, StepRecord
from s4chain.scenarios.journal import JournalWriter, journal_path
from s4chain.scenarios.loader import load_scenario
from tests.scenarios.conftest import run_cli

pytestmark = pytest.mark.anvil

EVERY = 4
STEPS = 12  # checkpoints before steps 0, 4 and 8 (counting from 0)
CRASH_AT = 10  # step 10 (counting from 0) is mined, then the replay dies before journaling it
FIXED_GENESIS = ("--timestamp", "1700000000")  # two nodes make the same chain, block hashes included

SCENARIO = f"""\
name: Transfers
description: A token created, then sent on, one transfer a minute.
use_case: UC2
start: 2031-09-12T10:00:00Z
actors:
  lea: {{role: issuer}}
  noor: {{role: holder}}
contracts:
  market: {{driver: tokens}}
steps:
  - {{actor: lea, do: market.create_token, with: {{name: Bench, symbol: BEN, supply: 1000 tokens}}}}
  - at: +1m
    actor: lea
    do: market.transfer
    with: {{token: BEN, to: '@noor', amount: 1 tokens}}
    repeat: {{times: {STEPS - 1}, every: 1m}}
"""


class _Crash(Exception):
    pass


class WatchedJournal(JournalWriter):
    """Notes which step each journaled one is (counting from 0) and whether it was run again; with `crash_at`,
    dies once that many steps are journaled, after the next one ran on the node but before it is journaled."""

    def __init__(self, *args: Any, crash_at: int | None = None) -> None:
        super().__init__(*args, checkpoint_every=EVERY)
        self.crash_at = crash_at
        self.journaled: list[tuple[int, bool]] = []

    def step(self, scenario: Path, record: StepRecord, state: dict[str, list[Any]], chain: Any) -> None:
        entry = self.entries[str(scenario)]
        if len(entry.steps) == self.crash_at:
            raise _Crash
        redone = bool(entry.redo)
        super().step(scenario, record, state, chain)
        self.journaled.append((len(entry.steps) - 1, redone))


def _replay(chain: RpcChain, scenario: Path, journal: JournalWriter | None = None) -> ScenarioRun:
    (run,) = replay_all(
        [load_scenario(scenario)], lambda: chain, Console(quiet=True), shared_chain=True, journal=journal
    )
    return run


def _crash_between_checkpoints(chain: RpcChain, scenario: Path, report: Path) -> None:
    snapshots: list[Any] = []
    take = chain.snapshot

    def counted() -> Any:
        snapshots.append(take())
        return snapshots[-1]

    chain.snapshot = counted  # type: ignore[method-assign]
    fresh = JournalWriter.fresh(journal_path(report), chain)
    fresh.close()
    journal = WatchedJournal(fresh.path, fresh.header, fresh.entries, crash_at=CRASH_AT)
    with pytest.raises(_Crash):
        _replay(chain, scenario, journal)
    journal.close()
    # One before the file, one before its deployment, then one per EVERY steps begun (11 began), not one per step.
    assert len(snapshots) == 2 + len(range(0, CRASH_AT + 1, EVERY))
    begun = [line for line in _lines(journal.path) if line["event"] == "in_flight"][1:]  # [0]: the deployment
    assert [i for i, line in enumerate(begun) if line["snapshot"] is not None] == [0, 4, 8]
    chain.snapshot = take  # type: ignore[method-assign]


def _lines(journal: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in journal.read_text().splitlines()]


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "transfers.yaml"
    path.write_text(SCENARIO)
    return path


def test_a_resume_reverts_to_the_last_checkpoint_and_redoes_the_steps_after_it(
    s4_project: Project, compiled: ArtifactStore, scenario: Path, tmp_path: Path
) -> None:
    binary = anvil_binary(s4_project.node_modules)
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        chain = RpcChain(node.url, compiled)
        reference = _replay(chain, scenario)
        reference_head = chain.w3.eth.get_block("latest")["hash"]

    report = tmp_path / "run.html"
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        chain = RpcChain(node.url, compiled)
        _crash_between_checkpoints(chain, scenario, report)
        resumed = JournalWriter.resume(journal_path(report), chain)
        journal = WatchedJournal(resumed.path, resumed.header, resumed.entries)
        resumed.close()
        run = _replay(chain, scenario, journal)
        # Back to the checkpoint before step 8: steps 8 and 9 run again (matching the journal), then 10 and 11.
        assert journal.journaled == [(8, True), (9, True), (10, False), (11, False)]
        # The very chain an uninterrupted replay makes: every transfer once, the same blocks.
        assert chain.w3.eth.get_block("latest")["hash"] == reference_head
        assert [s.transactions for s in run.steps] == [s.transactions for s in reference.steps]


def test_a_redone_step_that_differs_from_the_journal_stops_the_resume_with_exit_2(
    s4_project: Project, compiled: ArtifactStore, scenario: Path, tmp_path: Path
) -> None:
    report = tmp_path / "run.html"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        _crash_between_checkpoints(RpcChain(node.url, compiled), scenario, report)
        path = journal_path(report)
        lines = _lines(path)
        ninth = [i for i, line in enumerate(lines) if line["event"] == "step"][9]
        lines[ninth]["record"]["gas_used"] += 1  # what the journal says step 9 cost is not what running it costs
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))
        refused = run_cli("replay", "--rpc", node.url, scenario, "--report", report, "--resume")
    assert refused.returncode == 2, refused.stdout[-3000:] + refused.stderr[-3000:]
    assert "Traceback" not in refused.stderr
    assert f"{scenario}:" in refused.stderr and "step 10 (market.transfer), run again after reverting" in refused.stderr
    assert "differs from the journal in gas_used" in refused.stderr
