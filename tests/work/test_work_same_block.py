"""Issue 11 #15: post_mission lands at the step's time, and its acceptance window counts from that block."""

from __future__ import annotations

from decimal import Decimal

from work_env import build_work_env

from s4chain.chain import Chain


def test_post_mission_lands_at_the_time_set(both_chains: Chain) -> None:
    env = build_work_env(both_chains)
    at = both_chains.timestamp + 3_600
    both_chains.set_next_block_timestamp(at)
    posted = env.driver.post_mission(env.firm, "mission", [Decimal("1000")], 7 * 86_400, 14 * 86_400)
    assert posted.timestamp == at
    assert len(both_chains.w3.eth.get_block(posted.block_number)["transactions"]) == 2
    assert env.driver.mission(env.driver.mission_id(posted)).accept_by == at + 7 * 86_400
