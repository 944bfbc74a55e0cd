"""Buying: timed, capped, individually capped, whitelisted; the retail acknowledgment rule."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ico_env import IcoEnv, build_ico_env

from s4chain.drivers.permit import sign_permit
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts


def test_deployment_state(ico: IcoEnv):
    state = ico.driver.state()
    assert state.registered and not state.paused and not state.finalised
    assert (state.goal, state.hard_cap, state.raised) == (D(10_000), D(50_000), D(0))
    assert ico.sale.rate() == 2 * 10**12  # token base units per euro unit: 2 tokens per euro
    assert ico.driver.token.hasRole(ico.driver.token.MINTER_ROLE(), ico.sale)


def test_buy_records_purchase_and_escrows(open_ico: IcoEnv):
    ico = open_ico
    res = ico.driver.buy(ico.alice, D(1_500))
    assert_events(res, "TokensPurchased", count=1, buyer=ico.alice, index=0, eurValue=eur(1_500), weiPaid=0)
    pos = ico.driver.investor(ico.alice)
    assert pos.contributed == D(1_500) and pos.purchases == 1 and pos.tokens_owed == D(3_000)
    assert pos.stablecoin_balance == D(30_000) - D(1_500)
    state = ico.driver.state()
    assert state.raised == D(1_500) and state.escrowed == D(1_500) and state.tokens_sold == D(3_000)
    assert ico.driver.stablecoin.balanceOf(ico.sale) == eur(1_500)
    assert ico.sale.purchase(ico.alice, 0) == (eur(1_500), 0, res.timestamp, True, False)


WINDOW_EDGES = [
    ("opening", -1, False), ("opening", 0, True), ("opening", 1, True),
    ("closing", -1, True), ("closing", 0, True), ("closing", 1, False),
]  # fmt: skip


@pytest.mark.parametrize(("edge", "offset", "ok"), WINDOW_EDGES)
def test_sale_window_boundary(ico: IcoEnv, edge: str, offset: int, ok: bool):
    at = getattr(ico, edge) + offset
    if edge == "closing":
        ico.chain.travel_to(ico.closing - 5)
    ico.driver.approve(ico.carol, D(500))
    ico.chain.set_next_block_timestamp(at)
    if ok:
        res = ico.driver.buy(ico.carol, D(500), approve=False)
        assert res.timestamp == at
        assert ico.driver.state().raised == D(500)
    else:
        with reverts("SaleNotOpen", openingTime=ico.opening, closingTime=ico.closing):
            ico.driver.buy(ico.carol, D(500), approve=False)


def test_hard_cap(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    extra = ico.chain.accounts[8]
    d.verify_investor(ico.platform, extra, retail=False, net_worth=D(10_000_000))
    d.fund_investor(ico.platform, extra, D(20_000))
    d.buy(ico.carol, D(20_000))
    d.buy(extra, D(20_000))
    d.registry.acknowledgeRisk(sender=ico.alice)
    d.buy(ico.alice, D(9_000))
    with reverts("HardCapExceeded", available=eur(1_000)):
        d.buy(ico.alice, D("1000.000001"))
    d.buy(ico.alice, D(1_000))  # exactly the hard cap
    assert d.state().raised == D(50_000)
    with reverts("HardCapExceeded", available=0):
        d.buy(ico.bob, D(100))


def test_investor_maximum_and_minimum(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    with reverts("BelowInvestorMinimum", minimum=eur(100)):
        d.buy(ico.carol, D("99.999999"))
    d.buy(ico.carol, D(100))
    d.buy(ico.carol, D(1))  # later purchases only keep the total above the minimum
    d.buy(ico.carol, D(19_899))
    with reverts("InvestorMaximumExceeded", available=0):
        d.buy(ico.carol, D("0.000001"))
    assert d.investor(ico.carol).contributed == D(20_000)


def test_zero_amount_rejected(open_ico: IcoEnv):
    with reverts("ZeroAmount"):
        open_ico.driver.buy(open_ico.carol, D(0))


def test_unverified_buyer_rejected(open_ico: IcoEnv):
    ico = open_ico
    with reverts("NotVerified", buyer=ico.dave):
        ico.driver.buy(ico.dave, D(500))
    ico.driver.verify_investor(ico.platform, ico.dave, retail=False, net_worth=D(0))
    ico.driver.buy(ico.dave, D(500))
    ico.driver.registry.unverify(ico.dave, sender=ico.platform)
    with reverts("NotVerified", buyer=ico.dave):
        ico.driver.buy(ico.dave, D(500))
    assert ico.driver.investor(ico.dave).contributed == D(500)  # open purchases stand


def test_retail_limit_is_max_of_1000_and_5_percent(ico: IcoEnv):
    assert ico.sale.retailLimit(0) == eur(1_000)
    assert ico.sale.retailLimit(eur(20_000)) == eur(1_000)
    assert ico.sale.retailLimit(eur(20_020)) == eur(1_001)
    assert ico.sale.retailLimit(eur(100_000)) == eur(5_000)


@pytest.mark.parametrize(("who", "limit"), [("alice", D(5_000)), ("bob", D(1_000))])
def test_retail_acknowledgment_threshold(open_ico: IcoEnv, who: str, limit: D):
    ico = open_ico
    d = ico.driver
    investor = getattr(ico, who)
    assert d.investor(investor).retail_limit == limit
    d.buy(investor, limit - D(100))
    d.buy(investor, D(100))  # total exactly at the limit
    with reverts("RiskAcknowledgmentRequired", buyer=investor, limit=eur(limit)):
        d.buy(investor, D("0.000001"))  # one unit above
    res = d.registry.acknowledgeRisk(sender=investor)
    assert_events(res, "RiskAcknowledged", investor=investor)
    d.buy(investor, D("0.000001"))
    assert d.investor(investor).contributed == limit + D("0.000001")


def test_sophisticated_investor_has_no_retail_limit(open_ico: IcoEnv):
    open_ico.driver.buy(open_ico.carol, D(15_000))
    assert open_ico.driver.investor(open_ico.carol).contributed == D(15_000)


def test_unregistered_sale_rejects_buys(chain):
    ico = build_ico_env(chain, register=False)
    ico.driver.verify_investor(ico.platform, ico.carol, retail=False, net_worth=D(0))
    ico.driver.fund_investor(ico.platform, ico.carol, D(1_000))
    ico.open()
    with reverts("OfferNotRegistered"):
        ico.driver.buy(ico.carol, D(500))
    with reverts("NotLedger", caller=ico.carol):
        ico.sale.onOfferRegistered(sender=ico.carol)
    ico.driver.register_sale(ico.platform)
    ico.driver.buy(ico.carol, D(500))
    with reverts("OfferAlreadyRegistered"):
        ico.driver.register_sale(ico.platform)


def test_buy_with_permit_in_one_transaction(open_ico: IcoEnv, gas_report):
    ico = open_ico
    d = ico.driver
    assert d.stablecoin.allowance(ico.alice, ico.sale) == 0
    res = d.buy_with_permit(ico.alice, D(700))
    gas_report.record("TokenSale.buyWithPermit", res.gas_used)
    assert_events(res, "TokensPurchased", buyer=ico.alice, eurValue=eur(700))
    assert d.investor(ico.alice).contributed == D(700)
    assert d.stablecoin.allowance(ico.alice, ico.sale) == 0


def test_buy_with_front_run_permit_still_works(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    deadline = ico.chain.timestamp + 600
    v, r, s = sign_permit(d.stablecoin, ico.alice, ico.sale, eur(700), deadline)
    d.stablecoin.permit(ico.alice, ico.sale, eur(700), deadline, v, r, s, sender=ico.eve)  # someone submits it first
    ico.sale.buyWithPermit(eur(700), deadline, v, r, s, sender=ico.alice)
    assert d.investor(ico.alice).contributed == D(700)
    with reverts("ERC20InsufficientAllowance"):  # a spent permit gives no second allowance
        ico.sale.buyWithPermit(eur(700), deadline, v, r, s, sender=ico.alice)
