"""`s4chain replay`: exit 0 when every expectation holds, 1 when one does not (saying which step, on which line,
and why, with the decoded revert), 2 on bad input (with nothing written)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.scenarios.conftest import BASE, run_cli, run_cli_process

BUY_STEP_EXPECTATION = (
    "with: {amount: 1500 EUR}\n    expect:\n      checks:\n        - {call: sale.state, equals: {raised: 1500 EUR}}"
)


def test_passing_scenario_exits_0_and_writes_both_reports(write_scenario, tmp_path: Path) -> None:
    report = tmp_path / "out" / "run.html"
    result = run_cli_process("replay", write_scenario(BASE), "--report", report)  # one true end-to-end run
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Replay summary" in result.stdout
    data = json.loads(report.with_suffix(".json").read_text())
    [scenario] = data["scenarios"]
    assert scenario["summary"]["failures"] == 0
    assert [s["action"] for s in scenario["steps"]] == ["sale.verify_investor", "sale.fund_investor", "sale.buy"]
    buy = scenario["steps"][2]
    assert buy["gas_used"] > 21_000 and len(buy["transactions"]) == 2  # approve, then buy
    assert "TokensPurchased" in [e["name"] for e in buy["events"]]
    assert buy["at"] >= 1930291200 + 7200  # 2031-03-03T08:00Z + 2h
    page = report.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "Minimal sale" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # self-contained: nothing fetched


def test_failed_expectation_exits_1_naming_step_line_and_revert(write_scenario, tmp_path: Path) -> None:
    text = BASE.replace("with: {amount: 1500 EUR}", "with: {amount: 9000 EUR}")  # beyond the 5000 EUR hard cap
    path = write_scenario(text)
    result = run_cli("replay", path, "--report", tmp_path / "r.html")
    assert result.returncode == 1
    message = result.stderr.replace("\n", "")
    assert f"{path}:21: step sale.buy by alice: unexpected revert: reverted with HardCapExceeded(" in message
    assert "Traceback" not in result.stderr


def test_expected_revert_that_happens_passes(write_scenario, tmp_path: Path) -> None:
    text = BASE.replace(
        BUY_STEP_EXPECTATION,
        "with: {amount: 9000 EUR}\n    expect: {revert: HardCapExceeded}",
    )
    result = run_cli("replay", write_scenario(text), "--report", tmp_path / "r.html")
    assert result.returncode == 0, result.stdout + result.stderr


def test_wrong_check_value_fails(write_scenario, tmp_path: Path) -> None:
    result = run_cli(
        "replay",
        write_scenario(BASE.replace("raised: 1500 EUR}", "raised: 1400 EUR}")),
        "--report",
        tmp_path / "r.html",
    )
    assert result.returncode == 1
    assert "check sale.state.raised: expected 1400, got 1500" in result.stderr


def test_bad_input_exits_2_without_traceback_or_report(write_scenario, tmp_path: Path) -> None:
    good = write_scenario(BASE, "good.yaml")
    bad = write_scenario(BASE.replace("do: sale.buy", "do: sale.acquire"), "bad.yaml")
    report = tmp_path / "never.html"
    result = run_cli("replay", good, bad, "--report", report)
    assert result.returncode == 2
    assert f"{bad}:23: the ico driver has no action 'acquire'" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr
    assert not report.exists() and not report.with_suffix(".json").exists()


def test_unreachable_node_exits_2(write_scenario, tmp_path: Path) -> None:
    result = run_cli("replay", write_scenario(BASE), "--rpc", "http://127.0.0.1:9", "--report", tmp_path / "r.html")
    assert result.returncode == 2
    assert "no JSON-RPC node answers at http://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_behind_the_chain_clock_exits_2(write_scenario, tmp_path: Path) -> None:
    scenario = write_scenario(BASE.replace("2031-03-03", "2029-03-03"))
    result = run_cli("replay", scenario, "--report", tmp_path / "r.html")
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert (
        f"error: {scenario}: the scenario starts at 2029-03-03 08:00:00 UTC, not ahead of the chain's clock "
        "(2030-01-01 00:00:00 UTC)" in message
    )
    assert "--shift-time auto" in message and "Traceback" not in message
    assert "0/" not in result.stdout  # refused before any progress bar
    shifted = run_cli("replay", scenario, "--report", tmp_path / "r.html", "--shift-time", "auto")
    assert shifted.returncode == 0, shifted.stdout[-3000:] + shifted.stderr[-3000:]
    assert f"{scenario}: dates moved forward by 304 days 0 s (--shift-time): starts 2030-01-01 08:00:00 UTC" in (
        " ".join(shifted.stdout.split())
    )
    [run] = json.loads((tmp_path / "r.json").read_text())["scenarios"]
    assert run["time_shift"] == 304 * 86_400 and "Dates shifted" in (tmp_path / "r.html").read_text()


def test_checks_run_after_an_expected_revert(write_scenario, tmp_path: Path) -> None:
    text = BASE.replace(
        BUY_STEP_EXPECTATION,
        "with: {amount: 9000 EUR}\n    expect:\n      revert: HardCapExceeded\n      checks:\n"
        "        - {call: sale.state, equals: {raised: 1 EUR}}",
    )
    result = run_cli("replay", write_scenario(text), "--report", tmp_path / "r.html")
    assert result.returncode == 1
    assert "check sale.state.raised: expected 1, got 0" in result.stderr


def test_a_folder_replays_its_scenario_files(write_scenario, tmp_path: Path) -> None:
    write_scenario(BASE, "one.yaml")
    write_scenario(BASE.replace("Minimal sale", "Second sale"), "two.yaml")
    result = run_cli("replay", tmp_path, "--report", tmp_path / "out" / "r.html")
    assert result.returncode == 0, result.stderr
    names = [s["name"] for s in json.loads((tmp_path / "out" / "r.json").read_text())["scenarios"]]
    assert names == ["Minimal sale", "Second sale"]


def test_unwritable_report_is_refused_before_replaying(write_scenario, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the report's folder should be")
    result = run_cli("replay", write_scenario(BASE), "--report", blocker / "r.html")
    assert result.returncode == 2
    assert f"cannot write the report at {blocker / 'r.html'}" in result.stderr
    assert "Traceback" not in result.stderr and "Replay summary" not in result.stdout


def test_broken_contract_is_bad_input_with_its_location(write_scenario, tmp_path: Path, s4_project) -> None:
    project = tmp_path / "project"
    (project / "contracts").mkdir(parents=True)
    (project / "contracts" / "Broken.sol").write_text("pragma solidity ^0.8.24;\ncontract Broken { uint x = ; }\n")
    (project / "node_modules").symlink_to(s4_project.node_modules)
    report = tmp_path / "r.html"
    result = run_cli("replay", "--project", project, write_scenario(BASE), "--report", report)
    assert result.returncode == 2
    assert "contracts/Broken.sol:2:" in result.stderr and "Traceback" not in result.stderr
    assert not report.exists() and not (project / "build" / "artifacts" / "contracts").exists()
