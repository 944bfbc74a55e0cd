"""MissionEscrow disputes: who may open one, freezing, the arbiter's role and the split arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from work_env import FEE_BPS, TIMEOUT, WorkEnv

from s4chain.drivers.arguments import as_hash
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

D = Decimal


def test_only_parties_open_disputes_on_submitted_or_rejected(env: WorkEnv) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    with reverts("NotParty", caller=env.stranger.address):
        d.dispute(env.stranger, mission_id, 0, "meddling")
    with reverts("NotParty", caller=env.arbiter.address):
        d.dispute(env.arbiter, mission_id, 0, "arbiter is no party")
    with reverts("WrongMilestoneStatus", missionId=mission_id, milestone=1, status=0):
        d.dispute(env.freelancer, mission_id, 1, "nothing submitted")
    res = d.dispute(env.firm, mission_id, 0, "poor quality")
    assert_events(
        res, "DisputeOpened", missionId=mission_id, milestone=0, party=env.firm.address, reason=as_hash("poor quality")
    )
    assert d.milestone(mission_id, 0).status == "disputed"
    with reverts("WrongMilestoneStatus", status=3):
        d.dispute(env.freelancer, mission_id, 0, "again")
    # the freelancer disputes a rejection
    d.submit(env.freelancer, mission_id, 1, "d1")
    d.reject(env.firm, mission_id, 1, "no")
    d.dispute(env.freelancer, mission_id, 1, "unfair rejection")
    assert d.milestone(mission_id, 1).status == "disputed"


def test_a_dispute_freezes_the_milestone(env: WorkEnv) -> None:
    d = env.driver
    mission_id, submitted_at = env.submitted()
    d.dispute(env.firm, mission_id, 0, "not what we ordered")
    env.chain.travel_to(submitted_at + TIMEOUT + 1)
    for action in (
        lambda: d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger),
        lambda: d.escrow.approveMilestone(mission_id, 0, sender=env.firm),
        lambda: d.reject(env.firm, mission_id, 0, "no"),
        lambda: d.submit(env.freelancer, mission_id, 0, "v2"),
    ):
        with reverts("WrongMilestoneStatus", status=3):
            action()


def test_only_the_arbiter_resolves(env: WorkEnv) -> None:
    d = env.driver
    mission_id, _ = env.submitted()
    d.dispute(env.firm, mission_id, 0, "x")
    role = d.escrow.ARBITER_ROLE()
    for who in (env.stranger, env.firm, env.freelancer, env.admin):
        with reverts("AccessControlUnauthorizedAccount", account=who.address, neededRole=role):
            d.escrow.resolveDispute(mission_id, 0, 5000, sender=who)
    with reverts("BpsTooHigh", bps=10_001):
        d.escrow.resolveDispute(mission_id, 0, 10_001, sender=env.arbiter)
    d.escrow.resolveDispute(mission_id, 0, 5000, sender=env.arbiter)
    with reverts("WrongMilestoneStatus", status=6):
        d.escrow.resolveDispute(mission_id, 0, 5000, sender=env.arbiter)  # resolved once
    with reverts("WrongMilestoneStatus", status=6):
        d.escrow.releaseAfterTimeout(mission_id, 0, sender=env.stranger)


def test_resolve_without_dispute_reverts(env: WorkEnv) -> None:
    mission_id, _ = env.submitted()
    with reverts("WrongMilestoneStatus", missionId=mission_id, milestone=0, status=1):
        env.driver.escrow.resolveDispute(mission_id, 0, 5000, sender=env.arbiter)


def test_admin_grants_the_arbiter_role(env: WorkEnv) -> None:
    d = env.driver
    esc = d.escrow
    with reverts("AccessControlUnauthorizedAccount"):
        esc.grantRole(esc.ARBITER_ROLE(), env.stranger, sender=env.arbiter)
    esc.grantRole(esc.ARBITER_ROLE(), env.stranger, sender=env.admin)
    mission_id, _ = env.submitted()
    d.dispute(env.firm, mission_id, 0, "x")
    d.escrow.resolveDispute(mission_id, 0, 10_000, sender=env.stranger)
    assert d.milestone(mission_id, 0).status == "split"


@pytest.mark.parametrize(
    "amount, bps", [("1000", 0), ("1000", 10_000), ("1000", 5000), ("333.333333", 3333), ("0.000001", 9999), ("7", 1)]
)
def test_split_arithmetic(env: WorkEnv, amount: str, bps: int) -> None:
    d = env.driver
    mission_id, _ = env.submitted((amount, "10"))
    d.dispute(env.firm, mission_id, 0, "split it")
    units = eur(amount)
    to_freelancer = units * bps // 10_000
    to_firm = units - to_freelancer
    fee = to_freelancer * FEE_BPS // 10_000
    res = d.escrow.resolveDispute(mission_id, 0, bps, sender=env.arbiter)
    assert_events(
        res,
        "DisputeResolved",
        missionId=mission_id,
        milestone=0,
        freelancerBps=bps,
        toFreelancer=to_freelancer,
        toFirm=to_firm,
    )
    if to_freelancer:
        assert_events(res, "Paid", count=1, net=to_freelancer - fee, fee=fee)
    else:
        assert not res.events_named("Paid")
    assert d.credit(env.freelancer) == D(to_freelancer - fee) / 10**6
    assert d.credit(env.firm) == D(to_firm) / 10**6
    assert d.credit(env.admin) == D(fee) / 10**6
    m = d.mission(mission_id)
    assert (m.paid, m.refunded) == (D(to_freelancer) / 10**6, D(to_firm) / 10**6)
    assert d.milestone(mission_id, 0).status == "split"
    assert d.state().balanced


def test_mission_closes_after_a_dispute(env: WorkEnv) -> None:
    d = env.driver
    mission_id, _ = env.submitted(("600", "400"))
    d.submit(env.freelancer, mission_id, 1, "d1")
    d.escrow.approveMilestone(mission_id, 1, sender=env.firm)
    d.dispute(env.firm, mission_id, 0, "half done")
    res = d.escrow.resolveDispute(mission_id, 0, 2500, sender=env.arbiter)
    assert_events(res, "MissionClosed", missionId=mission_id, paid=eur(550), refunded=eur(450))
    m = d.mission(mission_id)
    assert (m.status, m.paid + m.refunded) == ("closed", m.total)
    for who in (env.firm, env.freelancer, env.admin):
        d.escrow.withdraw(sender=who)
    assert d.state().held == 0
