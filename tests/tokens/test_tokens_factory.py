"""TokenFactory and PersonalToken: anyone issues a token, initial supply to the creator, optional cap, creator-only
mint, ERC-2612 permit, bounded reads of a creator's tokens."""

from __future__ import annotations

from decimal import Decimal

from tokens_env import E18, D

from s4chain.drivers.permit import sign_permit
from s4chain.testing import assert_events, reverts


def test_anyone_creates_a_token_with_supply_to_the_creator(m):
    result = m.driver.create_token(m.other, name="Garden Veg", symbol="VEG", supply=D(250), cap=None)
    events = assert_events(result, "TokenCreated", count=1, creator=m.other.address, symbol="VEG", index=2)
    token = m.driver.tokens["VEG"]
    assert events[0].args["token"] == token.address == m.driver.created_token(result)
    assert token.name() == "Garden Veg" and token.symbol() == "VEG" and token.decimals() == 18
    assert token.balanceOf(m.other) == 250 * E18 == token.totalSupply()
    assert token.creator() == m.other.address and token.cap() == 0
    assert m.driver.factory.tokenCount() == 3
    assert m.driver.factory.isFactoryToken(token.address)
    assert not m.driver.factory.isFactoryToken(m.other.address)
    assert m.driver.balance(m.other.address, "VEG") == D(250)


def test_initial_supply_above_cap_reverts(m):
    with reverts("CapExceeded", supplyAfter=11 * E18, cap=10 * E18):
        m.driver.create_token(m.other, name="X", symbol="X", supply=D(11), cap=D(10))


def test_creator_mints_up_to_the_cap_and_not_beyond(m):
    result = m.driver.mint(m.maker, token="MKH", to=m.other.address, amount=D(10_000))
    assert_events(result, "Minted", by=m.maker.address, to=m.other.address, amount=10_000 * E18)
    assert m.mkh.totalSupply() == 20_000 * E18 and m.mkh.mintable() == 0
    with reverts("CapExceeded", supplyAfter=20_000 * E18 + 1, cap=20_000 * E18):
        m.mkh.mint(m.other, 1, sender=m.maker)


def test_uncapped_token_mints_freely_but_only_by_the_creator(m):
    m.driver.mint(m.artist, token="ART", to=m.artist.address, amount=D(1_000_000))
    assert m.art.totalSupply() == 1_001_000 * E18
    assert m.art.mintable() == 2**256 - 1 - 1_001_000 * E18
    with reverts("AccessControlUnauthorizedAccount", account=m.taker.address):
        m.driver.mint(m.taker, token="ART", to=m.taker.address, amount=D(1))


def test_zero_supply_token_is_fine(m):
    m.driver.create_token(m.other, name="Later", symbol="LTR", supply=D(0), cap=D(5))
    assert m.driver.tokens["LTR"].totalSupply() == 0
    assert m.driver.tokens["LTR"].mintable() == 5 * E18


def test_creator_lists_are_paged_and_bounded(m):
    for i in range(3):
        m.driver.create_token(m.other, name=f"T{i}", symbol=f"T{i}", supply=D(1))
    f = m.driver.factory
    addresses = [m.driver.tokens[f"T{i}"].address for i in range(3)]
    assert f.tokenCountOf(m.other) == 3 and f.tokenCountOf(m.taker) == 0
    assert list(f.tokensOf(m.other, 0, 10)) == addresses
    assert list(f.tokensOf(m.other, 1, 1)) == addresses[1:2]
    assert list(f.tokensOf(m.other, 2, 5)) == addresses[2:]
    assert list(f.tokensOf(m.other, 3, 5)) == []
    assert list(f.tokensOf(m.maker, 0, 100)) == [m.mkh.address]
    with reverts("PageTooLarge", limit=101, max=100):
        f.tokensOf(m.other, 0, 101)


def test_permit_sets_an_allowance_by_signature(m):
    holder = m.other  # signs; someone else sends the permit
    m.driver.transfer(m.maker, token="MKH", to=holder.address, amount=D(5))
    deadline = m.chain.timestamp + 3600
    v, r, s = sign_permit(m.mkh, holder, m.ex.address, 5 * E18, deadline)
    m.mkh.permit(holder.address, m.ex.address, 5 * E18, deadline, v, r, s, sender=m.taker)
    assert m.mkh.allowance(holder.address, m.ex.address) == 5 * E18
    assert m.mkh.nonces(holder.address) == 1


def test_driver_finds_factory_tokens_by_symbol_from_events(m):
    fresh = type(m.driver)(m.chain, m.driver.factory, m.driver.exchange)
    assert fresh.token("ART").address == m.art.address
    assert fresh.balance(m.artist.address, "ART") == Decimal(700)
    assert fresh.balance(m.artist.address, m.art.address) == Decimal(700)


def _functions(contract) -> set[str]:
    return {item["name"] for item in contract.abi if item.get("type") == "function"}


def test_the_creator_has_no_power_over_holders_tokens(m):
    """The creator (admin and minter of MKH) cannot move, burn or freeze what holders own, nor raise the cap; the
    factory has no admin at all."""
    with reverts("ERC20InsufficientAllowance"):
        m.mkh.transferFrom(m.taker, m.maker, 1, sender=m.maker)
    assert m.mkh.balanceOf(m.taker) == 1_000 * E18
    # no burn, pause, freeze or cap setter to abuse; the only privileged function is mint (capped)
    assert not {"burn", "burnFrom", "pause", "freeze", "setCap", "blacklist"} & _functions(m.mkh)
    assert not {"grantRole", "transferOwnership", "pause", "setImplementation"} & _functions(m.driver.factory)
