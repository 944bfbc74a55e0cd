"""A sweep's plan: grid values, sampled parameters drawn per run from its seed, stable run ids."""

from __future__ import annotations

import pytest

from s4chain.sweeps.plan import SweepInputError, parse_grid, parse_sample, plan_runs, run_id


def test_grids_give_their_values_ends_included() -> None:
    assert parse_grid("rate=0..0.6/4") == ("rate", [0.0, 0.2, 0.4, 0.6])
    assert parse_grid("goal=10000..30000/3") == ("goal", [10000, 20000, 30000])
    assert parse_grid("size=1,2,4,8") == ("size", [1, 2, 4, 8])
    assert parse_grid("mode=road,rail") == ("mode", ["road", "rail"])
    assert parse_grid("x=0.1..0.5/5")[1][2] == 0.3  # not 0.30000000000000004


def test_the_plan_is_grid_times_seeds_with_samples_drawn_per_run() -> None:
    samples = [parse_sample("usage=uniform(100, 500)")]
    planned = plan_runs([parse_grid("rate=0,0.5")], samples, {"goal": "20000"}, 3, 10)
    assert [(run.parameters["rate"], run.seed) for run in planned] == [
        (rate, seed) for rate in (0, 0.5) for seed in (10, 11, 12)
    ]
    assert all(run.parameters["goal"] == "20000" and 100 <= run.parameters["usage"] <= 500 for run in planned)
    assert len({run.parameters["usage"] for run in planned}) == 6
    again = plan_runs([parse_grid("rate=0,0.5")], samples, {"goal": "20000"}, 3, 10)
    assert again == planned  # the same options, the same runs and ids
    assert all(run.run_id == run_id(run.parameters, run.seed) for run in planned)
    assert len({run.run_id for run in planned}) == 6


@pytest.mark.parametrize(
    ("grid", "runs", "message"),
    [
        (["rate=0,1", "rate=2"], 1, "rate given by more than one option"),
        (["rate=0..1/0"], 1, "count a whole number >= 1"),
        (["a=0..1/1000", "b=0..1/1000"], 1, "at most 100,000"),
        (["rate=0,1"], 0, "--runs is at least 1"),
    ],
)
def test_bad_plans_are_refused(grid: list[str], runs: int, message: str) -> None:
    with pytest.raises(SweepInputError, match=message):
        plan_runs([parse_grid(text) for text in grid], [], {}, runs, 0)
