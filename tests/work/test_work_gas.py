"""Gas of every external state-changing function of MissionEscrow, with ceilings on the hot paths."""

from __future__ import annotations

from decimal import Decimal

from work_env import ACCEPT_WINDOW, TIMEOUT, WorkEnv

from s4chain.chain import TxResult

CEILINGS = {
    "MissionEscrow.postMission": 230_000,  # three milestones, first mission (fresh counter and balance)
    "MissionEscrow.acceptMission": 40_000,
    "MissionEscrow.submitMilestone": 40_000,
    "MissionEscrow.approveMilestone": 100_000,  # first credits of freelancer and treasury
    "MissionEscrow.releaseAfterTimeout": 80_000,
    "MissionEscrow.resolveDispute": 100_000,
    "MissionEscrow.settleLapsedDispute": 120_000,  # credits firm and freelancer, both from zero
    "MissionEscrow.withdraw": 60_000,
}


def test_work_gas(env: WorkEnv, gas_report) -> None:  # type: ignore[no-untyped-def]
    d, esc = env.driver, env.driver.escrow
    seen: dict[str, int] = {}

    def rec(key: str, res: TxResult) -> TxResult:
        gas_report.record(key, res.gas_used)
        seen[key] = max(seen.get(key, 0), res.gas_used)
        return res

    rec("MissionEscrow.grantRole", esc.grantRole(esc.ARBITER_ROLE(), env.stranger, sender=env.admin))
    rec("MissionEscrow.revokeRole", esc.revokeRole(esc.ARBITER_ROLE(), env.stranger, sender=env.admin))
    rec("MissionEscrow.renounceRole", esc.renounceRole(esc.ARBITER_ROLE(), env.stranger, sender=env.stranger))
    rec("MissionEscrow.setFee", esc.setFee(300, sender=env.admin))
    rec("MissionEscrow.setTreasury", esc.setTreasury(env.admin, sender=env.admin))

    amounts = [Decimal(1000), Decimal(2500), Decimal(1500)]
    res = rec("MissionEscrow.postMission", d.post_mission(env.firm, "m1", amounts, ACCEPT_WINDOW, TIMEOUT))
    m1 = d.mission_id(res)
    rec("MissionEscrow.cancelMission", d.cancel(env.firm, m1))
    res = d.post_mission(env.firm, "m2", amounts, ACCEPT_WINDOW, TIMEOUT, env.freelancer)
    m2 = d.mission_id(res)
    rec("MissionEscrow.acceptMission", d.accept(env.freelancer, m2))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 0, "d0"))
    rec("MissionEscrow.approveMilestone", d.approve(env.firm, m2, 0))  # first credits: fresh slots
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 1, "d1"))
    rec("MissionEscrow.rejectMilestone", d.reject(env.firm, m2, 1, "no"))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 1, "d1 v2"))
    env.chain.increase_time(TIMEOUT)
    rec("MissionEscrow.releaseAfterTimeout", d.release_after_timeout(env.stranger, m2, 1))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 2, "d2"))
    rec("MissionEscrow.openDispute", d.dispute(env.firm, m2, 2, "bad"))
    rec("MissionEscrow.resolveDispute", d.resolve(env.arbiter, m2, 2, 5000))  # closes the mission
    rec("MissionEscrow.withdraw", d.withdraw(env.freelancer))

    m3 = d.mission_id(d.post_mission(env.firm, "m3", amounts, ACCEPT_WINDOW, TIMEOUT))
    d.accept(env.other, m3)
    d.submit(env.other, m3, 0, "d0")
    rec("MissionEscrow.abandonMission", d.abandon(env.other, m3))
    rec("MissionEscrow.reclaimUnstarted", d.reclaim(env.firm, m3))

    m4 = d.mission_id(d.post_mission(env.firm, "m4", amounts, ACCEPT_WINDOW, TIMEOUT))
    d.accept(env.freelancer, m4)
    d.submit(env.freelancer, m4, 0, "d0")
    d.dispute(env.firm, m4, 0, "bad")
    env.chain.increase_time(30 * 86_400)  # no ruling within ARBITER_TIMEOUT
    rec("MissionEscrow.settleLapsedDispute", d.settle_lapsed_dispute(env.stranger, m4, 0))

    for key, ceiling in CEILINGS.items():
        assert seen[key] < ceiling, f"{key} used {seen[key]} gas (ceiling {ceiling})"
    assert d.state().balanced
