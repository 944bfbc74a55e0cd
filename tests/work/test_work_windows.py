"""MissionEscrow windows: after each move, the other party has a window that nobody can close early (issue 11, findings
12 and 13). A rejection gives the freelancer RESPONSE_WINDOW to resubmit or dispute; only never-delivered work, or a
rejection left unanswered, is reclaimed; waiting on the firm is not inactivity; disputes only inside the window, each
party against the other's move; a dispute no arbiter rules on is split 50/50 after ARBITER_TIMEOUT; an arbiter never
rules on its own mission."""

from __future__ import annotations

from decimal import Decimal

import pytest
from work_env import DAY, INACTIVITY, TIMEOUT, WorkEnv

from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

D = Decimal
RESPONSE = 14 * DAY
ARBITER = 30 * DAY
LONG = 90 * DAY  # the longest approval timeout


# --- finding 12: the firm cannot keep delivered work and take the money back ------------------------------------
def test_reject_then_reclaim_at_once_is_refused_with_a_long_approval_timeout(env: WorkEnv) -> None:
    """The exploit: timeout 90 days, the firm waits 60 days after the submission, rejects and reclaims."""
    d = env.driver
    mission_id = env.active(timeout=LONG)
    submitted_at = d.submit(env.freelancer, mission_id, 0, "delivered").timestamp
    env.chain.set_next_block_timestamp(submitted_at + INACTIVITY)
    rejected_at = d.reject(env.firm, mission_id, 0, "keep it, pay nothing").timestamp
    with reverts("NotReclaimable", missionId=mission_id):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
    assert d.milestone(mission_id, 0).status == "rejected" and d.credit(env.firm) == 0
    assert d.milestone(mission_id, 0).deadline == rejected_at + RESPONSE
    env.chain.set_next_block_timestamp(rejected_at + RESPONSE - 1)
    d.submit(env.freelancer, mission_id, 0, "delivered again")  # the freelancer had its window
    assert d.milestone(mission_id, 0).status == "submitted"


@pytest.mark.parametrize(("offset", "freelancer_in_time"), [(-1, True), (0, False)])
def test_after_a_rejection_the_freelancer_has_the_response_window(
    env: WorkEnv, offset: int, freelancer_in_time: bool
) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    rejected_at = d.reject(env.firm, mission_id, 0, "no").timestamp
    deadline = rejected_at + RESPONSE
    if freelancer_in_time:
        env.chain.set_next_block_timestamp(deadline - 2)  # a reverted transaction mines its block too
        with reverts("NotReclaimable", missionId=mission_id):
            d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
        assert_events(d.dispute(env.freelancer, mission_id, 0, "unfair"), "DisputeOpened")  # at deadline - 1
    else:
        env.chain.set_next_block_timestamp(deadline)
        with reverts("DeadlinePassed", deadline=deadline):
            d.submit(env.freelancer, mission_id, 0, "too late")
        with reverts("DeadlinePassed", deadline=deadline):
            d.dispute(env.freelancer, mission_id, 0, "too late")
        res = d.escrow.reclaimUnstarted(
            mission_id, sender=env.firm
        )  # the rejection stands: only this milestone comes back
        assert_events(res, "MilestoneRefunded", count=1, milestone=0, amount=eur(1000))
        assert [d.milestone(mission_id, i).status for i in range(3)] == ["refunded", "pending", "pending"]
    assert d.state().balanced


def test_waiting_on_the_firm_is_not_inactivity(env: WorkEnv) -> None:
    """The freelancer's submission waits 90 days for the firm: its other milestones are not reclaimable meanwhile,
    and a decision restarts the inactivity clock."""
    d = env.driver
    mission_id = env.active(timeout=LONG)
    submitted_at = d.submit(env.freelancer, mission_id, 0, "d0").timestamp
    env.chain.set_next_block_timestamp(submitted_at + INACTIVITY + 1)
    with reverts("NotReclaimable", missionId=mission_id):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)
    env.chain.set_next_block_timestamp(submitted_at + LONG - 1)
    approved_at = d.escrow.approveMilestone(mission_id, 0, sender=env.firm).timestamp
    with reverts("NotReclaimable", missionId=mission_id):
        d.escrow.reclaimUnstarted(
            mission_id, sender=env.firm
        )  # right after paying, the freelancer has a full inactivity period again
    assert d.mission(mission_id).last_activity == approved_at
    env.chain.set_next_block_timestamp(approved_at + INACTIVITY)
    assert_events(d.escrow.reclaimUnstarted(mission_id, sender=env.firm), "MilestoneRefunded", count=2)
    assert d.mission(mission_id).status == "closed" and d.state().balanced


def test_a_pending_dispute_is_not_inactivity(env: WorkEnv) -> None:
    d = env.driver
    mission_id, submitted_at = env.submitted()
    d.dispute(env.firm, mission_id, 0, "x")
    env.chain.set_next_block_timestamp(submitted_at + INACTIVITY)
    with reverts("NotReclaimable", missionId=mission_id):
        d.escrow.reclaimUnstarted(mission_id, sender=env.firm)


# --- finding 13: disputes only within the window, and a dispute always ends -----------------------------------
@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_the_firm_disputes_only_within_its_approval_window(env: WorkEnv, offset: int, ok: bool) -> None:
    d = env.driver
    mission_id, submitted_at = env.submitted()
    releasable_at = submitted_at + TIMEOUT
    env.chain.set_next_block_timestamp(releasable_at + offset)
    if ok:
        assert_events(d.dispute(env.firm, mission_id, 0, "in time"), "DisputeOpened", party=env.firm.address)
        return
    with reverts("DeadlinePassed", deadline=releasable_at):
        d.dispute(env.firm, mission_id, 0, "blocks the release")
    assert_events(d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger), "MilestoneReleased")


def test_the_freelancer_cannot_freeze_its_own_submission(env: WorkEnv) -> None:
    """A dispute by the freelancer right after submitting would pre-empt the firm's answer (and, with an absent
    arbiter, lock in half of a milestone the firm would have rejected)."""
    d = env.driver
    mission_id, _ = env.submitted()
    with reverts("NotFirm", caller=env.freelancer.address):
        d.dispute(env.freelancer, mission_id, 0, "pre-empt the rejection")
    assert_events(d.reject(env.firm, mission_id, 0, "not done"), "MilestoneRejected")


def test_the_firm_cannot_dispute_its_own_rejection(env: WorkEnv) -> None:
    """A dispute by the firm on a rejected milestone would take away the freelancer's resubmission."""
    d = env.driver
    mission_id, _ = env.submitted()
    d.reject(env.firm, mission_id, 0, "no")
    with reverts("NotFreelancer", caller=env.firm.address):
        d.dispute(env.firm, mission_id, 0, "freeze it")


@pytest.mark.parametrize("offset", [-1, 0])
def test_a_dispute_nobody_rules_on_is_split_half_and_half(env: WorkEnv, offset: int) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    opened_at = d.dispute(env.firm, mission_id, 0, "x").timestamp
    deadline = opened_at + ARBITER
    assert d.milestone(mission_id, 0).deadline == deadline
    if offset < 0:
        env.chain.set_next_block_timestamp(deadline - 2)  # a reverted transaction mines its block too
        with reverts("DeadlineNotReached", deadline=deadline):
            d.escrow.settleLapsedDispute(mission_id, 0, sender=env.stranger)
        assert_events(
            d.escrow.resolveDispute(mission_id, 0, 10_000, sender=env.arbiter),
            "DisputeResolved",
            toFreelancer=eur(1000),
        )
        return
    env.chain.set_next_block_timestamp(deadline)
    with reverts("DeadlinePassed", deadline=deadline):
        d.escrow.resolveDispute(
            mission_id, 0, 10_000, sender=env.arbiter
        )  # the default outcome is fixed: no late ruling races it
    res = d.escrow.settleLapsedDispute(mission_id, 0, sender=env.stranger)
    assert_events(res, "DisputeLapsed", missionId=mission_id, milestone=0, caller=env.stranger.address)
    assert_events(res, "DisputeResolved", freelancerBps=5000, toFreelancer=eur(500), toFirm=eur(500))
    assert d.credit(env.firm) == D(500) and d.credit(env.freelancer) == D("485")
    with reverts("WrongMilestoneStatus", status=6):
        d.escrow.settleLapsedDispute(mission_id, 0, sender=env.stranger)
    assert d.state().balanced


def test_an_arbiter_never_rules_on_its_own_mission(env: WorkEnv) -> None:
    d = env.driver
    mission_id = env.post()
    d.escrow.acceptMission(mission_id, sender=env.arbiter)  # the arbiter took the open mission as freelancer
    d.submit(env.arbiter, mission_id, 0, "d0")
    d.dispute(env.firm, mission_id, 0, "x")
    with reverts("ArbiterIsParty", arbiter=env.arbiter.address):
        d.escrow.resolveDispute(mission_id, 0, 10_000, sender=env.arbiter)
    esc = d.escrow
    esc.grantRole(esc.ARBITER_ROLE(), env.firm, sender=env.admin)
    with reverts("ArbiterIsParty", arbiter=env.firm.address):
        d.escrow.resolveDispute(mission_id, 0, 0, sender=env.firm)
    esc.revokeRole(esc.ARBITER_ROLE(), env.firm, sender=env.admin)
