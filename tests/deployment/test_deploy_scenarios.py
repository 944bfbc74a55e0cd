"""`s4chain deploy --scenario` then `s4chain replay --use-deployments`: every S4 scenario replays on the sets
deployed for it, with the outcome of the in-process replay (every step run, none failed); a recorded set that is
not the scenario's is refused field by field, or deployed afresh with --redeploy-differing, never used silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_support import rpc
from tests.scenarios.conftest import run_cli
from typer.testing import CliRunner, Result

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.cli.main import app
from s4chain.deployment.records import load_records
from s4chain.project import Project
from s4chain.scenarios.loader import load_scenario

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SALE = SCENARIOS / "01-sme-token-sale-succeeds.yaml"


def cli(*args: str | Path) -> Result:
    """The CLI in this process: no interpreter start nor imports per command."""
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_every_scenario_replays_on_the_sets_deploy_recorded_for_it(s4_project: Project, tmp_path: Path) -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        fresh = rpc(node.url, "evm_snapshot")
        for file in files:
            records_dir, report = tmp_path / file.stem, tmp_path / f"{file.stem}.html"
            deployed = cli("deploy", "--rpc", node.url, "--scenario", file, "--records-dir", records_dir)
            assert deployed.exit_code == 0, deployed.output[-3000:]
            if file == files[0]:  # again, past its start: nothing to send, dates as recorded
                again = cli("deploy", "--rpc", node.url, "--scenario", file, "--records-dir", records_dir)
                assert again.exit_code == 0 and "unchanged on chain" in again.output, again.output[-3000:]
                assert "0 contract(s) deployed" in again.output
            replay = ("replay", "--rpc", node.url, "--use-deployments", "--records-dir", records_dir, file)
            replayed = cli(*replay, "--report", report)
            assert replayed.exit_code == 0, replayed.output[-3000:]
            assert "deployed by this replay" not in replayed.output  # every set came from the records
            [scenario] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
            # The in-process replay's outcome (tests/scenarios/test_backend_equivalence.py): every step run, every
            # expectation (reverts by name, events, read-back values) held.
            assert len(scenario["steps"]) == sum(schedule.times for schedule in load_scenario(file).schedules())
            assert scenario["summary"]["failures"] == 0
            records = load_records(records_dir / "31337.json")
            for name, addresses in scenario["deployments"].items():
                recorded = records.sets[f"{file.stem}/{name}"].contracts
                assert addresses == {key: c.address for key, c in recorded.items()}
            # Back to the fresh node: each file from the same clock as in-process, no --shift-time.
            assert rpc(node.url, "evm_revert", fresh) is True
            fresh = rpc(node.url, "evm_snapshot")


def test_recorded_sets_that_differ_from_the_scenario_are_refused_field_by_field(
    s4_project: Project, tmp_path: Path
) -> None:
    records_dir = tmp_path / "deployments"
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert run_cli("deploy", "--rpc", node.url, "--only", "ico", "--records-dir", records_dir).returncode == 0
        replay = ("replay", "--rpc", node.url, "--use-deployments", "--records-dir", records_dir, SALE)
        refused = run_cli(*replay, "--report", tmp_path / "refused.html")
        redeployed = run_cli(*replay, "--redeploy-differing", "--report", tmp_path / "redeployed.html")
    # Before the fix the replay ran on the plain deploy's sale: 17 steps failed with SaleNotOpen.
    assert refused.returncode == 2, refused.stdout[-3000:] + refused.stderr[-3000:]
    assert "Traceback" not in refused.stderr and not (tmp_path / "refused.json").exists()
    message = refused.stderr
    assert f"{SALE}:21: set sale (ico), recorded as ico:" in message
    assert "params.opening: recorded (none), scenario 1930294800 (2031-03-03 09:00:00 UTC)" in message
    assert "params.goal: recorded 100000, scenario 20000" in message
    assert "with.team: recorded (none), scenario 0x" in message and "(team)" in message
    assert f"s4chain deploy --rpc {node.url} --scenario {SALE}" in message and "--redeploy-differing" in message
    assert redeployed.returncode == 0, redeployed.stdout[-3000:] + redeployed.stderr[-3000:]
    assert "set sale (ico): deployed afresh by this replay (--redeploy-differing): ico differs in" in " ".join(
        redeployed.stdout.split()
    )
    recorded = load_records(records_dir / "31337.json").sets["ico"].contracts["TokenSale"].address
    [scenario] = json.loads((tmp_path / "redeployed.json").read_text())["scenarios"]
    assert scenario["deployments"]["sale"]["TokenSale"] != recorded
