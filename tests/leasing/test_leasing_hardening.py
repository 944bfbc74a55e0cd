"""UC3 abuses an outside review found (issue 11, findings 4-6) and more of their kind: a lessor who is also the
registry's manufacturer, readings relayed late or out of order, hours of the grace period, extreme counters and
terms, and an admin taking back the lease contract's roles. Each test failed before its fix."""

from __future__ import annotations

from decimal import Decimal

import pytest
from leasing_env import PLAN

from s4chain.drivers.leasing import DAY, HOUR, LeasingDriver
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

ZERO = "0x" + "00" * 20
U64_MAX = 2**64 - 1


def lessor_is_also_manufacturer(env):
    """The set-up every driver, test and scenario used to have: the lessor holds the manufacturer role too."""
    env.driver.registry.grantRole(env.driver.registry.MANUFACTURER_ROLE(), env.lessor, sender=env.admin)


# --- finding 4: the meter of a leased machine ------------------------------------------------------------------


def test_lessor_cannot_rebind_a_leased_meter_to_drain_the_prepaid_balance(env):
    lessor_is_also_manufacturer(env)
    lease_id = env.subscribe(top_up=Decimal(9000))
    with reverts("InCustody", machineId=env.machine_id, custodian=env.driver.lease.address):
        env.driver.registry.bindDevice(env.machine_id, env.lessor, sender=env.lessor)
    # a proposal alone changes nothing: the lessor's own key still cannot sign readings
    env.driver.registry.proposeDevice(env.machine_id, env.lessor, sender=env.lessor)
    with reverts("InvalidDeviceSignature", signer=env.lessor):
        env.driver.post_reading(env.keeper, env.lessor, env.machine_id, 10**12)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert (st.billed, st.balance, st.status) == (PLAN.period_fee, Decimal(9000) - PLAN.period_fee, "active")
    assert env.driver.machine(env.machine_id).device == env.device.address


def test_a_leased_meter_changes_only_with_the_lessees_consent(env):
    lease_id = env.subscribe()
    with reverts("NotInCustody", machineId=env.machine2_id):
        env.driver.registry.proposeDevice(env.machine2_id, env.device2, sender=env.manufacturer)
    with reverts("AccessControlUnauthorizedAccount", account=env.lessor):
        env.driver.registry.proposeDevice(env.machine_id, env.device2, sender=env.lessor)
    res = env.driver.registry.proposeDevice(env.machine_id, env.device2, sender=env.manufacturer)
    assert_events(res, "DeviceProposed", machineId=env.machine_id, device=env.device2)
    assert env.driver.machine(env.machine_id).proposed_device == env.device2.address
    with reverts("NotLessee", leaseId=lease_id, caller=env.lessor):
        env.driver.lease.approveDevice(lease_id, env.device2, sender=env.lessor)
    with reverts("NotProposed", machineId=env.machine_id, device=env.stranger):
        env.driver.lease.approveDevice(lease_id, env.stranger, sender=env.lessee)  # not what was proposed
    with reverts("NotCustodian", machineId=env.machine_id, caller=env.manufacturer):
        env.driver.registry.acceptDevice(env.machine_id, env.device2, sender=env.manufacturer)
    res = env.driver.lease.approveDevice(lease_id, env.device2, sender=env.lessee)
    assert_events(res, "DeviceBound", machineId=env.machine_id, device=env.device2)
    state = env.driver.machine(env.machine_id)
    assert (state.device, state.proposed_device) == (env.device2.address, ZERO)
    env.driver.post_reading(env.keeper, env.device2, env.machine_id, 1)


def test_subscription_refuses_a_meter_rebound_just_before_it(env):
    lessor_is_also_manufacturer(env)
    seen = env.driver.registry.deviceOf(env.machine_id)
    env.driver.registry.bindDevice(env.machine_id, env.lessor, sender=env.lessor)  # front-runs the subscription
    with reverts("DeviceMismatch", machineId=env.machine_id, device=seen):
        env.driver.subscribe(env.lessee, env.machine_id, env.plan_id, device=seen)


def test_custody_is_the_lease_contracts_alone_and_ends_with_the_lease(env):
    registry = env.driver.registry
    registry.grantRole(registry.CUSTODIAN_ROLE(), env.admin, sender=env.admin)
    lease_id = env.subscribe()
    assert env.driver.machine(env.machine_id).custodian == env.driver.lease.address
    with reverts("InCustody", custodian=env.driver.lease.address):
        registry.takeCustody(env.machine_id, sender=env.admin)
    for call in (registry.releaseCustody, lambda m, **kw: registry.meter(m, 1, **kw)):
        with reverts("NotCustodian", machineId=env.machine_id, caller=env.admin):
            call(env.machine_id, sender=env.admin)
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.driver.top_up(env.lessee, Decimal(10000), lease_id=lease_id)
    env.bill_until_ended(lease_id)
    with reverts("InCustody"):  # ended, not settled: still the lease's
        env.driver.registry.bindDevice(env.machine_id, env.device2, sender=env.manufacturer)
    res = env.driver.lease.settle(lease_id, sender=env.keeper)
    assert_events(res, "CustodyReleased", machineId=env.machine_id, custodian=env.driver.lease.address)
    assert env.driver.machine(env.machine_id).custodian == ZERO
    env.driver.registry.bindDevice(env.machine_id, env.device2, sender=env.manufacturer)


# --- finding 5: readings bound to the time they were taken ------------------------------------------------------


def test_hours_of_lease_one_relayed_under_lease_two_are_refused(env):
    first = env.subscribe(top_up=Decimal(10000))
    env.driver.lease.giveNotice(first, sender=env.lessee)
    env.chain.travel_to(env.chain.timestamp + 10 * DAY)
    late = env.driver.sign_reading(env.device, env.machine_id, 200, taken_at=env.chain.timestamp)  # kept back
    env.bill_until_ended(first)
    env.driver.lease.settle(first, sender=env.keeper)
    second = env.subscribe(lessee=env.other)
    sealed = env.driver.machine(env.machine_id).sealed_until
    with reverts("StaleReading", machineId=env.machine_id, takenAt=late[0][3], notAfter=sealed):
        env.driver.registry.reportUsage(*late, sender=env.keeper)
    env.chain.travel_to(env.driver.statement(second).next_bill_at)
    res = env.driver.lease.runBilling(second, sender=env.keeper)
    assert_events(res, "Billed", leaseId=second, hoursBilled=0, charge=eur(PLAN.period_fee))


def test_hours_are_billed_in_the_period_they_were_worked_not_relayed(env):
    lease_id = env.subscribe(top_up=Decimal(20000))
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due - HOUR)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, 100)
    env.chain.set_next_block_timestamp(due + 2 * HOUR)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, 102)  # taken after the period end
    assert (env.driver.registry.hoursAt(env.machine_id, due), env.driver.registry.hoursOf(env.machine_id)) == (100, 102)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)  # the keeper bills after relaying it
    assert_events(res, "Billed", leaseId=lease_id, periodEnd=due, hoursBilled=100)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", leaseId=lease_id, hoursBilled=2)


def test_stale_out_of_order_and_future_readings_are_refused(env):
    registered = env.driver.machine(env.machine2_id).last_reading_at  # the registration's checkpoint
    with reverts("StaleReading", machineId=env.machine2_id, notAfter=registered):  # before the twin existed
        env.driver.post_reading(env.keeper, env.device2, env.machine2_id, 0, taken_at=registered)
    env.chain.travel_to(env.chain.timestamp + DAY)
    now = env.chain.timestamp
    with reverts("ReadingFromFuture", machineId=env.machine_id, takenAt=now + 3600):
        env.driver.post_reading(env.keeper, env.device, env.machine_id, 5, taken_at=now + 3600)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, 5, taken_at=now)
    for taken_at in (now, now - 1):  # the same time again, or earlier than the last reading
        with reverts("StaleReading", machineId=env.machine_id, takenAt=taken_at, notAfter=now):
            env.driver.post_reading(env.keeper, env.device, env.machine_id, 6, taken_at=taken_at)


def test_a_meter_works_at_most_one_hour_an_hour(env):
    env.chain.travel_to(env.chain.timestamp + 10 * HOUR)
    last_at = env.driver.machine(env.machine_id).last_reading_at
    taken_at = env.driver.next_time()
    most = -(-(taken_at - last_at) // HOUR)
    with reverts("ImplausibleReading", machineId=env.machine_id, counter=most + 1, maxCounter=most):
        env.driver.post_reading(env.keeper, env.device, env.machine_id, most + 1)
    with reverts("ImplausibleReading", counter=U64_MAX):  # the huge counter of a broken or hostile meter
        env.driver.post_reading(env.keeper, env.device, env.machine_id, U64_MAX)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, most)


# --- finding 6: the grace period's hours on termination --------------------------------------------------------


def test_terminate_bills_the_hours_of_the_grace_period(env):
    lease_id = env.subscribe()
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due)
    env.driver.lease.runBilling(
        lease_id, sender=env.keeper
    )  # unpaid: late, the lessee keeps the use right for the grace
    env.chain.set_next_block_timestamp(due + 3 * DAY)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, 40)
    env.chain.set_next_block_timestamp(due + PLAN.grace)
    env.driver.lease.suspend(lease_id, sender=env.keeper)
    res = env.driver.lease.terminate(lease_id, sender=env.lessor)
    assert_events(res, "Billed", leaseId=lease_id, hoursBilled=40, charge=eur(40 * PLAN.hourly_fee))
    st = env.driver.statement(lease_id)
    assert (st.status, st.billed, st.outstanding) == ("ended", PLAN.period_fee + 40 * PLAN.hourly_fee, 1400)
    res = env.driver.lease.settle(lease_id, sender=env.keeper)
    assert_events(res, "LeaseSettled", fromDeposit=eur(1400), refund=eur(1600), unpaid=0)


# --- extreme values ------------------------------------------------------------------------------------------


def test_a_huge_counter_bills_no_more_hours_than_the_period_has(env):
    env.chain.travel_to(env.chain.timestamp + 60 * DAY)  # unread, idle: the meter has 60 days of slack
    lease_id = env.subscribe(top_up=Decimal(20000))
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due - HOUR)
    env.driver.post_reading(env.keeper, env.device, env.machine_id, 80 * 24)  # 80 days of hours in one month
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", leaseId=lease_id, hoursBilled=PLAN.period // HOUR)


def test_absurd_terms_never_brick_billing_or_the_deposit(env):
    plan = env.driver.plan_id(env.driver.publish_plan(env.lessor, hourly_fee=Decimal(U64_MAX) / 10**6))
    lease_id = env.driver.lease_id(env.driver.subscribe(env.lessee, env.machine_id, plan))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.read(720)
    env.bill_until_ended(lease_id)  # reverted (SafeCast) before: the lease could never end
    st = env.driver.statement(lease_id)
    assert st.billed == Decimal(U64_MAX) / 10**6 and st.paid + st.outstanding == st.billed - st.credits
    env.driver.lease.settle(lease_id, sender=env.keeper)
    assert env.driver.statement(lease_id).status == "settled"


# --- the admin taking back the lease contract's roles -------------------------------------------------------


def test_revoked_roles_cannot_lock_a_running_lease(env):
    registry = env.driver.registry
    lease_id = env.subscribe(top_up=Decimal(10000))
    ticket = env.driver.ticket_id(env.driver.report_fault(env.lessee, lease_id=lease_id))
    for role in (registry.CUSTODIAN_ROLE(), registry.MAINTAINER_ROLE()):
        registry.revokeRole(role, env.driver.lease, sender=env.admin)
    env.driver.close_ticket(env.lessor, ticket, "fixed")  # logged on the twin as its custodian
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.bill_until_ended(lease_id)
    env.driver.lease.settle(lease_id, sender=env.keeper)
    env.driver.lease.withdrawRefund(sender=env.lessee)
    env.driver.lease.withdrawEarnings(sender=env.lessor)
    assert env.driver.balance_of(env.driver.lease) == 0


def test_sla_credits_saturate_instead_of_locking_ticket_closing(env):
    huge = Decimal(U64_MAX) / 10**6
    plan = env.driver.plan_id(env.driver.publish_plan(env.lessor, sla_credit=huge))
    lease_id = env.driver.lease_id(env.driver.subscribe(env.lessee, env.machine_id, plan))
    for _ in range(2):  # the second late close overflowed (SafeCast) before: no ticket could be closed again
        ticket = env.driver.ticket_id(env.driver.report_fault(env.lessee, lease_id=lease_id))
        env.chain.increase_time(PLAN.sla + 1)
        env.driver.close_ticket(env.lessor, ticket, "late")
    assert env.driver.statement(lease_id).pending_credit == huge


def test_deploying_without_a_lessor_is_deprecated_and_keeps_the_old_roles(env):
    with pytest.warns(DeprecationWarning, match="name a distinct lessor"):
        driver = LeasingDriver.deploy(env.chain, manufacturer=env.manufacturer, stablecoin=env.driver.stablecoin)
    assert driver.lease.hasRole(driver.lease.LESSOR_ROLE(), env.manufacturer) is True
    machine = driver.machine_id(driver.register_machine(env.manufacturer, "SN-OLD", "M", env.device))
    assert driver.registry.ownerOf(machine) == env.manufacturer.address
