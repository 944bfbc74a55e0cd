"""Schedules (repeats and bots) are bounded by the file: positive intervals, at most MAX_RUNS runs each and
MAX_PLANNED in all, within the scenario's span; the plan is made lazily. And a read step sees the chain at its
`at`, on both backends."""

from __future__ import annotations

import tracemalloc

import pytest

from s4chain.chain import Chain
from s4chain.scenarios.engine import Replayer, _plan
from s4chain.scenarios.loader import MAX_PLANNED, ScenarioFileError, load_scenario
from tests.scenarios.conftest import BASE

BOT = """\
bots:
  - name: verifier
    actor: platform
    do: sale.verify_investor
    with: {investor: alice, retail: false}
    start: +1d
    every: 1h
    until: +2d
"""


def line_of(text: str, words: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if words in line)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("every: 1h", "every: 0s"), "every:", "'0s' is no interval"),
        (("every: 1h", "every: 0h 0m"), "every:", "is no interval"),
        (("every: 1h", "every: 1s"), "every:", "the bot would run 86,401 times; a bot runs at most 1,000 times"),
        (("start: +1d", "start: 2025-01-01T00:00:00Z"), "start: 2025", "is before the scenario's start"),
        (("until: +2d", "until: +99999999w"), "until:", "is beyond the scenario's span"),
        (("until: +2d", "until: +1h"), "until:", "until is before start"),
    ],
    ids=["zero", "zero in parts", "too many runs", "starts before the scenario", "ends beyond the span", "reversed"],
)
def test_bad_bot_schedule_is_refused_at_its_line(
    write_scenario, change: tuple[str, str], field: str, words: str
) -> None:
    text = (BASE + BOT).replace(*change)
    path = write_scenario(text)
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{line_of(text, field)}: "), str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("repeat", "words"),
    [
        ("{times: 3, every: 0s}", "'0s' is no interval"),
        ("{times: 3, every: 99999999w}", "the last repeat is beyond the scenario's span"),
        ("{times: 1001, every: 1h}", "less than or equal to 1000"),
    ],
)
def test_bad_repeat_is_refused_at_its_line(write_scenario, repeat: str, words: str) -> None:
    text = BASE.replace("    with: {amount: 1500 EUR}\n", f"    with: {{amount: 1500 EUR}}\n    repeat: {repeat}\n")
    path = write_scenario(text)
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{line_of(text, 'repeat:')}: "), str(caught.value)
    assert words in str(caught.value)


def test_steps_after_the_year_9999_are_refused(write_scenario) -> None:
    text = BASE.replace("at: +2h", "at: +400000w")
    with pytest.raises(ScenarioFileError, match=r":21: \+400000w is beyond the scenario's span"):
        load_scenario(write_scenario(text))


def repeated_steps(count: int, times: int) -> str:
    step = "  - {actor: platform, do: sale.verify_investor, with: {investor: alice}, repeat: {times: %d, every: 1h}}\n"
    return BASE + "".join(step % times for _ in range(count))


def test_a_file_plans_at_most_max_planned_runs(write_scenario) -> None:
    path = write_scenario(repeated_steps(MAX_PLANNED // 1000 + 1, 1000))
    with pytest.raises(ScenarioFileError, match=f"plans more than {MAX_PLANNED:,} runs"):
        load_scenario(path)


def test_the_plan_is_made_lazily(write_scenario) -> None:
    """Counting and starting the plan of 20,000 runs holds only one pending run per step in memory (the plan as
    a sorted list took several megabytes)."""
    loaded = load_scenario(write_scenario(repeated_steps(MAX_PLANNED // 1000 - 1, 1000)))
    tracemalloc.start()
    try:
        plan = _plan(loaded)
        first = [next(plan) for _ in range(23)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak
    # Every step's first run (the repeated ones follow the sale at +2h), then the second run of the first repeat.
    assert [p.index for p in first] == [*range(22), 3]
    assert first[-1].at == first[-2].at + 3600
    assert sum(1 for _ in _plan(loaded)) == MAX_PLANNED - 997  # 3 steps and 19 x 1000 repeats


def _read_step(at: str, is_open: bool) -> str:
    """A step at `at` in which alice reads the sale's state and checks it is open (else closed)."""
    return f"""\
  - at: {at}
    actor: alice
    do: sale.state
    expect:
      checks:
        - {{call: sale.state, equals: {{is_open: {str(is_open).lower()}, has_closed: {str(not is_open).lower()}}}}}
"""


# The sale closes at +2d: open at +1d, closed at +3d; then a read with no `at` (at the chain's time).
TIMED_READS = _read_step("+1d", True) + _read_step("+3d", False) + "  - actor: alice\n    do: sale.state\n"


@pytest.mark.anvil
def test_a_read_step_sees_the_chain_at_its_time(write_scenario, both_chains: Chain) -> None:
    """A read step at +3d sees the sale closed (at +2d): before, its view ran at the last block's time (+2h)."""
    loaded = load_scenario(write_scenario(BASE + TIMED_READS))
    run = Replayer(both_chains, loaded).run()
    assert [s.outcome for s in run.steps] == ["ok"] * 6, [s.problem for s in run.steps]
    start = loaded.start
    one_day, three_days, last = run.steps[3:]
    assert (one_day.at, three_days.at) == (start + 86_400, start + 3 * 86_400)
    assert one_day.transactions == [] and len(one_day.blocks) == 1  # an empty block, mined at the step's time
    assert one_day.value["is_open"] and not one_day.value["has_closed"]
    assert three_days.value["has_closed"] and not three_days.value["is_open"]
    assert (last.at, last.blocks) == (three_days.at, [])  # no `at`: at the chain's time, never before it
    assert both_chains.timestamp == start + 3 * 86_400


def test_planned_steps_counts_without_planning(write_scenario, chain: Chain) -> None:
    loaded = load_scenario(write_scenario(BASE + BOT))
    assert Replayer(chain, loaded).planned_steps() == 3 + 25 == sum(1 for _ in _plan(loaded))
