"""Drivers over contracts already on a chain, instead of deploying them: what both a replay resumed from its
journal and a replay on recorded deployments (`s4chain replay --use-deployments`) need.

    driver = attach_driver(chain, "leasing", contracts, params, {"admin": admin, "lessor": lessor})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel

from s4chain.chain.base import Chain
from s4chain.chain.contract import Contract
from s4chain.drivers.data import DataMarketDriver, DataParams
from s4chain.drivers.ico import TokenSaleDriver, TokenSaleParams
from s4chain.drivers.leasing import LeasingDriver, LeasingParams
from s4chain.drivers.supply import SupplyChainDriver
from s4chain.drivers.tokens import TokenExchangeDriver
from s4chain.drivers.work import MissionDriver, WorkParams

# What each driver attaches with: its params model, the contracts it needs and the roles it needs.
NEEDS: dict[str, tuple[type[BaseModel] | None, tuple[str, ...], tuple[str, ...]]] = {
    "ico": (
        TokenSaleParams,
        ("EuroStablecoin", "InvestorRegistry", "IssuerCapLedger", "SmeToken", "TokenSale"),
        (),
    ),
    "leasing": (LeasingParams, ("MachineRegistry", "MachineLease", "EuroStablecoin"), ("admin",)),
    "supply": (None, ("SupplyChain",), ()),
    "tokens": (None, ("TokenFactory", "P2PExchange"), ()),
    "data": (DataParams, ("DataMarket", "EuroStablecoin"), ("admin",)),
    "work": (WorkParams, ("MissionEscrow", "EuroStablecoin"), ("admin",)),
}


def attach_driver(
    chain: Chain,
    driver: str,
    contracts: Mapping[str, Contract],
    params: BaseModel | Mapping[str, Any],
    roles: Mapping[str, LocalAccount],
) -> Any:
    """The `driver` driver over `contracts` (by contract name), deployed with `params` (the model, or its JSON
    form) and the accounts of `roles` (admin, lessor, arbiter...). A role the driver needs and `roles` lacks
    raises KeyError; an unknown driver, LookupError."""
    if driver == "ico":
        return TokenSaleDriver(
            chain,
            TokenSaleParams.model_validate(params),
            stablecoin=contracts["EuroStablecoin"],
            registry=contracts["InvestorRegistry"],
            ledger=contracts["IssuerCapLedger"],
            token=contracts["SmeToken"],
            sale=contracts["TokenSale"],
            vesting=contracts.get("TeamVesting"),
        )
    if driver == "leasing":
        admin = roles["admin"]
        # without a lessor of its own (older deployments), the manufacturer was the lessor
        lessor = roles["lessor"] if "lessor" in roles else roles["manufacturer"]
        leasing = LeasingParams.model_validate(params)
        registry, lease, coin = (contracts[k] for k in ("MachineRegistry", "MachineLease", "EuroStablecoin"))
        return LeasingDriver(chain, registry, lease, coin, admin, leasing, lessor)
    if driver == "supply":
        return SupplyChainDriver(chain, contracts["SupplyChain"])
    if driver == "tokens":
        return TokenExchangeDriver(chain, contracts["TokenFactory"], contracts["P2PExchange"])
    if driver == "data":
        data = DataParams.model_validate(params)
        return DataMarketDriver(chain, contracts["DataMarket"], contracts["EuroStablecoin"], roles["admin"], data)
    if driver == "work":
        admin = roles["admin"]
        # not roles.get: a lookup may raise what its caller chose (a stale record's error), not only KeyError
        arbiter = roles["arbiter"] if "arbiter" in roles else admin  # noqa: SIM401
        work = WorkParams.model_validate(params)
        return MissionDriver(chain, contracts["MissionEscrow"], contracts["EuroStablecoin"], admin, arbiter, work)
    raise LookupError(f"unknown driver {driver!r} (known: {', '.join(NEEDS)})")
