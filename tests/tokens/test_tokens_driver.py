"""The UC2 driver's reads and conversions: symbols and addresses, ether, the exchange's state."""

from __future__ import annotations

import pytest
from tokens_env import E18, D

from s4chain.drivers.registry import driver_class, main_contract
from s4chain.drivers.tokens import TokenExchangeDriver


def test_registered_under_tokens_with_the_exchange_as_main_contract(m):
    assert driver_class("tokens") is TokenExchangeDriver
    assert main_contract("tokens") in m.driver.contracts()
    assert set(m.driver.contracts()) == {"TokenFactory", "P2PExchange"}


def test_state_reports_tokens_offers_escrow_and_ether_owed(m):
    d = m.driver
    one = d.offer_id(d.offer(m.maker, sell="MKH", amount=D("12.5"), buy="ART", price_amount=D(1)))
    two = d.offer_id(d.offer(m.artist, sell="ART", amount=D(3), buy="ETH", price_amount=D("0.3")))
    d.fill(m.taker, offer_id=two, amount=D(1))
    state = d.state()
    assert state.token_count == 2 and [t.symbol for t in state.tokens] == ["MKH", "ART"]
    assert state.tokens[0].cap == D(20_000) and state.tokens[1].cap is None
    assert state.tokens[0].creator == m.maker.address
    assert state.offer_count == 2 and state.open_offers == [one, two]
    assert state.escrow == {"MKH": D("12.5"), "ART": D(2)}
    assert state.ether_owed == D("0.1") == d.proceeds(m.artist.address)
    holding = d.holding(m.taker.address, "ART")
    assert holding.amount == D(301) and holding.token == "ART"


def test_ether_balance_and_unknown_tokens(m):
    assert m.driver.balance(m.other.address, "ETH") == D(m.chain.balance(m.other)) / E18
    with pytest.raises(ValueError, match="unknown token 'NOPE'"):
        m.driver.balance(m.other.address, "NOPE")
    with pytest.raises(ValueError, match="more than 18 decimals"):
        m.driver.offer(m.maker, sell="MKH", amount=D("0.0000000000000000001"), buy="ART", price_amount=D(1))


def test_driver_approves_only_when_the_allowance_is_short(m):
    d = m.driver
    d.offer(m.maker, sell="MKH", amount=D(5), buy="ART", price_amount=D(1))
    assert m.mkh.allowance(m.maker, m.ex) == 0  # the exact allowance was used up by the escrow
    m.mkh.approve(m.ex, 100 * E18, sender=m.maker)
    d.offer(m.maker, sell="MKH", amount=D(5), buy="ART", price_amount=D(1))
    assert m.mkh.allowance(m.maker, m.ex) == 95 * E18  # no new approval


def test_a_later_token_with_the_same_symbol_never_takes_the_name_over(m):
    """Anyone may create a token called MKH; the driver's `MKH` stays the first one (the maker-space member's),
    so scenario steps naming MKH never trade an impostor's token. The impostor is reachable by address."""
    d = m.driver
    genuine = m.mkh.address
    impostor = d.created_token(d.create_token(m.other, name="Maker Hours", symbol="MKH", supply=D(50)))
    assert d.token("MKH").address == genuine
    reattached = TokenExchangeDriver(m.chain, d.factory, d.exchange)  # knows no symbol yet: reads the factory
    assert reattached.token("MKH").address == genuine
    offer = d.offer_id(d.offer(m.other, sell=impostor, amount=D(5), buy="ART", price_amount=D(1)))
    assert d.offer_state(offer).sell == impostor  # shown by address, never as MKH
