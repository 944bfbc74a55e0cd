"""Traces and console.log in a replay: a failed step keeps its transactions' call traces (printed under FAILED and in
the report's data), every step keeps its console.log lines, and `replay --trace` prints every step's trace; on
py-evm and on a real anvil, with a user's own contract (tests/fixtures/Traced.sol) through the generic driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.foundation.traced import traced_project
from typer.testing import CliRunner

from s4chain.chain import AnvilNode
from s4chain.cli.main import app
from s4chain.project import Project

SCENARIO = """name: A vault overdrawn
description: a deposit, then a withdrawal beyond it
start: 2031-01-05T09:00:00Z
actors:
  alice: {role: saves}
contracts:
  vault:
    driver: contract
    contract: Vault
steps:
  - actor: alice
    do: vault.deposit
    with: {amount: 5}
  - at: +1d
    actor: alice
    do: vault.withdraw
    with: {amount: 9}
"""
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> Project:
    project = traced_project(tmp_path_factory.mktemp("replay"), s4_project)
    (project.root / "scenarios").mkdir()
    (project.root / "scenarios" / "vault.yaml").write_text(SCENARIO)
    return project


def replay(project: Project, report: Path, *options: str) -> tuple[str, list[dict[str, Any]]]:
    scenario = project.root / "scenarios" / "vault.yaml"
    arguments = ["replay", str(scenario), *options, "--report", str(report), "--project", str(project.root)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1, result.output  # the withdrawal fails
    [run] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    return result.output, run["steps"]


@pytest.mark.parametrize("backend", ["in-process", "anvil"])
def test_a_failed_step_shows_its_trace_and_every_step_its_console_lines(
    project: Project, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    options: tuple[str, ...] = ()
    if backend == "anvil":
        node: AnvilNode = request.getfixturevalue("anvil")
        options = ("--rpc", node.url, "--shift-time", "auto")
    output, (deposit, withdrawal) = replay(project, tmp_path / "report.html", *options)
    assert deposit["trace"] is None and withdrawal["outcome"] == "failed"
    assert withdrawal["trace"].splitlines()[1:] == [
        "[30383] Vault::withdraw(9)",
        f"├─ [6088] Ledger::take({ALICE}, 9)",
        '│   ├─ [0] console::log("take 9 of 5") [staticcall]',
        "│   │   └─ ← [Stop]",
        f"│   └─ ← [Revert] Overdrawn(who={ALICE}, balance=5, wanted=9)",
        f"└─ ← [Revert] Overdrawn(who={ALICE}, balance=5, wanted=9)",
    ]
    assert deposit["console"] == [f"booking 5 for {ALICE}", f"true {ALICE}"]
    assert withdrawal["console"] == ["take 9 of 5"]
    failed = output[output.index("FAILED") :]
    assert "Vault::withdraw(9)" in failed and "Ledger::take(" in failed
    assert f"step vault.deposit by alice: booking 5 for {ALICE}" in output
    assert "call trace" in (tmp_path / "report.html").read_text()


def test_replay_trace_prints_every_step(project: Project, tmp_path: Path) -> None:
    output, (deposit, _) = replay(project, tmp_path / "report.html", "--trace")
    assert deposit["trace"] is not None and "Vault::deposit(5)" in deposit["trace"]
    before_failures = output[: output.index("FAILED")]
    assert "Vault::deposit(5)" in before_failures and "Vault::withdraw(9)" in before_failures


LOUD = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "s4chain/console.sol";

contract Loud {
    uint256 public rung;

    constructor() {
        console.log("Loud deployed");
    }

    function ring() external {
        rung += 1;
        console.log("ring", rung);
    }
}
"""
LOUD_SCENARIO = """name: A loud deployment
description: a contract that logs from its constructor, then once per ring
start: 2031-01-05T09:00:00Z
actors:
  alice: {role: rings}
contracts:
  loud:
    driver: contract
    contract: Loud
steps:
  - actor: alice
    do: loud.ring
"""


def test_console_lines_of_the_deployment_have_their_own_place(tmp_path: Path, s4_project: Project) -> None:
    project = traced_project(tmp_path / "project", s4_project)
    (project.root / "contracts" / "Loud.sol").write_text(LOUD)
    scenario = project.root / "loud.yaml"
    scenario.write_text(LOUD_SCENARIO)
    report = tmp_path / "report.html"
    arguments = ["replay", str(scenario), "--report", str(report), "--project", str(project.root)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    [run] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    assert run["deployment_console"] == ["Loud deployed"]
    assert run["steps"][0]["console"] == ["ring 1"]  # not the deployment's line as well
    assert f"console.log {scenario}: deployment: Loud deployed" in result.output
    page = report.read_text()
    assert "console.log during the deployment (1)" in page and "<pre class=console>Loud deployed</pre>" in page
