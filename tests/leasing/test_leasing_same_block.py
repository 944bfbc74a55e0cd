"""Issue 11 #15: subscribe (with a deposit) and top_up land their main transaction at the step's time."""

from __future__ import annotations

from decimal import Decimal

from leasing_env import build_leasing_env

from s4chain.chain import Chain


def test_subscribe_and_top_up_land_at_the_time_set(both_chains: Chain) -> None:
    env = build_leasing_env(both_chains)
    assert int(env.driver.lease.planOf(env.plan_id).deposit) > 0  # a deposit: approved first
    at = both_chains.timestamp + 3_600
    both_chains.set_next_block_timestamp(at)
    subscribed = env.driver.subscribe(env.lessee, env.machine_id, env.plan_id)
    assert subscribed.timestamp == at
    assert len(both_chains.w3.eth.get_block(subscribed.block_number)["transactions"]) == 2
    lease_id = env.driver.lease_id(subscribed)
    both_chains.set_next_block_timestamp(at + 60)
    topped = env.driver.top_up(env.lessee, Decimal("100"), lease_id=lease_id)
    assert topped.timestamp == at + 60
    assert len(both_chains.w3.eth.get_block(topped.block_number)["transactions"]) == 2
