"""`s4chain node`: anvil from node_modules (or the PATH) on 127.0.0.1, stopped cleanly by Ctrl-C; a busy port
is refused; the anvil options a user needs (accounts, balance, block time, chain id, state dump and load)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from s4chain.chain.anvil import AnvilNode, anvil_binary, free_port
from s4chain.project import Project

ANVIL = anvil_binary(Project.discover(Path(__file__)).node_modules)

pytestmark = pytest.mark.anvil


def _node(port: int, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "s4chain.cli", "node", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    )


def _chain_id(port: int) -> int | None:
    try:
        reply = requests.post(
            f"http://127.0.0.1:{port}",
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            timeout=1,
        )
        return int(reply.json()["result"], 16)
    except (requests.RequestException, KeyError, ValueError):
        return None


def test_node_serves_the_dev_chain_and_stops_on_ctrl_c() -> None:
    port = free_port()
    with _serve([], port) as lines:
        assert _chain_id(port) == 31337
    stdout = "".join(lines)
    assert f"http://127.0.0.1:{port}" in stdout
    assert "anvil stopped" in stdout
    assert _chain_id(port) is None  # the anvil process is gone with it


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _node(port)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in stderr
    assert "Traceback" not in stderr


def _rpc(port: int, method: str, *params: object) -> Any:
    request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    return requests.post(f"http://127.0.0.1:{port}", json=request, timeout=5).json()["result"]


@contextmanager
def _serve(
    args: list[str], port: int, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[list[str]]:
    """`s4chain node --port PORT ARGS` until its banner is out (ready means the node answers and the command
    said so: Ctrl-C before its banner would race it); yields its output lines, which go on filling until the
    node stopped; Ctrl-C at the end."""
    process = _node(port, *args, cwd=cwd, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60  # generous: a loaded machine starts Python slowly; a pass costs no wait
        while not any("Ctrl-C to stop" in line for line in lines) and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        yield lines
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=5)
        assert process.returncode == 0, "".join(lines) + (process.stderr.read() if process.stderr else "")
    finally:
        process.kill()


def test_node_options_accounts_balance_and_state_dump_then_load(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    holder = "0x00000000000000000000000000000000000000aa"
    port = free_port()
    with _serve(["--accounts", "3", "--balance", "7", "--dump-state", str(state)], port) as lines:
        banner = "".join(lines)
        assert f"anvil ({ANVIL}) listening on http://127.0.0.1:{port}" in banner
        assert "(3 in all)" in banner and str(state) in banner
        accounts = _rpc(port, "eth_accounts")
        assert len(accounts) == 3
        assert int(_rpc(port, "eth_getBalance", accounts[0], "latest"), 16) == 7 * 10**18
        _rpc(port, "anvil_setBalance", holder, hex(12345))
        _rpc(port, "evm_mine")
        mined = int(_rpc(port, "eth_blockNumber"), 16)
        genesis = _rpc(port, "eth_getBlockByNumber", "0x0", False)["hash"]
    assert state.is_file()  # written when the node stopped

    port = free_port()
    with _serve(["--load-state", str(state), "--block-time", "0.2"], port):
        assert int(_rpc(port, "eth_getBalance", holder, "latest"), 16) == 12345  # the dumped state is back
        # The same chain to deployment records (docs/deployment.md), which tell chains apart by their genesis.
        assert _rpc(port, "eth_getBlockByNumber", "0x0", False)["hash"] == genesis
        first = int(_rpc(port, "eth_blockNumber"), 16)
        assert first >= mined
        time.sleep(1.0)
        assert int(_rpc(port, "eth_blockNumber"), 16) >= first + 2  # blocks every 0.2 s, with no transaction


def test_node_chain_id(tmp_path: Path) -> None:
    port = free_port()
    with _serve(["--chain-id", "1337"], port) as lines:
        banner = "".join(lines)
        assert "chain id 1337" in banner
        assert _chain_id(port) == 1337


def test_node_runs_the_anvil_on_the_path_without_node_modules(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()  # a project without node_modules
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "anvil").symlink_to(ANVIL)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    port = free_port()
    with _serve([], port, cwd=tmp_path, env=env) as lines:
        banner = "".join(lines)
        assert f"anvil ({bin_dir / 'anvil'}) listening" in banner
        assert _chain_id(port) == 31337


def test_node_forks_another_node_at_a_block() -> None:
    holder = "0x00000000000000000000000000000000000000bb"
    with AnvilNode(ANVIL, keep_history=True) as upstream:  # a real chain to fork, with its past states
        upstream_port = int(upstream.url.rsplit(":", 1)[1])
        payer = _rpc(upstream_port, "eth_accounts")[0]
        _rpc(upstream_port, "eth_sendTransaction", {"from": payer, "to": holder, "value": hex(111)})  # a block
        forked_at = int(_rpc(upstream_port, "eth_blockNumber"), 16)
        _rpc(upstream_port, "eth_sendTransaction", {"from": payer, "to": holder, "value": hex(111)})  # the next
        port = free_port()
        args = ["--fork-url", upstream.url, "--fork-block-number", str(forked_at)]
        with _serve(args, port):
            assert int(_rpc(port, "eth_getBalance", holder, "latest"), 16) == 111  # as at the fork block
            assert int(_rpc(port, "eth_blockNumber"), 16) == forked_at


def test_a_node_that_cannot_start_says_why_in_one_line() -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "s4chain.cli", "node", "--port", str(port), "--fork-url", f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: anvil exited with code 1 at start: "), result.stderr


def test_node_takes_what_the_project_file_says_unless_an_option_overrides_it(tmp_path: Path) -> None:
    (tmp_path / "s4chain.toml").write_text(
        '[compiler]\nevm_version = "cancun"\n\n[node]\naccounts = 2\nbalance = 3\n', encoding="utf-8"
    )
    (tmp_path / "node_modules").symlink_to(Path(__file__).resolve().parents[2] / "node_modules")
    port = free_port()
    with _serve(["--project", str(tmp_path), "--balance", "5"], port) as banner:
        shown = "".join(banner)
        assert "hardfork cancun" in shown and "(2 in all)" in shown
        accounts = _rpc(port, "eth_accounts")
        assert len(accounts) == 2  # from [node]
        assert int(_rpc(port, "eth_getBalance", accounts[0], "latest"), 16) == 5 * 10**18  # the option wins
