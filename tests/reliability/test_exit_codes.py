"""Exit codes that never lie: whatever stops a command and is not a failed expectation (a node that dies, drops
the connection or answers garbage, a disk that refuses a write, Ctrl-C) is exit 2 with one line, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import typer
from typer.testing import CliRunner

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.cli.exits import map_errors
from s4chain.files import write_atomic, write_json_atomic
from s4chain.project import Project
from tests.faults.proxy import FaultyProxy, Kind
from tests.scenarios.conftest import BASE, run_cli

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "04-cold-chain-farm-to-shelf.yaml"
CLI = [sys.executable, "-m", "s4chain.cli"]


def error_line(stderr: str) -> str:
    """The only line on stderr, which must be an error line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr[-3000:]
    return lines[0]


def wait_for_blocks(process: subprocess.Popen[str], url: str, blocks: int) -> None:
    """Until the replay in `process` has had `blocks` blocks mined on the node at `url` (one per transaction)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
        if int(requests.post(url, json=request, timeout=5).json()["result"], 16) >= blocks:
            return
        time.sleep(0.01)
    pytest.fail(f"the replay did not reach block {blocks}")


@pytest.fixture
def node(s4_project: Project) -> Iterator[AnvilNode]:
    with AnvilNode(anvil_binary(s4_project.node_modules)) as started:
        yield started


@pytest.mark.anvil
@pytest.mark.parametrize(
    ("method", "fault", "after"),
    [
        ("eth_sendRawTransaction", Kind.DROP_BEFORE, 6),
        ("eth_getTransactionReceipt", Kind.DROP_BEFORE, 6),
        ("eth_call", Kind.DROP_BEFORE, 3),
        ("eth_call", Kind.MALFORMED, 3),
        ("eth_getBlockByNumber", Kind.MALFORMED, 3),
    ],
)
def test_a_misbehaving_node_is_exit_2_with_one_line(
    node: AnvilNode, tmp_path: Path, method: str, fault: Kind, after: int
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    with FaultyProxy(node.url) as proxy:
        if method == "eth_getTransactionReceipt":  # a node without the sync send: receipts are polled
            proxy.inject("eth_sendRawTransactionSync", Kind.UNKNOWN, count=10**6)
        proxy.inject(method, fault, count=10**6, skip=after)  # every call from the (after+1)-th on
        # Every send dropped while reads are answered: the send is retried for --confirm-timeout (default 60 s).
        wait = ("--confirm-timeout", "3")
        result = run_cli("replay", "--rpc", proxy.url, scenario, "--report", tmp_path / "r.html", *wait)
    assert any(entry.fault is fault for entry in proxy.log), "the fault never happened"
    assert result.returncode == 2
    line = error_line(result.stderr)
    assert proxy.url in line
    if method == "eth_sendRawTransaction":
        assert "unknown for 3 s; see --confirm-timeout" in line, line


@pytest.mark.anvil
@pytest.mark.slow
@pytest.mark.parametrize("blocks", [4, 12, 20])  # in the deployment, early steps, later steps
def test_node_killed_mid_replay_is_exit_2_with_one_line(s4_project: Project, tmp_path: Path, blocks: int) -> None:
    report = tmp_path / "run.html"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        command = [*CLI, "replay", "--rpc", node.url, str(SCENARIO), "--report", str(report)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for_blocks(process, node.url, blocks)
        assert node.process is not None
        node.process.kill()  # the node dies while a step is under way
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2
    assert node.url.removeprefix("http://") in error_line(stderr)


@pytest.mark.anvil
def test_ctrl_c_is_exit_2_with_one_line(node: AnvilNode, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    # A long scenario: the minimal sale's replay could end between block 8 and the signal.
    command = [*CLI, "replay", "--rpc", node.url, str(SCENARIO), "--report", str(report)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_blocks(process, node.url, 8)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert error_line(stderr) == "error: interrupted"


def without_root_powers() -> list[str]:
    """A prefix that runs a command without the capabilities that let root write into read-only folders."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be taken away")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


def test_report_in_a_read_only_folder_is_refused_before_the_replay(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    report = read_only / "r.html"
    command = [*without_root_powers(), *CLI, "replay", str(scenario), "--report", str(report)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert error_line(result.stderr) == f"error: cannot write the report at {report}: Permission denied"
    assert "Replay summary" not in result.stdout


def _in_a_full_folder(folder: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """`command` with a 16 KiB tmpfs mounted on `folder` (a user and mount namespace: no privileges needed)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"], check=False).returncode != 0:
        pytest.skip("no user namespaces here to mount a small tmpfs")
    script = 'mount -t tmpfs -o size=16k tmpfs "$0" && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, str(folder), *command], capture_output=True, text=True, check=False
    )


def test_a_full_disk_under_the_report_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    full = tmp_path / "full"
    full.mkdir()
    report = full / "r.html"
    result = _in_a_full_folder(full, [*CLI, "replay", str(scenario), "--report", str(report)])
    assert result.returncode == 2, result.stderr[-3000:]
    line = error_line(result.stderr)
    assert line.startswith(f"error: cannot write the report at {report}: No space left on device"), line


def test_a_full_disk_under_the_artifacts_is_exit_2_naming_the_file(tmp_path: Path, s4_project: Project) -> None:
    project = tmp_path / "p"
    (project / "contracts").mkdir(parents=True)
    (project / "contracts" / "C.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract C { string public s = '"
        + "x" * 20_000
        + "'; }\n"
    )
    (project / "node_modules").symlink_to(s4_project.node_modules)
    (project / "build" / "artifacts").mkdir(parents=True)
    result = _in_a_full_folder(project / "build" / "artifacts", [*CLI, "compile", "--project", str(project)])
    assert result.returncode == 2, result.stderr[-3000:]
    line = error_line(result.stderr)
    assert line == f"error: {project / 'build/artifacts/contracts/C.sol/C.json'}: No space left on device (ENOSPC)"


def test_report_named_json_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    result = run_cli("replay", scenario, "--report", tmp_path / "out.json")
    assert result.returncode == 2
    assert "give the HTML report's name, e.g." in error_line(result.stderr)
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    before = os.umask(umask)
    try:
        write_atomic(tmp_path / "report.html", "<html></html>")
        write_json_atomic(tmp_path / "records.json", {"a": 1})
    finally:
        os.umask(before)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == mode
    assert (tmp_path / "records.json").stat().st_mode & 0o777 == mode


def test_a_rewritten_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    write_json_atomic(path, {"a": 1})
    path.chmod(0o640)
    write_json_atomic(path, {"a": 2})
    assert path.stat().st_mode & 0o777 == 0o640 and json.loads(path.read_text()) == {"a": 2}


def test_a_bug_shows_its_traceback_and_still_exits_2() -> None:
    app = typer.Typer()

    @app.command()
    def broken() -> None:
        raise TypeError("a bug")

    @app.command()
    def unwritable() -> None:
        raise PermissionError(13, "Permission denied", "/some/file")

    map_errors(app)
    bug = CliRunner().invoke(app, ["broken"])
    assert bug.exit_code == 2
    assert "Traceback" in bug.output and "internal error (TypeError: a bug): a bug in s4chain" in bug.output
    disk = CliRunner().invoke(app, ["unwritable"])
    assert disk.exit_code == 2
    assert disk.output.strip() == "error: /some/file: Permission denied (EACCES)"
