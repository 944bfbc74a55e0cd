"""MachineLease: a suspended lease that the next bill finds paid up is reinstated by `runBilling` itself.

A top-up that clears the debt reinstates at once (test_leasing_billing.py); here the lessee pays part of it, and
an SLA credit earned meanwhile (a fault ticket left open past its deadline) pays the rest when the next period is
billed. Whether the lease was suspended by `suspend` or by that same bill (its grace period over), the bill then
reinstates it: the use right goes back to the lessee until the new period's end plus grace."""

from __future__ import annotations

from decimal import Decimal

import pytest
from leasing_env import PLAN

from s4chain.drivers.units import eur
from s4chain.testing import assert_events

ZERO = "0x" + "00" * 20
SLA_CREDIT = Decimal(1500)  # covers the next bill (1,000) and 500 of the unpaid one


def _suspended_lease_with_credit(env, suspended_by: str, paid: Decimal) -> tuple[int, int, int]:
    """A lease whose first bill went unpaid, with a fault ticket open past its deadline and `paid` of the debt
    paid while suspended (or late, if the next bill suspends it); returns (lease, ticket, next bill's due time)."""
    plan_id = env.driver.plan_id(env.driver.publish_plan(env.lessor, sla_credit=SLA_CREDIT))
    lease_id = env.driver.lease_id(env.driver.subscribe(env.lessee, env.machine_id, plan_id))
    due = env.bill_due(lease_id)  # 1,000 unpaid: late
    env.chain.set_next_block_timestamp(due + 1)
    ticket_id = env.driver.ticket_id(env.driver.report_fault(env.lessee, lease_id=lease_id, description_hash="spindle"))
    if suspended_by == "suspend":
        env.chain.set_next_block_timestamp(due + PLAN.grace)
        env.driver.lease.suspend(lease_id, sender=env.keeper)
    env.driver.top_up(env.lessee, paid, lease_id=lease_id)
    st = env.driver.statement(lease_id)
    assert (st.status, st.outstanding, st.balance) == (
        "suspended" if suspended_by == "suspend" else "late",
        Decimal(1000) - paid,
        0,
    )
    return lease_id, ticket_id, due + PLAN.period


@pytest.mark.parametrize("suspended_by", ["suspend", "billing"])
@pytest.mark.parametrize("paid", [Decimal(500), Decimal(600)])  # the credit covers the rest exactly, or with 100 left
def test_billing_reinstates_a_suspended_lease_it_finds_paid_up(env, suspended_by: str, paid: Decimal) -> None:
    lease_id, ticket_id, due = _suspended_lease_with_credit(env, suspended_by, paid)
    owed = Decimal(1000) - paid + Decimal(1000)  # the rest of the first bill and the second one
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    expires = due + PLAN.period + PLAN.grace
    if suspended_by == "billing":  # the grace period ran out unpaid: suspended first, then billed
        assert_events(res, "Suspended", count=1, leaseId=lease_id)
        assert_events(res, "UpdateUser", tokenId=lease_id, user=ZERO, expires=0)
    else:
        assert not res.events_named("Suspended")
    assert_events(res, "SlaCreditGranted", count=1, ticketId=ticket_id, leaseId=lease_id, amount=eur(SLA_CREDIT))
    assert_events(res, "Billed", leaseId=lease_id, periodEnd=due, hoursBilled=0, charge=eur(1000), outstanding=0)
    assert_events(res, "CreditApplied", count=1, leaseId=lease_id, amount=eur(owed))
    assert not res.events_named("Paid")  # nothing left in the balance: the credit paid it all
    assert_events(res, "Reinstated", count=1, leaseId=lease_id)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.lessee, expires=expires)
    st = env.driver.statement(lease_id)
    assert st.paid + st.outstanding == st.billed - st.credits
    assert (st.status, st.billed, st.paid, st.credits, st.outstanding) == ("active", 2000, paid, owed, 0)
    assert st.pending_credit == SLA_CREDIT - owed
    assert (st.user, st.expires, st.next_bill_at) == (env.lessee.address, expires, due + PLAN.period)
    assert env.driver.lease.userOf(lease_id) == env.lessee.address


@pytest.mark.parametrize("suspended_by", ["suspend", "billing"])
def test_billing_leaves_a_lease_suspended_while_one_unit_is_owed(env, suspended_by: str) -> None:
    lease_id, _, due = _suspended_lease_with_credit(env, suspended_by, Decimal(499))
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", leaseId=lease_id, charge=eur(1000), outstanding=eur(1))
    assert not res.events_named("Reinstated")
    st = env.driver.statement(lease_id)
    assert (st.status, st.outstanding, st.credits, st.pending_credit, st.user) == ("suspended", 1, 1500, 0, ZERO)
