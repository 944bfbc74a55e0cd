"""A node that accepts connections and never answers (the proxy's HANG fault, in front of a real anvil): every
command stops within a bound, with one line and exit 2 (a deploy that had started too), and
`replay --resume`, once the node answers again, ends where an unfaulted replay does."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.project import Project
from tests.faults.proxy import FaultyProxy, Kind
from tests.reliability.test_exit_codes import error_line
from tests.scenarios.conftest import BASE, run_cli
from tests.scenarios.test_replay_kill import FIXED_GENESIS, _end_state

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

CLI = [sys.executable, "-m", "s4chain.cli"]
TIMEOUT = "1"  # --rpc-timeout of the runs on a hung node: a hung request costs this much
BOUND = 30.0  # seconds from start to exit, the process's start-up on a loaded machine included
FOREVER = 10**6


def timed(*args: str | Path, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd)
    return result, time.monotonic() - started


@pytest.fixture
def node(s4_project: Project) -> Iterator[AnvilNode]:
    with AnvilNode(anvil_binary(s4_project.node_modules), extra_args=FIXED_GENESIS) as started:
        yield started


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    return path


@pytest.fixture(scope="module")
def reference(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("reference")
    (folder / "s.yaml").write_text(BASE)
    with AnvilNode(anvil_binary(s4_project.node_modules), extra_args=FIXED_GENESIS) as node:
        # In this process: the unfaulted run only gives the end state to compare with.
        result = run_cli(
            "replay", "--rpc", node.url, "s.yaml", "--report", "r.html", "--project", s4_project.root, cwd=folder
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return _end_state(node.url, folder / "r.html")


# (method hit, matching requests let through first): a read in the deployment, a send and a receipt in the steps.
HANGS = {
    "deploying": ("eth_getTransactionReceipt", 2),
    "a-step's-send": ("eth_sendRawTransaction", 8),
    "a-step's-receipt": ("eth_getTransactionReceipt", 9),
}


@pytest.mark.parametrize("case", list(HANGS))
def test_a_hung_node_stops_the_replay_in_time_and_resume_ends_as_an_unfaulted_run(
    case: str, node: AnvilNode, scenario: Path, reference: dict[str, Any], s4_project: Project
) -> None:
    method, skip = HANGS[case]
    folder, project = scenario.parent, str(s4_project.root)
    replay = ("replay", scenario.name, "--report", "r.html", "--project", project)
    with FaultyProxy(node.url) as proxy:
        if method == "eth_getTransactionReceipt":  # a node without the sync send: receipts are polled
            proxy.inject("eth_sendRawTransactionSync", Kind.UNKNOWN, count=FOREVER)
        proxy.inject(method, Kind.HANG, count=FOREVER, skip=skip)
        stopped, seconds = timed(*replay, "--rpc", proxy.url, "--rpc-timeout", TIMEOUT, cwd=folder)
        assert any(entry.fault is Kind.HANG for entry in proxy.log), "the fault never happened"
        sends = len(proxy.forwarded("eth_sendRawTransaction"))
        assert stopped.returncode == 2, stopped.stderr[-3000:]
        assert seconds < BOUND, (seconds, stopped.stderr)
        line = error_line(stopped.stderr)
        assert proxy.url in line and f"within {TIMEOUT} s" in line, line
        if method == "eth_sendRawTransaction":
            # The send timed out and the lookup by hash hung too: not signed again under another nonce.
            assert len({tuple(params) for params in proxy.forwarded(method)}) == sends
        proxy.clear()  # the node answers again (the default --rpc-timeout from here)
        resumed, _ = timed(*replay, "--rpc", proxy.url, "--resume", cwd=folder)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert _end_state(node.url, folder / "r.html") == reference


def test_a_send_whose_answer_hangs_is_looked_up_by_hash_not_signed_again(
    node: AnvilNode, scenario: Path, reference: dict[str, Any], s4_project: Project
) -> None:
    folder = scenario.parent
    with FaultyProxy(node.url) as proxy:
        proxy.inject("eth_sendRawTransaction", Kind.HANG, skip=8)  # one send hangs; the node answers the rest
        result, _ = timed(
            "replay", scenario.name, "--report", "r.html", "--project", s4_project.root,
            "--rpc-timeout", TIMEOUT, "--rpc", proxy.url, cwd=folder,
        )  # fmt: skip
        assert any(entry.fault is Kind.HANG for entry in proxy.log)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _end_state(node.url, folder / "r.html") == reference  # same nonces and hashes: nothing signed twice


@pytest.mark.parametrize(
    ("command", "skip", "code"),
    [
        pytest.param("replay", 0, 2, id="replay-connecting"),
        pytest.param("deploy", 0, 2, id="deploy-connecting"),
        pytest.param("deploy", 10, 2, id="deploy-started"),  # the send hangs (request 11 of 12): exit 2 too
    ],
)
def test_every_command_on_a_hung_node_ends_in_time_with_one_line(
    command: str, skip: int, code: int, node: AnvilNode, scenario: Path, s4_project: Project
) -> None:
    folder = scenario.parent
    if command == "replay":
        arguments = [scenario.name, "--report", "r.html"]
    else:
        arguments = ["--only", "supply", "--records-dir", str(folder / "deployments")]
    with FaultyProxy(node.url) as proxy:
        proxy.inject("*", Kind.HANG, count=FOREVER, skip=skip)
        result, seconds = timed(
            command, *arguments, "--project", s4_project.root, "--rpc-timeout", TIMEOUT, "--rpc", proxy.url, cwd=folder
        )
    assert result.returncode == code, result.stdout[-3000:] + result.stderr[-3000:]
    assert seconds < BOUND
    line = error_line(result.stderr)
    assert proxy.url in line and f"within {TIMEOUT} s" in line, line
