"""The plugin's automatic isolation, run by pytest itself (pytester) on a real chain: a module-scoped deploy
fixture is anchored, so each test sees the state right after it ran; each hypothesis example (a `@given` one or a
state machine's run) starts from the same state; `ignore_isolation` keeps what a test did; and a module's
deployment is gone after its module."""

from __future__ import annotations

import pytest

from s4chain.chain import AnvilNode
from s4chain.project import Project

CONFTEST = """
from pathlib import Path

import pytest
from s4chain.project import Project

@pytest.fixture(scope="session")
def s4_project():
    return Project(Path({root!r}))

@pytest.fixture(scope="module")
def coin(s4_chain):
    admin, holder = s4_chain.accounts[:2]
    coin = s4_chain.deploy("EuroStablecoin", admin)
    coin.mint(holder, 100)
    return coin

@pytest.fixture(scope="session")
def notes():
    return []  # set up mid-module and kept for the session: it must not hold back the module's revert
"""

FIXTURES = """
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

DEPLOYED = []


@pytest.fixture
def holder(chain):
    return chain.accounts[1]


def test_first_mutates(coin, holder):
    DEPLOYED.append(coin.address)
    coin.mint(holder, 5)
    assert coin.balanceOf(holder) == 105


def test_second_sees_the_fixture_state(coin, holder, s4_chain):
    assert coin.balanceOf(holder) == 100
    coin.transfer(s4_chain.accounts[0], 30, sender=holder)
    assert coin.balanceOf(holder) == 70


def test_third_sees_the_fixture_state_too(coin, s4_chain, notes):
    assert coin.balanceOf(s4_chain.accounts[1]) == 100  # no function-scoped fixture: anchored all the same


@settings(max_examples=8, deadline=None)
@given(amount=st.integers(min_value=1, max_value=10**6))
def test_each_example_starts_afresh(coin, s4_chain, amount):
    holder = s4_chain.accounts[1]
    assert coin.balanceOf(holder) == 100
    coin.mint(holder, amount)
    assert coin.balanceOf(holder) == 100 + amount


def test_each_machine_run_starts_afresh(coin, s4_chain):
    holder = s4_chain.accounts[1]

    class Minting(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            assert coin.balanceOf(holder) == 100  # no snapshot here: the plugin reverts each run
            self.expected = 100

        @rule(amount=st.integers(min_value=1, max_value=1000))
        def mint(self, amount):
            coin.mint(holder, amount)
            self.expected += amount
            assert coin.balanceOf(holder) == self.expected

    run_state_machine_as_test(Minting, settings=settings(max_examples=6, stateful_step_count=5, deadline=None))
    assert coin.balanceOf(holder) == 100


@pytest.mark.ignore_isolation
def test_opted_out_keeps_its_state(coin, holder):
    coin.mint(holder, 7)


@pytest.mark.ignore_isolation
def test_and_the_next_one_sees_it(coin, holder):
    assert coin.balanceOf(holder) == 107
"""

AFTER = """
from test_fixtures import DEPLOYED


def test_the_module_deployment_is_reverted(s4_chain):
    assert len(DEPLOYED) == 1
    assert s4_chain.w3.eth.get_code(DEPLOYED[0]) == b""
"""


@pytest.mark.parametrize("backend", ["in-process", pytest.param("anvil", marks=pytest.mark.anvil)])
def test_automatic_isolation(
    pytester: pytest.Pytester, s4_project: Project, backend: str, request: pytest.FixtureRequest
) -> None:
    pytester.makeconftest(CONFTEST.format(root=str(s4_project.root)))
    pytester.makepyfile(test_fixtures=FIXTURES, test_zz_after=AFTER)
    options = ["-p", "no:cacheprovider"]
    if backend == "anvil":
        node: AnvilNode = request.getfixturevalue("anvil")
        options += ["--s4-rpc", node.url]
    result = pytester.runpytest(*options)
    result.assert_outcomes(passed=8)


def test_a_failing_isolated_test_is_still_reverted(pytester: pytest.Pytester, s4_project: Project) -> None:
    pytester.makeconftest(CONFTEST.format(root=str(s4_project.root)))
    pytester.makepyfile(
        """
        def test_fails_after_a_write(coin, s4_chain):
            coin.mint(s4_chain.accounts[1], 1)
            raise AssertionError("boom")

        def test_next(coin, s4_chain):
            assert coin.balanceOf(s4_chain.accounts[1]) == 100
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1, failed=1)
