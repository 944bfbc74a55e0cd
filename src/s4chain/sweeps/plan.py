"""What a sweep runs: the grid (`--grid name=a..b/n`, `--grid name=a,b,c`), the sampled parameters
(`--sample name=dist(...)`), the fixed ones (`--param name=value`), `--runs` seeds from `--seed` on; one run per
grid point and seed, each named by a stable id (the hash of its parameters and seed) that resume matches on."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from s4chain.errors import S4ChainError
from s4chain.scenarios.draws import Distribution, parse_distribution, stream

MAX_RUNS = 100_000  # a sweep's plan is made in memory


class SweepInputError(S4ChainError):
    """A sweep option that cannot be used (exit 2, one line)."""


@dataclass(frozen=True)
class RunSpec:
    run_id: str
    parameters: dict[str, Any]
    seed: int


def run_id(parameters: Mapping[str, Any], seed: int) -> str:
    """A run's stable name: the same parameters and seed give the same id on every machine."""
    text = json.dumps({"parameters": dict(sorted(parameters.items())), "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _number(text: str, option: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise SweepInputError(f"{option}: {text!r} is not a number") from None


def _split(option: str, text: str) -> tuple[str, str]:
    name, sign, value = text.partition("=")
    if not sign or not name.strip() or not value.strip():
        raise SweepInputError(f"{option} {text!r}: expected name=value")
    return name.strip(), value.strip()


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """`goal=10000..50000/5` (5 values, ends included), `rate=0.1,0.3,0.5`, or one value."""
    name, spec = _split("--grid", text)
    if ".." in spec:
        span, _, count = spec.partition("/")
        low_text, _, high_text = span.partition("..")
        low, high = _number(low_text, "--grid"), _number(high_text, "--grid")
        if not count.strip().isdigit() or int(count) < 1:
            raise SweepInputError(f"--grid {text!r}: expected name=low..high/count, count a whole number >= 1")
        n = int(count)
        if n > 10_000:
            raise SweepInputError(f"--grid {text!r}: at most 10,000 values")
        step = (high - low) / (n - 1) if n > 1 else 0
        whole = isinstance(low, int) and isinstance(high, int) and (n == 1 or (high - low) % (n - 1) == 0)
        # Rounded, so that 0.1..0.5/5 gives 0.3 and not 0.30000000000000004 (a value the file shows as text).
        values: list[Any] = [int(low + i * step) if whole else round(low + i * step, 10) for i in range(n)]
        return name, values
    return name, [_number(part.strip(), "--grid") if _numeric(part) else part.strip() for part in spec.split(",")]


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_sample(text: str) -> tuple[str, Distribution]:
    name, spec = _split("--sample", text)
    try:
        return name, parse_distribution(spec)
    except ValueError as exc:
        raise SweepInputError(f"--sample {name}: {exc}") from None


def parse_fixed(texts: Sequence[str]) -> dict[str, str]:
    """`--param name=value` options (the file's parameter types read the text)."""
    fixed: dict[str, str] = {}
    for text in texts:
        name, value = _split("--param", text)
        if name in fixed:
            raise SweepInputError(f"--param {name} given twice")
        fixed[name] = value
    return fixed


def plan_runs(
    grid: Sequence[tuple[str, list[Any]]],
    samples: Sequence[tuple[str, Distribution]],
    fixed: Mapping[str, Any],
    runs: int,
    seed: int,
) -> list[RunSpec]:
    """Every grid point (their product) times `runs` seeds (seed, seed + 1, ...); the sampled parameters drawn
    per run from their own stream of its seed, so a run is the same whatever else the sweep holds."""
    names = [name for name, _ in grid] + [name for name, _ in samples] + list(fixed)
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise SweepInputError(f"parameter(s) {', '.join(sorted(repeated))} given by more than one option")
    if runs < 1:
        raise SweepInputError("--runs is at least 1")
    total = runs
    for _, values in grid:
        total *= len(values)
    if total > MAX_RUNS:
        raise SweepInputError(f"the sweep would make {total:,} runs; at most {MAX_RUNS:,}")
    planned = []
    for point in itertools.product(*(values for _, values in grid)):
        for offset in range(runs):
            run_seed = seed + offset
            parameters = dict(fixed)
            parameters.update({name: value for (name, _), value in zip(grid, point, strict=True)})
            for name, distribution in samples:
                parameters[name] = distribution.draw(stream(run_seed, "sample", name, *point))
            planned.append(RunSpec(run_id(parameters, run_seed), parameters, run_seed))
    return planned
