"""Malformed and hostile scenario files: each gives `file:line: message` naming what is wrong and what was
expected, before anything is sent to a chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from s4chain.inputs.yaml_lines import MAX_FILE_BYTES
from s4chain.scenarios.loader import ScenarioFileError, load_scenario
from tests.scenarios.conftest import BASE


def test_the_base_scenario_is_valid(write_scenario) -> None:
    loaded = load_scenario(write_scenario(BASE))
    assert [step.do for step in loaded.scenario.steps] == ["sale.verify_investor", "sale.fund_investor", "sale.buy"]


CASES = [
    # (what, change to BASE, expected line, expected words)
    ("missing field", ("use_case: UC1\n", ""), 1, "use_case: this field is required"),
    ("unknown field", ("use_case: UC1\n", "use_case: UC1\ncolour: blue\n"), 4, "colour: unknown field"),
    ("wrong type", ("use_case: UC1", "use_case: [UC1]"), 3, "use_case: Input should be a valid string"),
    ("bad use case", ("use_case: UC1", "use_case: UC9"), 3, "use_case: unknown use case 'UC9' (known: UC1 (ico), "),
    (
        "bad start date",
        ("start: 2031-03-03T08:00:00Z", "start: next tuesday"),
        4,
        "start: Input should be a valid datetime",
    ),
    (
        "unknown actor",
        ("  - at: +2h\n    actor: alice", "  - at: +2h\n    actor: alicia"),
        22,
        "unknown actor 'alicia'",
    ),
    ("unknown set", ("do: sale.buy", "do: shop.buy"), 23, "'shop.buy': expected <contract set>.<action>"),
    ("unknown action", ("do: sale.buy", "do: sale.acquire"), 23, "the ico driver has no action 'acquire'"),
    ("lifecycle method", ("do: sale.buy", "do: sale.attach"), 23, "the ico driver has no action 'attach'"),
    ("unknown driver", ("driver: ico", "driver: icoo"), 11, "unknown driver 'icoo'"),
    ("unknown argument", ("{amount: 1500 EUR}", "{amount: 1500 EUR, colour: red}"), 24, "unknown argument 'colour'"),
    ("missing argument", ("with: {amount: 1500 EUR}", "with: {}"), 24, "missing argument 'amount'"),
    ("not an amount", ("{amount: 1500 EUR}", "{amount: lots}"), 24, "amount: 'lots' is not an amount"),
    ("unknown unit", ("{amount: 1500 EUR}", "{amount: 1500 USD}"), 24, "'1500 USD' is not an amount"),
    ("negative amount", ("goal: 1000 EUR", "goal: -1000 EUR"), 13, "is negative; amounts are zero or more"),
    ("huge amount", ("{amount: 1500 EUR}", "{amount: 10000000000000000000000000 EUR}"), 24, "absurdly large"),
    ("absurd amount", ("{amount: 1500 EUR}", "{amount: 1e400 EUR}"), 24, "is not an amount"),
    ("unknown parameter", ("goal: 1000 EUR", "gaol: 1000 EUR"), 13, "unknown parameter 'gaol'"),
    ("bad duration", ("closing: +2d", "closing: +2 fortnights"), 13, "closing"),
    ("dates out of order", ("at: +2h", "at: 2031-03-01T00:00:00Z"), 21, "steps go back in time"),
    (
        "unknown reference",
        ("{investor: alice, retail: false}", "{investor: '@zed', retail: false}"),
        17,
        "'@zed' names no",
    ),
    ("bad check", ("call: sale.state", "call: sale.nothing"), 27, "has no read method 'nothing'"),
    (
        "too many actors",
        ("  alice: {role: investor}\n", "".join(f"  a{i}: {{role: r}}\n" for i in range(9))),
        5,
        "actors: Dictionary should have at most 10 items",
    ),
    ("steps not a list", ("steps:\n", "steps: 3\nx:\n"), 14, "steps: Input should be a valid list"),
]


@pytest.mark.parametrize(("change", "line", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scenario_is_reported_at_its_line(write_scenario, change: tuple[str, str], line: int, words: str) -> None:
    old, new = change
    assert old in BASE
    path = write_scenario(BASE.replace(old, new, 1))
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert words in str(caught.value)


def test_yaml_bomb_is_refused_before_expansion(write_scenario) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    path = write_scenario(bomb)
    with pytest.raises(ScenarioFileError, match=r":1: YAML anchors and aliases are not allowed"):
        load_scenario(path)


def test_huge_file_is_refused_without_parsing(write_scenario) -> None:
    path = write_scenario("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(ScenarioFileError, match="scenario files are limited to 1,048,576 bytes"):
        load_scenario(path)


def test_non_utf8_names_the_line(write_scenario) -> None:
    path = write_scenario(BASE.replace("description: A platform", "description: Caf\xe9 platform").encode("latin-1"))
    with pytest.raises(ScenarioFileError, match=r":2: not UTF-8 text \(byte 0xe9\)"):
        load_scenario(path)


def test_invalid_yaml_names_the_line(write_scenario) -> None:
    path = write_scenario(BASE.replace("  alice: {role: investor}", "  alice: {role: investor"))
    with pytest.raises(ScenarioFileError, match=r":\d+: invalid YAML"):
        load_scenario(path)


@pytest.mark.parametrize(("text", "words"), [("", ":1: the file is empty"), ("- a\n- b\n", ":1: expected a mapping")])
def test_empty_or_not_a_mapping(write_scenario, text: str, words: str) -> None:
    with pytest.raises(ScenarioFileError, match=words):
        load_scenario(write_scenario(text))


def test_duplicate_keys_are_refused(write_scenario) -> None:
    path = write_scenario(BASE.replace("use_case: UC1\n", "use_case: UC1\nuse_case: UC3\n"))
    with pytest.raises(ScenarioFileError, match=":4: duplicate key 'use_case'"):
        load_scenario(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioFileError, match="cannot read the file"):
        load_scenario(tmp_path / "nowhere.yaml")
