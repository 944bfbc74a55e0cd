"""P2PExchange: offers escrow the maker's tokens; fills at the offer's exact rate (price rounded up for the
maker, never something for nothing), partial fills, cancels (the rest of the escrow back), ether pulled by the
maker, ERC-20 proceeds paid straight to the maker, and every refusal."""

from __future__ import annotations

from tokens_env import E18, D

from s4chain.testing import assert_events, reverts

ZERO = "0x" + "00" * 20
D300, D30 = D(300), D(30)


def make_offer(m, sell="MKH", amount=D300, buy="ART", price=D30, maker=None):
    result = m.driver.offer(maker or m.maker, sell=sell, amount=amount, buy=buy, price_amount=price)
    return m.driver.offer_id(result), result


def test_offer_escrows_the_sold_tokens(m):
    before = m.mkh.balanceOf(m.maker)
    offer_id, result = make_offer(m)
    assert offer_id == 1 and m.ex.offerCount() == 1
    assert_events(
        result,
        "OfferCreated",
        count=1,
        offerId=1,
        maker=m.maker.address,
        sellToken=m.mkh.address,
        buyToken=m.art.address,
        sellAmount=300 * E18,
        buyAmount=30 * E18,
    )
    assert m.mkh.balanceOf(m.maker) == before - 300 * E18
    assert m.mkh.balanceOf(m.ex) == 300 * E18
    state = m.driver.offer_state(offer_id)
    assert (state.status, state.sell, state.buy, state.remaining, state.filled) == ("open", "MKH", "ART", 300, 0)
    assert m.driver.state().escrow == {"MKH": D(300)}


def test_full_fill_settles_atomically(m):
    offer_id, _ = make_offer(m)
    art_maker, mkh_taker = m.art.balanceOf(m.maker), m.mkh.balanceOf(m.taker)
    result = m.driver.fill(m.taker, offer_id=offer_id, amount=D(300))
    assert_events(result, "OfferFilled", offerId=1, taker=m.taker.address, amount=300 * E18, paid=30 * E18, remaining=0)
    # the taker paid the maker directly; the exchange never held the price
    assert_events(result, "Transfer", **{"from": m.taker.address, "to": m.maker.address, "value": 30 * E18})
    assert m.art.balanceOf(m.maker) == art_maker + 30 * E18
    assert m.mkh.balanceOf(m.taker) == mkh_taker + 300 * E18
    assert m.mkh.balanceOf(m.ex) == 0 and m.art.balanceOf(m.ex) == 0
    assert m.driver.offer_state(offer_id).status == "filled"
    with reverts("OfferNotOpen", offerId=offer_id):
        m.driver.fill(m.taker, offer_id=offer_id, amount=D(1))
    with reverts("OfferNotOpen", offerId=offer_id):
        m.driver.exchange.cancel(offer_id, sender=m.maker)


def test_partial_fills_at_the_exact_rate(m):
    offer_id, _ = make_offer(m)  # 300 MKH for 30 ART: 0.1 ART per MKH
    first = m.driver.fill(m.taker, offer_id=offer_id, amount=D(100))
    assert_events(first, "OfferFilled", amount=100 * E18, paid=10 * E18, remaining=200 * E18)
    second = m.driver.fill(m.taker, offer_id=offer_id, amount=D("0.5"))
    assert_events(second, "OfferFilled", amount=5 * E18 // 10, paid=5 * E18 // 100, remaining=1995 * E18 // 10)
    state = m.driver.offer_state(offer_id)
    assert (state.status, state.remaining, state.filled) == ("open", D("199.5"), D("100.5"))
    assert m.mkh.balanceOf(m.ex) == 1995 * E18 // 10


def test_price_is_rounded_up_for_the_maker(m):
    # 3 units of MKH for 7 units of ART: one unit costs ceil(7/3) = 3, two cost ceil(14/3) = 5
    m.mkh.approve(m.ex, 3, sender=m.maker)
    m.ex.makeOffer(m.mkh, 3, m.art, 7, sender=m.maker)
    assert m.ex.priceOf(1, 1) == 3 and m.ex.priceOf(1, 2) == 5 and m.ex.priceOf(1, 3) == 7
    m.art.approve(m.ex, 10**6, sender=m.taker)
    before = m.art.balanceOf(m.maker)
    assert_events(m.ex.fill(1, 1, sender=m.taker), "OfferFilled", amount=1, paid=3, remaining=2)
    assert_events(m.ex.fill(1, 2, sender=m.taker), "OfferFilled", amount=2, paid=5, remaining=0)
    assert m.art.balanceOf(m.maker) - before == 8 >= 7  # the maker got at least the asked price


def test_never_something_for_nothing(m):
    # 1,000 units of MKH for 1 unit of ART: a single unit still costs 1 (not 0)
    m.mkh.approve(m.ex, 1000, sender=m.maker)
    m.ex.makeOffer(m.mkh, 1000, m.art, 1, sender=m.maker)
    m.art.approve(m.ex, 10, sender=m.taker)
    assert m.ex.priceOf(1, 1) == 1
    assert_events(m.ex.fill(1, 1, sender=m.taker), "OfferFilled", amount=1, paid=1)
    with reverts("ZeroAmount"):
        m.ex.fill(1, 0, sender=m.taker)


def test_fill_beyond_remaining_reverts(m):
    offer_id, _ = make_offer(m)
    m.driver.fill(m.taker, offer_id=offer_id, amount=D(250))
    with reverts("FillExceedsRemaining", offerId=offer_id, requested=51 * E18, remaining=50 * E18):
        m.driver.fill(m.taker, offer_id=offer_id, amount=D(51))
    m.driver.fill(m.taker, offer_id=offer_id, amount=D(50))
    assert m.driver.offer_state(offer_id).status == "filled"


def test_cancel_after_partial_fill_returns_the_rest(m):
    offer_id, _ = make_offer(m)
    m.driver.fill(m.taker, offer_id=offer_id, amount=D(120))
    before = m.mkh.balanceOf(m.maker)
    result = m.driver.exchange.cancel(offer_id, sender=m.maker)
    assert_events(result, "OfferCancelled", offerId=offer_id, maker=m.maker.address, refunded=180 * E18)
    assert m.mkh.balanceOf(m.maker) == before + 180 * E18
    assert m.mkh.balanceOf(m.ex) == 0
    state = m.driver.offer_state(offer_id)
    assert (state.status, state.remaining, state.filled) == ("cancelled", 0, 120)
    assert m.driver.state().open_offers == []


def test_double_cancel_and_fill_of_a_cancelled_offer_revert(m):
    offer_id, _ = make_offer(m)
    m.driver.exchange.cancel(offer_id, sender=m.maker)
    with reverts("OfferNotOpen", offerId=offer_id):
        m.driver.exchange.cancel(offer_id, sender=m.maker)
    with reverts("OfferNotOpen", offerId=offer_id):
        m.driver.fill(m.taker, offer_id=offer_id, amount=D(1))


def test_only_the_maker_cancels(m):
    offer_id, _ = make_offer(m)
    with reverts("NotMaker", offerId=offer_id, caller=m.taker.address):
        m.driver.exchange.cancel(offer_id, sender=m.taker)
    assert m.driver.offer_state(offer_id).status == "open"


def test_unknown_offer(m):
    with reverts("OfferNotOpen", offerId=99):
        m.driver.fill(m.taker, offer_id=99, amount=D(1))
    with reverts("OfferNotOpen", offerId=99):
        m.ex.cancel(99, sender=m.maker)
    with reverts("OfferNotOpen", offerId=99):
        m.ex.priceOf(99, 1)
    assert m.driver.offer_state(99).status == "none"


def test_taker_without_allowance_or_balance_reverts_and_nothing_moves(m):
    offer_id, _ = make_offer(m)
    with reverts("ERC20InsufficientAllowance", spender=m.ex.address, allowance=0, needed=10 * E18):
        m.driver.fill(m.taker, offer_id=offer_id, amount=D(100), approve=False)
    with reverts("ERC20InsufficientBalance", sender=m.other.address, balance=0, needed=10 * E18):
        m.driver.fill(m.other, offer_id=offer_id, amount=D(100))
    assert m.driver.offer_state(offer_id).remaining == 300
    assert m.mkh.balanceOf(m.ex) == 300 * E18


def test_maker_without_allowance_or_balance_cannot_offer(m):
    with reverts("ERC20InsufficientAllowance", spender=m.ex.address, allowance=0, needed=5 * E18):
        m.driver.offer(m.maker, sell="MKH", amount=D(5), buy="ART", price_amount=D(1), approve=False)
    with reverts("ERC20InsufficientBalance", sender=m.other.address):
        m.driver.offer(m.other, sell="MKH", amount=D(5), buy="ART", price_amount=D(1))
    assert m.ex.offerCount() == 0


def test_offer_validation(m):
    mkh, art = m.mkh.address, m.art.address
    with reverts("InvalidToken"):
        m.ex.makeOffer(ZERO, 1, art, 1, sender=m.maker)
    with reverts("SameToken", token=mkh):
        m.ex.makeOffer(mkh, 1, mkh, 1, sender=m.maker)
    with reverts("ZeroAmount"):
        m.ex.makeOffer(mkh, 0, art, 1, sender=m.maker)
    with reverts("ZeroAmount"):
        m.ex.makeOffer(mkh, 1, art, 0, sender=m.maker)
    with reverts("AmountTooLarge", amount=2**96):
        m.ex.makeOffer(mkh, 2**96, art, 1, sender=m.maker)
    with reverts("AmountTooLarge", amount=2**96):
        m.ex.makeOffer(mkh, 1, ZERO, 2**96, sender=m.maker)


def test_ether_sent_to_a_token_offer_is_refused(m):
    offer_id, _ = make_offer(m)
    m.art.approve(m.ex, 10 * E18, sender=m.taker)
    with reverts("WrongEtherValue", expected=0, sent=1):
        m.ex.fill(offer_id, 100 * E18, sender=m.taker, value=1)


def test_ether_offer_proceeds_are_pulled_by_the_maker(m):
    offer_id, _ = make_offer(m, sell="ART", amount=D(10), buy="ETH", price=D("0.5"), maker=m.artist)
    assert m.driver.offer_state(offer_id).buy == "ETH"
    maker_eth = m.chain.balance(m.artist)
    result = m.driver.fill(m.taker, offer_id=offer_id, amount=D(4))
    assert_events(result, "OfferFilled", amount=4 * E18, paid=2 * E18 // 10, remaining=6 * E18)
    assert_events(result, "ProceedsCredited", maker=m.artist.address, amount=2 * E18 // 10)
    # nothing pushed: the maker's ether is unchanged until they withdraw
    assert m.chain.balance(m.artist) == maker_eth
    assert m.ex.proceedsOf(m.artist) == 2 * E18 // 10 == m.ex.totalProceeds()
    assert m.chain.balance(m.ex) == 2 * E18 // 10
    assert m.driver.proceeds(m.artist.address) == D("0.2")
    assert m.art.balanceOf(m.taker) == 304 * E18

    withdrawal = m.driver.exchange.withdraw(sender=m.artist)
    assert_events(withdrawal, "Withdrawn", maker=m.artist.address, amount=2 * E18 // 10)
    assert m.chain.balance(m.artist) == maker_eth + 2 * E18 // 10  # fee-free dev blocks
    assert m.ex.proceedsOf(m.artist) == 0 and m.ex.totalProceeds() == 0 and m.chain.balance(m.ex) == 0
    with reverts("NothingToWithdraw", account=m.artist.address):
        m.driver.exchange.withdraw(sender=m.artist)


def test_ether_fill_must_send_the_exact_price(m):
    offer_id, _ = make_offer(m, sell="ART", amount=D(3), buy="ETH", price=D(1), maker=m.artist)
    price = m.ex.priceOf(offer_id, E18)  # 1/3 ether, rounded up
    assert price == E18 // 3 + 1
    with reverts("WrongEtherValue", expected=price, sent=price - 1):
        m.ex.fill(offer_id, E18, sender=m.taker, value=price - 1)
    with reverts("WrongEtherValue", expected=price, sent=price + 1):
        m.ex.fill(offer_id, E18, sender=m.taker, value=price + 1)
    m.ex.fill(offer_id, E18, sender=m.taker, value=price)
    assert m.ex.proceedsOf(m.artist) == price


def test_proceeds_accumulate_across_offers_and_withdraw_once(m):
    a, _ = make_offer(m, sell="ART", amount=D(1), buy="ETH", price=D(1), maker=m.artist)
    b, _ = make_offer(m, sell="ART", amount=D(2), buy="ETH", price=D(1), maker=m.artist)
    m.driver.fill(m.taker, offer_id=a, amount=D(1))
    m.driver.fill(m.other, offer_id=b, amount=D(2))
    assert m.driver.proceeds(m.artist.address) == D(2)
    assert_events(m.driver.exchange.withdraw(sender=m.artist), "Withdrawn", amount=2 * E18)


def test_an_sme_token_or_the_stablecoin_trades_too(m):
    # any ERC-20: the euro stablecoin (6 decimals) stands for an outside token such as UC1's SME tokens
    eur = m.chain.deploy("EuroStablecoin", m.deployer, sender=m.deployer)
    eur.mint(m.taker, 1_000 * 10**6, sender=m.deployer)
    offer_id, _ = make_offer(m, sell="MKH", amount=D(10), buy=eur.address, price=D("25.5"))
    assert m.driver.offer_state(offer_id).price_amount == D("25.5")
    m.driver.fill(m.taker, offer_id=offer_id, amount=D(4))
    assert eur.balanceOf(m.maker) == 10_200_000  # 4/10 of 25.5 EUR
    assert m.driver.balance(m.maker.address, eur.address) == D("10.2")
    back, _ = make_offer(m, sell=eur.address, amount=D(100), buy="MKH", price=D(1), maker=m.taker)
    assert m.driver.offer_state(back).sell == eur.address


def test_an_address_without_code_cannot_be_offered(m):
    # the balance check calls the token: an account without code makes the offer revert
    with reverts():
        m.ex.makeOffer(m.other.address, 1, m.art, 1, sender=m.maker)
    assert m.ex.offerCount() == 0


def test_offer_terms_cannot_change_under_a_taker(m):
    """No front-running by a price change: an offer's terms are fixed at creation. A maker who wants another
    price must cancel and make a new offer (a new id); a fill of the old id then fails, it never pays more."""
    offer_id, _ = make_offer(m)  # 300 MKH for 30 ART
    quoted = m.ex.priceOf(offer_id, 100 * E18)
    m.art.approve(m.ex, 2**256 - 1, sender=m.taker)  # a standing allowance: the worst case for the taker
    m.driver.exchange.cancel(offer_id, sender=m.maker)
    dearer, _ = make_offer(m, price=D(300))
    assert dearer != offer_id
    with reverts("OfferNotOpen", offerId=offer_id):
        m.ex.fill(offer_id, 100 * E18, sender=m.taker)
    before = m.art.balanceOf(m.taker)
    other_id, _ = make_offer(m, amount=D(300), price=D30)
    m.ex.fill(other_id, 100 * E18, sender=m.taker)
    assert before - m.art.balanceOf(m.taker) == quoted == 10 * E18
