"""`parameters:` and `populations:` in scenario files: `${...}` wherever a value is, draws reproducible from
(file, parameters, seed), expansion before validation (so the loader's checks hold), and bad input named with
its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from s4chain.compiler import ArtifactStore
from s4chain.scenarios.draws import Distribution, parse_distribution, stream
from s4chain.scenarios.expressions import ExpressionError, evaluate
from s4chain.scenarios.loader import ScenarioFileError, load_scenario

REPO = Path(__file__).resolve().parents[2]
SALE = """\
name: a parameterised sale
description: d
use_case: UC1
start: 2031-03-03T08:00:00Z
parameters:
  goal: {default: 15000, unit: EUR, range: [1000, 200000]}
  rate: {default: 0.5, range: [0, 1]}
  investors: {default: 3, type: integer, range: [0, 8]}
actors:
  platform: {role: platform}
  sme: {role: sme}
contracts:
  sale:
    driver: ico
    with: {platform: platform, sme: sme}
    params: {goal: "${goal}", hard_cap: "${goal * 4} EUR", opening: +1h, closing: +10d, team_allocation: 0 tokens}
populations:
  investors:
    size: ${investors}
    member: investor
    draw:
      ticket: {dist: uniform, low: 100, high: 5000, round: 0}
      day: {dist: uniform, low: 0, high: 8, round: 0}
      revokes: {dist: bernoulli, p: "${rate}"}
    steps:
      - {actor: platform, do: sale.verify_investor, with: {investor: "${self}", retail: false}}
      - {actor: platform, do: sale.fund_investor, with: {investor: "${self}", amount: "${ticket} EUR"}}
      - {at: "+${day}d 2h", actor: "${self}", do: sale.buy, with: {amount: "${ticket} EUR"}}
      - {at: "+${day}d 3h", actor: "${self}", do: sale.revoke, with: {index: 0}, if: revokes}
steps:
  - {at: +3d, actor: platform, do: sale.state}
  - {at: +14d, actor: platform, do: sale.finalise}
outcomes:
  raised: sale.raised
  success: sale.successful
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def load(path: Path, compiled: ArtifactStore, **kwargs: object) -> object:
    return load_scenario(path, lambda name: compiled.get(name).abi, **kwargs)  # type: ignore[arg-type]


def test_parameters_are_substituted_with_their_units_and_expressions(tmp_path: Path, compiled: ArtifactStore) -> None:
    loaded = load(write(tmp_path, SALE), compiled, parameters={"goal": "20000"})
    params = loaded.scenario.contracts["sale"].params  # type: ignore[attr-defined]
    assert params["goal"] == "20000 EUR"
    assert params["hard_cap"] == "80000 EUR"
    assert loaded.parameters == {"goal": 20000, "rate": 0.5, "investors": 3}  # type: ignore[attr-defined]


def test_a_population_expands_into_actors_and_steps_in_time_order(tmp_path: Path, compiled: ArtifactStore) -> None:
    loaded = load(write(tmp_path, SALE), compiled, seed=4)
    scenario = loaded.scenario  # type: ignore[attr-defined]
    assert [name for name in scenario.actors] == ["platform", "sme", "investor1", "investor2", "investor3"]
    schedules = list(loaded.schedules())  # type: ignore[attr-defined]
    times = [schedule.first for schedule in schedules]
    assert times == sorted(times)
    buys = [step for step in scenario.steps if step.do == "sale.buy"]
    assert len(buys) == 3
    # The file's own step at +3d stands between the members' steps at their times.
    state_index = next(i for i, step in enumerate(scenario.steps) if step.do == "sale.state")
    assert all(times[i] <= times[state_index] for i in range(state_index)) and all(
        times[i] >= times[state_index] for i in range(state_index, len(times))
    )
    # Lines: a member's step points at its template in the populations block.
    assert (
        loaded.step_line(scenario.steps.index(buys[0]))
        == SALE.splitlines().index(  # type: ignore[attr-defined]
            next(line for line in SALE.splitlines() if "do: sale.buy" in line)
        )
        + 1
    )


def test_draws_are_reproducible_from_parameters_and_seed(tmp_path: Path, compiled: ArtifactStore) -> None:
    path = write(tmp_path, SALE)
    first = load(path, compiled, seed=7).scenario  # type: ignore[attr-defined]
    again = load(path, compiled, seed=7).scenario  # type: ignore[attr-defined]
    other = load(path, compiled, seed=8).scenario  # type: ignore[attr-defined]
    assert first == again
    assert first != other
    none_revoke = load(path, compiled, seed=7, parameters={"rate": 0}).scenario  # type: ignore[attr-defined]
    all_revoke = load(path, compiled, seed=7, parameters={"rate": 1}).scenario  # type: ignore[attr-defined]
    assert sum(step.do == "sale.revoke" for step in none_revoke.steps) == 0
    assert sum(step.do == "sale.revoke" for step in all_revoke.steps) == 3


@pytest.mark.parametrize(
    ("given", "line", "message"),
    [
        ({"rate": "1.5"}, 7, "parameter rate: '1.5' is outside its range [0, 1]"),
        ({"investors": "2.5"}, 8, "parameter investors: '2.5' is not a whole number"),
        ({"goal": "lots"}, 6, "parameter goal: 'lots' is not a number"),
        ({"unknown": "1"}, 5, "unknown parameter 'unknown' (parameters: goal, rate, investors)"),
    ],
)
def test_bad_parameter_values_name_the_declaration(
    tmp_path: Path, compiled: ArtifactStore, given: dict[str, str], line: int, message: str
) -> None:
    path = write(tmp_path, SALE)
    with pytest.raises(ScenarioFileError) as caught:
        load(path, compiled, parameters=given)
    assert str(caught.value) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('hard_cap: "${goal * 4} EUR"', 'hard_cap: "${gaol * 4} EUR"', "unknown name 'gaol'"),
        (
            "size: ${investors}",
            "size: ${investors + 20}",
            "23 members and 2 other actors make 25; a scenario has at most 10",
        ),
        ("raised: sale.raised", "raised: sale.raised + nothing", "outcomes.raised: unknown name(s) nothing"),
        (
            "{default: 0.5, range: [0, 1]}",
            "{default: 2, range: [0, 1]}",
            "parameters.rate: 2 is outside its range [0, 1]",
        ),
        ("do: sale.buy,", "do: sale.bye,", "the ico driver has no action 'bye'"),
        ('{dist: bernoulli, p: "${rate}"}', "{dist: bernoulli}", "a bernoulli distribution needs p"),
    ],
)
def test_bad_files_are_refused_at_their_line(
    tmp_path: Path, compiled: ArtifactStore, old: str, new: str, message: str
) -> None:
    assert old in SALE
    text = SALE.replace(old, new)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if new in content)
    path = write(tmp_path, text)
    with pytest.raises(ScenarioFileError) as caught:
        load(path, compiled)
    assert f"{path}:{line}:" in str(caught.value)
    assert message in str(caught.value)


def test_every_shipped_scenario_still_loads_unchanged(compiled: ArtifactStore) -> None:
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        loaded = load(path, compiled)
        assert loaded.parameters == {} and loaded.seed == 0  # type: ignore[attr-defined]


def test_expressions_allow_formulas_and_nothing_else() -> None:
    scope = {"lots": [{"q": 3, "r": True}, {"q": 4, "r": False}], "x": 2}
    assert evaluate("sum(l['q'] for l in lots if l['r']) * x", scope) == 6
    assert evaluate("1 if x > 1 else 0", scope) == 1
    for bad in ("().__class__", "open('f')", "__import__('os')", "x.real", "lambda: 1"):
        with pytest.raises(ExpressionError):
            evaluate(bad, scope)


def test_distributions_draw_as_named() -> None:
    assert parse_distribution("uniform(1, 2)") == Distribution(dist="uniform", low=1, high=2)
    assert parse_distribution("choice(a, 2)").values == ["a", 2]
    draws = [Distribution(dist="bernoulli", p=0.3).draw(stream(0, "x", i)) for i in range(2000)]
    assert 0.25 < sum(draws) / len(draws) < 0.35
    clipped = Distribution(dist="normal", mean=0, sd=10, min=-1, max=1, round=0)
    assert {clipped.draw(stream(1, i)) for i in range(200)} == {-1, 0, 1}
    for bad in ("uniform(1)", "gamma(1, 2)", "normal(a, b)", "bernoulli(2)"):
        with pytest.raises(ValueError):
            parse_distribution(bad)
