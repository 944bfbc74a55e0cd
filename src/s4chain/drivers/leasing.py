"""UC3 driver: machines as a service.

Deploys and operates `MachineRegistry` (ERC-721 digital twins with EIP-712 signed usage readings) and
`MachineLease` (subscription leases as ERC-721 tokens with ERC-4907 use rights and ERC-5643 subscriptions, billing
per period from a prepaid balance, grace, suspension, maintenance tickets with an SLA credit), paid in the euro
stablecoin.

Device keys are never invented here: an IoT device is one of the dev mnemonic accounts (by convention
`chain.accounts[7..9]`, see `device_accounts`), and signs its readings with `LocalAccount.sign_typed_data`. A reading
carries the time it was taken; by default the time the relaying transaction will run at.

The manufacturer (mints twins, binds meters) and the lessor (publishes plans, owns the leased twins) are distinct
parties: while a machine is leased its meter changes only with the lessee's consent (`propose_device`, then
`approve_device`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict, Field

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.arguments import address_of, as_hash
from s4chain.drivers.events import events_of
from s4chain.drivers.shared import MintsTestEuros, created_id
from s4chain.drivers.units import eur, euros, from_units
from s4chain.drivers.usecase import Contracts, Roles, UseCase

HOUR = 3600
DAY = 24 * HOUR
EURO_DECIMALS = 6

READING_TYPES: dict[str, Any] = {
    "UsageReading": [
        {"name": "machineId", "type": "uint256"},
        {"name": "counter", "type": "uint64"},
        {"name": "nonce", "type": "uint64"},
        {"name": "takenAt", "type": "uint64"},
    ]
}


class LeaseStatus(IntEnum):
    """`MachineLease.Status`, in order."""

    NONE = 0
    ACTIVE = 1
    LATE = 2
    SUSPENDED = 3
    ENDED = 4
    SETTLED = 5


class PlanParams(BaseModel):
    """A lease plan: amounts in euros, durations in seconds."""

    model_config = ConfigDict(frozen=True)

    period_fee: Decimal = Decimal("1500")
    hourly_fee: Decimal = Decimal("4.5")
    deposit: Decimal = Decimal("5000")
    sla_credit: Decimal = Decimal("300")
    period: int = Field(default=30 * DAY, gt=0)
    min_term: int = Field(default=90 * DAY, ge=0)
    notice: int = Field(default=30 * DAY, ge=0)
    grace: int = Field(default=7 * DAY, ge=0)
    sla: int = Field(default=48 * HOUR, gt=0)

    def terms(self) -> tuple[int, ...]:
        """The `MachineLease.PlanTerms` tuple (stablecoin units, seconds)."""
        return (
            eur(self.period_fee),
            eur(self.hourly_fee),
            eur(self.deposit),
            eur(self.sla_credit),
            self.period,
            self.min_term,
            self.notice,
            self.grace,
            self.sla,
        )


class LeasingParams(BaseModel):
    """Deployment parameters of the leasing use case."""

    model_config = ConfigDict(frozen=True)

    service_interval_hours: int = Field(default=500, ge=0)  # preventive maintenance every N hours of use
    plan: PlanParams = PlanParams()  # default terms of `publish_plan`


class LeaseStatement(BaseModel):
    """A lease's account: `paid + outstanding == billed - credits`."""

    lease_id: int
    machine_id: int
    plan_id: int
    lessee: str
    status: str
    billed: Decimal
    paid: Decimal
    outstanding: Decimal
    credits: Decimal
    pending_credit: Decimal
    balance: Decimal
    deposit: Decimal
    user: str  # current ERC-4907 user (zero address if none)
    expires: int  # ERC-5643 expiresAt
    user_expires: int
    started_at: int
    next_bill_at: int
    end_at: int
    open_ticket: int


class MachineState(BaseModel):
    """A machine's digital twin."""

    machine_id: int
    owner: str
    serial: str
    model: str
    device: str
    hours: int
    nonce: int
    maintenance_count: int
    last_document: str
    last_service_hours: int
    service_interval: int
    maintenance_due: bool
    lease_id: int
    last_reading_at: int  # when the last accepted reading was taken (the registration before the first)
    sealed_until: int  # readings taken at or before this time are refused
    custodian: str  # the lease contract while leased, else the zero address
    proposed_device: str  # a device awaiting the lessee's consent, else the zero address


class LeasingState(BaseModel):
    """Every lease's account summed up (a sweep's default outcomes): the lessor's revenue, what the lessees owe,
    and who defaulted."""

    lease_count: int
    billed: Decimal
    revenue: Decimal  # paid to the lessor (from prepaid balances and, at settlement, deposits)
    outstanding: Decimal  # billed and not paid
    credits: Decimal  # SLA credits granted
    active: int  # leases active now
    defaults: int  # leases suspended for a bill unpaid past its grace and never reinstated (paid) since
    suspensions: int  # suspensions, of defaulted leases and of leases reinstated later
    terminated: int  # leases the lessor ended while suspended
    hours: int  # machine-hours metered on the leased machines
    cost_per_hour: Decimal  # what the lessees not in default paid per machine-hour (0 without hours)


@dataclass(eq=False)
class LeasingDriver(MintsTestEuros):
    """The deployed leasing contracts and the actions of lessor, lessee, device, keeper and technician."""

    # Actions that are one contract function under another name (or with other argument names).
    ACTIONS: ClassVar[dict[str, str]] = {
        "set_user": "MachineLease.setUser(lease_id, user, expires)",
        "withdraw_deposit": "MachineLease.withdrawRefund",
    }

    chain: Chain
    registry: Contract
    lease: Contract
    stablecoin: Contract
    admin: LocalAccount
    params: LeasingParams
    lessor: LocalAccount | None = None  # default owner of newly registered twins

    # --- deployment -------------------------------------------------------------------------------------------
    @classmethod
    def deploy(
        cls,
        chain: Chain,
        params: LeasingParams | None = None,
        admin: LocalAccount | None = None,
        *,
        manufacturer: LocalAccount | None = None,
        lessor: LocalAccount | None = None,
        stablecoin: Contract | None = None,
        technicians: tuple[LocalAccount, ...] = (),
    ) -> LeasingDriver:
        """Deploy the registry and the lease contract (and a fresh EuroStablecoin unless one is given).

        `admin` (default: accounts[0]) administers both contracts and mints test euros; `manufacturer`
        (default: accounts[1]) mints twins, binds their meters and may record maintenance, like the `technicians`;
        `lessor` publishes plans and owns the twins it leases out. The lease contract holds leased twins in custody.

        Migration: without a `lessor` the manufacturer is also the lessor, as before; that is deprecated (name a
        distinct lessor), though a leased machine's meter is safe from it either way.
        """
        params = params or LeasingParams()
        admin = admin or chain.accounts[0]
        manufacturer = manufacturer or chain.accounts[1]
        if lessor is None:
            warnings.warn(
                "LeasingDriver.deploy without `lessor`: the manufacturer doubles as the lessor; "
                "name a distinct lessor (deprecated)",
                DeprecationWarning,
                stacklevel=2,
            )
            lessor = manufacturer
        coin = stablecoin or chain.deploy("EuroStablecoin", admin, sender=admin)
        registry = chain.deploy("MachineRegistry", admin, sender=admin)
        lease = chain.deploy("MachineLease", admin, coin, registry, sender=admin)
        registry.grantRole(registry.MANUFACTURER_ROLE(), manufacturer, sender=admin)
        registry.grantRole(registry.CUSTODIAN_ROLE(), lease, sender=admin)
        maintainer = registry.MAINTAINER_ROLE()
        for account in (manufacturer, *technicians):
            registry.grantRole(maintainer, account, sender=admin)
        lease.grantRole(lease.LESSOR_ROLE(), lessor, sender=admin)
        return cls(chain, registry, lease, coin, admin, params, lessor)

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        return {"EuroStablecoin": self.stablecoin, "MachineRegistry": self.registry, "MachineLease": self.lease}

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: LeasingParams, roles: Roles) -> LeasingDriver:
        """The driver over deployed leasing contracts, administered by the recorded admin."""
        admin = roles["admin"]
        # records from before the lessor was a role of its own: the manufacturer was the lessor
        lessor = roles["lessor"] if "lessor" in roles else roles["manufacturer"]
        registry, lease, coin = contracts["MachineRegistry"], contracts["MachineLease"], contracts["EuroStablecoin"]
        return cls(chain, registry, lease, coin, admin, params, lessor)

    @staticmethod
    def device_accounts(chain: Chain) -> tuple[LocalAccount, ...]:
        """The dev accounts used as IoT devices (accounts[7..9])."""
        return tuple(chain.accounts[7:10])

    # --- ids from receipts ------------------------------------------------------------------------------------
    machine_id = created_id("MachineRegistered", "machineId")  # of a `register_machine` transaction
    plan_id = created_id("PlanPublished", "planId")  # of a `publish_plan` transaction
    lease_id = created_id("Subscribed", "leaseId")  # of a `subscribe` transaction
    ticket_id = created_id("FaultReported", "ticketId")  # of a `report_fault` transaction

    # --- manufacturer / lessor --------------------------------------------------------------------------------
    def register_machine(
        self,
        manufacturer: LocalAccount,
        serial: str,
        model: str,
        device: LocalAccount | str,
        owner: LocalAccount | None = None,
        service_interval_hours: int | None = None,
    ) -> TxResult:
        """Mint a machine's twin to `owner` (default: the deployment's lessor, who leases it out) bound to `device`."""
        interval = self.params.service_interval_hours if service_interval_hours is None else service_interval_hours
        owner = owner or self.lessor or manufacturer
        return self.registry.registerMachine(owner, serial, model, address_of(device), interval, sender=manufacturer)

    def publish_plan(
        self,
        lessor: LocalAccount,
        period_fee: Decimal | None = None,
        hourly_fee: Decimal | None = None,
        deposit: Decimal | None = None,
        sla_credit: Decimal | None = None,
        period: int | None = None,
        min_term: int | None = None,
        notice: int | None = None,
        grace: int | None = None,
        sla: int | None = None,
    ) -> TxResult:
        """Publish a plan; terms left out come from `params.plan`."""
        given = {
            "period_fee": period_fee,
            "hourly_fee": hourly_fee,
            "deposit": deposit,
            "sla_credit": sla_credit,
            "period": period,
            "min_term": min_term,
            "notice": notice,
            "grace": grace,
            "sla": sla,
        }
        plan = self.params.plan.model_copy(update={k: v for k, v in given.items() if v is not None})
        return self.lease.publishPlan(plan.terms(), sender=lessor)

    def close_ticket(self, lessor: LocalAccount, ticket_id: int, report_hash: bytes | str) -> TxResult:
        """Close a fault ticket with the intervention report (logged on the twin)."""
        return self.lease.closeTicket(ticket_id, as_hash(report_hash), sender=lessor)

    # --- money ------------------------------------------------------------------------------------------------
    def balance_of(self, account: LocalAccount | Contract | str) -> Decimal:
        """Stablecoin balance in euros."""
        return from_units(int(self.stablecoin.balanceOf(address_of(account))), EURO_DECIMALS)

    # --- lessee -----------------------------------------------------------------------------------------------
    def subscribe(
        self, lessee: LocalAccount, machine_id: int, plan_id: int, device: LocalAccount | str | None = None
    ) -> TxResult:
        """Approve the plan's deposit and subscribe to `machine_id`, accepting `device` as its meter (default: the
        device bound now; the subscription reverts `DeviceMismatch` if it was rebound in between)."""
        meter = address_of(device) if device is not None else self.registry.deviceOf(machine_id)
        deposit = int(self.lease.planOf(plan_id).deposit)
        with self.chain.one_block():  # the subscription lands at the step's time, not a block later
            if deposit:
                self.stablecoin.approve(self.lease, deposit, sender=lessee)
            return self.lease.subscribe(machine_id, plan_id, meter, sender=lessee)

    def lease_of(self, lessee: LocalAccount | str) -> int:
        """The newest unsettled lease held by `lessee` (0 if none)."""
        holder = address_of(lessee)
        subscribed = [
            e for e in events_of(self.chain, self.lease) if e.name == "Subscribed" and e.args["lessee"] == holder
        ]
        for event in reversed(subscribed):
            lease_id = int(event.args["leaseId"])
            if self.lease.leaseOf(lease_id).status != LeaseStatus.SETTLED:
                return lease_id
        return 0

    def top_up(self, lessee: LocalAccount, amount: Decimal, lease_id: int | None = None) -> TxResult:
        """Approve and add `amount` euros to a lease's prepaid balance (pays what is owed at once).

        `lease_id` defaults to the lessee's newest unsettled lease; anyone may top up any lease.
        """
        if lease_id is None:
            lease_id = self.lease_of(lessee)
            if lease_id == 0:
                raise ValueError(f"{address_of(lessee)} holds no running lease")
        units = eur(amount)
        with self.chain.one_block():
            self.stablecoin.approve(self.lease, units, sender=lessee)
            return self.lease.topUp(lease_id, units, sender=lessee)

    def revoke_notice(self, lessee: LocalAccount, lease_id: int) -> TxResult:
        """Withdraw a notice (ERC-5643 renew)."""
        return self.lease.renewSubscription(lease_id, 0, sender=lessee)

    # --- device -----------------------------------------------------------------------------------------------
    def domain(self) -> dict[str, Any]:
        """The registry's EIP-712 domain."""
        return {
            "name": "S4 MachineRegistry",
            "version": "1",
            "chainId": self.chain.chain_id,
            "verifyingContract": self.registry.address,
        }

    def next_time(self) -> int:
        """The time the next transaction will run at (a reading taken then is not from the future)."""
        return self.chain.next_block_time

    def sign_reading(
        self,
        device_account: LocalAccount,
        machine_id: int,
        hours: int,
        nonce: int | None = None,
        taken_at: int | None = None,
    ) -> tuple[tuple[int, int, int, int], bytes]:
        """A usage reading `(machineId, counter, nonce, takenAt)` and the device's EIP-712 signature of it
        (`taken_at` defaults to `next_time()`: the device reads its meter as the reading is relayed)."""
        if nonce is None:
            nonce = int(self.registry.nonceOf(machine_id))
        if taken_at is None:
            taken_at = self.next_time()
        message = {"machineId": machine_id, "counter": hours, "nonce": nonce, "takenAt": taken_at}
        signed = device_account.sign_typed_data(self.domain(), READING_TYPES, message)
        return (machine_id, hours, nonce, taken_at), bytes(signed.signature)

    def post_reading(
        self,
        relayer: LocalAccount,
        device_account: LocalAccount,
        machine_id: int,
        hours: int,
        taken_at: int | None = None,
    ) -> TxResult:
        """Have the device sign its cumulative hours of use, read at `taken_at` (default: now), and `relayer`
        (keeper, lessee, device) post it. Readings older than the last one or than a billed window are refused."""
        reading, signature = self.sign_reading(device_account, machine_id, hours, taken_at=taken_at)
        return self.registry.reportUsage(reading, signature, sender=relayer)

    # --- keeper -----------------------------------------------------------------------------------------------
    # --- maintenance ------------------------------------------------------------------------------------------
    def report_fault(
        self,
        reporter: LocalAccount,
        lease_id: int | None = None,
        machine_id: int | None = None,
        description_hash: bytes | str = "fault",
    ) -> TxResult:
        """Open a fault ticket on a lease (or on the running lease of `machine_id`), by the lessee or the device."""
        if lease_id is None:
            if machine_id is None:
                raise ValueError("give lease_id or machine_id")
            lease_id = int(self.lease.leaseOfMachine(machine_id))
            if lease_id == 0:
                raise ValueError(f"machine {machine_id} has no running lease")
        return self.lease.reportFault(lease_id, as_hash(description_hash), sender=reporter)

    def record_maintenance(
        self, technician: LocalAccount, machine_id: int, report_hash: bytes | str, preventive: bool = True
    ) -> TxResult:
        """Log a maintenance document on the twin; a preventive one restarts the service interval."""
        return self.registry.recordMaintenance(machine_id, as_hash(report_hash), preventive, sender=technician)

    # --- reads ------------------------------------------------------------------------------------------------
    def statement(self, lease_id: int) -> LeaseStatement:
        """The lease's account, status and use right."""
        lease = self.lease.leaseOf(lease_id)
        if lease.status == LeaseStatus.NONE:
            raise ValueError(f"no lease {lease_id}")
        use = self.lease.useRightOf(lease_id)
        return LeaseStatement(
            lease_id=lease_id,
            machine_id=lease.machineId,
            plan_id=lease.planId,
            lessee=use.lessee,
            status=LeaseStatus(lease.status).name.lower(),
            billed=euros(lease.billed),
            paid=euros(lease.paid),
            outstanding=euros(lease.outstanding),
            credits=euros(lease.credits),
            pending_credit=euros(lease.pendingCredit),
            balance=euros(lease.balance),
            deposit=euros(lease.deposit),
            user=use.user,
            expires=int(use.expires),
            user_expires=int(use.userExpiry),
            started_at=lease.startedAt,
            next_bill_at=lease.nextBillAt,
            end_at=lease.endAt,
            open_ticket=lease.openTicket,
        )

    def state(self) -> LeasingState:
        """Every lease's account summed up, from the leases' records and the contract's events."""
        leases: list[int] = []
        suspended: set[int] = set()  # suspended and never reinstated since: in default
        suspensions = terminated = 0
        for event in events_of(self.chain, self.lease):
            if event.name == "Subscribed":
                leases.append(int(event.args["leaseId"]))
            elif event.name == "Suspended":
                suspensions += 1
                suspended.add(int(event.args["leaseId"]))
            elif event.name == "Reinstated":
                suspended.discard(int(event.args["leaseId"]))
            elif event.name == "LeaseEnded" and event.args["terminated"]:
                terminated += 1
        statements = [self.statement(lease_id) for lease_id in leases]
        hours = {s.machine_id: int(self.registry.hoursOf(s.machine_id)) for s in statements}
        good = [s for s in statements if s.lease_id not in suspended]
        good_hours = sum(hours[machine] for machine in {s.machine_id for s in good})
        return LeasingState(
            lease_count=len(statements),
            billed=sum((s.billed for s in statements), Decimal(0)),
            revenue=sum((s.paid for s in statements), Decimal(0)),
            outstanding=sum((s.outstanding for s in statements), Decimal(0)),
            credits=sum((s.credits for s in statements), Decimal(0)),
            active=sum(1 for s in statements if s.status == "active"),
            defaults=len(suspended),
            suspensions=suspensions,
            terminated=terminated,
            hours=sum(hours.values()),
            cost_per_hour=sum((s.paid for s in good), Decimal(0)) / good_hours if good_hours else Decimal(0),
        )

    def machine(self, machine_id: int) -> MachineState:
        """The machine's digital twin."""
        described = self.registry.describe(machine_id)
        maintenance = self.registry.maintenanceOf(machine_id)
        readings = self.registry.readingTimesOf(machine_id)
        return MachineState(
            machine_id=machine_id,
            owner=self.registry.ownerOf(machine_id),
            serial=described.serial,
            model=described.model,
            device=self.registry.deviceOf(machine_id),
            hours=int(self.registry.hoursOf(machine_id)),
            nonce=int(self.registry.nonceOf(machine_id)),
            maintenance_count=int(maintenance.count),
            last_document="0x" + bytes(maintenance.lastDocument).hex(),
            last_service_hours=int(maintenance.lastServiceHours),
            service_interval=int(maintenance.serviceInterval),
            maintenance_due=bool(self.registry.maintenanceDue(machine_id)),
            lease_id=int(self.lease.leaseOfMachine(machine_id)),
            last_reading_at=int(readings.lastReadingAt),
            sealed_until=int(readings.sealedUntil),
            custodian=self.registry.custodianOf(machine_id),
            proposed_device=self.registry.proposedDeviceOf(machine_id),
        )


USE_CASE = UseCase(
    code="UC3",
    name="leasing",
    driver=LeasingDriver,
    contracts=("MachineLease", "EuroStablecoin", "MachineRegistry"),
    roles=("admin", "manufacturer", "lessor"),
    attach_roles=("admin",),
    charts=("s4chain.reports.charts:lease_statement",),
    amounts=dict.fromkeys(
        (
            "charge",
            "outstanding",
            "amount",
            "fromDeposit",
            "refund",
            "unpaid",
            "deposit",
            "periodFee",
            "hourlyFee",
            "slaCredit",
        ),
        "EuroStablecoin",
    ),
    outcomes=(
        ("revenue", "state.revenue"),
        ("lessee_cost_per_hour", "state.cost_per_hour"),
        ("unpaid", "state.outstanding"),
        ("defaults", "state.defaults"),
        ("suspensions", "state.suspensions"),
    ),
)
