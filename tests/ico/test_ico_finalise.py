"""After closing: finalizable, refundable, post-delivery; proceeds, fee and team vesting."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest
from eth_account.signers.local import LocalAccount
from ico_env import IcoEnv

from s4chain.chain import TxResult
from s4chain.drivers.ico import DAY, TokenSaleDriver
from s4chain.drivers.units import eur, tokens
from s4chain.testing import assert_events, reverts


def reach_goal(ico: IcoEnv) -> None:
    """Carol (sophisticated) 9,000 + Alice (retail) 2,000 = 11,000 >= goal 10,000, bought on opening day."""
    ico.open()
    ico.driver.buy(ico.carol, D(9_000))
    ico.driver.buy(ico.alice, D(2_000))


def miss_goal(ico: IcoEnv) -> None:
    ico.open()
    ico.driver.buy(ico.carol, D(3_000))
    ico.driver.buy(ico.alice, D(2_000))


def claim_of(d: TokenSaleDriver) -> Callable[[LocalAccount], TxResult]:
    return lambda buyer: d.sale.claim(sender=buyer)


def refund_of(d: TokenSaleDriver) -> Callable[[LocalAccount], TxResult]:
    return lambda buyer: d.sale.refund(sender=buyer)


def finalise_after_windows(ico: IcoEnv, pay: Callable) -> TxResult:
    """`pay` (claim or refund) is refused before finalisation; then anyone finalises after the windows."""
    with reverts("NotFinalised"):
        pay(ico.carol)
    ico.after_windows()
    return ico.driver.sale.finalise(sender=ico.eve)


def pays_once(ico: IcoEnv, pay: Callable, twice: str, holding: Callable, *, carol: int, alice: int) -> TxResult:
    """`pay` (claim or refund) pays carol and then alice what the sale owes them, once (`twice`: the error of a
    second call), and nothing to bob, who bought nothing; returns carol's result."""
    res = pay(ico.carol)
    assert holding(ico.carol) == carol
    with reverts(twice, buyer=ico.carol):
        pay(ico.carol)
    pay(ico.alice)
    assert holding(ico.alice) == alice
    with reverts("NothingOwed", buyer=ico.bob):
        pay(ico.bob)
    return res


@pytest.mark.parametrize(("offset", "ok"), [(-1, False), (0, False), (1, True)])
def test_finalise_only_after_closing(ico: IcoEnv, offset: int, ok: bool):
    reach_goal(ico)  # the reflection periods end long before closing
    ico.chain.set_next_block_timestamp(ico.closing + offset)
    if ok:
        res = ico.driver.sale.finalise(sender=ico.eve)
        assert_events(res, "SaleFinalised", caller=ico.eve, successful=True, raised=eur(11_000))
    else:
        with reverts("SaleNotClosed", closingTime=ico.closing):
            ico.driver.sale.finalise(sender=ico.eve)


def test_finalise_only_once(ico: IcoEnv):
    reach_goal(ico)
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)
    with reverts("AlreadyFinalised"):
        ico.driver.sale.finalise(sender=ico.eve)
    with reverts("AlreadyFinalised"):
        ico.driver.sale.finalise(sender=ico.sme)


def test_finalise_waits_for_the_last_reflection_period(ico: IcoEnv):
    ico.chain.travel_to(ico.closing - 10)
    res = ico.driver.buy(ico.bob, D(500))  # retail, 10 s before closing
    window_end = res.timestamp + 4 * DAY
    assert ico.driver.state().reflection_ends == window_end
    ico.chain.set_next_block_timestamp(window_end)
    with reverts("ReflectionPeriodRunning", until=window_end):
        ico.driver.sale.finalise(sender=ico.eve)
    ico.chain.set_next_block_timestamp(window_end + 1)
    ico.driver.sale.finalise(sender=ico.eve)


def test_success_claims_proceeds_fee_and_vesting(ico: IcoEnv):
    reach_goal(ico)
    d = ico.driver
    res = finalise_after_windows(ico, claim_of(d))
    fee = eur(11_000) * 250 // 10_000
    assert_events(res, "SaleFinalised", successful=True, feeStable=fee, feeWei=0)
    assert_events(res, "OfferSettled", sale=ico.sale, raised=eur(11_000))
    state = d.state()
    assert state.finalised and state.successful
    assert state.proceeds_due == D(11_000) - D(275) and state.fee_due == D(275)
    # team tokens minted into the vesting wallet
    assert d.token.balanceOf(d.vesting) == tokens(1_000_000)
    # post-delivery: nothing minted for buyers until they claim
    assert d.token.balanceOf(ico.carol) == 0
    res = pays_once(ico, claim_of(d), "AlreadyClaimed", d.token.balanceOf, carol=tokens(18_000), alice=tokens(4_000))
    assert_events(res, "TokensClaimed", buyer=ico.carol, tokens=tokens(18_000))
    # no refunds when the goal is reached
    with reverts("GoalReached"):
        d.sale.refund(sender=ico.alice)
    # proceeds and fee, pulled once
    res = d.sale.withdrawProceeds(sender=ico.sme)
    assert_events(res, "ProceedsWithdrawn", to=ico.sme, stableAmount=eur(10_725), weiAmount=0)
    assert d.stablecoin.balanceOf(ico.sme) == eur(10_725)
    with reverts("NothingToWithdraw", account=ico.sme.address):
        d.sale.withdrawProceeds(sender=ico.sme)
    d.sale.withdrawFee(sender=ico.platform)
    assert d.stablecoin.balanceOf(ico.platform) == fee
    with reverts("NothingToWithdraw", account=ico.platform.address):
        d.sale.withdrawFee(sender=ico.platform)
    assert d.stablecoin.balanceOf(ico.sale) == 0
    assert d.token.totalSupply() == tokens(1_000_000 + 22_000)


def test_team_vesting_cliff(ico: IcoEnv):
    reach_goal(ico)
    ico.after_windows()
    d = ico.driver
    d.sale.finalise(sender=ico.eve)
    start = int(d.vesting.start())
    assert start == ico.closing and int(d.vesting.cliff()) == start + 365 * DAY
    ico.chain.set_next_block_timestamp(start + 365 * DAY - 1)
    d.release_vested(ico.eve)
    assert d.token.balanceOf(ico.team) == 0
    ico.chain.set_next_block_timestamp(start + 365 * DAY)
    d.release_vested(ico.eve)
    assert d.token.balanceOf(ico.team) == tokens(1_000_000) // 3  # 1 of 3 years
    ico.chain.set_next_block_timestamp(start + 3 * 365 * DAY)
    d.release_vested(ico.eve)
    assert d.token.balanceOf(ico.team) == tokens(1_000_000)


def test_goal_missed_refunds_once(ico: IcoEnv):
    miss_goal(ico)
    d = ico.driver
    res = finalise_after_windows(ico, refund_of(d))
    assert_events(res, "SaleFinalised", successful=False, raised=eur(5_000))
    assert_events(res, "OfferSettled", raised=0)
    assert d.token.balanceOf(d.vesting) == 0  # no team tokens
    with reverts("GoalNotReached"):
        d.sale.claim(sender=ico.carol)
    res = pays_once(ico, refund_of(d), "AlreadyRefunded", d.stablecoin.balanceOf, carol=eur(30_000), alice=eur(30_000))
    assert_events(res, "Refunded", buyer=ico.carol, stableAmount=eur(3_000), weiAmount=0)
    with reverts("NothingToWithdraw", account=ico.sme.address):
        d.sale.withdrawProceeds(sender=ico.sme)
    with reverts("NothingToWithdraw", account=ico.platform.address):
        d.sale.withdrawFee(sender=ico.platform)
    assert d.stablecoin.balanceOf(ico.sale) == 0
    assert d.token.totalSupply() == 0


def test_goal_exactly_reached_is_success(ico: IcoEnv):
    ico.open()
    ico.driver.buy(ico.carol, D(10_000))
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)
    assert ico.driver.state().successful


def test_goal_missed_by_one_unit(ico: IcoEnv):
    ico.open()
    ico.driver.buy(ico.carol, D("9999.999999"))
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)
    state = ico.driver.state()
    assert state.finalised and not state.successful


def test_no_buys_after_finalisation(ico: IcoEnv):
    reach_goal(ico)
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)
    with reverts("SaleNotOpen"):
        ico.driver.buy(ico.bob, D(100))
