"""`s4chain node`: anvil from node_modules on 127.0.0.1, stopped cleanly by Ctrl-C; a busy port is refused."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from s4chain.chain.anvil import free_port

pytestmark = pytest.mark.anvil


def _node(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "s4chain.cli", "node", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
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
    process = _node(port)
    assert process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        # Ready means the node answers and the command said so (Ctrl-C before its banner would race it).
        deadline = time.monotonic() + 20
        while not any("Ctrl-C to stop" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _chain_id(port) == 31337
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        reader.join(timeout=5)
    finally:
        process.kill()
    stdout = "".join(lines)
    assert process.returncode == 0, stdout + (process.stderr.read() if process.stderr else "")
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
