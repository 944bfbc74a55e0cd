"""What a use case is to s4chain: one frozen `UseCase`, declared at the end of its driver module and registered
under the entry-point group `s4chain.use_cases` (`s4chain.drivers.registry` finds them). Everything else derives
from it: the scenario loader (driver names, use-case codes, what a bare `@set` stands for), `s4chain deploy` (the
set, its roles, its params), attaching to recorded sets, and the report's charts. docs/architecture.md shows how
a package outside s4chain adds one.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel

from s4chain.chain import Chain, Contract

Contracts = Mapping[str, Contract]  # a set's deployed contracts by contract name
Roles = Mapping[str, LocalAccount]  # a set's roles as accounts, by role name


class Driver(Protocol):
    """What s4chain asks of a driver class; mypy checks every `UseCase(driver=...)` against it.

    Its other public methods are what a scenario may call: one whose first parameter is annotated `LocalAccount`
    is an action the step's actor sends, any other is a read (`expect.checks`). A driver whose contracts have a
    state worth showing also offers `state()`, without arguments: the replay records it at the end of a run."""

    @classmethod
    def deploy(cls, chain: Chain, params: Any, /, *args: Any, **kwargs: Any) -> Self:
        """Deploy the use case's contracts. `params` is an instance of `UseCase.params`; the other arguments come
        from a scenario's `with:` (actors by name, `@set` addresses) or, for `s4chain deploy`, are the accounts of
        `UseCase.roles`, by role name."""
        ...

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: Any, roles: Roles) -> Self:
        """The driver over contracts deployed before (recorded by `s4chain deploy`, or by a journal a replay
        resumes from): `contracts` by contract name, `params` as deployed, the recorded roles' accounts (reading
        a role whose account is not one of `chain`'s raises)."""
        ...

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by contract name."""
        ...


# How `s4chain deploy` deploys a use case's set when `driver.deploy(chain, params, **roles)` does not do:
# (chain, params, the accounts of `roles` by role name) -> the driver.
DeploySet = Callable[[Chain, Any, Roles], Driver]

_CHART = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def _params_of(driver: type[Driver]) -> type[BaseModel]:
    """The pydantic model `driver.deploy` takes as its `params` (optional or not)."""
    hint = typing.get_type_hints(driver.deploy)["params"]
    models = [t for t in typing.get_args(hint) or (hint,) if isinstance(t, type) and issubclass(t, BaseModel)]
    if len(models) != 1:
        raise ValueError(f"{driver.__name__}.deploy's params is not one pydantic model: declare UseCase(params=...)")
    return models[0]


@dataclass(frozen=True)
class UseCase:
    """One use case: a driver, its contracts and everything s4chain derives from them."""

    code: str  # "UC1": what a scenario's `use_case` names
    name: str  # "ico": a scenario set's `driver`, the set `s4chain deploy --only` knows, the records' `driver`
    driver: type[Driver]
    # The contracts every deployment has (attaching to a recorded set needs them), in the order a scenario action
    # that is no driver method looks for a function of its name (see `call_order`); none for a driver whose sets
    # each name their contract (`contract:`, the generic driver).
    contracts: tuple[str, ...]
    # The deploy parameters (a scenario set's `params`, a --params file's section): by default the type of
    # `driver.deploy`'s `params`, which is what the driver takes.
    params: type[BaseModel] = BaseModel
    main_contract: str = ""  # the contract a bare `@set` stands for in a scenario: by default the first one
    roles: tuple[str, ...] = ("admin",)  # the accounts `s4chain deploy` passes by name; role i is account i
    attach_roles: tuple[str, ...] = ()  # the recorded roles `driver.attach` cannot do without
    charts: tuple[str, ...] = ()  # "module:function" drawing a report chart for each set of this use case
    deploy_set: DeploySet | None = None  # `s4chain deploy`'s way, when not `driver.deploy(chain, params, **roles)`
    optional_contracts: tuple[str, ...] = ()  # the contracts some deployments have (a sale's vesting wallet)
    # The unit of each amount its events carry, by argument name (a struct's fields too), for the report: a
    # contract of the set (its token's symbol and decimals), "ether", "@arg", the token whose address the
    # event's argument `arg` holds (the zero address: ether), "@key.arg", the token in `arg` of the set's earlier
    # event with the same `key` (a fill's amount: "@offerId.sellToken", from its OfferCreated), or "=name:decimals",
    # a unit of its own ("=kg CO2e:6": the raw figure in millionths of a kg). A token's own Transfer and Approval
    # need none. Keys are an argument's name or `Event.argument`.
    amounts: Mapping[str, str] = field(default_factory=dict, hash=False)
    # The unit of each field of the driver's `state()` (already in domain numbers: 1500 EUR, not base units), by
    # field name at any depth (a mapping's or list's items take their field's), for the report's final state: a
    # contract of the set (its token's symbol), "ether", "@field" (the token whose address the sibling `field`
    # holds), "date" (a unix time), "duration" (seconds) or "=text" (a unit of its own: "=kg", "=bps"). Without a
    # declaration, names say: `*_at` a date, `*_ether` ether, `*_kg` kg, `*_bps` basis points.
    state_units: Mapping[str, str] = field(default_factory=dict, hash=False)
    # The outcome metrics a sweep reports for each set of this use case by default (a scenario's `outcomes:` says
    # otherwise): (name, expression over `state`, the set's final `state()`), docs/sweeps.md.
    outcomes: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.code or not self.name:
            raise ValueError("a use case needs a code and a name")
        # Frozen: the derived defaults are set once, here.
        if self.params is BaseModel:
            object.__setattr__(self, "params", _params_of(self.driver))
        if not self.main_contract and self.contracts:
            object.__setattr__(self, "main_contract", self.contracts[0])
        if self.contracts and self.main_contract not in self.contracts:
            raise ValueError(f"use case {self.name}: main_contract {self.main_contract} is not among its contracts")
        if both := set(self.contracts) & set(self.optional_contracts):
            raise ValueError(f"use case {self.name}: {', '.join(sorted(both))} both in contracts and optional")
        for chart in self.charts:
            if not _CHART.match(chart):
                raise ValueError(f"use case {self.name}: chart {chart!r} is not a 'module:function' reference")

    @property
    def names_contract(self) -> bool:
        """Whether each set of this use case names the contract it deploys (`contract:`, the generic driver)."""
        return not self.contracts

    @property
    def call_order(self) -> tuple[str, ...]:
        """Where a scenario action (or check) that is no driver method is looked for, in this order: the main
        contract, then `contracts` and `optional_contracts` as declared. The first contract with a function of
        that name answers it (`balanceOf` of a sale set is the stablecoin's, declared before the SME token)."""
        return tuple(dict.fromkeys((self.main_contract, *self.contracts, *self.optional_contracts)))

    def deploy(self, chain: Chain, params: BaseModel, roles: Roles) -> Driver:
        """Deploy a set of this use case as `s4chain deploy` does, with `roles` by role name."""
        if self.deploy_set is not None:
            return self.deploy_set(chain, params, roles)
        return self.driver.deploy(chain, params, **roles)
