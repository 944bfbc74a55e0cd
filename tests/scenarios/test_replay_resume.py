"""`s4chain replay --rpc URL --resume`: a replay killed half-way picks up from its journal, without sending
the steps it had confirmed again, and ends as an uninterrupted replay does."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.project import Project
from s4chain.scenarios.journal import JournalError, read_journal
from tests.scenarios.conftest import run_cli

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
FILES = [SCENARIOS / "01-sme-token-sale-succeeds.yaml", SCENARIOS / "03-compressor-leased-six-months.yaml"]
# Pairs whose second file is killed half-way: every driver's contracts must be re-attached on resume.
PAIRS = [
    FILES,
    [SCENARIOS / "04-cold-chain-farm-to-shelf.yaml", SCENARIOS / "05-people-issue-and-trade-tokens.yaml"],
    [SCENARIOS / "06-people-sell-access-to-their-data.yaml", SCENARIOS / "07-freelance-maintenance-mission.yaml"],
]


def _summary(report: Path) -> list[list[tuple[str, str, str | None, list[str]]]]:
    data = json.loads(report.read_text())
    return [
        [(s["action"], s["outcome"], s["revert"], [e["name"] for e in s["events"]]) for s in scenario["steps"]]
        for scenario in data["scenarios"]
    ]


def _journaled_steps(journal: Path, scenario: Path) -> int:
    try:
        return len(read_journal(journal)[str(scenario)].steps)
    except (JournalError, KeyError):
        return 0


def _transaction(url: str, tx_hash: str) -> dict[str, object] | None:
    request = {"jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionByHash", "params": [tx_hash]}
    result: dict[str, object] | None = requests.post(url, json=request, timeout=5).json()["result"]
    return result


@pytest.mark.parametrize("files", PAIRS, ids=[pair[1].stem for pair in PAIRS])
def test_killed_replay_resumes_without_resending(files: list[Path], s4_project: Project, tmp_path: Path) -> None:
    reference = tmp_path / "reference.html"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert run_cli("replay", "--rpc", node.url, *files, "--report", reference).returncode == 0

    report = tmp_path / "run.html"
    journal = tmp_path / "run.journal.jsonl"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        command = [
            sys.executable,
            "-m",
            "s4chain.cli",
            "replay",
            "--rpc",
            node.url,
            *map(str, files),
            "--report",
            str(report),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        # Kill it in the second file: the first is then complete (and undone on the node), the second half-done.
        while _journaled_steps(journal, files[1]) < 8 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # a crash: no clean-up of any kind
        process.wait()
        before = read_journal(journal)
        assert before[str(files[0])].run is not None and before[str(files[1])].run is None
        confirmed = [tx for step in before[str(files[1])].steps for tx in step.transactions]
        assert len(confirmed) >= 8, "the replay was not interrupted half-way"
        assert not report.exists()

        resumed = run_cli("replay", "--rpc", node.url, *files, "--report", report, "--resume")
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
        data = json.loads(report.with_suffix(".json").read_text())
        final = [tx for scenario in data["scenarios"] for step in scenario["steps"] for tx in step["transactions"]]
        # Every transaction of the second file confirmed before the crash is on the node and in the report once.
        for tx_hash in confirmed:
            assert final.count(tx_hash) == 1
            assert _transaction(node.url, tx_hash) is not None
    assert _summary(report.with_suffix(".json")) == _summary(reference.with_suffix(".json"))


def test_resume_refuses_another_chain_and_the_in_process_chain(s4_project: Project, tmp_path: Path) -> None:
    report = tmp_path / "run.html"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert run_cli("replay", "--rpc", node.url, FILES[0], "--report", report).returncode == 0
    with AnvilNode(anvil_binary(s4_project.node_modules)) as restarted:
        refused = run_cli("replay", "--rpc", restarted.url, FILES[0], "--report", report, "--resume")
    assert refused.returncode == 2
    # Another genesis, or the same one when both nodes started within the same second: its blocks are gone either way.
    told = "was written against another chain" in refused.stderr or "no longer holds the chain" in refused.stderr
    assert told and "Traceback" not in refused.stderr
    in_process = run_cli("replay", FILES[0], "--report", report, "--resume")
    assert in_process.returncode == 2
    assert "--resume needs --rpc URL" in in_process.stderr


class _Stop(Exception):
    pass


def test_a_step_run_but_not_journaled_is_undone_then_run_once(s4_project: Project, compiled, tmp_path: Path) -> None:
    from functools import partial

    from s4chain.chain import RpcChain
    from s4chain.scenarios.engine import Replayer, StepRecord
    from s4chain.scenarios.journal import JournalWriter, journal_path
    from s4chain.scenarios.loader import load_scenario

    scenario = SCENARIOS / "01-sme-token-sale-succeeds.yaml"
    reference = tmp_path / "reference.html"
    report = tmp_path / "run.html"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert run_cli("replay", "--rpc", node.url, scenario, "--report", reference).returncode == 0
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        chain = RpcChain(node.url, compiled)
        journal = JournalWriter.fresh(journal_path(report), chain)
        journal.start(scenario, chain.snapshot(), chain)

        def journal_nine_then_stop(record: StepRecord) -> None:
            if len(journal.entries[str(scenario)].steps) == 9:
                raise _Stop  # the tenth step ran on chain; the crash comes before its journal entry
            journal.step(scenario, record, {}, chain)

        with pytest.raises(_Stop):
            Replayer(chain, load_scenario(scenario)).run(
                on_step=journal_nine_then_stop,
                on_deployed=lambda run: journal.deployed(scenario, run, {}, chain),
                before_step=partial(journal.starting, scenario, chain),
            )
        height = chain.block_number
        resumed = run_cli("replay", "--rpc", node.url, scenario, "--report", report, "--resume")
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
        assert chain.block_number > height
    assert _summary(report.with_suffix(".json")) == _summary(reference.with_suffix(".json"))
