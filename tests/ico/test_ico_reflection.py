"""The reflection period (EU 2020/1503 art. 22): a retail buyer may revoke a purchase until its timestamp +
reflection period inclusive, and gets all of it back; revocations subtract from raised."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ico_env import IcoEnv, build_ico_env

from s4chain.drivers.ico import DAY
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts


@pytest.mark.parametrize(("elapsed", "ok"), [(4 * DAY - 1, True), (4 * DAY, True), (4 * DAY + 1, False)])
def test_revoke_boundary(open_ico: IcoEnv, elapsed: int, ok: bool):
    ico = open_ico
    d = ico.driver
    bought = d.buy(ico.alice, D(800)).timestamp
    ico.chain.set_next_block_timestamp(bought + elapsed)
    if ok:
        res = d.sale.revoke(0, sender=ico.alice)
        assert_events(res, "PurchaseRevoked", buyer=ico.alice, index=0, eurValue=eur(800), weiPaid=0)
        assert d.stablecoin.balanceOf(ico.alice) == eur(30_000)
        assert d.state().raised == 0 and d.state().escrowed == 0
        assert d.investor(ico.alice).contributed == 0
    else:
        with reverts("ReflectionPeriodOver", deadline=bought + 4 * DAY):
            d.sale.revoke(0, sender=ico.alice)


def test_day_4_succeeds_day_5_fails(open_ico: IcoEnv):
    """Day 1 is the day of the purchase; "day 4" ends exactly 4 x 24 h after it, then day 5 begins."""
    ico = open_ico
    d = ico.driver
    t0 = d.buy(ico.alice, D(300)).timestamp
    d.buy(ico.alice, D(300))
    ico.chain.set_next_block_timestamp(t0 + 3 * DAY + 12 * 3_600)  # day 4
    d.sale.revoke(0, sender=ico.alice)
    ico.chain.set_next_block_timestamp(t0 + 4 * DAY + 12 * 3_600)  # day 5
    with reverts("ReflectionPeriodOver"):
        d.sale.revoke(1, sender=ico.alice)


def test_revoke_one_of_several_purchases(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    d.buy(ico.alice, D(300))
    d.buy(ico.alice, D(400))
    d.buy(ico.alice, D(500))
    d.sale.revoke(1, sender=ico.alice)
    pos = d.investor(ico.alice)
    assert pos.contributed == D(800) and pos.purchases == 3 and pos.tokens_owed == D(1_600)
    assert ico.sale.purchase(ico.alice, 1).revoked is True
    assert ico.sale.purchase(ico.alice, 0).revoked is False
    assert d.state().raised == D(800) and d.stablecoin.balanceOf(ico.sale) == eur(800)
    with reverts("AlreadyRevoked", index=1):
        d.sale.revoke(1, sender=ico.alice)
    with reverts("UnknownPurchase", buyer=ico.alice, index=3):
        d.sale.revoke(3, sender=ico.alice)


def test_sophisticated_purchase_is_not_revocable(open_ico: IcoEnv):
    ico = open_ico
    ico.driver.buy(ico.carol, D(500))
    with reverts("NotRevocable", index=0):
        ico.driver.sale.revoke(0, sender=ico.carol)


def test_revoke_frees_room_under_caps(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    d.buy(ico.bob, D(1_000))
    with reverts("RiskAcknowledgmentRequired"):
        d.buy(ico.bob, D(100))
    d.sale.revoke(0, sender=ico.bob)
    d.buy(ico.bob, D(1_000))  # the limit counts open contributions
    assert d.investor(ico.bob).contributed == D(1_000)


def test_revoke_allowed_while_paused(open_ico: IcoEnv):
    ico = open_ico
    ico.driver.buy(ico.alice, D(500))
    ico.driver.sale.pause(sender=ico.platform)
    ico.driver.sale.revoke(0, sender=ico.alice)
    assert ico.driver.state().raised == 0


def test_mica_window_is_a_parameter(chain):
    from ico_env import PARAMS

    ico = build_ico_env(chain, PARAMS.model_copy(update={"reflection_days": 14}))
    ico.open()
    t0 = ico.driver.buy(ico.alice, D(500)).timestamp
    assert ico.sale.reflectionPeriod() == 14 * DAY
    ico.chain.set_next_block_timestamp(t0 + 14 * DAY)
    ico.driver.sale.revoke(0, sender=ico.alice)
    t1 = ico.driver.buy(ico.alice, D(500)).timestamp
    ico.chain.set_next_block_timestamp(t1 + 14 * DAY + 1)
    with reverts("ReflectionPeriodOver"):
        ico.driver.sale.revoke(1, sender=ico.alice)
