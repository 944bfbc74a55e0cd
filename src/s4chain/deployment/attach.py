"""Drivers on recorded contracts: what `s4chain replay --use-deployments` needs instead of deploying.

records = load_records(Path("deployments/31337.json"))
drivers = attach_drivers(chain, records)      # {"ico": TokenSaleDriver, "leasing": ..., "supply": ...}
drivers["supply"].grant_party(admin, party=carrier, role="carrier")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from eth_account.signers.local import LocalAccount
from pydantic import ValidationError

from s4chain.chain.base import Chain
from s4chain.chain.contract import Contract
from s4chain.deployment.records import DeploymentRecords, RecordsFileError, SetRecord, StaleRecordsError
from s4chain.drivers.attach import NEEDS
from s4chain.drivers.attach import attach_driver as attach_to

__all__ = ["NEEDS", "attach_driver", "attach_drivers", "check_set"]


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


class _RecordedRoles(Mapping[str, LocalAccount]):
    """A set's recorded roles as this chain's accounts, looked up when the driver asks for one."""

    def __init__(self, chain: Chain, set_name: str, record: SetRecord) -> None:
        self.chain, self.set_name, self.record = chain, set_name, record

    def __getitem__(self, role: str) -> LocalAccount:
        address = self.record.roles.get(role)
        for account in self.chain.accounts:
            if account.address == address:
                return account
        raise StaleRecordsError(
            f"{self.set_name}: its {role} {address} is not one of this chain's accounts (another key?)"
        )

    def __contains__(self, role: object) -> bool:
        return role in self.record.roles

    def __iter__(self) -> Iterator[str]:
        return iter(self.record.roles)

    def __len__(self) -> int:
        return len(self.record.roles)


def attach_driver(chain: Chain, set_name: str, record: SetRecord, contracts: dict[str, Contract]) -> Any:
    """The driver of one recorded set, on its attached contracts (`DeploymentRecords.attach`)."""
    if record.driver not in NEEDS:
        raise StaleRecordsError(f"{set_name}: unknown driver {record.driver!r} in the records")
    return attach_to(chain, record.driver, contracts, record.params, _RecordedRoles(chain, set_name, record))


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
