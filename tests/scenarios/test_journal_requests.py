"""A journaled replay step on anvil costs two requests (the step's time, the Sync send; a snapshot every
`checkpoint_every` steps) and one fsync, and the journal still holds the step as under way, durably, before its
transaction is sent: a confirmed step's line is made durable by the next line's fsync (scenarios/journal.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from s4chain.chain import AnvilNode, RpcChain
from s4chain.cli.replay import replay_all
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.scenarios.journal import JournalWriter, journal_path, read_journal
from s4chain.scenarios.loader import load_scenario
from s4chain.testing import isolation
from tests.faults.proxy import FaultyProxy
from tests.scenarios.test_journal_checkpoints import EVERY, SCENARIO, STEPS

pytestmark = pytest.mark.anvil


class CountedJournal(JournalWriter):
    """Notes where the node's request log stood as each step (or the deployment) began."""

    def __init__(self, *args: Any, log: list[Any]) -> None:
        super().__init__(*args, checkpoint_every=EVERY)
        self.log = log
        self.began: list[int] = []

    def starting(self, scenario: Path, chain: RpcChain) -> None:  # type: ignore[override]
        self.began.append(len(self.log))
        super().starting(scenario, chain)


def _durable_lines(path: Path, size: int) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes()[:size].splitlines()]


def test_a_step_is_two_requests_and_one_fsync_and_durably_under_way_before_its_send(
    faulty_proxy: FaultyProxy,
    anvil: AnvilNode,
    compiled: ArtifactStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = tmp_path / "transfers.yaml"
    scenario.write_text(SCENARIO)
    report = tmp_path / "run.html"
    chain = RpcChain(faulty_proxy.url, compiled)
    chain.sole_writer = True  # as `s4chain replay --rpc` sets it
    fresh = JournalWriter.fresh(journal_path(report), chain)
    fresh.close()
    journal = CountedJournal(fresh.path, fresh.header, fresh.entries, log=faulty_proxy.log)

    synced: list[int] = []  # the journal's size at each of its fsyncs
    fsync: Callable[[int], None] = os.fsync

    def watched_fsync(fd: int) -> None:
        fsync(fd)
        if os.path.realpath(f"/proc/self/fd/{fd}") == str(journal.path.resolve()):
            synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", watched_fsync)
    connection = chain.w3.provider.connection  # type: ignore[attr-defined]
    post = connection.post
    sends: list[str] = []

    def checked_post(body: bytes) -> bytes:
        if b'"eth_sendRawTransaction' in body:  # as it leaves for the node, the journal is durable,
            assert synced[-1] == journal.path.stat().st_size
            durable = _durable_lines(journal.path, synced[-1])
            assert durable[-1]["event"] == "in_flight"  # and ends with the step (or the deployment) under way
            sends.append(durable[-1]["event"])
        return post(body)

    monkeypatch.setattr(connection, "post", checked_post)
    with isolation(RpcChain(anvil.url, compiled)):
        (run,) = replay_all(
            [load_scenario(scenario)], lambda: chain, Console(quiet=True), shared_chain=True, journal=journal
        )
    assert [step.outcome for step in run.steps] == ["ok"] * STEPS and len(sends) >= STEPS
    # Per transfer after the first (journal.began[0] is the deployment's; the token's creation looks its token up,
    # the first transfer its decimals): its time, its send, and a checkpoint's snapshot when one is due; the last
    # span runs on to the run's end.
    spans = list(zip(journal.began[1:], [*journal.began[2:], len(faulty_proxy.log)], strict=True))
    asked = [[entry.sent_as for entry in faulty_proxy.log[a:b]] for a, b in spans]
    for index in range(2, STEPS - 1):
        due = ["evm_snapshot"] if index % EVERY == 0 else []
        assert asked[index] == [*due, "evm_setNextBlockTimestamp", "eth_sendRawTransactionSync"], (index, asked)
    # One fsync per step: its line under way (a confirmed step's rides on the next one's), besides the file's
    # start, the deployment's two lines and the end (finished; the compacted file is another one).
    assert len(synced) == 1 + 2 + STEPS + 1
    assert read_journal(journal.path)[str(scenario)].run is not None
