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
    rec("MissionEscrow.cancelMission", d.escrow.cancelMission(m1, sender=env.firm))
    res = d.post_mission(env.firm, "m2", amounts, ACCEPT_WINDOW, TIMEOUT, env.freelancer)
    m2 = d.mission_id(res)
    rec("MissionEscrow.acceptMission", d.escrow.acceptMission(m2, sender=env.freelancer))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 0, "d0"))
    rec(
        "MissionEscrow.approveMilestone", d.escrow.approveMilestone(m2, 0, sender=env.firm)
    )  # first credits: fresh slots
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 1, "d1"))
    rec("MissionEscrow.rejectMilestone", d.reject(env.firm, m2, 1, "no"))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 1, "d1 v2"))
    env.chain.increase_time(TIMEOUT)
    rec("MissionEscrow.releaseAfterTimeout", d.escrow.releaseAfterTimeout(m2, 1, sender=env.stranger))
    rec("MissionEscrow.submitMilestone", d.submit(env.freelancer, m2, 2, "d2"))
    rec("MissionEscrow.openDispute", d.dispute(env.firm, m2, 2, "bad"))
    rec("MissionEscrow.resolveDispute", d.escrow.resolveDispute(m2, 2, 5000, sender=env.arbiter))  # closes the mission
    rec("MissionEscrow.withdraw", d.escrow.withdraw(sender=env.freelancer))

    m3 = d.mission_id(d.post_mission(env.firm, "m3", amounts, ACCEPT_WINDOW, TIMEOUT))
    d.escrow.acceptMission(m3, sender=env.other)
    d.submit(env.other, m3, 0, "d0")
    rec("MissionEscrow.abandonMission", d.escrow.abandonMission(m3, sender=env.other))
    rec("MissionEscrow.reclaimUnstarted", d.escrow.reclaimUnstarted(m3, sender=env.firm))

    m4 = d.mission_id(d.post_mission(env.firm, "m4", amounts, ACCEPT_WINDOW, TIMEOUT))
    d.escrow.acceptMission(m4, sender=env.freelancer)
    d.submit(env.freelancer, m4, 0, "d0")
    d.dispute(env.firm, m4, 0, "bad")
    env.chain.increase_time(30 * 86_400)  # no ruling within ARBITER_TIMEOUT
    rec("MissionEscrow.settleLapsedDispute", d.escrow.settleLapsedDispute(m4, 0, sender=env.stranger))

    for key, ceiling in CEILINGS.items():
        assert seen[key] < ceiling, f"{key} used {seen[key]} gas (ceiling {ceiling})"
    assert d.state().balanced
