"""MachineLease maintenance: fault tickets, SLA deadline, automatic credit at the next billing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from leasing_env import PLAN

from s4chain.drivers.arguments import as_hash
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts


def open_ticket(env, lease_id, reporter=None, at=None):
    if at is not None:
        env.chain.set_next_block_timestamp(at)
    res = env.driver.report_fault(reporter or env.lessee, lease_id=lease_id, description_hash="spindle noise")
    return env.driver.ticket_id(res), res


def test_lessee_reports_fault(env):
    lease_id = env.subscribe()
    ticket_id, res = open_ticket(env, lease_id)
    deadline = res.timestamp + PLAN.sla
    assert_events(
        res,
        "FaultReported",
        ticketId=ticket_id,
        leaseId=lease_id,
        reporter=env.lessee,
        descriptionHash=as_hash("spindle noise"),
        deadline=deadline,
    )
    assert env.driver.statement(lease_id).open_ticket == ticket_id
    assert env.driver.lease.ticketOf(ticket_id) == (lease_id, res.timestamp, deadline, False, False)


def test_device_reports_fault_by_machine_id(env):
    lease_id = env.subscribe()
    res = env.driver.report_fault(env.device, machine_id=env.machine_id, description_hash="overheat")
    assert_events(res, "FaultReported", leaseId=lease_id, reporter=env.device)


def test_only_lessee_or_device_report(env):
    lease_id = env.subscribe()
    for account in (env.stranger, env.lessor, env.device2):
        with reverts("NotLesseeOrDevice", leaseId=lease_id, caller=account):
            env.driver.report_fault(account, lease_id=lease_id)
    with reverts("UnknownLease", leaseId=7):
        env.driver.report_fault(env.lessee, lease_id=7)
    with pytest.raises(ValueError):
        env.driver.report_fault(env.lessee, machine_id=env.machine2_id)


def test_one_open_ticket_per_lease(env):
    lease_id = env.subscribe()
    ticket_id, _ = open_ticket(env, lease_id)
    with reverts("TicketAlreadyOpen", leaseId=lease_id, ticketId=ticket_id):
        open_ticket(env, lease_id, reporter=env.device)
    env.driver.close_ticket(env.lessor, ticket_id, "replaced bearing")
    second, _ = open_ticket(env, lease_id)
    assert second == ticket_id + 1


def test_close_ticket_rules(env):
    lease_id = env.subscribe()
    ticket_id, _ = open_ticket(env, lease_id)
    for account in (env.stranger, env.lessee, env.technician):
        with reverts("NotLessor", leaseId=lease_id, caller=account):
            env.driver.close_ticket(account, ticket_id, "report")
    with reverts("TicketNotOpen", ticketId=99):
        env.driver.close_ticket(env.lessor, 99, "report")
    with reverts("EmptyReport"):
        env.driver.close_ticket(env.lessor, ticket_id, b"\x00" * 32)
    res = env.driver.close_ticket(env.lessor, ticket_id, "replaced bearing")
    assert_events(res, "TicketClosed", ticketId=ticket_id, leaseId=lease_id, late=False)
    assert_events(res, "MaintenanceRecorded", machineId=env.machine_id, preventive=False, count=1)
    assert env.driver.machine(env.machine_id).last_document == "0x" + as_hash("replaced bearing").hex()
    assert env.driver.statement(lease_id).open_ticket == 0
    with reverts("TicketNotOpen", ticketId=ticket_id):
        env.driver.close_ticket(env.lessor, ticket_id, "again")


@pytest.mark.parametrize(("offset", "credited"), [(-1, False), (0, False), (1, True)])
def test_close_at_sla_deadline_boundary(env, offset, credited):
    lease_id = env.subscribe(top_up=Decimal(5000))
    ticket_id, res = open_ticket(env, lease_id)
    deadline = res.timestamp + PLAN.sla
    env.chain.set_next_block_timestamp(deadline + offset)
    res = env.driver.close_ticket(env.lessor, ticket_id, "fixed")
    assert_events(res, "TicketClosed", ticketId=ticket_id, late=credited)
    assert bool(res.events_named("SlaCreditGranted")) is credited
    assert env.driver.statement(lease_id).pending_credit == (PLAN.sla_credit if credited else 0)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    if credited:
        assert_events(res, "CreditApplied", leaseId=lease_id, amount=eur(PLAN.sla_credit))
        assert (st.billed, st.credits, st.paid) == (1000, 200, 800)
    else:
        assert not res.events_named("CreditApplied")
        assert (st.billed, st.credits, st.paid) == (1000, 0, 1000)
    assert st.paid + st.outstanding == st.billed - st.credits


@pytest.mark.parametrize(("offset", "credited"), [(-1, True), (0, False), (1, False)])
def test_open_ticket_past_deadline_credited_at_billing(env, offset, credited):
    """The ticket's deadline is due + offset: billing at `due` credits only once the deadline has passed."""
    lease_id = env.subscribe(top_up=Decimal(5000))
    due = env.driver.statement(lease_id).next_bill_at
    ticket_id, _ = open_ticket(env, lease_id, at=due - PLAN.sla + offset)
    env.chain.set_next_block_timestamp(due)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert bool(res.events_named("SlaCreditGranted")) is credited
    st = env.driver.statement(lease_id)
    assert st.credits == (200 if credited else 0)
    assert env.driver.lease.ticketOf(ticket_id).credited is credited
    # closing late afterwards never credits twice
    env.chain.set_next_block_timestamp(due + PLAN.sla + 10)
    res = env.driver.close_ticket(env.lessor, ticket_id, "fixed")
    assert_events(res, "TicketClosed", late=True)
    assert len(res.events_named("SlaCreditGranted")) == (0 if credited else 1)
    env.chain.travel_to(st.next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert (st.credits, st.billed) == (200, 2000)
    assert st.paid + st.outstanding == st.billed - st.credits


def test_credit_larger_than_bill_carries_over(env):
    plan_id = env.driver.plan_id(env.driver.publish_plan(env.lessor, sla_credit=Decimal(1500)))
    lease_id = env.driver.lease_id(env.driver.subscribe(env.lessee, env.machine_id, plan_id))
    ticket_id, _ = open_ticket(env, lease_id)
    env.chain.increase_time(PLAN.sla + 1)
    env.driver.close_ticket(env.lessor, ticket_id, "late fix")
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert (st.billed, st.credits, st.pending_credit, st.outstanding, st.status) == (1000, 1000, 500, 0, "active")
    env.chain.travel_to(st.next_bill_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert (st.billed, st.credits, st.pending_credit, st.outstanding, st.status) == (2000, 1500, 0, 500, "late")
    assert st.paid + st.outstanding == st.billed - st.credits


def test_no_fault_on_ended_lease(env):
    lease_id = env.subscribe(top_up=Decimal(10000))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    end_at = env.driver.statement(lease_id).end_at
    while env.driver.statement(lease_id).status != "ended":
        env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
        env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert env.driver.statement(lease_id).next_bill_at == end_at + PLAN.period
    with reverts("LeaseNotRunning", leaseId=lease_id):
        env.driver.report_fault(env.lessee, lease_id=lease_id)
