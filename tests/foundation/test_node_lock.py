"""Issue 12 #7: one run at a time on a node. Real processes on one anvil: a holder, then `s4chain replay` and
`s4chain deploy` refused with exit 2 naming the holder's pid; a killed holder blocks nobody."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from s4chain.chain import AnvilNode, NodeInUseError, RpcChain, node_lock

HOLD = """
import sys
from s4chain.chain import RpcChain, node_lock
node_lock(RpcChain(sys.argv[1])).acquire()
print("held", flush=True)
sys.stdin.read()
"""


def _holder(url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def _s4chain(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s4chain.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.anvil
@pytest.mark.slow
def test_a_second_run_on_a_node_is_refused_naming_the_holder(
    anvil: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {**os.environ, "S4CHAIN_LOCK_DIR": str(tmp_path / "locks")}
    holder = _holder(anvil.url, env)
    try:
        replay = _s4chain(
            "replay", "scenarios/06-people-sell-access-to-their-data.yaml", "--rpc", anvil.url,
            "--report", str(tmp_path / "r.html"), env=env,
        )  # fmt: skip
        assert replay.returncode == 2, replay.stderr
        assert f"in use by another s4chain run (process {holder.pid}" in replay.stderr
        assert "Traceback" not in replay.stderr
        deploy = _s4chain("deploy", "--rpc", anvil.url, "--records-dir", str(tmp_path / "records"), env=env)
        assert deploy.returncode == 2, deploy.stderr
        assert f"process {holder.pid}" in deploy.stderr
        assert not (tmp_path / "records").exists()  # refused before anything was sent or written
    finally:
        holder.kill()  # SIGKILL: no clean-up runs; the kernel drops the lock
        holder.wait()
    assert holder.returncode == -signal.SIGKILL
    monkeypatch.setenv("S4CHAIN_LOCK_DIR", env["S4CHAIN_LOCK_DIR"])
    with node_lock(RpcChain(anvil.url)) as lock:  # the dead holder's lock is not in the way
        assert lock.path.read_text().strip() == str(os.getpid())
        with pytest.raises(NodeInUseError):  # and it is exclusive even within one process
            node_lock(RpcChain(anvil.url)).acquire()


@pytest.mark.anvil
def test_two_nodes_with_one_genesis_do_not_lock_each_other_out(
    anvil: AnvilNode, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S4CHAIN_LOCK_DIR", str(tmp_path))
    same_genesis = ("--timestamp", "1893456000")
    with (
        AnvilNode(anvil.binary, extra_args=same_genesis) as one,
        AnvilNode(anvil.binary, extra_args=same_genesis) as two,
    ):
        first, second = RpcChain(one.url), RpcChain(two.url)
        assert first.w3.eth.get_block(0)["hash"] == second.w3.eth.get_block(0)["hash"]
        with node_lock(first), node_lock(second), pytest.raises(NodeInUseError, match=str(os.getpid())):
            node_lock(RpcChain(one.url)).acquire()
