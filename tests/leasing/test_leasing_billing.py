"""MachineLease billing: period boundaries, metering, prepaid balance, grace, suspension, reinstatement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from leasing_env import PLAN

from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

ZERO = "0x" + "00" * 20


def check_books(env, lease_id):
    st = env.driver.statement(lease_id)
    assert st.paid + st.outstanding == st.billed - st.credits
    return st


def test_billing_period_boundary(env):
    lease_id = env.subscribe(top_up=Decimal(10000))
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due - 1)
    with reverts("BillingNotDue", leaseId=lease_id, dueAt=due):
        env.driver.lease.runBilling(lease_id, sender=env.keeper)
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", leaseId=lease_id, periodEnd=due, hoursBilled=0, charge=eur(1000), outstanding=0)
    env.chain.set_next_block_timestamp(due + 1)
    with reverts("BillingNotDue", leaseId=lease_id, dueAt=due + PLAN.period):
        env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert env.driver.statement(lease_id).next_bill_at == due + PLAN.period


def test_billing_is_permissionless_and_lease_must_exist(env):
    with reverts("UnknownLease", leaseId=3):
        env.driver.lease.runBilling(3, sender=env.keeper)
    lease_id = env.subscribe(top_up=Decimal(2000))
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.stranger)
    assert env.driver.statement(lease_id).billed == Decimal(1000)


def test_fee_plus_metered_hours_from_prepaid_balance(env):
    lease_id = env.subscribe(top_up=Decimal(5000))
    env.read(100)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", hoursBilled=100, charge=eur(2000), outstanding=0)
    assert_events(res, "Paid", leaseId=lease_id, amount=eur(2000), outstanding=0)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.lessee)
    st = check_books(env, lease_id)
    assert (st.billed, st.paid, st.outstanding, st.balance) == (2000, 2000, 0, 3000)
    assert env.driver.lease.earningsOf(env.lessor) == eur(2000)
    # only the hours since the last bill are billed next time
    env.read(130)
    env.chain.travel_to(st.next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", hoursBilled=30, charge=eur(1300))
    st = check_books(env, lease_id)
    assert (st.billed, st.paid, st.balance, st.status) == (3300, 3300, 1700, "active")
    assert st.expires == st.next_bill_at + PLAN.grace
    assert env.driver.lease.userOf(lease_id) == env.lessee.address


def test_hours_before_subscription_are_not_billed(env):
    env.read(400)
    lease_id = env.subscribe(top_up=Decimal(5000))
    env.read(410)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", hoursBilled=10, charge=eur(1100))


def test_unpaid_bill_starts_grace_then_use_right_lapses(env):
    lease = env.driver.lease
    lease_id = env.subscribe()
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    grace_end = due + PLAN.grace
    assert_events(res, "PaymentLate", leaseId=lease_id, graceEnds=grace_end)
    st = check_books(env, lease_id)
    assert (st.status, st.outstanding, st.expires) == ("late", 1000, grace_end)
    env.chain.travel_to(grace_end - 1)
    assert lease.userOf(lease_id) == env.lessee.address
    env.chain.travel_to(grace_end)
    assert lease.userOf(lease_id) == ZERO


def test_suspend_at_grace_end_not_before(env):
    lease = env.driver.lease
    lease_id = env.subscribe()
    due = env.bill_due(lease_id)
    grace_end = due + PLAN.grace
    env.chain.set_next_block_timestamp(grace_end - 1)
    with reverts("GraceNotOver", leaseId=lease_id, graceEnds=grace_end):
        env.driver.lease.suspend(lease_id, sender=env.keeper)
    env.chain.set_next_block_timestamp(grace_end)
    res = env.driver.lease.suspend(lease_id, sender=env.keeper)
    assert_events(res, "Suspended", leaseId=lease_id)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=ZERO, expires=0)
    st = check_books(env, lease_id)
    assert (st.status, st.user, st.user_expires) == ("suspended", ZERO, 0)
    assert lease.userExpires(lease_id) == 0
    with reverts("NotLate", leaseId=lease_id):
        env.driver.lease.suspend(lease_id, sender=env.keeper)
    # the lessee cannot name a user while suspended
    with reverts("LeaseNotRunning", leaseId=lease_id):
        env.driver.lease.setUser(lease_id, env.lessee, 2**40, sender=env.lessee)


def test_suspend_after_grace_end(env):
    lease_id = env.subscribe()
    due = env.bill_due(lease_id)
    env.chain.set_next_block_timestamp(due + PLAN.grace + 1)
    env.driver.lease.suspend(lease_id, sender=env.stranger)
    assert env.driver.statement(lease_id).status == "suspended"


def test_suspend_requires_late(env):
    lease_id = env.subscribe(top_up=Decimal(5000))
    with reverts("NotLate", leaseId=lease_id):
        env.driver.lease.suspend(lease_id, sender=env.lessor)


def test_payment_within_grace_restores_active(env):
    lease_id = env.subscribe()
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    res = env.driver.top_up(env.lessee, Decimal(400), lease_id=lease_id)
    assert_events(res, "Paid", leaseId=lease_id, amount=eur(400), outstanding=eur(600))
    assert env.driver.statement(lease_id).status == "late"
    res = env.driver.top_up(env.lessee, Decimal(700), lease_id=lease_id)
    assert_events(res, "Reinstated", leaseId=lease_id)
    st = check_books(env, lease_id)
    assert (st.status, st.outstanding, st.balance, st.paid) == ("active", 0, 100, 1000)
    assert st.expires == st.next_bill_at + PLAN.grace


def test_reinstatement_after_suspension(env):
    lease = env.driver.lease
    lease_id = env.subscribe()
    due = env.bill_due(lease_id)
    env.chain.set_next_block_timestamp(due + PLAN.grace)
    env.driver.lease.suspend(lease_id, sender=env.keeper)
    res = env.driver.top_up(env.other, Decimal(1000), lease_id=lease_id)  # anyone may pay for the lessee
    expires = due + PLAN.period + PLAN.grace
    assert_events(res, "ToppedUp", leaseId=lease_id, payer=env.other, amount=eur(1000))
    assert_events(res, "Reinstated", leaseId=lease_id)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.lessee, expires=expires)
    st = check_books(env, lease_id)
    assert (st.status, st.user, st.expires) == ("active", env.lessee.address, expires)
    assert lease.userOf(lease_id) == env.lessee.address


def test_next_bill_after_unpaid_grace_suspends_first(env):
    lease_id = env.subscribe()
    due = env.bill_due(lease_id)
    env.chain.set_next_block_timestamp(due + PLAN.period)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Suspended", leaseId=lease_id)
    st = check_books(env, lease_id)
    assert (st.status, st.outstanding, st.billed) == ("suspended", 2000, 2000)
    # a partial payment does not reinstate; the full amount does
    env.driver.top_up(env.lessee, Decimal(1999), lease_id=lease_id)
    assert env.driver.statement(lease_id).status == "suspended"
    env.driver.top_up(env.lessee, Decimal(1), lease_id=lease_id)
    assert env.driver.statement(lease_id).status == "active"


def test_lessor_cannot_cut_a_paid_lease(env):
    lease_id = env.subscribe(top_up=Decimal(5000))
    with reverts("NotLessee", caller=env.lessor):
        env.driver.lease.setUser(lease_id, env.lessor, 2**40, sender=env.lessor)
    with reverts("NotLate"):
        env.driver.lease.suspend(lease_id, sender=env.lessor)
    with reverts("NotSuspended"):
        env.driver.lease.terminate(lease_id, sender=env.lessor)
    with reverts("ERC721InsufficientApproval"):
        env.driver.lease.transferFrom(env.lessee, env.lessor, lease_id, sender=env.lessor)
    assert env.driver.lease.userOf(lease_id) == env.lessee.address


def test_top_up_rejections(env):
    with reverts("ZeroAmount"):
        env.driver.lease.topUp(1, 0, sender=env.lessee)
    with reverts("UnknownLease", leaseId=1):
        env.driver.top_up(env.lessee, Decimal(1), lease_id=1)
    lease_id = env.subscribe()
    with reverts("ERC20InsufficientAllowance"):
        env.driver.lease.topUp(lease_id, eur(1), sender=env.lessee)


def test_withdraw_earnings_pull(env):
    lease_id = env.subscribe(top_up=Decimal(5000))
    with reverts("NothingToWithdraw", account=env.lessor):
        env.driver.lease.withdrawEarnings(sender=env.lessor)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    before = env.driver.balance_of(env.lessor)
    res = env.driver.lease.withdrawEarnings(sender=env.lessor)
    assert_events(res, "EarningsWithdrawn", lessor=env.lessor, amount=eur(1000))
    assert env.driver.balance_of(env.lessor) == before + 1000
    assert env.driver.lease.earningsOf(env.lessor) == 0
    with reverts("NothingToWithdraw", account=env.stranger):
        env.driver.lease.withdrawEarnings(sender=env.stranger)
    # deposit and remaining balance stay in escrow
    assert env.driver.balance_of(env.driver.lease) == Decimal(3000 + 4000)


def test_driver_top_up_finds_the_lessees_lease(env):
    assert env.driver.lease_of(env.lessee) == 0
    with pytest.raises(ValueError):
        env.driver.top_up(env.lessee, Decimal(10))
    lease_id = env.subscribe()
    assert env.driver.lease_of(env.lessee) == lease_id
    assert env.driver.lease_of(env.other) == 0
    res = env.driver.top_up(env.lessee, Decimal("12.5"))
    assert_events(res, "ToppedUp", leaseId=lease_id, payer=env.lessee, amount=eur("12.5"))
    assert env.driver.statement(lease_id).balance == Decimal("12.5")
