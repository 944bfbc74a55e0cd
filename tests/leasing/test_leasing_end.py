"""MachineLease end of lease: notice, minimum term, final billing, settlement, refunds, termination."""

from __future__ import annotations

from decimal import Decimal

import pytest
from leasing_env import PLAN

from s4chain.drivers.leasing import DAY
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

ZERO = "0x" + "00" * 20


@pytest.mark.parametrize(
    ("notice_after", "periods"),
    [
        (10, 3),  # the minimum term (3 periods) dominates
        (60 * DAY - 1, 3),  # notice ends just before the minimum term: t-1
        (60 * DAY, 3),  # notice ends exactly at the minimum term: t
        (60 * DAY + 1, 4),  # notice ends after it: rounded up to the next period end: t+1
        (95 * DAY, 5),
    ],
)
def test_notice_end_date(env, notice_after, periods):
    res = env.driver.subscribe(env.lessee, env.machine_id, env.plan_id)
    lease_id = env.driver.lease_id(res)
    start = res.timestamp
    env.driver.top_up(env.lessee, Decimal(20000), lease_id=lease_id)
    # keep billing current up to the notice
    env.bill_until(lease_id, start + notice_after)
    env.chain.set_next_block_timestamp(start + notice_after)
    res = env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    end_at = start + periods * PLAN.period
    assert_events(res, "NoticeGiven", leaseId=lease_id, endAt=end_at)
    assert env.driver.statement(lease_id).end_at == end_at


def test_notice_rules(env):
    lease_id = env.subscribe()
    with reverts("NotLessee", leaseId=lease_id, caller=env.lessor):
        env.driver.lease.giveNotice(lease_id, sender=env.lessor)
    with reverts("UnknownLease", leaseId=9):
        env.driver.lease.giveNotice(9, sender=env.lessee)
    with reverts("NoNotice", leaseId=lease_id):
        env.driver.revoke_notice(env.lessee, lease_id)
    assert not env.driver.lease.isRenewable(lease_id)
    env.driver.lease.cancelSubscription(lease_id, sender=env.lessee)  # ERC-5643 cancel = notice
    end_at = env.driver.statement(lease_id).end_at
    assert end_at > 0
    assert env.driver.lease.isRenewable(lease_id)
    with reverts("NoticeAlreadyGiven", leaseId=lease_id, endAt=end_at):
        env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    with reverts("NotLessee", caller=env.lessor):
        env.driver.revoke_notice(env.lessor, lease_id)
    res = env.driver.revoke_notice(env.lessee, lease_id)  # ERC-5643 renew = withdraw the notice
    assert_events(res, "NoticeRevoked", leaseId=lease_id)
    assert_events(res, "SubscriptionUpdate", tokenId=lease_id)
    assert env.driver.statement(lease_id).end_at == 0
    assert not env.driver.lease.isRenewable(lease_id)


def test_final_billing_ends_lease_and_use_right(env):
    lease = env.driver.lease
    lease_id = env.subscribe(top_up=Decimal(10000))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    end_at = env.driver.statement(lease_id).end_at
    for _ in range(2):
        env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
        env.driver.lease.runBilling(lease_id, sender=env.keeper)
    # last period: the use right ends at the end date, without grace
    assert lease.expiresAt(lease_id) == end_at
    env.read(50)
    env.chain.travel_to(end_at - 1)
    assert lease.userOf(lease_id) == env.lessee.address
    env.chain.set_next_block_timestamp(end_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    assert_events(res, "Billed", periodEnd=end_at, hoursBilled=50, charge=eur(1500))
    assert_events(res, "LeaseEnded", leaseId=lease_id, endAt=end_at, terminated=False)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=ZERO, expires=0)
    st = env.driver.statement(lease_id)
    assert (st.status, st.user, st.expires, st.billed) == ("ended", ZERO, end_at, 3500)
    with reverts("LeaseNotRunning", leaseId=lease_id):
        env.driver.lease.runBilling(lease_id, sender=env.keeper)
    with reverts("LeaseNotRunning"):
        env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    with reverts("LeaseNotRunning"):
        env.driver.lease.setUser(lease_id, env.lessee, 2**40, sender=env.lessee)
    assert not lease.isRenewable(lease_id)
    env.chain.mine()
    assert lease.userOf(lease_id) == ZERO


def test_settle_returns_deposit_and_balance(env):
    lease_id = env.subscribe(top_up=Decimal(4000))
    with reverts("LeaseNotEnded", leaseId=lease_id):
        env.driver.lease.settle(lease_id, sender=env.keeper)
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.bill_until_ended(lease_id)
    assert env.driver.statement(lease_id).balance == 1000
    before = env.driver.balance_of(env.lessee)
    res = env.driver.lease.settle(lease_id, sender=env.stranger)
    assert_events(res, "LeaseSettled", leaseId=lease_id, fromDeposit=0, refund=eur(4000), unpaid=0)
    assert env.driver.lease.refundOf(env.lessee) == eur(4000)
    assert env.driver.lease.leaseOfMachine(env.machine_id) == 0
    res = env.driver.lease.withdrawRefund(sender=env.lessee)
    assert_events(res, "RefundWithdrawn", lessee=env.lessee, amount=eur(4000))
    assert env.driver.balance_of(env.lessee) == before + 4000
    with reverts("NothingToWithdraw", account=env.lessee):
        env.driver.lease.withdrawRefund(sender=env.lessee)
    with reverts("LeaseNotEnded", leaseId=lease_id):
        env.driver.lease.settle(lease_id, sender=env.keeper)
    with reverts("LeaseNotRunning", leaseId=lease_id):
        env.driver.top_up(env.lessee, Decimal(1), lease_id=lease_id)
    st = env.driver.statement(lease_id)
    assert (st.status, st.deposit, st.balance, st.paid) == ("settled", 0, 0, 3000)
    # the machine can be leased again
    new_id = env.subscribe(lessee=env.other)
    assert env.driver.lease.userOf(new_id) == env.other.address


def test_deposit_pays_what_is_owed(env):
    lease_id = env.subscribe(top_up=Decimal(1000))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.read(100)  # 1000 EUR of hours in the first period
    env.bill_until_ended(lease_id)
    st = env.driver.statement(lease_id)
    assert st.outstanding > 0
    owed = st.outstanding
    res = env.driver.lease.settle(lease_id, sender=env.keeper)
    assert_events(res, "LeaseSettled", fromDeposit=eur(min(owed, Decimal(3000))))
    st = env.driver.statement(lease_id)
    assert st.outstanding == max(owed - 3000, 0)
    assert st.paid + st.outstanding == st.billed - st.credits
    assert env.driver.lease.refundOf(env.lessee) == eur(max(Decimal(3000) - owed, 0))


def test_debt_beyond_deposit_stays_outstanding(env):
    lease_id = env.subscribe()
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    env.read(500)  # 5000 EUR of hours
    env.bill_until_ended(lease_id)
    res = env.driver.lease.settle(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert_events(res, "LeaseSettled", fromDeposit=eur(3000), refund=0, unpaid=eur(st.outstanding))
    assert (st.billed, st.paid, st.outstanding) == (8000, 3000, 5000)
    assert env.driver.lease.refundOf(env.lessee) == 0
    assert env.driver.lease.earningsOf(env.lessor) == eur(3000)
    # the debt can still be paid after settlement; an overpayment becomes refundable
    res = env.driver.top_up(env.lessee, Decimal(5100), lease_id=lease_id)
    assert_events(res, "Paid", leaseId=lease_id, amount=eur(5000), outstanding=0)
    assert_events(res, "RefundCredited", leaseId=lease_id, lessee=env.lessee, amount=eur(100))
    st = env.driver.statement(lease_id)
    assert (st.status, st.paid, st.outstanding, st.balance) == ("settled", 8000, 0, 0)
    assert env.driver.lease.refundOf(env.lessee) == eur(100)
    with reverts("LeaseNotRunning", leaseId=lease_id):
        env.driver.top_up(env.lessee, Decimal(1), lease_id=lease_id)


def test_terminate_suspended_lease(env):
    lease_id = env.subscribe()
    due = env.driver.statement(lease_id).next_bill_at
    env.chain.set_next_block_timestamp(due)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)
    with reverts("NotSuspended", leaseId=lease_id):
        env.driver.lease.terminate(lease_id, sender=env.lessor)
    env.chain.set_next_block_timestamp(due + PLAN.grace)
    env.driver.lease.suspend(lease_id, sender=env.keeper)
    with reverts("NotLessor", leaseId=lease_id, caller=env.stranger):
        env.driver.lease.terminate(lease_id, sender=env.stranger)
    with reverts("NotLessor", caller=env.lessee):
        env.driver.lease.terminate(lease_id, sender=env.lessee)
    with reverts("UnknownLease", leaseId=8):
        env.driver.lease.terminate(8, sender=env.lessor)
    res = env.driver.lease.terminate(lease_id, sender=env.lessor)
    assert_events(res, "LeaseEnded", leaseId=lease_id, endAt=res.timestamp, terminated=True)
    env.driver.lease.settle(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert (st.status, st.paid, st.outstanding) == ("settled", 1000, 0)
    assert env.driver.lease.refundOf(env.lessee) == eur(2000)


@pytest.mark.parametrize(("offset", "renewable"), [(-1, True), (0, False), (1, False)])
def test_notice_can_be_withdrawn_until_end_date(env, offset, renewable):
    lease_id = env.subscribe(top_up=Decimal(10000))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    end_at = env.driver.statement(lease_id).end_at
    # keep billing up to the last period, so that the lease is still running at its end date
    env.bill_until(lease_id, end_at)
    env.chain.travel_to(end_at + offset - 1)
    assert env.driver.lease.isRenewable(lease_id) is (end_at + offset - 1 < end_at)
    env.chain.set_next_block_timestamp(end_at + offset)
    if renewable:
        env.driver.revoke_notice(env.lessee, lease_id)
        assert env.driver.statement(lease_id).end_at == 0
    else:
        with reverts("NoticeRunOut", leaseId=lease_id, endAt=end_at):
            env.driver.revoke_notice(env.lessee, lease_id)


def test_settlement_applies_pending_sla_credit(env):
    lease_id = env.subscribe(top_up=Decimal(2000))
    env.driver.lease.giveNotice(lease_id, sender=env.lessee)
    end_at = env.driver.statement(lease_id).end_at
    env.bill_until(lease_id, end_at)
    env.chain.set_next_block_timestamp(end_at - 3600)
    ticket = env.driver.ticket_id(env.driver.report_fault(env.device, lease_id=lease_id, description_hash="leak"))
    env.chain.set_next_block_timestamp(end_at)
    env.driver.lease.runBilling(lease_id, sender=env.keeper)  # final bill, SLA not yet missed
    st = env.driver.statement(lease_id)
    assert (st.status, st.outstanding, st.credits) == ("ended", 1000, 0)
    env.chain.set_next_block_timestamp(end_at - 3600 + PLAN.sla + 1)
    env.driver.close_ticket(env.lessor, ticket, "late fix")
    assert env.driver.statement(lease_id).pending_credit == 200
    res = env.driver.lease.settle(lease_id, sender=env.keeper)
    assert_events(res, "CreditApplied", leaseId=lease_id, amount=eur(200))
    assert_events(res, "LeaseSettled", fromDeposit=eur(800), refund=eur(2200), unpaid=0)
    st = env.driver.statement(lease_id)
    assert (st.billed, st.credits, st.paid, st.outstanding, st.pending_credit) == (3000, 200, 2800, 0, 0)
