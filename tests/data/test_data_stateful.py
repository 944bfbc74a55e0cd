"""Hypothesis state machine over listings, purchases, renewals, time, pause/withdraw, lenient and strict consent
revocation, refunds, releases, fee changes and withdrawals, checked against an exact Python model, with hostile
actors: an owner who raises the price just before a purchase, a platform that raises its fee and redirects it,
and an outsider who tries every owner, platform and buyer action on what is not theirs.

After every step: the market's stablecoin balance == sum of pull balances + sum of escrows (every escrow backed);
every pull balance, escrow and wallet equals the model's, where a wallet changes only by its owner's own purchase
(never above the price it stated) or withdrawal (no funds leave without consent); `hasAccess` is true exactly
while now < expiry (the revocation time on a revoked strict listing); a revoked (or paused, withdrawn) listing
sells nothing. A rule checks the way out: whatever the others did, once every access has ended each buyer, person
and the platform can take out exactly what the model says is theirs, and the market is left empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from data_env import DataEnv
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from s4chain.testing import assert_events, reverts
from s4chain.testing.stateful import EnvMachine, run_machine

STATUS = {"active": 1, "paused": 2, "withdrawn": 3, "revoked": 4}
FEE_NOTICE = 30 * 86_400
OUTSIDER_ACTIONS = (
    "pause", "resume", "withdraw listing", "revoke", "reprice", "set fee", "redirect fees", "grant platform",
    "claim", "use data", "buy without allowance",
)  # fmt: skip


@dataclass
class ModelListing:
    owner: object
    price: int
    period: int
    strict: bool
    status: str = "active"
    revoked_at: int = 0


@dataclass
class ModelAccess:
    expires: int = 0
    settled_at: int = 0
    escrow: int = 0


@dataclass
class Model:
    fee_bps: int = 500
    next_fee: int = 0  # an announced rise, in force from `next_fee_at`
    next_fee_at: int = 0
    recipient: str = ""
    listings: dict[int, ModelListing] = field(default_factory=dict)
    access: dict[tuple[int, str], ModelAccess] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)

    def copy(self) -> Model:
        """A copy to try a settlement on (the listings are shared: settling does not change them)."""
        access = {k: ModelAccess(v.expires, v.settled_at, v.escrow) for k, v in self.access.items()}
        return replace(self, access=access, pending=dict(self.pending))

    def fee_at(self, ts: int) -> int:
        return self.next_fee if self.next_fee_at and ts >= self.next_fee_at else self.fee_bps

    def credit(self, who: str, amount: int) -> None:
        self.pending[who] = self.pending.get(who, 0) + amount

    def settle(self, lid: int, buyer: str, until: int, refund_rest: bool) -> tuple[int, int]:
        a = self.access.setdefault((lid, buyer), ModelAccess())
        listing = self.listings[lid]
        escrow, start = a.escrow, a.settled_at
        if escrow == 0:
            return 0, 0
        if until > start:
            a.settled_at = until
        earned = (
            escrow if until >= a.expires else (escrow * (until - start) // (a.expires - start) if until > start else 0)
        )
        rest, refund = escrow - earned, 0
        if refund_rest and listing.revoked_at:
            refund, rest = rest, 0
        a.escrow = rest
        self.credit(listing.owner.address, earned)  # type: ignore[attr-defined]
        self.credit(buyer, refund)
        return earned, refund

    def expiry(self, lid: int, buyer: str) -> int:
        a = self.access.get((lid, buyer), ModelAccess())
        r = self.listings[lid].revoked_at
        return r if r and r < a.expires else a.expires


class DataMachine(EnvMachine[DataEnv]):
    def __init__(self) -> None:
        super().__init__()
        self.d = self.env.d
        self.m = Model()
        self.m.recipient = self.env.admin.address
        self.owners = (self.env.cyclist, self.env.household)
        self.buyers = (self.env.mobility, self.env.energy)
        self.everyone = (self.env.admin, *self.owners, *self.buyers, self.env.stranger)
        for buyer in self.buyers:
            self.d.stablecoin.approve(self.d.market, 2**200, sender=buyer)  # standing allowances: front-run bait
        self.wallets = {who.address: int(self.d.stablecoin.balanceOf(who)) for who in self.everyone}

    def everyone_can_leave(self) -> None:
        """At the end of every run, whatever the others did: once every access has ended, anyone's `release` and
        the buyers' claims settle every escrow, each withdrawal pays exactly the model's due, and the market is
        left empty."""
        model = self.m.copy()
        end = max([a.expires for a in model.access.values()] + [self.chain.timestamp]) + 1
        self.chain.travel_to(end)
        for lid, buyer in model.access:
            self.d.market.release(lid, buyer, sender=self.env.stranger)
            model.settle(lid, buyer, model.listings[lid].revoked_at or end, True)
        for who in self.everyone:
            due = model.pending.get(who.address, 0)
            if due:
                assert_events(self.d.market.withdraw(sender=who), "Withdrawal", account=who.address, amount=due)
        assert int(self.d.stablecoin.balanceOf(self.d.market)) == 0
        self.seen["way out"] += 1

    teardown = everyone_can_leave  # hypothesis ends every run with it; the s4chain plugin then reverts the run

    def next_ts(self, delta: int = 1) -> int:
        ts = self.chain.timestamp + delta
        self.chain.set_next_block_timestamp(ts)
        return ts

    # --- rules
    @initialize(price=st.integers(1, 50_000_000), periods=st.integers(1, 3))
    def market_with_buyers(self, price: int, periods: int) -> None:
        """A lenient and a strict listing, each bought by both companies."""
        self.list_data(0, price, 300, False)
        self.list_data(1, price, 300, True)
        for lid in (1, 2):
            for buyer in (0, 1):
                self._buy(lid, buyer, periods)

    @rule(
        owner=st.integers(0, 1),
        price=st.integers(1, 50_000_000),
        period=st.sampled_from([7, 100, 3600]),
        strict=st.booleans(),
    )
    def list_data(self, owner: int, price: int, period: int, strict: bool) -> None:
        who = self.owners[owner]
        res = self.d.market.list(b"\1" * 32, b"\2" * 32, price, period, strict, "", sender=who)
        lid = self.d.listing_id(res)
        assert lid == len(self.m.listings) + 1
        self.m.listings[lid] = ModelListing(who, price, period, strict)

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), buyer=st.integers(0, 1), periods=st.integers(1, 3))
    def buy(self, data: st.DataObject, buyer: int, periods: int) -> None:
        self._buy(data.draw(st.sampled_from(sorted(self.m.listings))), buyer, periods)

    def _buy(self, lid: int, buyer: int, periods: int, max_price: int | None = None) -> None:
        """`buyer` buys at the price it saw (`max_price`, default the price now)."""
        listing, who = self.m.listings[lid], self.buyers[buyer]
        max_price = listing.price if max_price is None else max_price
        if listing.status != "active":
            with reverts("ListingNotActive", listingId=lid, status=STATUS[listing.status]):
                self.d.market.buyAccess(lid, periods, max_price, sender=who)
            return
        if listing.price > max_price:
            with reverts("PriceAboveMax", listingId=lid, price=listing.price, maxPrice=max_price):
                self.d.market.buyAccess(lid, periods, max_price, sender=who)
            self.seen["front-run refused"] += 1
            return
        amount = listing.price * periods
        if amount > self.wallets[who.address]:  # repeated rises can price a buyer out: nothing moves then
            with reverts("ERC20InsufficientBalance", sender=who.address, needed=amount):
                self.d.market.buyAccess(lid, periods, max_price, sender=who)
            return
        ts = self.next_ts()
        res = self.d.market.buyAccess(lid, periods, max_price, sender=who)
        self.wallets[who.address] -= amount
        fee = amount * self.m.fee_at(ts) // 10_000
        a = self.m.access.setdefault((lid, who.address), ModelAccess())
        expires = max(ts, a.expires) + listing.period * periods
        if listing.strict:
            self.m.settle(lid, who.address, ts, False)
            a.settled_at = ts
            a.escrow += amount - fee
        else:
            self.m.credit(listing.owner.address, amount - fee)  # type: ignore[attr-defined]
        a.expires = expires
        self.m.credit(self.m.recipient, fee)
        (event,) = res.events_named("AccessPurchased")
        assert event.args["expires"] == expires and event.args["fee"] == fee
        self.seen["strict buy" if listing.strict else "buy"] += 1

    @rule(seconds=st.sampled_from([1, 5, 6, 7, 50, 99, 100, 101, 1800, 3600]))
    def time_passes(self, seconds: int) -> None:
        self.chain.travel_to(self.chain.timestamp + seconds)

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), action=st.sampled_from(["pause", "resume", "withdraw", "revoke"]))
    def owner_action(self, data: st.DataObject, action: str) -> None:
        self.owner_action_on(data.draw(st.sampled_from(sorted(self.m.listings))), action)

    def owner_action_on(self, lid: int, action: str) -> None:
        listing = self.m.listings[lid]
        owner, status = listing.owner, listing.status
        moves = {  # action: (the owner's call, the statuses it works from, the error from any other, the status after)
            "pause": (self.d.market.pauseListing, ("active",), "ListingNotActive", "paused"),
            "resume": (self.d.market.resumeListing, ("paused",), "ListingNotPaused", "active"),
            "withdraw": (self.d.market.withdrawListing, ("active", "paused"), "ListingClosed", "withdrawn"),
        }
        if action in moves:
            send, works_from, error, after = moves[action]
            if status not in works_from:
                with reverts(error, listingId=lid, status=STATUS[status]):
                    send(lid, sender=owner)  # type: ignore[arg-type]
                return
            send(lid, sender=owner)  # type: ignore[arg-type]
            listing.status = after
        else:
            if status == "revoked":
                with reverts("AlreadyRevoked", listingId=lid):
                    self.d.market.revokeConsent(lid, sender=owner)  # type: ignore[arg-type]
                return
            ts = self.next_ts()
            self.d.market.revokeConsent(lid, sender=owner)  # type: ignore[arg-type]
            listing.status = "revoked"
            if listing.strict:
                listing.revoked_at = ts
            self.seen["revoke"] += 1

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), buyer=st.integers(0, 1))
    def claim_refund(self, data: st.DataObject, buyer: int) -> None:
        self._claim(data.draw(st.sampled_from(sorted(self.m.listings))), buyer)

    @rule(seconds=st.sampled_from([1, 50, 150, 299]))
    def strict_revocation_then_claims(self, seconds: int) -> None:
        """The strict listing of the initial market is revoked a little later and both companies claim."""
        self.time_passes(seconds)
        self.owner_action_on(2, "revoke")
        for buyer in (0, 1):
            self._claim(2, buyer)

    def _claim(self, lid: int, buyer: int) -> None:
        listing, who = self.m.listings[lid], self.buyers[buyer]
        if not (listing.status == "revoked" and listing.strict):
            with reverts("NotRevokedStrict", listingId=lid):
                self.d.market.claimRefund(lid, sender=who)
            return
        snapshot = self.m.copy()
        self.next_ts()
        _, refund = snapshot.settle(lid, who.address, listing.revoked_at, True)
        if refund == 0:
            with reverts("NoRefund", listingId=lid, buyer=who.address):
                self.d.market.claimRefund(lid, sender=who)
            return
        self.d.market.claimRefund(lid, sender=who)
        self.m = snapshot
        self.seen["refund"] += 1

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), buyer=st.integers(0, 1))
    def release(self, data: st.DataObject, buyer: int) -> None:
        lid = data.draw(st.sampled_from(sorted(self.m.listings)))
        who = self.buyers[buyer].address
        ts = self.next_ts()
        listing = self.m.listings[lid]
        self.d.market.release(lid, who, sender=self.env.stranger)
        self.m.settle(lid, who, listing.revoked_at or ts, True)

    @rule(index=st.integers(0, 5))
    def withdraw(self, index: int) -> None:
        who = self.everyone[index]
        amount = self.m.pending.get(who.address, 0)
        if amount == 0:
            with reverts("NothingToWithdraw", account=who.address):
                self.d.market.withdraw(sender=who)
            return
        self.d.market.withdraw(sender=who)
        self.wallets[who.address] += amount
        self.m.pending[who.address] = 0

    @rule(fee=st.sampled_from([0, 1, 333, 500, 2000, 2001]), buy_now=st.booleans())
    def set_fee(self, fee: int, buy_now: bool) -> None:
        """The platform sets its fee: a cut at once, a rise after the notice; with `buy_now` it raises the fee
        just before a purchase it sees coming, which must still pay the fee in force."""
        if fee > 2000:
            with reverts("FeeAboveCap", feeBps=fee, capBps=2000):
                self.d.market.setFee(fee, sender=self.env.admin)
            return
        ts = self.next_ts()
        current = self.m.fee_at(ts)
        self.d.market.setFee(fee, sender=self.env.admin)
        if fee > current:
            self.m.fee_bps, self.m.next_fee, self.m.next_fee_at = current, fee, ts + FEE_NOTICE
            self.seen["fee rise"] += 1
        else:
            self.m.fee_bps, self.m.next_fee, self.m.next_fee_at = fee, 0, 0
        if buy_now and self.m.listings:
            self._buy(1, 0, 1)

    @rule(to_stranger=st.booleans())
    def platform_redirects_fees(self, to_stranger: bool) -> None:
        """Future fees go elsewhere; what was credited stays with its owner."""
        recipient = self.env.stranger if to_stranger else self.env.admin
        self.d.market.setFeeRecipient(recipient.address, sender=self.env.admin)
        self.m.recipient = recipient.address

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), buyer=st.integers(0, 1), periods=st.integers(1, 3), factor=st.sampled_from([0, 1, 2, 100]))
    def owner_front_runs_a_purchase(self, data: st.DataObject, buyer: int, periods: int, factor: int) -> None:
        """The buyer saw a price; the owner changes it (a rise, or a cut with factor 0) before the purchase lands."""
        lid = data.draw(st.sampled_from(sorted(self.m.listings)))
        listing = self.m.listings[lid]
        seen = listing.price
        new = min(max(1, seen * factor) if factor else max(1, seen // 2), 2**48 - 1)  # prices fit 48 bits
        if listing.status in ("active", "paused"):
            self.d.update_price(listing.owner, lid, Decimal(new) / 10**6)  # type: ignore[arg-type]
            listing.price = new
        self._buy(lid, buyer, periods, max_price=seen)

    @precondition(lambda self: self.m.listings)
    @rule(data=st.data(), action=st.sampled_from(OUTSIDER_ACTIONS))
    def outsider_meddles(self, data: st.DataObject, action: str) -> None:
        """A stranger (or a buyer, on someone else's listing) tries what is not theirs: every attempt reverts."""
        lid = data.draw(st.sampled_from(sorted(self.m.listings)))
        who = data.draw(st.sampled_from([self.env.stranger, *self.buyers]))
        d, market = self.d, self.d.market
        errors = {
            "pause": ("NotListingOwner", lambda: d.market.pauseListing(lid, sender=who)),
            "resume": ("NotListingOwner", lambda: d.market.resumeListing(lid, sender=who)),
            "withdraw listing": ("NotListingOwner", lambda: d.market.withdrawListing(lid, sender=who)),
            "revoke": ("NotListingOwner", lambda: d.market.revokeConsent(lid, sender=who)),
            "reprice": ("NotListingOwner", lambda: d.update_price(who, lid, Decimal(1))),
            "set fee": ("AccessControlUnauthorizedAccount", lambda: d.market.setFee(2000, sender=who)),
            "redirect fees": (
                "AccessControlUnauthorizedAccount",
                lambda: d.market.setFeeRecipient(who.address, sender=who),
            ),
            "grant platform": (
                "AccessControlUnauthorizedAccount",
                lambda: market.grantRole(market.PLATFORM_ROLE(), who, sender=who),
            ),
        }
        if who == self.env.stranger:
            errors["claim"] = (
                "NoRefund" if self.m.listings[lid].status == "revoked" and self.m.listings[lid].strict
                else "NotRevokedStrict",
                lambda: d.market.claimRefund(lid, sender=who),
            )  # fmt: skip
            errors["use data"] = ("NoAccess", lambda: d.market.recordAccess(lid, sender=who))
            errors["buy without allowance"] = (
                "ERC20InsufficientAllowance" if self.m.listings[lid].status == "active" else "ListingNotActive",
                lambda: market.buyAccess(lid, 1, 2**48, sender=who),
            )
        error, call = errors.get(action, errors["pause"])
        with reverts(error):
            call()
        self.seen["outsider"] += 1

    # --- invariants
    @invariant()
    def balances_match_the_model_and_back_the_token_balance(self) -> None:
        market = self.d.market
        total = 0
        for who in self.everyone:
            pending = int(market.pendingWithdrawal(who))
            assert pending == self.m.pending.get(who.address, 0), who.address
            total += pending
        for (lid, buyer), a in self.m.access.items():
            assert tuple(market.accessOf(lid, buyer)) == (a.expires, a.settled_at, a.escrow)
            total += a.escrow
        assert int(self.d.stablecoin.balanceOf(market)) == total

    @invariant()
    def wallets_change_only_with_consent(self) -> None:
        for who in self.everyone:
            assert int(self.d.stablecoin.balanceOf(who)) == self.wallets[who.address], who.address

    @invariant()
    def access_only_before_expiry(self) -> None:
        now = self.chain.timestamp
        for lid in self.m.listings:
            for buyer in self.buyers:
                expires = self.m.expiry(lid, buyer.address)
                assert int(self.d.market.expiresAt(lid, buyer)) == expires
                assert bool(self.d.market.hasAccess(lid, buyer)) == (now < expires)


@pytest.mark.slow
def test_data_market_state_machine(env: DataEnv) -> None:
    run_machine(DataMachine, env=env, examples=20, steps=20)
    seen = DataMachine.seen
    for what in ("buy", "strict buy", "revoke", "refund", "front-run refused", "fee rise", "outsider", "way out"):
        assert seen[what], f"the runs never got to {what}: {dict(seen)}"
