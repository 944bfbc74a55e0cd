"""Issue 11 #15: an action that approves first lands its main transaction at the step's time, on both backends."""

from __future__ import annotations

from decimal import Decimal

from data_env import PERIOD, PRICE, build_data_env

from s4chain.chain import Chain


def test_buy_access_lands_at_the_time_set(both_chains: Chain) -> None:
    env = build_data_env(both_chains)
    listing = env.list()
    at = both_chains.timestamp + 3_600
    both_chains.set_next_block_timestamp(at)
    bought = env.d.buy_access(env.mobility, listing)
    assert bought.timestamp == at
    assert bought.events_named("AccessPurchased")
    approval = both_chains.w3.eth.get_block(bought.block_number)["transactions"]
    assert len(approval) == 2  # the approval and the purchase, in one block
    assert env.d.access(listing, env.mobility.address).expires == at + PERIOD
    assert env.d.wallet(env.mobility.address) == Decimal("100000") - PRICE
