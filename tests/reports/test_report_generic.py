"""A user's own contract in their own project folder (the generic `driver: contract`): its report tells the story
with the events-per-step chart, and its amounts in the token's own symbol and decimals, read from the chain."""

from __future__ import annotations

from pathlib import Path

from tests.scenarios.test_generic_contract import replay, user_project

from s4chain.project import Project

__all__ = ["user_project"]  # the module fixture: a temporary project with MyToken, compiled


def test_a_generic_set_gets_the_events_per_step_chart_and_its_units(user_project: Project, tmp_path: Path) -> None:
    run = replay(user_project, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    story = page[page.index("<section class=story") : page.index("<details class=steps>")]
    assert "<!-- token: events per step -->" in story  # on the story's first screen, not folded away
    assert "<!-- Gas per step (red: failed expectation) -->" not in story
    (token,) = run["deployments"]["token"].values()
    assert run["units"] == {token: {"symbol": "MTK", "decimals": 18}}
    assert "<span class=amt title=1000000000000000000000>1,000 MTK</span>" in page
    assert "<span class=amt title=200500000000000000000>200.5 MTK</span>" in page
