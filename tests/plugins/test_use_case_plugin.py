"""A use case from a package outside s4chain (tests/plugins/s4_demo_usecase, the worked example of
docs/architecture.md): registered through the `s4chain.use_cases` entry point, it is replayed, deployed,
attached and charted by s4chain unchanged; a package whose entry point is wrong is named in the error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from s4chain.chain import InProcessChain
from s4chain.compiler import compile_project
from s4chain.deployment import Deployer, attach_drivers, contract_sets, open_records
from s4chain.drivers import contract, data, ico, leasing, supply, tokens, work
from s4chain.drivers.registry import UnknownDriverError, UseCaseLoadError, driver_class, main_contract, use_cases
from s4chain.project import Project
from tests.plugins.conftest import write_dist_info

SCENARIO = "scenarios/maintenance-reports-notarised.yaml"
# A module declaring the demo's use case with other fields
REPLACED = "import dataclasses\nfrom s4_notary import USE_CASE\nUSE_CASE = dataclasses.replace(USE_CASE, {})\n"


def s4chain_cli(*args: str | Path, cwd: Path, site: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    command = [sys.executable, "-m", "s4chain.cli", *map(str, args)]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)


def test_the_built_ins_are_registered_in_the_order_of_their_codes() -> None:
    """The six S4 use cases, then the generic driver for any compiled contract."""
    registered = use_cases()
    assert [(u.code, name) for name, u in registered.items()] == [
        ("UC1", "ico"),
        ("UC2", "tokens"),
        ("UC3", "leasing"),
        ("UC4", "supply"),
        ("UC5", "data"),
        ("UC6", "work"),
        ("any", "contract"),
    ]
    for module in (ico, tokens, leasing, supply, data, work, contract):
        assert registered[module.USE_CASE.name] is module.USE_CASE
    assert driver_class("ico") is ico.TokenSaleDriver and main_contract("leasing") == "MachineLease"
    with pytest.raises(UnknownDriverError, match=r"unknown driver 'dao' \(known: ico \(UC1\), tokens \(UC2\)"):
        driver_class("dao")


def test_a_package_adds_a_use_case_that_the_cli_replays_with_its_chart(
    demo_site: Path, demo_project: Path, tmp_path: Path
) -> None:
    report = tmp_path / "notary.html"
    result = s4chain_cli("replay", SCENARIO, "--report", report, cwd=demo_project, site=demo_site)
    assert result.returncode == 0, result.stdout + result.stderr
    [scenario] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    assert scenario["use_case"] == "UC8" and scenario["drivers"] == {"reports": "notary"}
    steps = scenario["steps"]
    assert [s["outcome"] for s in steps] == ["ok"] * 5
    assert [s["revert"] for s in steps] == [None, None, "AlreadyNotarised", "AccessControlUnauthorizedAccount", None]
    assert scenario["final_states"]["reports"] == {"title": "maintenance reports", "count": 2}
    assert "Documents notarised over time" in report.read_text()  # the package's own chart, declared in USE_CASE


def test_without_the_package_the_same_scenario_is_refused_naming_the_known_use_cases(
    demo_project: Path, tmp_path: Path
) -> None:
    result = s4chain_cli("replay", SCENARIO, "--report", tmp_path / "r.html", cwd=demo_project, site=None)
    assert result.returncode == 2
    assert "use_case: unknown use case 'UC8' (known: UC1 (ico), UC2 (tokens)" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_s4chain_deploy_knows_the_package_set(demo_site: Path, demo_project: Path) -> None:
    result = s4chain_cli("deploy", "--only", "notary", cwd=demo_project, site=demo_site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notary/Notary: deployed at" in result.stdout and "1 contract(s) deployed" in result.stdout


def test_a_recorded_set_of_the_package_attaches_to_its_driver(
    demo_site: Path, demo_project: Path, add_site: Callable[[Path], None]
) -> None:
    add_site(demo_site)
    chain = InProcessChain(compile_project(Project(demo_project)).store)
    result = Deployer(chain, open_records(chain, None), None).deploy([contract_sets()["notary"]])
    admin = chain.accounts[0]
    assert result.records.sets["notary"].roles == {"admin": admin.address}
    [driver] = attach_drivers(chain, result.records).values()
    assert type(driver).__name__ == "NotaryDriver"
    driver.authorise(admin, admin)
    driver.notarise(admin, "a report")
    assert driver.entry("a report").author == admin.address and driver.state().count == 1


@pytest.mark.parametrize(
    ("entry", "module", "expected"),
    [
        ("broken = s4_absent:USE_CASE", None, "failed to load: ModuleNotFoundError: No module named 's4_absent'"),
        ("thing = s4_bad:THING", "THING = 42\n", "is a int, not a UseCase"),
        ("other = s4_bad:USE_CASE", "from s4_notary import USE_CASE\n", "declares use case 'notary': name the entry"),
        (
            "ico = s4_bad:USE_CASE",
            REPLACED.format("name='ico', code='UC99'"),
            "declares use case 'ico' again (after entry point ico = ",
        ),
        (
            "clash = s4_bad:USE_CASE",
            REPLACED.format("name='clash', code='UC1'"),
            "declares code UC1 again (after entry point ",
        ),
        (
            "bad = s4_bad:USE_CASE",
            REPLACED.format("name='bad', code='UC98', main_contract='Nope'"),
            "failed to load: ValueError: use case bad: main_contract Nope is not among its contracts",
        ),
    ],
    ids=["import fails", "not a UseCase", "name differs", "duplicate name", "duplicate code", "inconsistent"],
)
def test_a_wrong_entry_point_is_named_in_the_error(
    entry: str,
    module: str | None,
    expected: str,
    demo_site: Path,
    add_site: Callable[[Path], None],
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    name, _, value = entry.partition(" = ")
    write_dist_info(site, "s4-bad", "1.0", {"s4chain.use_cases": {name: value}})
    if module is not None:
        (site / "s4_bad.py").write_text(module)
    sys.modules.pop("s4_bad", None)  # each case brings its own module of that name
    add_site(demo_site)
    add_site(site)
    with pytest.raises(UseCaseLoadError) as caught:
        use_cases()
    message = str(caught.value)
    assert f"entry point {entry} (package s4-bad) of group s4chain.use_cases" in message
    assert expected in message
    if name == "ico" or "UC1" in expected:  # a clash names both entry points, whichever was read first
        assert "entry point ico = s4chain.drivers.ico:USE_CASE (package s4chain) of group" in message
