"""Named distributions a scenario's populations draw from, and a sweep's `--sample` options: uniform, normal,
lognormal, bernoulli, choice. Every draw comes from a `random.Random` seeded with text naming what is drawn, so a
run is reproducible from (file, parameters, seed) and adding one population leaves another's draws as they were."""

from __future__ import annotations

import random
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["uniform", "normal", "lognormal", "bernoulli", "choice"]
_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("mean", "sigma"),
    "bernoulli": ("p",),
}


class Distribution(BaseModel):
    """`{dist: lognormal, mean: 8, sigma: 0.5, min: 100, max: 25000, round: 0}`: lognormal's `mean` and `sigma`
    are those of the underlying normal; `min`/`max` clip a draw, `round` keeps that many decimals (0: a whole
    number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dist: Kind
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, ge=0)
    sigma: float | None = Field(default=None, ge=0)
    p: float | None = Field(default=None, ge=0, le=1)
    values: list[Any] | None = Field(default=None, min_length=1, max_length=1000)
    weights: list[float] | None = None
    min: float | None = None
    max: float | None = None
    round: int | None = Field(default=None, ge=0, le=18)

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        wanted = _ARGUMENTS.get(self.dist, ("values",))
        missing = [name for name in wanted if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.dist} distribution needs {', '.join(missing)}")
        if self.dist == "uniform" and self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("uniform: high is below low")
        if self.weights is not None and (self.values is None or len(self.weights) != len(self.values)):
            raise ValueError("choice: one weight per value")
        return self

    def draw(self, rng: random.Random) -> Any:
        if self.dist == "bernoulli":
            return rng.random() < self.p  # type: ignore[operator]
        if self.dist == "choice":
            return rng.choices(self.values, weights=self.weights)[0]  # type: ignore[arg-type]
        if self.dist == "uniform":
            value = rng.uniform(self.low, self.high)  # type: ignore[arg-type]
        elif self.dist == "normal":
            value = rng.gauss(self.mean, self.sd)  # type: ignore[arg-type]
        else:
            value = rng.lognormvariate(self.mean, self.sigma)  # type: ignore[arg-type]
        if self.min is not None:
            value = max(value, self.min)
        if self.max is not None:
            value = min(value, self.max)
        if self.round is not None:
            value = round(value, self.round)
            return int(value) if self.round == 0 else value
        return value


def stream(seed: int, *names: Any) -> random.Random:
    """The random stream of one named thing (a population's member, a sampled parameter) in a run of `seed`."""
    return random.Random(":".join(str(part) for part in (seed, *names)))


_CALL = re.compile(r"^\s*([a-z]+)\s*\((.*)\)\s*$")


def parse_distribution(text: str) -> Distribution:
    """`uniform(0.1, 0.5)`, `normal(8, 0.5)`, `lognormal(8, 0.5)`, `bernoulli(0.3)`, `choice(a, b, c)`: a
    `--sample` option's distribution. ValueError says what is wrong."""
    match = _CALL.match(text)
    if match is None or match.group(1) not in (*_ARGUMENTS, "choice"):
        raise ValueError(
            f"{text!r}: expected uniform(low, high), normal(mean, sd), lognormal(mean, sigma), "
            "bernoulli(p) or choice(a, b, ...)"
        )
    kind, inner = match.group(1), [part.strip() for part in match.group(2).split(",") if part.strip()]
    if kind == "choice":
        return Distribution(dist="choice", values=[_number_or_text(part) for part in inner])
    names = _ARGUMENTS[kind]
    if len(inner) != len(names):
        raise ValueError(f"{text!r}: {kind} takes {len(names)} number(s): {', '.join(names)}")
    try:
        numbers = [float(part) for part in inner]
    except ValueError:
        raise ValueError(f"{text!r}: {kind}'s arguments are numbers") from None
    return Distribution.model_validate({"dist": kind, **dict(zip(names, numbers, strict=True))})


def _number_or_text(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
