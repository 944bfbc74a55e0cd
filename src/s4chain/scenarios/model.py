"""The scenario format (documented in docs/scenarios.md), validated with pydantic."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from s4chain.drivers.contract import USE_CASE as CONTRACT_USE_CASE
from s4chain.drivers.registry import use_cases
from s4chain.drivers.sets import SetSpec
from s4chain.inputs.values import parse_duration


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Strict):
    role: str = Field(description="What the actor is in the story (free text, shown in reports).")
    account: int | None = Field(default=None, ge=0, le=9, description="Dev account index; by default, in order.")


ContractSet = SetSpec  # a scenario's contract set is the one model of a set (s4chain.drivers.sets)


class EventExpectation(Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Check(Strict):
    call: str = Field(description="A read method, as set.method, e.g. sale.state.")
    args: dict[str, Any] = Field(default_factory=dict)
    equals: dict[str, Any] = Field(description="Expected fields of the result.")


class Expectation(Strict):
    revert: str | None = Field(default=None, description="The custom error's name (or Error / Panic).")
    events: list[str | EventExpectation] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)


MAX_RUNS = 1000  # the most runs one repeated step or one bot may plan

# Use cases the scenario format itself provides rather than a driver: keeper bots run in any scenario (`bots:`).
ENGINE_USE_CASES = {"UC7": "bots"}


def _registered_use_case(code: str) -> str:
    known = {use_case.code: name for name, use_case in use_cases().items()} | ENGINE_USE_CASES
    if code not in known:
        listed = ", ".join(f"{each} ({name})" for each, name in known.items())
        context = {"code": repr(code), "listed": listed}
        raise PydanticCustomError("unknown_use_case", "unknown use case {code} (known: {listed})", context)
    return code


def _positive_duration(value: str) -> str:
    if parse_duration(value) == 0:
        raise ValueError(f"{value!r} is no interval: a schedule's `every` is at least 1s")
    return value


class Repeat(Strict):
    times: int = Field(ge=1, le=MAX_RUNS)
    every: str

    _every = field_validator("every")(_positive_duration)


class Step(Strict):
    at: str | datetime | None = Field(default=None, description="+4d (after start), an ISO date, or omitted.")
    actor: str
    do: str = Field(description="set.action, e.g. sale.buy.")
    args: dict[str, Any] = Field(default_factory=dict, alias="with")
    expect: Expectation = Field(default_factory=Expectation)
    repeat: Repeat | None = None
    note: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Bot(Strict):
    name: str
    actor: str
    do: str
    args: dict[str, Any] = Field(default_factory=dict, alias="with")
    start: str | datetime = Field(description="First run: +30d after the scenario's start, or an ISO date-time.")
    every: str
    until: str | datetime
    expect: Expectation = Field(default_factory=Expectation)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    _every = field_validator("every")(_positive_duration)


class Scenario(Strict):
    name: str
    description: str
    use_case: str = Field(
        description="The use case's code: UC1 to UC7, or one a package registers; `any` (the default) when every "
        "contract set uses driver `contract`."
    )
    start: datetime = Field(description="Fixed start date (UTC); must lie ahead of a fresh node's clock.")
    actors: dict[str, Actor] = Field(min_length=1, max_length=10)
    contracts: dict[str, ContractSet] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    bots: list[Bot] = Field(default_factory=list)
    outcomes: dict[str, str] = Field(
        default_factory=dict,
        description="Outcome metrics a sweep reports: name -> expression over the sets' final states and reads "
        "and the parameters (docs/sweeps.md); by default the use cases' own.",
    )

    _use_case = field_validator("use_case")(_registered_use_case)

    @model_validator(mode="before")
    @classmethod
    def _generic_use_case(cls, data: Any) -> Any:
        """A scenario of the generic driver's sets only needs no use case code: it is the generic one's."""
        if isinstance(data, dict) and "use_case" not in data and isinstance(data.get("contracts"), dict):
            sets = data["contracts"].values()
            registered = use_cases()
            drivers = [registered.get(str(s.get("driver"))) if isinstance(s, dict) else None for s in sets]
            if drivers and all(d is not None and d.names_contract for d in drivers):
                return {**data, "use_case": CONTRACT_USE_CASE.code}
        return data

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        indexes = [a.account for a in self.actors.values() if a.account is not None]
        if len(indexes) != len(set(indexes)):
            raise ValueError("two actors share a dev account index")
        return self


def assign_accounts(actors: dict[str, Actor], accounts: tuple[LocalAccount, ...]) -> dict[str, LocalAccount]:
    """Each actor's dev account: the one it names, else the free ones in the order the actors are listed."""
    free = [i for i in range(len(accounts)) if i not in {a.account for a in actors.values()}]
    return {
        name: accounts[actor.account if actor.account is not None else free.pop(0)] for name, actor in actors.items()
    }
