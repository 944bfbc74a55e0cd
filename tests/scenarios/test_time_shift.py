"""`--shift-time`: a scenario's dates moved forward as a whole (absolute dates and `+4d` alike), journaled so that a
resume keeps them whatever the clock then says."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from s4chain.chain.base import Chain
from s4chain.cli.replay import Timing, auto_shift
from s4chain.scenarios.journal import JournalWriter, read_journal
from s4chain.scenarios.loader import load_scenario

DAY = 86_400


def test_a_shift_moves_absolute_dates_and_those_after_the_start_alike(write_scenario) -> None:
    text = """\
name: Shifted
description: Dates written both ways.
use_case: UC1
start: 2031-03-03T08:00:00Z
actors:
  platform: {role: platform}
  sme: {role: issuer}
contracts:
  sale:
    driver: ico
    with: {platform: platform, sme: sme}
    params: {goal: 1000 EUR, hard_cap: 5000 EUR, opening: 2031-03-03T09:00:00Z, closing: +2d, team_allocation: 0}
steps:
  - {actor: platform, do: sale.state}
  - {at: 2031-03-04T08:00:00Z, actor: platform, do: sale.state}
  - {at: +2d, actor: platform, do: sale.state}
"""
    loaded = load_scenario(write_scenario(text))
    moved = replace(loaded, shift=10 * DAY)
    assert moved.start == loaded.start + 10 * DAY
    assert [s.first for s in moved.schedules()] == [s.first + 10 * DAY for s in loaded.schedules()]


def test_auto_puts_the_start_just_after_the_clock_in_whole_days() -> None:
    start = 1_930_291_200  # 2031-03-03 08:00 UTC
    assert auto_shift(start, start - 1) == 0  # ahead already: not moved
    assert auto_shift(start, start) == DAY
    assert auto_shift(start, start + 3 * DAY + 5) == 4 * DAY


def test_a_resumed_file_keeps_the_shift_it_was_journaled_with(chain: Chain, tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "01-sme-token-sale-succeeds.yaml"
    loaded = load_scenario(scenario)
    path = tmp_path / "run.journal.jsonl"
    journal = JournalWriter.fresh(path, chain)
    journal.start(scenario, chain.snapshot(), chain, 7 * DAY)
    journal.close()
    assert read_journal(path)[str(scenario)].shift == 7 * DAY
    resumed = JournalWriter.resume(path, chain)
    # The clock has moved on since: auto would now say something else, a duration too; the journal wins.
    for asked in ("auto", 30 * DAY, None):
        [placed] = Timing(loaded.start + 100 * DAY, asked, resumed).place([loaded])
        assert placed.shift == 7 * DAY
    resumed.close()
