"""The plugin's `--s4-rpc URL` runs a contract suite against a node instead of the in-process chain."""

from __future__ import annotations

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


def test_same_suite_runs_in_process_and_against_a_node(
    pytester: pytest.Pytester, s4_project: Project, anvil: AnvilNode
) -> None:
    # Nested pytest runs in this process (as test_coverage.py's): the option is the plugin's, not a process's.
    (pytester.path / "contracts").mkdir()
    (pytester.path / "contracts" / "EuroStablecoin.sol").write_text(
        (s4_project.contracts_dir / "common" / "EuroStablecoin.sol").read_text()
    )
    (pytester.path / "node_modules").symlink_to(s4_project.node_modules)
    pytester.makepyfile(test_x=SUITE)
    local = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider")
    local.assert_outcomes(passed=1)
    assert "BACKEND in-process" in local.stdout.str()
    remote = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "--s4-rpc", anvil.url)
    remote.assert_outcomes(passed=1)
    assert "BACKEND json-rpc" in remote.stdout.str()
