"""The gas regression gate: a figure may not grow by more than 2% unless the snapshot is updated with it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gas_snapshot.py"
spec = importlib.util.spec_from_file_location("gas_snapshot", SCRIPT)
assert spec is not None and spec.loader is not None
gas_snapshot = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gas_snapshot)

SNAPSHOT = {"functions": {"TokenSale.buy": 100_000}, "scenarios": {"01-sale": 1_000_000}}


def test_growth_within_two_percent_passes() -> None:
    current = {"functions": {"TokenSale.buy": 102_000}, "scenarios": {"01-sale": 990_000}}
    assert gas_snapshot.check(current, SNAPSHOT) == []


def test_growth_beyond_two_percent_fails_naming_the_figure() -> None:
    current = {"functions": {"TokenSale.buy": 102_001}, "scenarios": {"01-sale": 1_000_000}}
    assert gas_snapshot.check(current, SNAPSHOT) == ["functions.TokenSale.buy: 100,000 -> 102,001 gas (+2.0%, over 2%)"]


def test_a_figure_missing_from_the_snapshot_fails() -> None:
    current = {"functions": {"TokenSale.buy": 100_000, "TokenSale.claim": 50_000}, "scenarios": {}}
    missing = "functions.TokenSale.claim: 50,000 gas is not in gas-snapshot.json"
    assert gas_snapshot.check(current, SNAPSHOT) == [missing]
