"""Paying in ether at the fixed EUR-per-ETH rate set at deployment (EUR 2,000 per ether here)."""

from __future__ import annotations

from decimal import Decimal as D

from ico_env import PARAMS, IcoEnv, build_ico_env

from s4chain.drivers.ico import wei
from s4chain.drivers.units import eur, tokens
from s4chain.testing import assert_events, reverts


def test_buy_with_ether(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    res = d.buy_with_ether(ico.carol, D("1.5"))
    assert_events(res, "TokensPurchased", buyer=ico.carol, eurValue=eur(3_000), weiPaid=wei("1.5"))
    assert ico.chain.balance(ico.sale) == wei("1.5")
    pos = d.investor(ico.carol)
    assert pos.contributed == D(3_000) and pos.ether_paid == D("1.5")
    state = d.state()
    assert state.raised == D(3_000) and state.escrowed == 0 and state.escrowed_ether == D("1.5")


def test_ether_value_rounds_down_and_dust_is_refunded_in_full(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    value = wei("0.05") + 123  # EUR 100 and 123 wei of dust
    res = ico.sale.buyWithEther(sender=ico.alice, value=value)
    assert_events(res, "TokensPurchased", eurValue=eur(100), weiPaid=value)
    before = ico.chain.balance(ico.alice)
    res = d.sale.revoke(0, sender=ico.alice)
    assert_events(res, "PurchaseRevoked", eurValue=eur(100), weiPaid=value)
    # the sender pays no fee (maxPriorityFee 0, base fee burnt): compare against the gas cost
    assert ico.chain.balance(ico.sale) == 0
    assert ico.chain.balance(ico.alice) > before
    assert d.state().raised == 0 and d.state().escrowed_ether == 0


def test_mixed_payments_refund_both(ico: IcoEnv):
    d = ico.driver
    ico.open()
    d.buy(ico.carol, D(1_000))
    d.buy_with_ether(ico.carol, D(1))
    ico.after_windows()
    d.sale.finalise(sender=ico.eve)
    assert not d.state().successful
    res = d.sale.refund(sender=ico.carol)
    assert_events(res, "Refunded", buyer=ico.carol, stableAmount=eur(1_000), weiAmount=wei(1))
    assert d.stablecoin.balanceOf(ico.carol) == eur(30_000)
    assert ico.chain.balance(ico.sale) == 0


def test_mixed_payments_success_splits_fee(ico: IcoEnv):
    d = ico.driver
    ico.open()
    d.buy(ico.carol, D(8_000))
    d.buy_with_ether(ico.carol, D(2))  # EUR 4,000
    ico.after_windows()
    res = d.sale.finalise(sender=ico.eve)
    assert_events(res, "SaleFinalised", raised=eur(12_000), feeStable=eur(200), feeWei=wei("0.05"))
    d.sale.withdrawProceeds(sender=ico.sme)
    d.sale.withdrawFee(sender=ico.platform)
    assert d.stablecoin.balanceOf(ico.sme) == eur(7_800)
    assert ico.chain.balance(ico.sale) == 0 and d.stablecoin.balanceOf(ico.sale) == 0
    d.sale.claim(sender=ico.carol)
    assert d.token.balanceOf(ico.carol) == tokens(24_000)


def test_ether_not_accepted_when_disabled(chain):
    ico = build_ico_env(chain, PARAMS.model_copy(update={"accept_ether": False}))
    ico.open()
    with reverts("EtherNotAccepted"):
        ico.driver.buy_with_ether(ico.carol, D(1))


def test_ether_worth_less_than_a_euro_unit_rejected(open_ico: IcoEnv):
    with reverts("ZeroAmount"):
        open_ico.sale.buyWithEther(sender=open_ico.carol, value=1)


def test_plain_ether_transfer_rejected(open_ico: IcoEnv):
    import pytest

    from s4chain.chain import ContractRevert

    with pytest.raises(ContractRevert):
        open_ico.chain.send(open_ico.sale.address, b"", sender=open_ico.carol, value=wei(1))


def test_revoke_a_later_ether_purchase(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    d.buy(ico.alice, D(500))
    d.buy_with_ether(ico.alice, D("0.25"))  # EUR 500, purchase 1
    d.buy_with_ether(ico.alice, D("0.5"))  # EUR 1,000, purchase 2
    assert ico.sale.purchase(ico.alice, 1)[:2] == (eur(500), wei("0.25"))
    res = d.sale.revoke(1, sender=ico.alice)
    assert_events(res, "PurchaseRevoked", index=1, eurValue=eur(500), weiPaid=wei("0.25"))
    pos = d.investor(ico.alice)
    assert pos.contributed == D(1_500) and pos.ether_paid == D("0.5")
    assert ico.chain.balance(ico.sale) == wei("0.5")
    assert d.state().escrowed == D(500) and d.state().escrowed_ether == D("0.5")
