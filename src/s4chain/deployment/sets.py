"""The S4 contract sets `s4chain deploy` knows, deployed through their drivers with their default params."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel

from s4chain.chain import Chain, Contract, CustomErrorRevert
from s4chain.drivers.ico import TokenSaleDriver, TokenSaleParams
from s4chain.drivers.leasing import LeasingDriver, LeasingParams
from s4chain.drivers.supply import SupplyChainDriver, SupplyParams
from s4chain.errors import S4ChainError


@dataclass(frozen=True)
class ContractSet:
    """One use case's contracts: the driver's params model, the roles its deployment takes, how to deploy."""

    name: str
    driver: str  # the scenario driver name (s4chain.drivers.registry)
    params_model: type[BaseModel]
    roles: tuple[str, ...]  # accounts the deployment needs, in order; role i is accounts[i] (or the only key)
    deploy: Callable[[Chain, Any, dict[str, LocalAccount]], dict[str, Contract]]

    def role_accounts(self, chain: Chain) -> dict[str, LocalAccount]:
        """Role i -> the chain's account i; with a single deployer key, that key plays every role."""
        return {role: chain.accounts[min(i, len(chain.accounts) - 1)] for i, role in enumerate(self.roles)}


def _deploy_ico(chain: Chain, params: TokenSaleParams, roles: dict[str, LocalAccount]) -> dict[str, Contract]:
    driver = TokenSaleDriver.deploy(chain, params, platform=roles["platform"], sme=roles["sme"], register=False)
    try:
        driver.register_sale(roles["platform"])
    except CustomErrorRevert as exc:  # a resumed deploy whose sale was registered before the interruption
        if exc.name != "OfferAlreadyRegistered":
            raise
    return driver.contracts()


def _deploy_leasing(chain: Chain, params: LeasingParams, roles: dict[str, LocalAccount]) -> dict[str, Contract]:
    driver = LeasingDriver.deploy(
        chain, params, roles["admin"], manufacturer=roles["manufacturer"], lessor=roles["lessor"]
    )
    return driver.contracts()


def _deploy_supply(chain: Chain, params: SupplyParams, roles: dict[str, LocalAccount]) -> dict[str, Contract]:
    return SupplyChainDriver.deploy(chain, params, roles["admin"]).contracts()


SETS: dict[str, ContractSet] = {
    "ico": ContractSet("ico", "ico", TokenSaleParams, ("platform", "sme"), _deploy_ico),
    "leasing": ContractSet("leasing", "leasing", LeasingParams, ("admin", "manufacturer", "lessor"), _deploy_leasing),
    "supply": ContractSet("supply", "supply", SupplyParams, ("admin",), _deploy_supply),
}


class UnknownSetError(S4ChainError):
    """A set name `s4chain deploy --only` does not know."""


def select_sets(only: list[str] | None) -> list[ContractSet]:
    """The sets to deploy, in the canonical order; all of them when `only` is empty."""
    if not only:
        return list(SETS.values())
    unknown = [name for name in only if name not in SETS]
    if unknown:
        raise UnknownSetError(f"unknown contract set(s) {', '.join(unknown)} (known: {', '.join(SETS)})")
    return [spec for name, spec in SETS.items() if name in only]
