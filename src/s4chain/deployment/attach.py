"""Drivers on recorded contracts: what `s4chain replay --use-deployments` needs instead of deploying.

records = load_records(Path("deployments/31337.json"))
drivers = attach_drivers(chain, records)      # {"ico": TokenSaleDriver, "leasing": ..., "supply": ...}
drivers["supply"].grant_party(admin, party=carrier, role="carrier")
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ValidationError

from s4chain.chain.base import Chain
from s4chain.chain.contract import Contract
from s4chain.deployment.records import DeploymentRecords, RecordsFileError, SetRecord, StaleRecordsError
from s4chain.drivers.data import DataMarketDriver, DataParams
from s4chain.drivers.ico import TokenSaleDriver, TokenSaleParams
from s4chain.drivers.leasing import LeasingDriver, LeasingParams
from s4chain.drivers.supply import SupplyChainDriver
from s4chain.drivers.tokens import TokenExchangeDriver
from s4chain.drivers.work import MissionDriver, WorkParams

# What each driver takes from a set's record: its params model, the contracts and the roles it attaches with.
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


def check_set(set_name: str, record: SetRecord) -> None:
    """Raise RecordsFileError, naming the field, if the record lacks what its driver needs to attach."""
    where = f"sets.{set_name}"
    if record.driver not in NEEDS:
        raise RecordsFileError(f"field {where}.driver: unknown driver {record.driver!r} (known: {', '.join(NEEDS)})")
    params_model, contracts, roles = NEEDS[record.driver]
    if params_model is not None:
        try:
            params_model.model_validate(record.params)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            raise RecordsFileError(f"field {where}.params{'.' + field if field else ''}: {error['msg']}") from None
    for key in contracts:
        if key not in record.contracts:
            raise RecordsFileError(f"field {where}.contracts.{key}: missing (the {record.driver} driver needs it)")
    for role in roles:
        if role not in record.roles:
            raise RecordsFileError(f"field {where}.roles.{role}: missing (the {record.driver} driver needs it)")


def _account(chain: Chain, set_name: str, record: SetRecord, role: str) -> LocalAccount:
    address = record.roles.get(role)
    for account in chain.accounts:
        if account.address == address:
            return account
    raise StaleRecordsError(f"{set_name}: its {role} {address} is not one of this chain's accounts (another key?)")


def attach_driver(chain: Chain, set_name: str, record: SetRecord, contracts: dict[str, Contract]) -> Any:
    """The driver of one recorded set, on its attached contracts (`DeploymentRecords.attach`)."""
    if record.driver == "ico":
        return TokenSaleDriver(
            chain,
            TokenSaleParams.model_validate(record.params),
            stablecoin=contracts["EuroStablecoin"],
            registry=contracts["InvestorRegistry"],
            ledger=contracts["IssuerCapLedger"],
            token=contracts["SmeToken"],
            sale=contracts["TokenSale"],
            vesting=contracts.get("TeamVesting"),
        )
    if record.driver == "leasing":
        # records from before the lessor was a role of its own: the manufacturer was the lessor
        lessor_role = "lessor" if "lessor" in record.roles else "manufacturer"
        return LeasingDriver(
            chain,
            contracts["MachineRegistry"],
            contracts["MachineLease"],
            contracts["EuroStablecoin"],
            _account(chain, set_name, record, "admin"),
            LeasingParams.model_validate(record.params),
            _account(chain, set_name, record, lessor_role),
        )
    if record.driver == "supply":
        return SupplyChainDriver(chain, contracts["SupplyChain"])
    if record.driver == "tokens":
        return TokenExchangeDriver(chain, contracts["TokenFactory"], contracts["P2PExchange"])
    if record.driver == "data":
        admin = _account(chain, set_name, record, "admin")
        data = DataParams.model_validate(record.params)
        return DataMarketDriver(chain, contracts["DataMarket"], contracts["EuroStablecoin"], admin, data)
    if record.driver == "work":
        admin = _account(chain, set_name, record, "admin")
        arbiter = _account(chain, set_name, record, "arbiter") if "arbiter" in record.roles else admin
        work = WorkParams.model_validate(record.params)
        return MissionDriver(chain, contracts["MissionEscrow"], contracts["EuroStablecoin"], admin, arbiter, work)
    raise StaleRecordsError(f"{set_name}: unknown driver {record.driver!r} in the records")


def attach_drivers(chain: Chain, records: DeploymentRecords, sets: list[str] | None = None) -> dict[str, Any]:
    """A driver per complete recorded set (all, or those named in `sets`), on `chain`.

    Raises StaleRecordsError when `chain` is not the recorded chain, a contract has no code, or a set named in
    `sets` is missing or was not completely deployed (run `s4chain deploy` first); RecordsFileError when a set's
    record lacks what its driver needs."""
    wanted = sets if sets is not None else list(records.sets)
    for name in wanted:
        record = records.sets.get(name)
        if record is None or not record.complete:
            state = "not in the records" if record is None else "not completely deployed"
            raise StaleRecordsError(f"set {name} is {state}: run `s4chain deploy --only {name}` first")
        check_set(name, record)
    attached = records.attach(chain, wanted)
    return {name: attach_driver(chain, name, records.sets[name], attached[name]) for name in wanted}
