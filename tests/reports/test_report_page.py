"""The report's page and data from a real replay with a failing step: failures first and linked, a failed step's
call trace folded under it, studies listed when there are some, what made the report in its header, the data
JSON's old fields kept, and files others can read."""

from __future__ import annotations

import copy
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.scenarios.conftest import BASE
from web3.datastructures import AttributeDict

from s4chain.chain import Chain
from s4chain.reports.data import report_data
from s4chain.reports.html import render_html
from s4chain.reports.writer import write_report
from s4chain.scenarios.engine import Replayer, ScenarioRun, _plain
from s4chain.scenarios.loader import load_scenario

FAILING = BASE + "  - {actor: alice, do: sale.buy, with: {amount: 10 EUR}, expect: {revert: SaleNotOpen}}\n"
# The report data's fields before the readable report: kept, with the same names (the JSON is an interface).
OLD_FIELDS = {
    "name", "file", "use_case", "description", "backend", "chain_id", "deployments", "drivers", "final_states",
    "names", "start", "time_shift", "summary", "steps",
}  # fmt: skip


@pytest.fixture
def run(chain: Chain, tmp_path: Path) -> ScenarioRun:
    path = tmp_path / "failing.yaml"
    path.write_text(FAILING)
    return Replayer(chain, load_scenario(path)).run()


def _passing_copy(scenario: dict[str, Any]) -> dict[str, Any]:
    passing = copy.deepcopy(scenario)
    passing["name"] = "All went well"
    passing["summary"]["failures"] = 0
    for step in passing["steps"]:
        step["outcome"], step["problem"] = "ok", None
    return passing


def test_failures_come_first_with_their_trace(run: ScenarioRun) -> None:
    data = report_data([run])
    failed = data["scenarios"][0]
    (number,) = [n for n, s in enumerate(failed["steps"], 1) if s["outcome"] == "failed"]
    passing = _passing_copy(failed)  # without the trace: a passing step's is shown too (`replay --trace`)
    failed["steps"][number - 1]["trace"] = "TokenSale.buy(10000000) <- alice\n  └─ revert SaleNotOpen<>"
    data["scenarios"] = [passing, failed]  # the failing story second in the data
    page = render_html(data)

    summary = page[page.index("<section id=summary>") : page.index("</section>")]
    assert "1 failed step(s) in 1 of 2 scenario(s)" in summary
    assert f"<a href=#story-2-step-{number}>step {number}</a>" in summary and "expected a revert" in summary
    assert f"<tr id=story-2-step-{number}>" in page  # the link's target
    assert page.index("id=story-2>") < page.index("id=story-1>")  # the failing story first
    trace = "<pre class=trace>TokenSale.buy(10000000) &lt;- alice\n  └─ revert SaleNotOpen&lt;&gt;</pre>"
    assert page.count(trace) == 2  # in the story's failed steps and under its row (the summary stays short)
    story = page[page.index("id=story-2>") :]
    assert story.index("Failed steps (1)") < story.index("<details class=steps>")  # failures before the tables


def test_studies_are_listed_only_when_there_are_some(run: ScenarioRun) -> None:
    studies = [{"title": "Goal sweep <1>", "href": "studies/goal sweep.html"}]
    page = render_html(report_data([run], studies))
    assert '<section id=studies><h2>Studies</h2><ul><li><a href="studies/goal sweep.html">Goal sweep &lt;1&gt;' in page
    assert "<li><a href=#studies>Studies</a></li>" in page
    plain = render_html(report_data([run]))
    assert "Studies" not in plain and "id=studies" not in plain


def test_header_names_what_made_the_report(run: ScenarioRun) -> None:
    data = report_data([run])
    assert data["meta"]["commit"] is None  # the scenario lies in a temporary folder, no git checkout
    assert data["meta"]["compilers"] and all(v.startswith("0.8.") for v in data["meta"]["compilers"])
    header = render_html(data).split("</header>")[0]
    assert re.search(r"s4chain [\w.+-]+ · no git commit · solc 0\.8\.\d+\S* · generated \d{4}-\d\d-\d\d", header)
    data["meta"]["commit"] = "0123456789abcdef0123456789abcdef01234567+"
    assert "commit <code title=0123456789abcdef0123456789abcdef01234567+>0123456789ab</code> (with uncommitted" in (
        render_html(data)
    )


def test_data_keeps_its_fields_and_adds_units_roles_compilers(run: ScenarioRun) -> None:
    (scenario,) = report_data([run])["scenarios"]
    assert set(scenario) >= OLD_FIELDS
    sale = run.deployments["sale"]
    assert scenario["units"][sale["EuroStablecoin"]] == {"symbol": "tEUR", "decimals": 6}
    assert scenario["units"][sale["SmeToken"]]["decimals"] == 18
    assert sale["TokenSale"] not in scenario["units"]
    assert "MINTER_ROLE" in scenario["roles"].values() and scenario["compilers"]["TokenSale"].startswith("0.8.")


def test_struct_arguments_are_plain_objects() -> None:
    """web3 decodes an event's struct argument as an AttributeDict: the data keeps it as an object (it was the
    string "AttributeDict({...})")."""
    terms = AttributeDict({"periodFee": 1_500_000_000, "inner": AttributeDict({"b": b"\x01"})})
    assert _plain({"terms": terms}) == {"terms": {"periodFee": 1_500_000_000, "inner": {"b": "0x01"}}}


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_report_files_are_readable_by_others(run: ScenarioRun, tmp_path: Path, umask_022: None) -> None:
    json_path = write_report([run], tmp_path / "report.html")
    for path in (tmp_path / "report.html", json_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert json.loads(json_path.read_text())["scenarios"][0]["name"] == "Minimal sale"


def test_many_failures_leave_the_story_chart_on_its_first_screen(run: ScenarioRun) -> None:
    """Three failed steps are listed open above the story's chart, the rest folded beneath them."""
    data = report_data([run])
    (scenario,) = data["scenarios"]
    for step in scenario["steps"]:
        step["outcome"], step["problem"] = "failed", f"problem at line {step['line']}"
    scenario["summary"]["failures"] = len(scenario["steps"])
    story = render_html(data).split("<section class=story")[1]
    opened, folded = story.split("more</summary>")
    assert opened.count("<li>") == 3 and opened.endswith(f"<summary>{len(scenario['steps']) - 3} ")
    assert folded.index("<ol class=failures start=4>") < folded.index("</details></details>")
    assert story.index("</details></details>") < story.index("<div class=chart>")
