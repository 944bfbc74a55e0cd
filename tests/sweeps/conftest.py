"""A small parameterised scenario (a sale to a drawn population of investors) and the sweep's jobs over it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from s4chain.compiler import ArtifactStore
from s4chain.inputs.yaml_lines import load_yaml_with_lines
from s4chain.sweeps.plan import plan_runs
from s4chain.sweeps.worker import Bundle, Job

REPO = Path(__file__).resolve().parents[2]
SMALL_SALE = """\
name: a small parameterised sale
description: three investors, some of whom revoke
use_case: UC1
start: 2031-03-03T08:00:00Z
parameters:
  goal: {default: 4000, unit: EUR, range: [1000, 200000]}
  rate: {default: 0.5, range: [0, 1]}
actors:
  platform: {role: platform}
  sme: {role: sme}
contracts:
  sale:
    driver: ico
    with: {platform: platform, sme: sme}
    params: {goal: "${goal}", hard_cap: 100000 EUR, opening: +1h, closing: +10d, team_allocation: 0 tokens}
populations:
  investors:
    size: 3
    member: investor
    draw:
      ticket: {dist: lognormal, mean: 7.5, sigma: 0.5, min: 100, max: 20000, round: 0}
      day: {dist: uniform, low: 0, high: 8, round: 0}
      revokes: {dist: bernoulli, p: "${rate}"}
    steps:
      - {actor: platform, do: sale.verify_investor, with: {investor: "${self}", retail: true, net_worth: 1000000 EUR}}
      - {actor: platform, do: sale.fund_investor, with: {investor: "${self}", amount: "${ticket} EUR"}}
      - {at: "+${day}d 2h", actor: "${self}", do: sale.buy, with: {amount: "${ticket} EUR"}}
      - {at: "+${day}d 3h", actor: "${self}", do: sale.revoke, with: {index: 0}, if: revokes}
steps:
  - at: +14d
    actor: platform
    do: sale.finalise
    expect:
      checks:
        - {call: sale.state, equals: {successful: true}}
outcomes:
  raised: sale.raised
  success: sale.successful
"""


@pytest.fixture
def small_sale(tmp_path: Path) -> Path:
    path = tmp_path / "small-sale.yaml"
    path.write_text(SMALL_SALE)
    return path


def jobs_of(path: Path, grid: list[tuple[str, list[object]]], runs: int, seed: int = 0) -> list[Job]:
    data, lines = load_yaml_with_lines(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return [Job(str(path), data, lines, run, digest) for run in plan_runs(grid, [], {}, runs, seed)]


@pytest.fixture(scope="session")
def bundle(compiled: ArtifactStore) -> Bundle:
    return Bundle.of(compiled)


def comparable(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows without their timings, by run id: what two sweeps of one plan must agree on."""
    return sorted(({k: v for k, v in row.items() if k != "seconds"} for row in rows), key=lambda r: str(r["run_id"]))
