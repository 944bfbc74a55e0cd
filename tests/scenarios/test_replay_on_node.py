"""`s4chain replay --rpc`: several files on one node (each starts from the state the replay found, the node
keeps the last one's), and `--use-deployments` with the contract sets `s4chain deploy` recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.project import Project
from tests.scenarios.conftest import run_cli

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_every_scenario_replays_on_one_node(s4_project: Project, tmp_path: Path) -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 3
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        result = run_cli("replay", "--rpc", node.url, *files, "--report", tmp_path / "node.html")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    data = json.loads((tmp_path / "node.json").read_text())
    assert [s["backend"] for s in data["scenarios"]] == ["json-rpc"] * len(files)
    assert all(s["summary"]["failures"] == 0 for s in data["scenarios"])


def test_use_deployments_attaches_to_recorded_contracts(s4_project: Project, tmp_path: Path) -> None:
    records = tmp_path / "deployments"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        deployed = run_cli("deploy", "--rpc", node.url, "--only", "supply", "--records-dir", records)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        recorded = json.loads((records / "31337.json").read_text())
        address = recorded["sets"]["supply"]["contracts"]["SupplyChain"]["address"]
        result = run_cli(
            "replay",
            "--rpc",
            node.url,
            "--use-deployments",
            "--records-dir",
            records,
            SCENARIOS / "04-cold-chain-farm-to-shelf.yaml",
            "--report",
            tmp_path / "r.html",
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [scenario] = json.loads((tmp_path / "r.json").read_text())["scenarios"]
    assert scenario["deployments"]["chain"]["SupplyChain"] == address


def test_use_deployments_needs_a_node_and_records(tmp_path: Path, s4_project: Project) -> None:
    scenario = SCENARIOS / "04-cold-chain-farm-to-shelf.yaml"
    without_node = run_cli("replay", "--use-deployments", scenario, "--report", tmp_path / "r.html")
    assert without_node.returncode == 2
    assert "--use-deployments needs --rpc URL" in without_node.stderr
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        no_records = run_cli("replay", "--rpc", node.url, "--use-deployments", "--records-dir", tmp_path, scenario)
    assert no_records.returncode == 2
    assert "no records at" in no_records.stderr and "run `s4chain deploy --rpc URL` first" in no_records.stderr
