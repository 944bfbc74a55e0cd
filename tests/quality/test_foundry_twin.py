"""The Foundry comparison's two suites (benchmarks/foundry: a forge test contract and its pytest twin, timed by
scripts/bench_foundry.py) run the same 50 cases: a case added, renamed or dropped on one side only would make the
comparison silently unequal."""

from __future__ import annotations

import re
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "foundry"


def _names(path: Path, pattern: str) -> list[str]:
    return re.findall(pattern, path.read_text(encoding="utf-8"), re.MULTILINE)


def test_foundry_and_pytest_suites_define_the_same_50_tests():
    solidity = _names(BENCH / "test" / "TokenSale.t.sol", r"^\s*function (test_\w+)\(\)")
    python = _names(BENCH / "test_token_sale.py", r"^def (test_\w+)\(")
    assert len(solidity) == len(set(solidity)) == 50
    assert len(python) == len(set(python)) == 50
    assert sorted(solidity) == sorted(python)
