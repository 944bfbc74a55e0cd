"""What the plugin shows, run by pytest itself (pytester) on a real chain: the gas report of every transaction
without a record call in the tests, a failing test's user line and decoded revert with s4chain's own frames hidden,
accounts by name, a node that is down in one line per test, and `@given` tests on the chain fixtures."""

from __future__ import annotations

import json
import re
import socket

import pytest

from s4chain.chain import InProcessChain
from s4chain.chain.accounts import dev_accounts
from s4chain.compiler import ArtifactStore
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
    return s4_chain.deploy("EuroStablecoin", s4_chain.accounts[0])
"""

GAS_TESTS = """
def test_mints(coin, accounts):
    coin.mint(accounts[1], 100)
    coin.mint(accounts[1], 5)
    coin.mint(accounts[2], 7)

def test_transfers(coin, accounts):
    coin.mint(accounts[1], 100)
    coin.transfer(accounts[2], 30, sender=accounts[1])
"""

# Anything under s4chain's source shown as a traceback entry (`.../s4chain/chain/base.py:331: in send`).
S4CHAIN_FRAME = re.compile(r"s4chain/[\w/]+\.py:\d+")


def _project(pytester: pytest.Pytester, s4_project: Project) -> None:
    pytester.makeconftest(CONFTEST.format(root=str(s4_project.root)))


def test_gas_report_counts_every_transaction(
    pytester: pytest.Pytester, s4_project: Project, compiled: ArtifactStore
) -> None:
    # The same transactions on a chain of this test: what the report must count.
    chain = InProcessChain(compiled)
    admin, bob, carol = chain.accounts[:3]
    coin = chain.deploy("EuroStablecoin", admin)
    assert coin.deployment is not None
    snapshot = chain.snapshot()
    mints = [coin.mint(bob, 100).gas_used, coin.mint(bob, 5).gas_used, coin.mint(carol, 7).gas_used]
    chain.revert(snapshot)
    mints.append(coin.mint(bob, 100).gas_used)
    transfer_gas = coin.transfer(carol, 30, sender=bob).gas_used
    mints.sort()

    _project(pytester, s4_project)
    pytester.makepyfile(test_gas=GAS_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--s4-gas-report", "gas.json")
    result.assert_outcomes(passed=2)

    report = json.loads((pytester.path / "gas.json").read_text())
    assert report["recorded"] == {}
    token = report["contracts"]["EuroStablecoin"]
    mint, transfer = token["functions"]["mint"], token["functions"]["transfer"]
    median = round((mints[1] + mints[2]) / 2)
    assert mint == {"calls": 4, "min": mints[0], "mean": round(sum(mints) / 4), "median": median, "max": mints[3]}
    assert mints[0] < mints[3]  # a first mint to a holder costs more than a later one
    assert transfer == {
        "calls": 1,
        "min": transfer_gas,
        "mean": transfer_gas,
        "median": transfer_gas,
        "max": transfer_gas,
    }
    gas = coin.deployment.gas_used
    assert report["contracts"]["EuroStablecoin"]["deployment"] == dict.fromkeys(
        ("min", "mean", "median", "max"), gas
    ) | {"calls": 1}
    output = result.stdout.str()
    assert "gas report (every transaction of the run)" in output
    assert re.search(r"\| EuroStablecoin contract\s+\|", output)
    assert re.search(rf"\| mint\s+\| +{mint['min']:,} \| +{mint['mean']:,} \| +{mint['median']:,} \|", output)
    assert re.search(rf"\| \(deployment\)\s+\| +{gas:,} \|", output)
    assert report["partial"] == []  # the whole suite of this project ran


def test_gas_table_can_be_turned_off_and_a_partial_run_is_noted(pytester: pytest.Pytester, s4_project: Project) -> None:
    _project(pytester, s4_project)
    pytester.makepyfile(test_gas=GAS_TESTS, test_other="def test_nothing():\n    pass\n")
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--s4-no-gas-table", "--s4-gas-report", "gas.json", "-k", "mints"
    )
    result.assert_outcomes(passed=1)
    output = result.stdout.str()
    assert "gas report (every transaction" not in output and "| mint " not in output
    report = json.loads((pytester.path / "gas.json").read_text())
    assert report["contracts"]["EuroStablecoin"]["functions"]["mint"]["calls"] == 3  # still written
    assert report["partial"] == ["-k mints"]
    assert "gas report written to gas.json (a partial run: -k mints)" in output

    result = pytester.runpytest("-p", "no:cacheprovider", "--s4-gas-report", "gas.json", "test_gas.py")
    assert report_partial(pytester) == ["only test_gas.py"]
    assert "gas report (every transaction of the run)" in result.stdout.str()

    pytester.makeini("[pytest]\ns4_gas_table = false\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--s4-gas-report", "gas.json", "-x", ".")
    result.assert_outcomes(passed=3)
    assert "gas report (every transaction" not in result.stdout.str()
    assert report_partial(pytester) == []  # a folder given, no testpaths configured: the whole suite


def report_partial(pytester: pytest.Pytester) -> list[str]:
    partial: list[str] = json.loads((pytester.path / "gas.json").read_text())["partial"]
    return partial


def test_failure_shows_the_user_line_and_the_revert_without_s4chain_frames(
    pytester: pytest.Pytester, s4_project: Project
) -> None:
    _project(pytester, s4_project)
    pytester.makepyfile(
        test_fails="""
        from s4chain.testing import reverts

        def test_overdraws(coin, accounts):
            alice, bob = accounts[:2]
            coin.mint(bob, 10)
            coin.transfer(alice, 11, sender=bob)  # the user's line

        def test_shows_accounts(accounts):
            assert accounts[1] == accounts[2]

        def test_expects_a_revert(coin, accounts):
            with reverts("ERC20InsufficientBalance"):
                coin.mint(accounts[1], 1)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=3)
    assert "expected ERC20InsufficientBalance, but nothing reverted" in result.stdout.str()
    output = result.stdout.str()
    assert "coin.transfer(alice, 11, sender=bob)  # the user's line" in output
    assert "ERC20InsufficientBalance" in output
    assert not S4CHAIN_FRAME.search(output), S4CHAIN_FRAME.findall(output)
    bob, carol = dev_accounts()[1:3]
    assert f"<Account {bob.address[:6]}…{bob.address[-4:]} (bob)> == <Account" in output
    assert f"{carol.address[-4:]} (carol)>" in output


def test_a_bug_inside_s4chain_keeps_its_frames(pytester: pytest.Pytester, s4_project: Project) -> None:
    _project(pytester, s4_project)
    pytester.makepyfile(
        test_bug="""
        def test_wrong_argument(coin, accounts):
            coin.mint(accounts[1], "not a number")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    assert S4CHAIN_FRAME.search(result.stdout.str())  # hidden only for reverts and s4chain's own errors


def test_a_node_that_is_down_is_one_line_per_test(pytester: pytest.Pytester, s4_project: Project) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _project(pytester, s4_project)
    pytester.makepyfile(
        test_node="""
        def test_one(coin):
            pass

        def test_two(chain):
            pass
        """
    )
    result = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-rN",  # no summary: CI=true keeps its lines whole
        "--s4-rpc",
        f"http://127.0.0.1:{port}",
    )
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    line = f"NodeUnreachableError: no JSON-RPC node answers at http://127.0.0.1:{port} (ConnectionRefusedError)"
    assert output.count(line) == 2
    assert "Traceback" not in output and "urllib3" not in output
    assert len(output.splitlines()) < 40


def test_given_takes_the_chain_fixtures_each_example_isolated(pytester: pytest.Pytester, s4_project: Project) -> None:
    _project(pytester, s4_project)
    pytester.makepyfile(
        test_given="""
        import pytest
        from hypothesis import given, settings, strategies as st

        @settings(max_examples=10, deadline=None)
        @given(amount=st.integers(min_value=1, max_value=10**6))
        def test_each_example_starts_afresh(coin, chain, accounts, amount):
            assert coin.balanceOf(accounts[1]) == 0
            coin.mint(accounts[1], amount)
            chain.mine()
            assert coin.balanceOf(accounts[1]) == amount

        @pytest.fixture
        def notes():
            return []

        @settings(max_examples=3, deadline=None)
        @given(amount=st.integers())
        def test_a_fixture_of_its_own_is_still_checked(chain, notes, amount):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["FAILED *test_a_fixture_of_its_own_is_still_checked - hypothesis*"])
    assert "FailedHealthCheck" in result.stdout.str()
