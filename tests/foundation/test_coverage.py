"""Contract coverage: the program counters py-evm ran, mapped through the source maps to lines (hits of each
statement) and branches (JUMPI outcomes), written as lcov; `pytest --s4-coverage` in a user's project, serial and
under pytest-xdist (each worker's figures merged)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scenarios.conftest import run_cli

from s4chain.chain import InProcessChain
from s4chain.chain.pcs import CoverageRecorder
from s4chain.chain.reverts import ContractRevert
from s4chain.compiler import compile_project
from s4chain.project import Project
from s4chain.testing.coverage import Coverage

# tests/fixtures/Counter.sol run by `_exercise`: `add` 4 times (3 pass, the 4th reverts with TooMany), its loop body
# 2 + 2 + 1 times, `check` twice (once reverting), `reset` never, the constructor of Forwarder once.
COUNTER_LCOV = """\
TN:
SF:contracts/Counter.sol
BRDA:13,0,0,3
BRDA:13,0,1,1
BRDA:15,0,0,3
BRDA:15,0,1,5
BRDA:22,0,0,1
BRDA:22,0,1,1
BRF:6
BRH:6
DA:13,4
DA:14,3
DA:15,3
DA:16,5
DA:22,2
DA:23,1
DA:28,0
DA:29,0
DA:38,1
DA:43,2
DA:44,2
LF:11
LH:9
end_of_record
"""

EXERCISE = """
import pytest
from s4chain.chain.reverts import ContractRevert


def test_{name}(chain):
    counter = chain.deploy("Counter")
    forwarder = chain.deploy("Forwarder", counter.address)
    forwarder.addTwice(2)
    with pytest.raises(ContractRevert):
        forwarder.addTwice(1)
    {check}
"""
CHECKS = "counter.check(100)\n    with pytest.raises(ContractRevert):\n        counter.check(0)"


def _project(root: Path, s4_project: Project) -> Project:
    (root / "contracts").mkdir()
    (root / "contracts" / "Counter.sol").write_text((s4_project.root / "tests/fixtures/Counter.sol").read_text())
    (root / "node_modules").symlink_to(s4_project.node_modules)
    return Project(root)


def test_lcov_line_hits_match_a_known_run(tmp_path: Path, s4_project: Project) -> None:
    store = compile_project(_project(tmp_path, s4_project)).store
    chain = InProcessChain(store)
    recorder = CoverageRecorder()
    with recorder.recording():
        counter = chain.deploy("Counter")
        forwarder = chain.deploy("Forwarder", counter.address)
        forwarder.addTwice(2)
        with pytest.raises(ContractRevert) as caught:
            forwarder.addTwice(1)
        assert "Counter.sol:13" in str(caught.value)  # the traced re-run that finds the line is not counted
        counter.check(100)
        with pytest.raises(ContractRevert):
            counter.check(0)
    assert Coverage.of(store, recorder.counts.values()).lcov() == COUNTER_LCOV
    counter.check(100)  # after recording: not counted
    assert Coverage.of(store, recorder.counts.values()).lcov() == COUNTER_LCOV


def test_pytest_option_writes_lcov_serially_and_under_xdist(pytester: pytest.Pytester, s4_project: Project) -> None:
    _project(pytester.path, s4_project)
    pytester.makepyfile(test_adds=EXERCISE.format(name="adds", check="pass"))
    pytester.makepyfile(test_checks=EXERCISE.format(name="checks", check=CHECKS))
    lcov = pytester.path / "coverage" / "lcov.info"

    serial = pytester.runpytest("-p", "no:cacheprovider", "--s4-coverage")
    serial.assert_outcomes(passed=2)
    serial.stdout.fnmatch_lines(["*contract coverage*", "contracts/Counter.sol * 9/11 * 81.8%*6/6*100.0%*28-29"])
    # Two tests: everything but the Forwarder's constructor and `check` ran twice.
    twice = lcov.read_text()
    assert "DA:13,8\n" in twice and "DA:38,2\n" in twice and "DA:22,2\n" in twice and "DA:28,0\n" in twice
    lcov.unlink()

    parallel = pytester.runpytest("-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile", "--s4-coverage")
    parallel.assert_outcomes(passed=2)
    assert "created: 2/2 workers" in parallel.stdout.str()
    assert lcov.read_text() == twice

    elsewhere = pytester.runpytest("-p", "no:cacheprovider", "--s4-coverage", "--s4-coverage-file", "out/c.lcov")
    elsewhere.assert_outcomes(passed=2)
    assert (pytester.path / "out" / "c.lcov").read_text() == twice


def test_replay_coverage_in_a_project_made_by_init(tmp_path: Path, s4_project: Project) -> None:
    # In-process (run_cli answers as a process would): test_init.py runs a skeleton's commands as processes.
    made = tmp_path / "mine"
    assert run_cli("init", made).returncode == 0
    (made / "node_modules").symlink_to(s4_project.node_modules)
    result = run_cli("replay", "scenarios/token.yaml", "--coverage", cwd=made)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contracts/MyToken.sol     1/1    100.0%" in result.stdout
    # The constructor's one statement, `_mint(msg.sender, initialSupply);`, ran once (one deployment).
    lcov = (made / "coverage" / "lcov.info").read_text()
    assert lcov == "TN:\nSF:contracts/MyToken.sol\nBRF:0\nBRH:0\nDA:13,1\nLF:1\nLH:1\nend_of_record\n"
    on_node = run_cli("replay", "scenarios/token.yaml", "--coverage", "--rpc", "http://127.0.0.1:9", cwd=made)
    assert on_node.returncode == 2 and "--coverage needs the in-process chain" in on_node.stderr
