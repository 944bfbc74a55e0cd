"""The plugin's `--s4-rpc URL` runs a contract suite against a node instead of the in-process chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from s4chain.chain import AnvilNode
from s4chain.project import Project

pytestmark = pytest.mark.anvil

SUITE = """
def test_backend(chain, accounts):
    token = chain.deploy("EuroStablecoin", accounts[0])
    token.mint(accounts[1], 5)
    assert token.balanceOf(accounts[1]) == 5
    print("BACKEND", chain.backend_name)
"""


def _run(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *options, str(project / "test_x.py")],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )


def test_same_suite_runs_in_process_and_against_a_node(tmp_path: Path, s4_project: Project, anvil: AnvilNode) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "EuroStablecoin.sol").write_text(
        (s4_project.contracts_dir / "common" / "EuroStablecoin.sol").read_text()
    )
    (tmp_path / "node_modules").symlink_to(s4_project.node_modules)
    (tmp_path / "test_x.py").write_text(SUITE)
    local = _run(tmp_path)
    assert local.returncode == 0, local.stdout + local.stderr
    assert "BACKEND in-process" in local.stdout
    remote = _run(tmp_path, "--s4-rpc", anvil.url)
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert "BACKEND json-rpc" in remote.stdout
