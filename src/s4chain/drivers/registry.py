"""The drivers a scenario's `contracts:` section may name."""

from __future__ import annotations

import importlib
from typing import Any

DRIVERS = {
    "ico": ("s4chain.drivers.ico", "TokenSaleDriver"),
    "leasing": ("s4chain.drivers.leasing", "LeasingDriver"),
    "supply": ("s4chain.drivers.supply", "SupplyChainDriver"),
}


class UnknownDriverError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def driver_class(name: str) -> Any:
    if name not in DRIVERS:
        raise UnknownDriverError(f"unknown driver {name!r} (known: {', '.join(DRIVERS)})")
    module_name, class_name = DRIVERS[name]
    return getattr(importlib.import_module(module_name), class_name)
