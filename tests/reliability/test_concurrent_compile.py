"""Two `s4chain compile` at once in one project: publishing build/artifacts is done under a lock, so neither
trips over the other's half-laid-out folders, and the artifacts end whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s4chain.compiler import ArtifactStore
from s4chain.project import Project

SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract C{n} {{ uint256 public x = {n}; }}
"""
pytestmark = pytest.mark.slow

PROCESSES = 4
ROUNDS = 4


def test_concurrent_compiles_all_succeed_and_leave_whole_artifacts(tmp_path: Path, s4_project: Project) -> None:
    (tmp_path / "contracts").mkdir()
    for n in range(12):
        (tmp_path / "contracts" / f"C{n}.sol").write_text(SOURCE.format(n=n))
    (tmp_path / "node_modules").symlink_to(s4_project.node_modules)
    command = [sys.executable, "-m", "s4chain.cli", "compile", "--project", str(tmp_path)]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0  # fills the cache
    index = tmp_path / "build" / "cache" / "artifacts-index.json"
    for _ in range(ROUNDS):
        # Without the index, every process lays every unit's folder out again, all at the same time.
        index.unlink()
        processes = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(PROCESSES)
        ]
        for process in processes:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, stderr
            assert "Traceback" not in stderr
        store = ArtifactStore.load(tmp_path / "build" / "artifacts")
        assert sorted(a.contract_name for a in store) == sorted(f"C{n}" for n in range(12))
        assert set(json.loads(index.read_text())) == {f"contracts/C{n}.sol" for n in range(12)}
