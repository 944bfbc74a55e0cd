"""Malformed and hostile scenario files: each gives `file:line: message` naming what is wrong and what was
expected, before anything is sent to a chain."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from s4chain.inputs.yaml_lines import MAX_FILE_BYTES
from s4chain.scenarios.loader import ScenarioFileError, load_scenario
from tests.scenarios.conftest import BASE


def test_the_base_scenario_is_valid(write_scenario) -> None:
    loaded = load_scenario(write_scenario(BASE))
    assert [step.do for step in loaded.scenario.steps] == ["sale.verify_investor", "sale.fund_investor", "sale.buy"]


class Case(NamedTuple):
    """BASE with `old` replaced by `new` is reported as `words` at `line`, by default the line `old` ends on."""

    what: str
    old: str
    new: str
    words: str
    line: int | None = None

    def expected_line(self) -> int:
        end = BASE.index(self.old) + len(self.old.rstrip("\n"))
        return self.line or BASE[:end].count("\n") + 1


CASES = [
    Case("missing field", "use_case: UC1\n", "", "use_case: this field is required", line=1),
    Case("unknown field", "use_case: UC1\n", "use_case: UC1\ncolour: blue\n", "colour: unknown field", line=4),
    Case("wrong type", "use_case: UC1", "use_case: [UC1]", "use_case: Input should be a valid string"),
    Case("bad use case", "use_case: UC1", "use_case: UC9", "use_case: unknown use case 'UC9' (known: UC1 (ico), "),
    Case(
        "bad start date",
        "start: 2031-03-03T08:00:00Z",
        "start: next tuesday",
        "start: Input should be a valid datetime",
    ),
    Case("unknown actor", "  - at: +2h\n    actor: alice", "  - at: +2h\n    actor: alicia", "unknown actor 'alicia'"),
    Case("unknown set", "do: sale.buy", "do: shop.buy", "'shop.buy': expected <contract set>.<action>"),
    Case("unknown action", "do: sale.buy", "do: sale.acquire", "the ico driver has no action 'acquire'"),
    Case("lifecycle method", "do: sale.buy", "do: sale.attach", "the ico driver has no action 'attach'"),
    Case("unknown driver", "driver: ico", "driver: icoo", "unknown driver 'icoo'"),
    Case("unknown argument", "{amount: 1500 EUR}", "{amount: 1500 EUR, colour: red}", "unknown argument 'colour'"),
    Case("missing argument", "with: {amount: 1500 EUR}", "with: {}", "missing argument 'amount'"),
    Case("not an amount", "{amount: 1500 EUR}", "{amount: lots}", "amount: 'lots' is not an amount"),
    Case("unknown unit", "{amount: 1500 EUR}", "{amount: 1500 USD}", "'1500 USD' is not an amount"),
    Case("negative amount", "goal: 1000 EUR", "goal: -1000 EUR", "is negative; amounts are zero or more"),
    Case("huge amount", "{amount: 1500 EUR}", "{amount: 10000000000000000000000000 EUR}", "absurdly large"),
    Case("absurd amount", "{amount: 1500 EUR}", "{amount: 1e400 EUR}", "is not an amount"),
    Case("unknown parameter", "goal: 1000 EUR", "gaol: 1000 EUR", "unknown parameter 'gaol'"),
    Case("bad duration", "closing: +2d", "closing: +2 fortnights", "closing"),
    Case("dates out of order", "at: +2h", "at: 2031-03-01T00:00:00Z", "steps go back in time"),
    Case(
        "unknown reference", "{investor: alice, retail: false}", "{investor: '@zed', retail: false}", "'@zed' names no"
    ),
    Case("bad check", "call: sale.state", "call: sale.nothing", "has no read method 'nothing'"),
    Case(
        "too many actors",
        "  alice: {role: investor}\n",
        "".join(f"  a{i}: {{role: r}}\n" for i in range(9)),
        "actors: Dictionary should have at most 10 items",
        line=5,
    ),
    Case("steps not a list", "steps:\n", "steps: 3\nx:\n", "steps: Input should be a valid list"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.what for c in CASES])
def test_bad_scenario_is_reported_at_its_line(write_scenario, case: Case) -> None:
    assert case.old in BASE
    path = write_scenario(BASE.replace(case.old, case.new, 1))
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}:{case.expected_line()}: "), str(caught.value)
    assert case.words in str(caught.value)


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
