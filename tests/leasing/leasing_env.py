"""The UC3 leasing test deployment: accounts, a driver, two machines and a plan (shared by the suites)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, TxResult
from s4chain.drivers.leasing import DAY, HOUR, LeasingDriver, LeasingParams, PlanParams

PLAN = PlanParams(
    period_fee=Decimal("1000"),
    hourly_fee=Decimal("10"),
    deposit=Decimal("3000"),
    sla_credit=Decimal("200"),
    period=30 * DAY,
    min_term=90 * DAY,
    notice=30 * DAY,
    grace=7 * DAY,
    sla=48 * HOUR,
)


@dataclass
class LeasingEnv:
    chain: Chain
    driver: LeasingDriver
    admin: LocalAccount
    lessor: LocalAccount  # publishes plans and owns the twins
    manufacturer: LocalAccount  # mints twins and binds their meters: a party of its own
    lessee: LocalAccount
    keeper: LocalAccount
    other: LocalAccount  # a second lessee
    technician: LocalAccount
    stranger: LocalAccount
    device: LocalAccount
    device2: LocalAccount
    machine_id: int
    machine2_id: int
    plan_id: int

    def subscribe(self, top_up: Decimal = Decimal("0"), lessee: LocalAccount | None = None) -> int:
        lessee = lessee or self.lessee
        lease_id = self.driver.lease_id(self.driver.subscribe(lessee, self.machine_id, self.plan_id))
        if top_up:
            self.driver.top_up(lessee, top_up, lease_id=lease_id)
        return lease_id

    def bill_due(self, lease_id: int) -> int:
        """Run the lease's next billing exactly at its due time; returns that time."""
        due = self.driver.statement(lease_id).next_bill_at
        self.chain.set_next_block_timestamp(due)
        self.driver.lease.runBilling(lease_id, sender=self.keeper)
        return due

    def bill_until(self, lease_id: int, until: int) -> None:
        """Bill every period due before `until`, each at its due time, so that the lease still runs then."""
        while self.driver.statement(lease_id).next_bill_at < until:
            self.bill_due(lease_id)

    def bill_until_ended(self, lease_id: int) -> None:
        """Bill the lease, each bill as soon as it is due, until it has ended."""
        while self.driver.statement(lease_id).status not in ("ended", "settled"):
            self.chain.travel_to(max(self.driver.statement(lease_id).next_bill_at, self.chain.timestamp + 1))
            self.driver.lease.runBilling(lease_id, sender=self.keeper)

    def read(self, hours: int, machine_id: int | None = None, relayer: LocalAccount | None = None) -> TxResult:
        """The machine's meter reports `hours`, the clock moved on first if the machine could not have worked them."""
        machine_id = machine_id or self.machine_id
        device = self.device if machine_id == self.machine_id else self.device2
        self.allow(machine_id, hours)
        return self.driver.post_reading(relayer or self.keeper, device, machine_id, hours)

    def allow(self, machine_id: int, hours: int) -> None:
        """Pin the next block late enough for the meter to show `hours` (a machine works one hour an hour)."""
        last_at, _ = self.driver.registry.readingTimesOf(machine_id)
        earliest = last_at + (hours - int(self.driver.registry.hoursOf(machine_id))) * HOUR
        if earliest > self.driver.next_time():
            self.chain.set_next_block_timestamp(earliest)


def build_leasing_env(chain: Chain) -> LeasingEnv:
    a = chain.accounts
    admin, lessor, lessee, keeper, other, technician, stranger = a[0], a[1], a[2], a[3], a[4], a[5], a[6]
    device, device2, manufacturer = LeasingDriver.device_accounts(chain)  # the third device key is not a device here
    driver = LeasingDriver.deploy(
        chain,
        LeasingParams(service_interval_hours=500, plan=PLAN),
        admin,
        manufacturer=manufacturer,
        lessor=lessor,
        technicians=(technician,),
    )
    machine_id = driver.machine_id(driver.register_machine(manufacturer, "SN-0001", "CNC-5X", device))
    machine2_id = driver.machine_id(driver.register_machine(manufacturer, "SN-0002", "CNC-5X", device2))
    plan_id = driver.plan_id(driver.publish_plan(lessor))
    for account in (lessee, other):
        driver.fund(account, Decimal("100000"))
    return LeasingEnv(
        chain, driver, admin, lessor, manufacturer, lessee, keeper, other, technician, stranger, device, device2,
        machine_id, machine2_id, plan_id,
    )  # fmt: skip
