"""The gas report under pytest-xdist (`make test` runs two workers): each worker records its own figures and the
controller merges them, so build/gas-report.json, which the gas gate reads, is the file a serial run writes."""

from __future__ import annotations

import json

import pytest

from s4chain.project import Project

# Each file records a figure of its own and a shared one with a different gas: the merged report must hold every
# key, and the highest figure of the shared one (as one session recording all of them would).
GAS_TEST = """
def test_records(gas_report):
    gas_report.record("Shared.f", {shared})
    gas_report.record("Own{n}.g", {own})
    gas_report.record("Own{n}.g", {own} - 1)
"""


def test_xdist_workers_report_the_serial_run_figures(pytester: pytest.Pytester) -> None:
    (pytester.path / "contracts").mkdir()  # a project: the plugin writes build/gas-report.json
    for n, (shared, own) in enumerate([(500, 21_000), (900, 35_000), (700, 42_000), (100, 50_000)]):
        pytester.makepyfile(**{f"test_gas_{n}": GAS_TEST.format(n=n, shared=shared, own=own)})
    report = pytester.path / "build" / "gas-report.json"

    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)
    serial = json.loads(report.read_text())
    report.unlink()
    parallel = pytester.runpytest("-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile")
    parallel.assert_outcomes(passed=4)

    assert "created: 2/2 workers" in parallel.stdout.str()
    assert json.loads(report.read_text()) == serial
    recorded = {"Own0.g": 21_000, "Own1.g": 35_000, "Own2.g": 42_000, "Own3.g": 50_000, "Shared.f": 900}
    assert serial == {"contracts": {}, "recorded": recorded, "partial": []}


CHAIN_CONFTEST = """
from pathlib import Path

import pytest

from s4chain.project import Project
from s4chain.project import Project

@pytest.fixture(scope="session")
def s4_project():
    return Project(Path({root!r}))
"""

CHAIN_TEST = """
def test_mints(chain, accounts):
    coin = chain.deploy("EuroStablecoin", accounts[0])
    for amount in range(1, {mints} + 1):
        coin.mint(accounts[amount % 3], amount)
"""


def test_xdist_workers_count_every_transaction_as_the_serial_run(
    pytester: pytest.Pytester, s4_project: Project
) -> None:
    pytester.makeconftest(CHAIN_CONFTEST.format(root=str(s4_project.root)))
    for n, mints in enumerate([2, 5, 3]):
        pytester.makepyfile(**{f"test_chain_{n}": CHAIN_TEST.format(mints=mints)})
    options = ["-p", "no:cacheprovider", "--s4-gas-report", "gas.json"]

    pytester.runpytest(*options).assert_outcomes(passed=3)
    serial = json.loads((pytester.path / "gas.json").read_text())
    pytester.runpytest(*options, "-n", "2", "--dist", "loadfile").assert_outcomes(passed=3)

    assert json.loads((pytester.path / "gas.json").read_text()) == serial
    coin = serial["contracts"]["EuroStablecoin"]
    assert coin["deployment"]["calls"] == 3 and coin["functions"]["mint"]["calls"] == 10
