"""The issuer's 12-month offer limit (EU 2020/1503: EUR 5,000,000) across sales, and the MiCA white paper."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from ico_env import PARAMS, build_ico_env
from pydantic import ValidationError

from s4chain.drivers.ico import DAY, TokenSaleDriver, TokenSaleParams, white_paper_hash_of
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

WINDOW = 366 * DAY  # the ledger's window: 12 calendar months at their longest
PAPER = white_paper_hash_of("Usinage Martin white paper v1")


def big(opening: int, hard_cap: D, goal: D = D(100_000)) -> TokenSaleParams:
    return PARAMS.model_copy(
        update={
            "opening": opening,
            "closing": opening + 30 * DAY,
            "hard_cap": hard_cap,
            "goal": goal,
            "max_per_investor": D(4_000_000),
            "white_paper_hash": PAPER,
            "token_cap": D(20_000_000),
        }
    )


def second_sale(chain, first, params: TokenSaleParams, register: bool = False) -> TokenSaleDriver:
    """Another sale of the same SME, reporting to the same ledger and registry."""
    return TokenSaleDriver.deploy(
        chain,
        params,
        platform=first.platform,
        sme=first.sme,
        team=first.team,
        stablecoin=first.driver.stablecoin.address,
        registry=first.driver.registry.address,
        ledger=first.driver.ledger.address,
        register=register,
    )


def test_second_sale_beyond_the_cap_rejected(chain):
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(4_000_000)))
    ledger = first.driver.ledger
    assert ledger.usedInWindow(first.sme, t0) == eur(4_000_000)
    assert ledger.availableAt(first.sme, t0 + 40 * DAY) == eur(1_000_000)
    # EUR 1,000,000 more fits exactly, one euro unit more does not
    over = second_sale(chain, first, big(t0 + 40 * DAY, D("1000000.000001")))
    with reverts("IssuerCapExceeded", used=eur(4_000_000), requested=eur("1000000.000001"), cap=eur(5_000_000)):
        over.register_sale(first.platform)
    fits = second_sale(chain, first, big(t0 + 40 * DAY, D(1_000_000)))
    res = fits.register_sale(first.platform)
    assert_events(res, "OfferRegistered", issuer=first.sme, sale=fits.sale, amount=eur(1_000_000))
    assert ledger.offerCount(first.sme) == 2


def test_settled_sale_counts_for_what_it_raised(chain):
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(4_000_000), goal=D(10_000)))
    first.open()
    first.driver.buy(first.carol, D(20_000))
    first.after_windows()
    first.driver.sale.finalise(sender=first.eve)
    ledger = first.driver.ledger
    assert ledger.usedInWindow(first.sme, t0 + 40 * DAY) == eur(20_000)
    second = second_sale(chain, first, big(t0 + 40 * DAY, D(4_980_000)), register=True)
    assert second.state().registered
    third = second_sale(chain, first, big(t0 + 41 * DAY, D(100_000)))
    with reverts("IssuerCapExceeded"):
        third.register_sale(first.platform)


def test_failed_sale_frees_the_cap(chain):
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(5_000_000)))
    first.after_windows()
    first.driver.sale.finalise(sender=first.eve)
    assert not first.driver.state().successful
    assert first.driver.ledger.usedInWindow(first.sme, t0) == 0
    second_sale(chain, first, big(t0 + 40 * DAY, D(5_000_000)), register=True)


@pytest.mark.parametrize(("delay", "ok"), [(WINDOW - 1, False), (WINDOW, True)])
def test_cap_rolls_after_12_months(chain, delay: int, ok: bool):
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(5_000_000)))
    later = second_sale(chain, first, big(t0 + delay, D(1_000_000)))
    first.open()  # a sale is registered at most a year ahead of its opening
    if ok:
        later.register_sale(first.platform)
        assert later.state().registered
    else:
        with reverts("IssuerCapExceeded", used=eur(5_000_000)):
            later.register_sale(first.platform)


def test_twelve_calendar_months_across_29_february_count_in_full(chain):
    """1 March 2031 to 29 February 2032 is 365 days but within 12 calendar months (2032 is a leap year): with a
    365-day window an issuer could offer the cap twice within 12 months. The window is 366 days."""
    first_opening = int(datetime(2031, 3, 1, tzinfo=UTC).timestamp())
    second_opening = int(datetime(2032, 2, 29, tzinfo=UTC).timestamp())
    assert second_opening - first_opening == 365 * DAY
    assert chain.timestamp < first_opening - DAY
    chain.travel_to(first_opening - DAY)
    first = build_ico_env(chain, big(first_opening, D(5_000_000)))
    chain.travel_to(second_opening - DAY)
    later = second_sale(chain, first, big(second_opening, D(1_000_000)))
    with reverts("IssuerCapExceeded", used=eur(5_000_000)):
        later.register_sale(first.platform)
    # from 1 March 2032, 12 calendar months after the first opening, the cap is free again
    march = second_sale(chain, first, big(int(datetime(2032, 3, 1, tzinfo=UTC).timestamp()), D(1_000_000)))
    march.register_sale(first.platform)


def test_offers_registered_in_opening_order(chain):
    t0 = chain.timestamp + 10 * DAY
    first = build_ico_env(chain, big(t0, D(100_000)))
    earlier = second_sale(chain, first, big(t0 - DAY, D(100_000)))
    with reverts("OfferOutOfOrder"):
        earlier.register_sale(first.platform)


def test_an_offer_far_ahead_cannot_shut_the_issuer_out(chain):
    """Offers register in opening order: a sale registered years ahead (a typo in its year, say) would have
    refused every earlier sale of the issuer until then. A sale may open at most a window (366 days) after
    registration."""
    now = chain.timestamp
    first = build_ico_env(chain, big(now + 10 * WINDOW, D(100_000)), register=False)
    with reverts("OfferTooFarAhead", start=now + 10 * WINDOW):
        first.driver.register_sale(first.platform)
    assert not first.driver.ledger.isRegistered(first.sale)
    t = chain.timestamp + 1_000
    edge = second_sale(chain, first, big(t + WINDOW, D(100_000)))
    chain.set_next_block_timestamp(t - 1)
    with reverts("OfferTooFarAhead", start=t + WINDOW, latestStart=t - 1 + WINDOW):  # one second too early
        edge.register_sale(first.platform)
    chain.set_next_block_timestamp(t)
    edge.register_sale(first.platform)  # opens exactly a year after its registration
    earlier = second_sale(chain, first, big(chain.timestamp + DAY, D(100_000)))
    with reverts("OfferOutOfOrder"):  # the order rule stands, for a year at most
        earlier.register_sale(first.platform)


def test_other_issuers_have_their_own_cap(chain):
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(5_000_000)))
    other_sme = chain.accounts[8]
    other = TokenSaleDriver.deploy(
        chain,
        big(t0, D(5_000_000)),
        platform=first.platform,
        sme=other_sme,
        stablecoin=first.driver.stablecoin.address,
        registry=first.driver.registry.address,
        ledger=first.driver.ledger.address,
    )
    assert other.state().registered


def test_sale_on_another_ledger_rejected(chain):
    first = build_ico_env(chain)
    foreign = build_ico_env(chain, register=False)
    with reverts("WrongLedger"):
        first.driver.ledger.registerOffer(foreign.sale, sender=first.platform)


def test_white_paper_required_from_one_million(chain):
    with pytest.raises(ValidationError):
        TokenSaleParams(hard_cap=D(1_000_000))
    TokenSaleParams(hard_cap=D("999999.999999"))
    # the contract enforces it too
    params = big(chain.timestamp + DAY, D(1_000_000)).model_copy(update={"white_paper_hash": None})
    from s4chain.chain import ContractRevert

    with pytest.raises(ContractRevert) as info:
        build_ico_env(chain, params)
    assert info.value.error_name == "WhitePaperRequired"
    ico = build_ico_env(chain, big(chain.timestamp + DAY, D(1_000_000)))
    assert ico.sale.whitePaperHash() == bytes.fromhex(PAPER[2:])


def test_finalised_sale_cannot_be_registered(chain):
    ico = build_ico_env(chain, register=False)
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)
    with reverts("AlreadyFinalised"):
        ico.driver.register_sale(ico.platform)
    assert ico.driver.ledger.usedInWindow(ico.sme, ico.opening) == 0


def test_driver_reads_the_issuer_cap_ledger(chain):
    """`issuer_cap` (issue 11, item 16): the room left for an issuer and the offers of its window."""
    t0 = chain.timestamp + DAY
    first = build_ico_env(chain, big(t0, D(4_000_000), goal=D(10_000)))
    view = first.driver.issuer_cap()  # this sale's issuer, at its opening
    assert (view.issuer, view.when, view.window_start) == (first.sme.address, t0, t0 - WINDOW)
    assert (view.cap, view.used, view.available) == (D(5_000_000), D(4_000_000), D(1_000_000))
    assert [(o.sale, o.start, o.settled, o.amount) for o in view.offers] == [
        (first.sale.address, t0, False, D(4_000_000))
    ]
    first.open()
    first.driver.buy(first.carol, D(20_000))
    first.after_windows()
    first.driver.sale.finalise(sender=first.eve)
    second = second_sale(chain, first, big(t0 + 40 * DAY, D(100_000)), register=True)
    view = second.issuer_cap()
    assert (view.used, view.available) == (D(120_000), D(4_880_000))
    assert [(o.settled, o.amount) for o in view.offers] == [(True, D(20_000)), (False, D(100_000))]
    # a year after the first opened, only the second counts; another issuer has the whole cap
    later = second.issuer_cap(when=t0 + WINDOW)
    assert [o.sale for o in later.offers] == [second.sale.address] and later.used == D(100_000)
    assert second.issuer_cap(issuer=first.eve.address).available == D(5_000_000)
