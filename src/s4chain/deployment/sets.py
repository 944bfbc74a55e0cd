"""The contract sets `s4chain deploy` knows: one per registered use case (`s4chain.drivers.registry`), deployed
through its driver with its default params unless a --params file gives others; and the sets a project file
declares (`[sets.<name>]`, any driver, the generic `contract` one included), validated as a scenario's sets are."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ValidationError

from s4chain.chain import Chain, Contract
from s4chain.compiler.artifacts import ArtifactNotFoundError
from s4chain.drivers.registry import UnknownDriverError, use_case, use_cases
from s4chain.drivers.sets import AbiSource, SetSpec
from s4chain.drivers.usecase import UseCase
from s4chain.errors import S4ChainError
from s4chain.inputs.values import Resolver, ValueProblem


@dataclass(frozen=True)
class ContractSet:
    """One use case's contracts as `s4chain deploy` sees them: its params model, its roles, how to deploy."""

    use_case: UseCase
    declared_name: str | None = None  # a project file's set: its name there (else the use case's)
    declared_params: BaseModel | None = None  # ...and its params, as the file gives them

    @property
    def name(self) -> str:
        return self.declared_name or self.use_case.name

    def default_params(self) -> BaseModel:
        """The params deployed unless a --params file gives others: the project file's, or the model's defaults."""
        return self.declared_params if self.declared_params is not None else self.use_case.params()

    @property
    def driver(self) -> str:
        """The driver name the records keep (a scenario set's `driver`)."""
        return self.use_case.name

    @property
    def params_model(self) -> type[BaseModel]:
        return self.use_case.params

    @property
    def roles(self) -> tuple[str, ...]:
        """The accounts the deployment needs, in order; role i is accounts[i] (or the only key)."""
        return self.use_case.roles

    def role_accounts(self, chain: Chain) -> dict[str, LocalAccount]:
        """Role i -> the chain's account i; with a single deployer key, that key plays every role."""
        return {role: chain.accounts[min(i, len(chain.accounts) - 1)] for i, role in enumerate(self.roles)}

    def deploy(self, chain: Chain, params: BaseModel, roles: dict[str, LocalAccount]) -> dict[str, Contract]:
        return self.use_case.deploy(chain, params, roles).contracts()


def contract_sets() -> dict[str, ContractSet]:
    """Every registered use case's set by name, in the order of their codes (but the generic driver's, whose sets
    each name their contract: a project file declares those)."""
    return {name: ContractSet(case) for name, case in use_cases().items() if not case.names_contract}


class ProjectSetError(S4ChainError):
    """A set of a project file that cannot be used; `location` is the place of the field at fault, under `sets`
    (the message names it as `sets.<name>.<field>`)."""

    def __init__(self, location: tuple[str | int, ...], reason: str) -> None:
        self.location = location
        super().__init__(f"{'.'.join(str(part) for part in ('sets', *location))}: {reason}")


def declared_sets(tables: Mapping[str, Any], abi: AbiSource) -> dict[str, ContractSet]:
    """The sets a project file declares (set name -> its table, shaped as a scenario's contract set: `driver`,
    `contract` for driver contract, `params`), with their params read as a --params file's are (no actors, no
    start); `abi` gives a compiled contract's ABI by name. Raises ProjectSetError naming the field at fault."""
    declared = {}
    for name, table in tables.items():
        try:
            spec = SetSpec.model_validate(table)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise ProjectSetError((name, *error["loc"]), str(error["msg"])) from None
        try:
            case = use_case(spec.driver)
        except UnknownDriverError as exc:
            raise ProjectSetError((name, "driver"), str(exc)) from None
        if spec.args:
            reason = "a deployment's roles are its accounts in order (role i: account i), not actors by name"
            raise ProjectSetError((name, "with"), reason)
        try:
            params = spec.deploy_params(Resolver(), abi)
        except ArtifactNotFoundError as exc:
            raise ProjectSetError((name, "contract"), f"{exc}; compile the contracts first") from None
        except ValueProblem as exc:
            raise ProjectSetError((name, "params", *exc.location), exc.reason) from None
        except ValidationError as exc:
            error = exc.errors()[0]
            raise ProjectSetError((name, "params", *error["loc"]), str(error["msg"])) from None
        declared[str(name)] = ContractSet(case, str(name), params)
    return declared


def __getattr__(name: str) -> dict[str, ContractSet]:
    # `SETS` is read from the registry when asked for, so that a use case registered since is in it.
    if name == "SETS":
        return contract_sets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class UnknownSetError(S4ChainError):
    """A set name `s4chain deploy --only` does not know."""


def select_sets(only: list[str] | None, declared: Mapping[str, ContractSet] | None = None) -> list[ContractSet]:
    """The sets to deploy, in the canonical order (the registered use cases', then those `declared` in a project
    file, which replace a registered one of the same name); all of them when `only` is empty."""
    sets = {**contract_sets(), **(declared or {})}
    if not only:
        return list(sets.values())
    unknown = [name for name in only if name not in sets]
    if unknown:
        listed = ", ".join(f"{name} ({spec.use_case.code})" for name, spec in sets.items())
        raise UnknownSetError(f"unknown contract set(s) {', '.join(unknown)} (known: {listed})")
    return [spec for name, spec in sets.items() if name in only]
