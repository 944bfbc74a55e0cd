"""The contract sets `s4chain deploy` knows: one per registered use case (`s4chain.drivers.registry`), deployed
through its driver with its default params unless a --params file gives others."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel

from s4chain.chain import Chain, Contract
from s4chain.drivers.registry import known, use_cases
from s4chain.drivers.usecase import UseCase
from s4chain.errors import S4ChainError


@dataclass(frozen=True)
class ContractSet:
    """One use case's contracts as `s4chain deploy` sees them: its params model, its roles, how to deploy."""

    use_case: UseCase

    @property
    def name(self) -> str:
        return self.use_case.name

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
    """Every registered use case's set by name, in the order of their codes."""
    return {name: ContractSet(use_case) for name, use_case in use_cases().items()}


def __getattr__(name: str) -> dict[str, ContractSet]:
    # `SETS` is read from the registry when asked for, so that a use case registered since is in it.
    if name == "SETS":
        return contract_sets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class UnknownSetError(S4ChainError):
    """A set name `s4chain deploy --only` does not know."""


def select_sets(only: list[str] | None) -> list[ContractSet]:
    """The sets to deploy, in the canonical order; all of them when `only` is empty."""
    sets = contract_sets()
    if not only:
        return list(sets.values())
    unknown = [name for name in only if name not in sets]
    if unknown:
        raise UnknownSetError(f"unknown contract set(s) {', '.join(unknown)} (known: {known()})")
    return [spec for name, spec in sets.items() if name in only]
