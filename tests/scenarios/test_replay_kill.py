"""`s4chain replay --rpc URL` killed (SIGKILL) at random points, the deployment phase included, and its resume
killed too: `--resume` always ends where an uninterrupted replay does, with every step taking effect once; a node
restarted with the same genesis, a file added on resume and a disk error on the journal are handled."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.project import Project
from s4chain.scenarios.journal import JournalEntry, JournalError, read_journal
from tests.faults.proxy import FaultyProxy, Kind
from tests.scenarios.conftest import run_cli

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TOKENS = SCENARIOS / "05-people-issue-and-trade-tokens.yaml"  # 20 steps, undone once done
SUPPLY = SCENARIOS / "04-cold-chain-farm-to-shelf.yaml"  # 46 steps; its driver keeps EPCIS events off chain
SALE = SCENARIOS / "01-sme-token-sale-succeeds.yaml"
PAIR = [TOKENS, SUPPLY]
# A fixed genesis (the only kind Hardhat has): a restarted node has the same genesis hash, but not its state.
FIXED_GENESIS = ("--timestamp", "1700000000")
SEED = int(os.environ.get("S4CHAIN_KILL_SEED", "12"))


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=5).json()[
        "result"
    ]


def _end_state(url: str, report: Path) -> dict[str, Any]:
    """What a replay leaves: its report (timings aside) and every account's nonce on the node."""
    scenarios = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    accounts = _rpc(url, "eth_accounts", [])
    return {
        "report": [{k: v for k, v in s.items() if k != "summary"} for s in scenarios],
        "nonces": {a: _rpc(url, "eth_getTransactionCount", [a, "latest"]) for a in accounts},
        "head": _rpc(url, "eth_blockNumber", []),
    }


def _entries(journal: Path) -> dict[str, JournalEntry]:
    try:
        return read_journal(journal)
    except JournalError:
        return {}


def _deploying(journal: Path, scenario: Path, url: str) -> Callable[[], bool]:
    """True once the deployment of `scenario` has mined something (the journal does not hold it yet: the kill
    lands in a window of a few node round trips, so once the deployment is under way only the node is polled)."""
    started: list[int] = []

    def ready() -> bool:
        if not started:
            entry = _entries(journal).get(str(scenario))
            if entry is None or entry.deployments is not None or entry.in_flight is None:
                return False
            started.append(entry.in_flight.head[0])
        return int(_rpc(url, "eth_blockNumber", []), 16) > started[0]

    return ready


def _stepped(journal: Path, scenario: Path, steps: int) -> Callable[[], bool]:
    def ready() -> bool:
        entry = _entries(journal).get(str(scenario))
        return entry is not None and len(entry.steps) >= steps

    return ready


def _replay(url: str, files: list[Path], report: Path, *extra: str, **popen: Any) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "s4chain.cli", "replay", "--rpc", url, *map(str, files), "--report", str(report)]
    return subprocess.Popen([*command, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **popen)


def _kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 300
    while process.poll() is None and not ready():
        assert time.monotonic() < deadline, "the kill point never came"
        time.sleep(0.003)
    assert process.poll() is None, "the replay ended before the kill point"
    process.send_signal(signal.SIGSTOP)  # at once, so that what the journal shows next is where it was killed
    process.send_signal(signal.SIGKILL)  # a crash: no clean-up of any kind
    process.wait()


@pytest.fixture(scope="module")
def reference(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("reference") / "reference.html"
    with AnvilNode(anvil_binary(s4_project.node_modules), extra_args=FIXED_GENESIS) as node:
        assert run_cli("replay", "--rpc", node.url, *PAIR, "--report", report).returncode == 0
        return _end_state(node.url, report)


def _kill_points(journal: Path, url: str) -> dict[str, tuple[Callable[[], bool], Callable[[], bool]]]:
    """Where the replay is killed, then where its resume is."""
    rng = random.Random(SEED)
    first, second = rng.randrange(1, 20), rng.randrange(1, 40)
    later = second + rng.randrange(1, 6)
    return {
        "deploying-both": (_deploying(journal, TOKENS, url), _deploying(journal, SUPPLY, url)),
        "steps-of-the-second": (_stepped(journal, SUPPLY, second), _stepped(journal, SUPPLY, later)),
        "steps-of-the-first-then-deploying-the-second": (
            _stepped(journal, TOKENS, first),
            _deploying(journal, SUPPLY, url),
        ),
    }


CASES = ["deploying-both", "steps-of-the-second", "steps-of-the-first-then-deploying-the-second"]


@pytest.mark.parametrize("case", CASES)
def test_killed_replay_and_killed_resume_end_as_an_uninterrupted_replay(
    case: str, reference: dict[str, Any], s4_project: Project, tmp_path: Path
) -> None:
    for attempt in range(3):  # the deployment cases aim at a window of milliseconds: a miss is tried again
        report, journal = tmp_path / f"run{attempt}.html", tmp_path / f"run{attempt}.journal.jsonl"
        with (
            AnvilNode(anvil_binary(s4_project.node_modules), extra_args=FIXED_GENESIS) as node,
            FaultyProxy(node.url) as proxy,
        ):
            # Each transaction answered 20 ms after the node mined it: the replay journals a deployment within a
            # millisecond of its answer (it knows the head from it), too short a window to kill in from here.
            proxy.inject("eth_sendRawTransaction", Kind.SLOW_ANSWER, count=10**6, seconds=0.02)
            kill_replay, kill_resume = _kill_points(journal, node.url)[case]
            _kill_when(_replay(proxy.url, PAIR, report), kill_replay)
            _kill_when(_replay(proxy.url, PAIR, report, "--resume"), kill_resume)
            # Killed between a deployment's first transaction and its journal line?
            hit = case == "steps-of-the-second" or _entries(journal)[str(SUPPLY)].deployments is None
            resumed = run_cli("replay", "--rpc", node.url, *PAIR, "--report", report, "--resume")
            assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
            end = _end_state(node.url, report)
        # Same transactions (hashes), events, values (the provenance's verified EPCIS documents among them), final
        # states and nonces: nothing sent twice, nothing lost.
        assert end == reference
        if hit:
            break
    assert hit, "no kill landed in the deployment"
    provenance = [s for s in end["report"][1]["steps"] if s["action"] == "chain.provenance"]
    assert provenance and all(e["document_verified"] for s in provenance for e in s["value"]["events"])


def test_a_node_restarted_with_the_same_genesis_is_told_apart(s4_project: Project, tmp_path: Path) -> None:
    report, journal = tmp_path / "run.html", tmp_path / "run.journal.jsonl"
    binary = anvil_binary(s4_project.node_modules)
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        _kill_when(_replay(node.url, [SALE], report), _stepped(journal, SALE, 5))
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as restarted:
        for _ in range(2):  # the same answer on every retry
            refused = run_cli("replay", "--rpc", restarted.url, SALE, "--report", report, "--resume")
            assert refused.returncode == 2, refused.stderr[-3000:]
            assert "no longer holds the chain" in refused.stderr and "Traceback" not in refused.stderr
        fresh = run_cli("replay", "--rpc", restarted.url, SALE, "--report", report)
        assert fresh.returncode == 0, fresh.stdout[-3000:] + fresh.stderr[-3000:]


def test_a_finished_replay_is_not_resumed_on_a_node_restarted_with_the_same_genesis(
    s4_project: Project, tmp_path: Path
) -> None:
    """Its blocks are gone: the resume is refused, not taken as done (it was, before the journal's heads were
    checked on resuming)."""
    report = tmp_path / "run.html"
    binary = anvil_binary(s4_project.node_modules)
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        assert run_cli("replay", "--rpc", node.url, SALE, "--report", report).returncode == 0
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as restarted:
        refused = run_cli("replay", "--rpc", restarted.url, SALE, "--report", report, "--resume")
    assert refused.returncode == 2, refused.stdout[-3000:] + refused.stderr[-3000:]
    assert "no longer holds the chain" in refused.stderr and "Traceback" not in refused.stderr


def test_a_replay_killed_deploying_resumes_on_a_node_restarted_with_the_same_genesis(
    s4_project: Project, tmp_path: Path
) -> None:
    """Nothing had been journaled past the genesis: the restarted node is where the resume would revert to."""
    report, journal = tmp_path / "run.html", tmp_path / "run.journal.jsonl"
    binary = anvil_binary(s4_project.node_modules)
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        _kill_when(_replay(node.url, [SALE], report), _deploying(journal, SALE, node.url))
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as restarted:
        resumed = run_cli("replay", "--rpc", restarted.url, SALE, "--report", report, "--resume")
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]


def test_files_added_on_resume_run_after_the_journaled_ones(s4_project: Project, tmp_path: Path) -> None:
    binary = anvil_binary(s4_project.node_modules)
    reference = tmp_path / "reference.html"
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        assert run_cli("replay", "--rpc", node.url, *PAIR, SALE, "--report", reference).returncode == 0
        expected = _end_state(node.url, reference)
    report, journal = tmp_path / "run.html", tmp_path / "run.journal.jsonl"
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        _kill_when(_replay(node.url, PAIR, report), _stepped(journal, SUPPLY, 10))
        dropped = run_cli("replay", "--rpc", node.url, SUPPLY, SALE, "--report", report, "--resume")
        assert dropped.returncode == 2 and "give every journaled file again" in dropped.stderr
        # Given first, the new file still runs after the journaled ones; the formerly last one is undone first.
        resumed = run_cli("replay", "--rpc", node.url, SALE, *PAIR, "--report", report, "--resume")
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
        assert _end_state(node.url, report) == expected
    # After a complete replay too: the formerly last file is undone, the new one runs after it.
    with AnvilNode(binary, extra_args=FIXED_GENESIS) as node:
        assert run_cli("replay", "--rpc", node.url, *PAIR, "--report", report).returncode == 0
        added = run_cli("replay", "--rpc", node.url, *PAIR, SALE, "--report", report, "--resume")
        assert added.returncode == 0, added.stdout[-3000:] + added.stderr[-3000:]
        assert _end_state(node.url, report) == expected


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_disk_error_on_the_journal_stops_with_exit_2_and_resumes(
    reference: dict[str, Any], s4_project: Project, tmp_path: Path
) -> None:
    report, journal = tmp_path / "run.html", tmp_path / "run.journal.jsonl"
    with AnvilNode(anvil_binary(s4_project.node_modules), extra_args=FIXED_GENESIS) as node:
        process = _replay(node.url, PAIR, report, preexec_fn=_limit_file_size(100_000))  # fails in the second file
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 2, stderr.decode()[-3000:]
        assert f"cannot write the journal {journal}: File too large" in stderr.decode()
        assert b"Traceback" not in stderr
        assert journal.read_bytes().endswith(b"\n")  # the torn line was cut
        cut_short = read_journal(journal)
        assert cut_short[str(SUPPLY)].run is None
        resumed = run_cli("replay", "--rpc", node.url, *PAIR, "--report", report, "--resume")
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
        assert _end_state(node.url, report) == reference


def test_a_damaged_journal_stops_resume_with_exit_2_naming_file_and_line(s4_project: Project, tmp_path: Path) -> None:
    report, journal = tmp_path / "run.html", tmp_path / "run.journal.jsonl"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert run_cli("replay", "--rpc", node.url, SALE, "--report", report).returncode == 0
        header, entry = journal.read_text().splitlines()
        damaged = json.loads(entry)
        damaged["entry"]["deployments"] = ["not", "a", "mapping"]  # valid JSON, wrong content
        journal.write_text(f"{header}\n{json.dumps(damaged)}\n")
        refused = run_cli("replay", "--rpc", node.url, SALE, "--report", report, "--resume")
    assert refused.returncode == 2
    assert f"{journal}:2: not a replay journal line" in refused.stderr and "Traceback" not in refused.stderr
