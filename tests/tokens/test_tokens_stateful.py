"""A hypothesis state machine over P2PExchange, checked against a Python model after every step.

Invariants: the exchange's balance of each token equals the sum of the remaining amounts of the open offers
selling it (escrow is exact); no token is created or destroyed by the exchange (supplies never change and
everyone's balances match the model); the exchange's ether equals the proceeds owed to makers; every price is
the rounded-up share of the offer's price, never zero for something.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from s4chain.chain import ContractRevert

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
    everyone = [p.address for p in people] + [ex.address]
    supplies0 = {a: int(t.totalSupply()) for a, t in tokens.items()}
    balances0 = {(a, who): int(t.balanceOf(who)) for a, t in tokens.items() for who in everyone}

    class ExchangeMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.offers: dict[int, OfferModel] = {}
            self.balances = dict(balances0)
            self.proceeds: dict[str, int] = {}

        def teardown(self) -> None:
            chain.revert(self.snapshot)

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
            offer_id = int(result.events_named("OfferCreated")[0].args["offerId"])
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
            event = result.events_named("OfferFilled")[0].args
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
            assert result.events_named("OfferCancelled")[0].args["refunded"] == o.remaining
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

        @invariant()
        def escrow_is_exact(self):
            for address, t in tokens.items():
                open_sum = sum(o.remaining for o in self.offers.values() if o.sell == address)
                assert int(t.balanceOf(ex)) == open_sum

        @invariant()
        def no_token_created_or_destroyed(self):
            for address, t in tokens.items():
                assert int(t.totalSupply()) == supplies0[address]
                assert sum(self.balances[(address, who)] for who in everyone) == supplies0[address]
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
                raw = ex.getOffer(offer_id)
                assert (int(raw[5]), bool(raw[6])) == (o.remaining, o.cancelled)

    examples = int(os.environ.get("S4_TOKENS_EXAMPLES", "15"))
    run_state_machine_as_test(
        ExchangeMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
