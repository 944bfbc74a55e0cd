"""A hypothesis state machine over P2PExchange, checked against a Python model after every step.

Hostile actors take random actions among the traders: the MKH creator (its minter and admin) mints at will, up
to the cap and beyond; an outsider (no tokens, no approvals) tries to mint, to pull anyone's tokens, to cancel
or fill others' offers without paying, to withdraw others' proceeds; anyone may send tokens straight to the
exchange.

Invariants: the exchange's balance of each token equals the sum of the remaining amounts of the open offers
selling it plus what was sent to it directly (every escrow backed); the exchange creates and destroys no token
(supplies change only by the creator's mints, and everyone's balances match the model: nobody's tokens leave
without their consent); the exchange's ether equals the proceeds owed to makers; every price is the rounded-up
share of the offer's price, never zero for something; every open offer can be cancelled by its maker and every
maker's ether proceeds withdrawn, right now (a reachable way out).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from s4chain.chain import ContractRevert
from s4chain.testing.stateful import run_machine

ETH = "0x" + "00" * 20


@dataclass
class OfferModel:
    maker: str
    sell: str
    buy: str
    x: int
    y: int
    remaining: int
    cancelled: bool = False


@pytest.mark.slow
def test_exchange_state_machine(m):
    chain, ex = m.chain, m.ex
    people = [m.maker, m.artist, m.taker, m.other]
    outsider = chain.accounts[5]  # no tokens, no approvals, no role
    tokens = {m.mkh.address: m.mkh, m.art.address: m.art}
    person = st.sampled_from(people)
    token = st.sampled_from(list(tokens))
    units = st.integers(min_value=1, max_value=10_000)
    pick = st.integers(min_value=0, max_value=10_000)  # an index into the offers made so far

    # everyone holds both tokens and has approved the exchange: the machine is about settlement, not funding
    m.mkh.transfer(m.artist, 1_000 * 10**18, sender=m.maker)
    m.mkh.transfer(m.other, 1_000 * 10**18, sender=m.maker)
    m.art.transfer(m.maker, 100 * 10**18, sender=m.artist)
    m.art.transfer(m.other, 100 * 10**18, sender=m.artist)
    for p in people:
        for t in tokens.values():
            t.approve(ex, 2**256 - 1, sender=p)
    everyone = [p.address for p in people] + [ex.address, outsider.address]
    supplies0 = {a: int(t.totalSupply()) for a, t in tokens.items()}
    balances0 = {(a, who): int(t.balanceOf(who)) for a, t in tokens.items() for who in everyone}

    class ExchangeMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.offers: dict[int, OfferModel] = {}
            self.balances = dict(balances0)
            self.proceeds: dict[str, int] = {}
            self.supplies = dict(supplies0)
            self.donated = dict.fromkeys(tokens, 0)

        def move(self, token_address: str, frm: str, to: str, amount: int) -> None:
            self.balances[(token_address, frm)] -= amount
            self.balances[(token_address, to)] += amount

        def offer_at(self, index: int) -> tuple[int, OfferModel] | None:
            if not self.offers:
                return None
            offer_id = sorted(self.offers)[index % len(self.offers)]
            return offer_id, self.offers[offer_id]

        @rule(maker=person, sell=token, buy=st.one_of(token, st.just(ETH)), x=units, y=units)
        def make_offer(self, maker, sell, buy, x, y):
            if sell == buy:
                try:
                    ex.makeOffer(sell, x, buy, y, sender=maker)
                except ContractRevert as exc:
                    assert exc.error_name == "SameToken"
                    return
                raise AssertionError("an offer of a token for itself went through")
            result = ex.makeOffer(sell, x, buy, y, sender=maker)
            offer_id = int(result.event("OfferCreated").args["offerId"])
            assert offer_id == len(self.offers) + 1
            self.offers[offer_id] = OfferModel(maker.address, sell, buy, x, y, x)
            self.move(sell, maker.address, ex.address, x)

        @rule(taker=person, index=pick, share=st.integers(min_value=1, max_value=100), overfill=st.booleans())
        def fill(self, taker, index, share, overfill):
            found = self.offer_at(index)
            if found is None:
                return
            offer_id, o = found
            amount = o.remaining + 1 if overfill else max(1, o.remaining * share // 100)
            if o.remaining == 0:
                expected = "OfferNotOpen"
            elif amount > o.remaining:
                expected = "FillExceedsRemaining"
            else:
                expected = None
            price = -(-amount * o.y // o.x)  # rounded up
            value = price if o.buy == ETH and expected is None else 0
            try:
                result = ex.fill(offer_id, amount, sender=taker, value=value)
            except ContractRevert as exc:
                assert exc.error_name == expected, f"fill reverted with {exc.error_name}, expected {expected}"
                return
            assert expected is None, f"fill went through, expected {expected}"
            event = result.event("OfferFilled").args
            assert event["paid"] == price >= 1
            assert price * o.x >= amount * o.y  # the maker is never short-changed
            o.remaining -= amount
            self.move(o.sell, ex.address, taker.address, amount)
            if o.buy == ETH:
                self.proceeds[o.maker] = self.proceeds.get(o.maker, 0) + price
            else:
                self.move(o.buy, taker.address, o.maker, price)

        @rule(actor=person, index=pick, honest=st.booleans())
        def cancel(self, actor, index, honest):
            found = self.offer_at(index)
            if found is None:
                return
            offer_id, o = found
            sender = next(p for p in people if p.address == o.maker) if honest else actor
            if o.remaining == 0:
                expected = "OfferNotOpen"
            elif sender.address != o.maker:
                expected = "NotMaker"
            else:
                expected = None
            try:
                result = ex.cancel(offer_id, sender=sender)
            except ContractRevert as exc:
                assert exc.error_name == expected
                return
            assert expected is None
            assert result.event("OfferCancelled").args["refunded"] == o.remaining
            self.move(o.sell, ex.address, o.maker, o.remaining)
            o.remaining, o.cancelled = 0, True

        @rule(actor=person)
        def withdraw(self, actor):
            owed = self.proceeds.get(actor.address, 0)
            before = chain.balance(actor)
            try:
                ex.withdraw(sender=actor)
            except ContractRevert as exc:
                assert owed == 0 and exc.error_name == "NothingToWithdraw"
                return
            assert owed > 0
            assert chain.balance(actor) == before + owed  # fee-free dev blocks
            self.proceeds[actor.address] = 0

        # --- hostile actors ----------------------------------------------------------------------------------
        @rule(to=person, amount=st.one_of(units, st.sampled_from(["rest", "rest+1"])))
        def creator_mints(self, to, amount):
            """The MKH creator mints at will: only up to the cap, and only new tokens (nobody else's)."""
            mkh = m.mkh
            rest = int(mkh.cap()) - self.supplies[mkh.address]
            units_ = rest if amount == "rest" else rest + 1 if amount == "rest+1" else amount
            try:
                mkh.mint(to, units_, sender=m.maker)
            except ContractRevert as exc:
                assert exc.error_name == "CapExceeded" and units_ > rest
                return
            assert units_ <= rest
            self.supplies[mkh.address] += units_
            self.balances[(mkh.address, to.address)] += units_

        @rule(
            attack=st.sampled_from(["mint", "pull", "cancel", "fill_unpaid", "withdraw", "grant"]),
            victim=person,
            index=pick,
            token_address=token,
        )
        def outsider_attacks(self, attack, victim, index, token_address):
            """The outsider tries to take what is not theirs: every attempt reverts."""
            t = tokens[token_address]
            found = self.offer_at(index)
            if attack in ("cancel", "fill_unpaid") and (found is None or found[1].remaining == 0):
                return
            calls = {
                "mint": ("AccessControlUnauthorizedAccount", lambda: t.mint(outsider, 1, sender=outsider)),
                "pull": ("ERC20InsufficientAllowance", lambda: t.transferFrom(victim, outsider, 1, sender=outsider)),
                "cancel": ("NotMaker", lambda: ex.cancel(found[0], sender=outsider)),
                "withdraw": ("NothingToWithdraw", lambda: ex.withdraw(sender=outsider)),
                "grant": (
                    "AccessControlUnauthorizedAccount",
                    lambda: t.grantRole(t.MINTER_ROLE(), outsider, sender=outsider),
                ),
            }
            if attack == "fill_unpaid":  # no tokens and no allowance; ether must be the exact price
                _, o = found
                error = "WrongEtherValue" if o.buy == ETH else "ERC20InsufficientAllowance"
                calls[attack] = (error, lambda: ex.fill(found[0], 1, sender=outsider))
            error, action = calls[attack]
            try:
                action()
            except ContractRevert as exc:
                assert exc.error_name == error, f"{attack}: {exc.error_name}, expected {error}"
                return
            raise AssertionError(f"the outsider's {attack} went through")

        @rule(sender=person, token_address=token, amount=units)
        def send_to_the_exchange(self, sender, token_address, amount):
            """Tokens sent straight to the exchange, outside any offer: they back no offer and take none."""
            tokens[token_address].transfer(ex, amount, sender=sender)
            self.move(token_address, sender.address, ex.address, amount)
            self.donated[token_address] += amount

        # --- invariants ------------------------------------------------------------------------------------
        @invariant()
        def escrow_is_backed(self):
            for address, t in tokens.items():
                open_sum = sum(o.remaining for o in self.offers.values() if o.sell == address)
                assert int(t.balanceOf(ex)) == open_sum + self.donated[address]

        @invariant()
        def every_asset_has_a_way_out(self):
            for offer_id, o in self.offers.items():
                if o.remaining:
                    maker = next(p for p in people if p.address == o.maker)
                    assert ex.cancel.call(offer_id, sender=maker) == o.remaining
            for who in people:
                if self.proceeds.get(who.address):
                    assert ex.withdraw.call(sender=who) == self.proceeds[who.address]

        @invariant()
        def no_token_created_or_destroyed(self):
            for address, t in tokens.items():
                assert int(t.totalSupply()) == self.supplies[address]
                assert sum(self.balances[(address, who)] for who in everyone) == self.supplies[address]
                for who in everyone:
                    assert int(t.balanceOf(who)) == self.balances[(address, who)]

        @invariant()
        def ether_covers_proceeds(self):
            owed = sum(self.proceeds.values())
            assert chain.balance(ex) == int(ex.totalProceeds()) == owed
            for who in people:
                assert int(ex.proceedsOf(who)) == self.proceeds.get(who.address, 0)

        @invariant()
        def offers_match(self):
            for offer_id, o in self.offers.items():
                offer = ex.getOffer(offer_id)
                assert (int(offer.remaining), bool(offer.cancelled)) == (o.remaining, o.cancelled)

    examples = int(os.environ.get("S4_TOKENS_EXAMPLES", "15"))
    run_machine(ExchangeMachine, examples=examples, steps=25)
