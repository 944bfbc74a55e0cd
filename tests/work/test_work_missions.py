"""MissionEscrow: posting, acceptance, cancellation, submission, approval, rejection, timeout release, closure,
abandonment, withdrawals and administration."""

from __future__ import annotations

from decimal import Decimal

import pytest
from work_env import ACCEPT_WINDOW, FEE_BPS, INACTIVITY, TIMEOUT, WorkEnv, net

from s4chain.drivers.units import eur
from s4chain.drivers.work import ZERO_ADDRESS, as_hash
from s4chain.testing import assert_events, reverts

D = Decimal


# --- posting ----------------------------------------------------------------------------------------------------
def test_post_escrows_the_total(env: WorkEnv) -> None:
    d = env.driver
    before = d.balance(env.firm)
    res = d.post_mission(env.firm, "maintenance", [D("1000"), D("2500.5")], ACCEPT_WINDOW, TIMEOUT)
    mission_id = d.mission_id(res)
    assert_events(
        res,
        "MissionPosted",
        count=1,
        missionId=mission_id,
        firm=env.firm.address,
        freelancer=ZERO_ADDRESS,
        total=eur("3500.5"),
        descriptionHash=as_hash("maintenance"),
    )
    assert d.balance(env.firm) == before - D("3500.5")
    m = d.mission(mission_id)
    assert (m.status, m.milestone_count, m.total, m.fee_bps, m.freelancer) == (
        "open",
        2,
        D("3500.5"),
        300,
        ZERO_ADDRESS,
    )
    assert m.accept_by == res.timestamp + ACCEPT_WINDOW  # window counted from the post's block
    assert d.milestone(mission_id, 1).amount == D("2500.5")
    assert d.milestone(mission_id, 1).status == "pending"
    assert d.state().balanced


@pytest.mark.parametrize("count", [0, 11])
def test_post_bad_milestone_count(env: WorkEnv, count: int) -> None:
    with reverts("BadMilestoneCount", count=count):
        env.post(tuple(["10"] * count))


def test_post_ten_milestones_is_the_maximum(env: WorkEnv) -> None:
    mission_id = env.post(tuple(["10"] * 10))
    assert env.driver.mission(mission_id).milestone_count == 10


def test_post_rejects_zero_amount_past_deadline_bad_timeout_and_self_naming(env: WorkEnv) -> None:
    d, esc = env.driver, env.driver.escrow
    with reverts("ZeroAmount"):
        env.post(("10", "0"))
    d.stablecoin.approve(esc, eur(100), sender=env.firm)
    past = env.chain.timestamp
    with reverts("AcceptanceDeadlinePassed"):
        esc.postMission(as_hash("x"), [eur(100)], past, TIMEOUT, ZERO_ADDRESS, sender=env.firm)
    with reverts("BadApprovalTimeout", timeout=0):
        env.post(("10",), timeout=0)
    with reverts("BadApprovalTimeout", timeout=90 * 86_400 + 1):
        env.post(("10",), timeout=90 * 86_400 + 1)
    with reverts("FirmCannotAccept"):
        env.post(("10",), named=env.firm)


def test_post_without_allowance_reverts(env: WorkEnv) -> None:
    esc = env.driver.escrow
    with reverts("ERC20InsufficientAllowance"):
        esc.postMission(as_hash("x"), [eur(100)], env.chain.timestamp + 100, TIMEOUT, ZERO_ADDRESS, sender=env.firm)


# --- acceptance and cancellation -----------------------------------------------------------------------------------
def test_first_come_accepts(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.post()
    res = d.escrow.acceptMission(mission_id, sender=env.freelancer)
    assert_events(res, "MissionAccepted", missionId=mission_id, freelancer=env.freelancer.address)
    m = d.mission(mission_id)
    assert (m.status, m.freelancer, m.last_activity) == ("active", env.freelancer.address, res.timestamp)
    with reverts("WrongMissionStatus", missionId=mission_id, status=2):
        d.escrow.acceptMission(mission_id, sender=env.other)


def test_only_the_named_freelancer_accepts(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.post(named=env.other)
    assert d.mission(mission_id).freelancer == env.other.address
    with reverts("NotNamedFreelancer", caller=env.freelancer.address, named=env.other.address):
        d.escrow.acceptMission(mission_id, sender=env.freelancer)
    d.escrow.acceptMission(mission_id, sender=env.other)
    assert d.mission(mission_id).freelancer == env.other.address


def test_firm_cannot_accept_its_own_mission(env: WorkEnv) -> None:
    mission_id = env.post()
    with reverts("FirmCannotAccept"):
        env.driver.escrow.acceptMission(mission_id, sender=env.firm)


@pytest.mark.parametrize("offset, ok", [(-1, True), (0, True), (1, False)])
def test_acceptance_deadline(env: WorkEnv, offset: int, ok: bool) -> None:
    d = env.driver
    mission_id = env.post()
    accept_by = d.mission(mission_id).accept_by
    env.chain.set_next_block_timestamp(accept_by + offset)
    if ok:
        d.escrow.acceptMission(mission_id, sender=env.freelancer)
        assert d.mission(mission_id).status == "active"
    else:
        with reverts("AcceptanceDeadlinePassed", acceptBy=accept_by):
            d.escrow.acceptMission(mission_id, sender=env.freelancer)


def test_cancel_before_acceptance_refunds_in_full(env: WorkEnv) -> None:
    d = env.driver
    before = d.balance(env.firm)
    mission_id = env.post()
    with reverts("NotFirm", caller=env.stranger.address):
        d.escrow.cancelMission(mission_id, sender=env.stranger)
    res = d.escrow.cancelMission(mission_id, sender=env.firm)
    assert_events(res, "MissionCancelled", missionId=mission_id, refund=eur(5000))
    m = d.mission(mission_id)
    assert (m.status, m.refunded, m.paid, m.settled_count) == ("cancelled", D(5000), D(0), 3)
    assert d.credit(env.firm) == D(5000)
    with reverts("WrongMissionStatus", status=3):
        d.escrow.cancelMission(mission_id, sender=env.firm)
    with reverts("WrongMissionStatus", status=3):
        d.escrow.acceptMission(mission_id, sender=env.freelancer)
    d.escrow.withdraw(sender=env.firm)
    assert d.balance(env.firm) == before
    assert d.state().balanced and d.state().held == 0


def test_cancel_after_the_deadline_nobody_accepted(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.post()
    env.chain.travel_to(d.mission(mission_id).accept_by + 1)
    d.escrow.cancelMission(mission_id, sender=env.firm)
    assert d.credit(env.firm) == D(5000)


def test_cancel_after_acceptance_reverts(env: WorkEnv) -> None:
    mission_id = env.active()
    with reverts("WrongMissionStatus", missionId=mission_id, status=2):
        env.driver.escrow.cancelMission(mission_id, sender=env.firm)


# --- submission ---------------------------------------------------------------------------------------------------
def test_submit_roles_and_states(env: WorkEnv) -> None:
    d = env.driver
    open_id = env.post()
    with reverts("WrongMissionStatus", status=1):
        d.submit(env.freelancer, open_id, 0, "early")
    mission_id = env.active()
    with reverts("NotFreelancer", caller=env.stranger.address):
        d.submit(env.stranger, mission_id, 0, "not mine")
    with reverts("NotFreelancer", caller=env.firm.address):
        d.submit(env.firm, mission_id, 0, "firm")
    with reverts("UnknownMilestone", missionId=mission_id, milestone=3):
        d.submit(env.freelancer, mission_id, 3, "out of range")
    res = d.submit(env.freelancer, mission_id, 2, "report")  # any order
    assert_events(res, "MilestoneSubmitted", missionId=mission_id, milestone=2, deliverableHash=as_hash("report"))
    ms = d.milestone(mission_id, 2)
    assert (ms.status, ms.submitted_at, ms.releasable_at) == ("submitted", res.timestamp, res.timestamp + TIMEOUT)
    assert d.mission(mission_id).last_activity == res.timestamp
    with reverts("WrongMilestoneStatus", missionId=mission_id, milestone=2, status=1):
        d.submit(env.freelancer, mission_id, 2, "again")


# --- approval -----------------------------------------------------------------------------------------------------
def test_approve_credits_the_freelancer_less_the_fee(env: WorkEnv) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    with reverts("NotFirm", caller=env.freelancer.address):
        d.escrow.approveMilestone(mission_id, 0, sender=env.freelancer)
    with reverts("NotFirm", caller=env.stranger.address):
        d.escrow.approveMilestone(mission_id, 0, sender=env.stranger)
    res = d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert_events(res, "MilestoneApproved", missionId=mission_id, milestone=0)
    assert_events(res, "Paid", missionId=mission_id, milestone=0, net=eur(970), fee=eur(30))
    assert d.credit(env.freelancer) == D(970)
    assert d.credit(env.admin) == D(30)  # the treasury
    assert d.milestone(mission_id, 0).status == "paid"
    m = d.mission(mission_id)
    assert (m.paid, m.settled_count, m.status) == (D(1000), 1, "active")
    with reverts("WrongMilestoneStatus", missionId=mission_id, milestone=0, status=4):
        d.escrow.approveMilestone(mission_id, 0, sender=env.firm)  # double approve
    with reverts("WrongMilestoneStatus", status=4):
        d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)
    with reverts("WrongMilestoneStatus", status=4):
        d.submit(env.freelancer, mission_id, 0, "again")
    assert d.state().balanced


def test_approve_unsubmitted_reverts(env: WorkEnv) -> None:
    mission_id = env.active()
    with reverts("WrongMilestoneStatus", missionId=mission_id, milestone=1, status=0):
        env.driver.escrow.approveMilestone(mission_id, 1, sender=env.firm)


def test_firm_may_still_approve_after_the_timeout(env: WorkEnv) -> None:
    d = env.driver
    mission_id, submitted_at = env.submitted()
    env.chain.travel_to(submitted_at + TIMEOUT + 10)
    d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert d.milestone(mission_id, 0).status == "paid"


def test_full_mission_closes_and_everyone_withdraws(env: WorkEnv) -> None:
    d = env.driver
    wallet = d.balance(env.freelancer)
    mission_id = env.active()
    for index in range(3):
        d.submit(env.freelancer, mission_id, index, f"deliverable {index}")
        res = d.escrow.approveMilestone(mission_id, index, sender=env.firm)
    assert_events(res, "MissionClosed", count=1, missionId=mission_id, paid=eur(5000), refunded=0)
    m = d.mission(mission_id)
    assert (m.status, m.paid + m.refunded, m.settled_count) == ("closed", m.total, 3)
    with reverts("WrongMissionStatus", status=4):
        d.submit(env.freelancer, mission_id, 0, "late")
    res = d.escrow.withdraw(sender=env.freelancer)
    assert_events(res, "CreditWithdrawn", account=env.freelancer.address, amount=eur(4850))
    assert d.balance(env.freelancer) == wallet + D(4850)
    d.escrow.withdraw(sender=env.admin)
    state = d.state()
    assert state.balanced and state.held == 0 and state.owed == 0
    with reverts("NothingToWithdraw", account=env.freelancer.address):
        d.escrow.withdraw(sender=env.freelancer)


# --- rejection ----------------------------------------------------------------------------------------------------
def test_reject_then_resubmit_then_approve(env: WorkEnv) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    with reverts("NotFirm"):
        d.reject(env.freelancer, mission_id, 0, "self")
    res = d.reject(env.firm, mission_id, 0, "incomplete")
    assert_events(res, "MilestoneRejected", missionId=mission_id, milestone=0, reasonHash=as_hash("incomplete"))
    ms = d.milestone(mission_id, 0)
    assert (ms.status, ms.releasable_at) == ("rejected", 0)
    with reverts("WrongMilestoneStatus", status=2):
        d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    with reverts("WrongMilestoneStatus", status=2):
        d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)
    with reverts("WrongMilestoneStatus", status=2):
        d.reject(env.firm, mission_id, 0, "twice")
    res = d.submit(env.freelancer, mission_id, 0, "v2")
    assert d.milestone(mission_id, 0).submitted_at == res.timestamp  # the timeout restarts
    d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert d.credit(env.freelancer) == D(970)


def submitted_near_timeout(env: WorkEnv, offset: int) -> tuple[int, int]:
    """A submitted milestone 0, the next block pinned `offset` seconds from its timeout; (mission id, submission
    time)."""
    mission_id, submitted_at = env.submitted()
    env.chain.set_next_block_timestamp(submitted_at + TIMEOUT + offset)
    return mission_id, submitted_at


@pytest.mark.parametrize("offset, ok", [(-1, True), (0, False), (1, False)])
def test_reject_window(env: WorkEnv, offset: int, ok: bool) -> None:
    d = env.driver
    mission_id, submitted_at = submitted_near_timeout(env, offset)
    if ok:
        d.reject(env.firm, mission_id, 0, "late but in time")
        assert d.milestone(mission_id, 0).status == "rejected"
    else:
        with reverts("TimeoutReached", releasableAt=submitted_at + TIMEOUT):
            d.reject(env.firm, mission_id, 0, "too late")


# --- release after timeout ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset, ok", [(-1, False), (0, True), (1, True)])
def test_release_after_timeout_boundary(env: WorkEnv, offset: int, ok: bool) -> None:
    d = env.driver
    mission_id, submitted_at = submitted_near_timeout(env, offset)
    if ok:
        res = d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)  # anyone
        assert_events(res, "MilestoneReleased", missionId=mission_id, milestone=0, caller=env.stranger.address)
        assert_events(res, "Paid", net=eur(970), fee=eur(30))
        assert d.milestone(mission_id, 0).status == "paid"
        assert d.credit(env.freelancer) == D(970)
        with reverts("WrongMilestoneStatus", status=4):
            d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.freelancer)  # double release
        with reverts("WrongMilestoneStatus", status=4):
            d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    else:
        with reverts("TimeoutNotReached", releasableAt=submitted_at + TIMEOUT):
            d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)
        assert d.credit(env.freelancer) == 0


def test_release_of_unsubmitted_or_unknown_milestone_reverts(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.active()
    with reverts("WrongMilestoneStatus", status=0):
        d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)
    with reverts("UnknownMilestone", missionId=mission_id, milestone=7):
        d.escrow.releaseAfterTimeout(mission_id, 7, sender=env.stranger)
    with reverts("UnknownMilestone", missionId=999, milestone=0):
        d.escrow.releaseAfterTimeout(999, 0, sender=env.stranger)


# --- abandonment and inactivity -----------------------------------------------------------------------------------
def test_abandon_then_reclaim_unstarted(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.active()
    d.submit(env.freelancer, mission_id, 0, "d0")
    d.submit(env.freelancer, mission_id, 1, "d1")
    d.reject(env.firm, mission_id, 1, "no")
    with reverts("NotReclaimable", missionId=mission_id):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
    with reverts("NotFreelancer", caller=env.stranger.address):
        d.escrow.abandonMission(mission_id, sender=env.stranger)
    res = d.escrow.abandonMission(mission_id, sender=env.freelancer)
    assert_events(res, "MissionAbandoned", missionId=mission_id, freelancer=env.freelancer.address)
    assert d.mission(mission_id).abandoned
    with reverts("WrongMissionStatus"):
        d.escrow.abandonMission(mission_id, sender=env.freelancer)
    with reverts("WrongMissionStatus"):
        d.submit(env.freelancer, mission_id, 2, "after leaving")
    with reverts("NotFirm"):
        d.escrow.reclaimUnstarted(mission_id, sender=env.stranger)
    res = d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
    assert_events(res, "MilestoneRefunded", count=1, milestone=2)  # the rejected one keeps its response window
    assert [d.milestone(mission_id, i).status for i in range(3)] == ["submitted", "rejected", "refunded"]
    assert d.credit(env.firm) == D(1500)
    with reverts("NotReclaimable"):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)  # nothing left to refund yet
    env.chain.set_next_block_timestamp(d.milestone(mission_id, 1).deadline)
    assert_events(d.escrow.reclaimUnstarted(mission_id, sender=env.firm), "MilestoneRefunded", count=1, milestone=1)
    assert d.credit(env.firm) == D(4000)
    assert d.mission(mission_id).status == "active"
    d.escrow.approveMilestone(mission_id, 0, sender=env.firm)  # the submitted work is still paid
    m = d.mission(mission_id)
    assert (m.status, m.paid, m.refunded) == ("closed", D(1000), D(4000))
    with reverts("WrongMissionStatus", status=4):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
    assert d.state().balanced


@pytest.mark.parametrize("offset, ok", [(-1, False), (0, True), (1, True)])
def test_reclaim_after_inactivity(env: WorkEnv, offset: int, ok: bool) -> None:
    d = env.driver
    mission_id = env.active()
    last = d.mission(mission_id).last_activity
    env.chain.set_next_block_timestamp(last + INACTIVITY + offset)
    if ok:
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
        m = d.mission(mission_id)
        assert (m.status, m.refunded) == ("closed", D(5000))
    else:
        with reverts("NotReclaimable", missionId=mission_id):
            d.escrow.reclaimUnstarted(mission_id, sender=env.firm)


def test_reclaim_on_open_mission_reverts(env: WorkEnv) -> None:
    mission_id = env.post()
    with reverts("WrongMissionStatus", status=1):
        env.driver.escrow.reclaimUnstarted(mission_id, sender=env.firm)


# --- administration -----------------------------------------------------------------------------------------------
def test_fee_is_capped_admin_only_and_snapshotted_per_mission(env: WorkEnv) -> None:
    d, esc = env.driver, env.driver.escrow
    old = env.active(("1000",))
    with reverts("AccessControlUnauthorizedAccount", account=env.stranger.address):
        esc.setFee(100, sender=env.stranger)
    with reverts("FeeTooHigh", feeBps=1001):
        esc.setFee(1001, sender=env.admin)
    res = esc.setFee(1000, sender=env.admin)
    assert_events(res, "FeeChanged", feeBps=1000)
    new = env.active(("1000",))
    assert d.mission(old).fee_bps == FEE_BPS and d.mission(new).fee_bps == 1000
    for mission_id in (old, new):
        d.submit(env.freelancer, mission_id, 0, "x")
        d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert d.credit(env.freelancer) == net(D(1000))[0] + D(900)
    assert d.credit(env.admin) == D(30) + D(100)


def test_zero_fee_credits_everything(env: WorkEnv) -> None:
    d, esc = env.driver, env.driver.escrow
    esc.setFee(0, sender=env.admin)
    mission_id, _ = env.submitted(("1000",))
    res = d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert_events(res, "Paid", net=eur(1000), fee=0)
    assert d.credit(env.admin) == 0


def test_treasury_change(env: WorkEnv) -> None:
    d, esc = env.driver, env.driver.escrow
    with reverts("ZeroAddress"):
        esc.setTreasury(ZERO_ADDRESS, sender=env.admin)
    with reverts("AccessControlUnauthorizedAccount"):
        esc.setTreasury(env.stranger, sender=env.stranger)
    esc.setTreasury(env.stranger, sender=env.admin)
    mission_id, _ = env.submitted(("1000",))
    d.escrow.approveMilestone(mission_id, 0, sender=env.firm)
    assert d.credit(env.stranger) == D(30)
    assert d.state().balanced


def test_constructor_checks(env: WorkEnv) -> None:
    chain, coin = env.chain, env.driver.stablecoin
    with reverts("ZeroAddress"):
        chain.deploy("MissionEscrow", ZERO_ADDRESS, coin, env.admin, 300, sender=env.admin)
    with reverts("FeeTooHigh", feeBps=1001):
        chain.deploy("MissionEscrow", env.admin, coin, env.admin, 1001, sender=env.admin)


def test_driver_reads_unknown_mission(env: WorkEnv) -> None:
    with pytest.raises(ValueError, match="no mission"):
        env.driver.mission(12345)
