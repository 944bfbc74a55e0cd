"""The drivers a scenario's `contracts:` section may name."""

from __future__ import annotations

import importlib
from typing import Any

from s4chain.errors import S4ChainError

# name -> (module, driver class, the contract a bare `@set` stands for in a scenario)
DRIVERS = {
    "ico": ("s4chain.drivers.ico", "TokenSaleDriver", "TokenSale"),
    "leasing": ("s4chain.drivers.leasing", "LeasingDriver", "MachineLease"),
    "supply": ("s4chain.drivers.supply", "SupplyChainDriver", "SupplyChain"),
    "tokens": ("s4chain.drivers.tokens", "TokenExchangeDriver", "P2PExchange"),
    "data": ("s4chain.drivers.data", "DataMarketDriver", "DataMarket"),
    "work": ("s4chain.drivers.work", "MissionDriver", "MissionEscrow"),
}


class UnknownDriverError(S4ChainError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def driver_class(name: str) -> Any:
    if name not in DRIVERS:
        raise UnknownDriverError(f"unknown driver {name!r} (known: {', '.join(DRIVERS)})")
    module_name, class_name, _ = DRIVERS[name]
    return getattr(importlib.import_module(module_name), class_name)


def main_contract(name: str) -> str:
    """The contract a set's bare `@name` refers to."""
    return DRIVERS[name][2]
