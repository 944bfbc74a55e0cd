"""A small valid scenario that the bad-input cases break one way at a time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BASE = """\
name: Minimal sale
description: A platform verifies an investor who then buys.
use_case: UC1
start: 2031-03-03T08:00:00Z
actors:
  platform: {role: platform}
  sme: {role: issuer}
  alice: {role: investor}
contracts:
  sale:
    driver: ico
    with: {platform: platform, sme: sme}
    params: {goal: 1000 EUR, hard_cap: 5000 EUR, opening: +1h, closing: +2d, team_allocation: 0 tokens}
steps:
  - actor: platform
    do: sale.verify_investor
    with: {investor: alice, retail: false}
  - actor: platform
    do: sale.fund_investor
    with: {investor: alice, amount: 2000 EUR}
  - at: +2h
    actor: alice
    do: sale.buy
    with: {amount: 1500 EUR}
    expect:
      checks:
        - {call: sale.state, equals: {raised: 1500 EUR}}
"""


@pytest.fixture
def write_scenario(tmp_path: Path):
    def write(text: str | bytes, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return write


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s4chain.cli", *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd
    )
