"""UC5 DataMarket rules: listings, roles, the fee split and its rounding, access expiry at t-1/t/t+1, renewals,
lenient and strict consent revocation with pro-rata refunds, pull withdrawals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from data_env import DAY, PERIOD, PRICE, DataEnv
from eth_utils import keccak

from s4chain.chain import TxResult
from s4chain.drivers.data import DataMarketDriver, DataParams
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts

SHARE = eur(PRICE) * 9500 // 10000  # 11.4 EUR
FEE = eur(PRICE) - SHARE  # 0.6 EUR


# --- listings ------------------------------------------------------------------------------------------------
def test_list_emits_hashes_and_stores_terms(env: DataEnv) -> None:
    res = env.d.list_data(env.cyclist, "ride data", "0x" + "ab" * 32, Decimal("12.5"), PERIOD, True, "mobility")
    event = assert_events(res, "ListingCreated", count=1, owner=env.cyclist.address, price=12_500_000, strict=True)[0]
    assert event.args["category"] == "mobility"
    listing = env.d.listing(env.d.listing_id(res))
    assert listing.owner == env.cyclist.address
    assert listing.price == Decimal("12.5") and listing.period == PERIOD and listing.strict
    assert listing.status == "active" and listing.revoked_at == 0
    assert listing.terms_hash == "0x" + "ab" * 32
    assert listing.content_hash != listing.terms_hash and listing.category == "mobility"
    assert env.d.market.listingCount() == 1


def test_list_rejects_bad_terms(env: DataEnv) -> None:
    with reverts("InvalidPrice", price=0):
        env.d.list_data(env.cyclist, "x", "t", Decimal(0), PERIOD)
    with reverts("InvalidPrice", price=2**48):
        env.d.market.list(b"\1" * 32, b"\2" * 32, 2**48, PERIOD, False, "", sender=env.cyclist)
    with reverts("InvalidPeriod", period=0):
        env.d.list_data(env.cyclist, "x", "t", PRICE, 0)


def test_only_the_owner_manages_a_listing(env: DataEnv) -> None:
    lid = env.list()
    market = env.d.market
    for action in (market.pauseListing, market.resumeListing, market.withdrawListing, market.revokeConsent):
        with reverts("NotListingOwner", listingId=lid, caller=env.stranger.address):
            action(lid, sender=env.stranger)
    with reverts("NotListingOwner", listingId=lid, caller=env.admin.address):
        env.d.update_price(env.admin, lid, Decimal(1))
    with reverts("ListingNotFound", listingId=99):
        env.d.market.pauseListing(99, sender=env.cyclist)
    with reverts("ListingNotFound", listingId=99):
        env.d.market.buyAccess(99, 1, 0, sender=env.mobility)


def test_pause_resume_withdraw(env: DataEnv) -> None:
    lid = env.list()
    with reverts("ListingNotPaused", listingId=lid):
        env.d.market.resumeListing(lid, sender=env.cyclist)
    assert_events(env.d.market.pauseListing(lid, sender=env.cyclist), "ListingPaused", listingId=lid)
    with reverts("ListingNotActive", listingId=lid, status=2):
        env.d.buy_access(env.mobility, lid)
    with reverts("ListingNotActive", listingId=lid, status=2):
        env.d.market.pauseListing(lid, sender=env.cyclist)
    env.d.update_price(env.cyclist, lid, Decimal(15))  # allowed while paused
    assert_events(env.d.market.resumeListing(lid, sender=env.cyclist), "ListingResumed", listingId=lid)
    env.d.buy_access(env.mobility, lid)
    assert_events(env.d.market.withdrawListing(lid, sender=env.cyclist), "ListingWithdrawn", listingId=lid)
    assert env.d.listing(lid).status == "withdrawn"
    with reverts("ListingNotActive", listingId=lid, status=3):
        env.d.buy_access(env.energy, lid)
    with reverts("ListingClosed", listingId=lid, status=3):
        env.d.update_price(env.cyclist, lid, Decimal(1))
    with reverts("ListingClosed", listingId=lid, status=3):
        env.d.market.withdrawListing(lid, sender=env.cyclist)
    assert env.d.access(lid, env.mobility.address).has_access  # paid access survives the withdrawal


def test_price_update_applies_to_future_purchases_only(env: DataEnv) -> None:
    lid = env.list()
    env.d.buy_access(env.mobility, lid)
    expires = env.d.access(lid, env.mobility.address).expires
    res = env.d.update_price(env.cyclist, lid, Decimal(20))
    assert_events(res, "PriceUpdated", listingId=lid, oldPrice=eur(PRICE), newPrice=eur(20))
    assert env.d.access(lid, env.mobility.address).expires == expires
    before = env.d.wallet(env.energy.address)
    env.d.buy_access(env.energy, lid)
    assert before - env.d.wallet(env.energy.address) == Decimal(20)
    with reverts("InvalidPrice", price=0):
        env.d.update_price(env.cyclist, lid, Decimal(0))


def test_a_price_rise_cannot_front_run_a_purchase(env: DataEnv) -> None:
    """Finding 11: a buyer with a standing allowance states the most it pays; the owner's rise before the purchase
    lands makes it fail, and nothing is charged."""
    lid = env.list()
    env.d.stablecoin.approve(env.d.market, eur(1000), sender=env.mobility)  # a standing allowance
    env.d.update_price(env.cyclist, lid, Decimal(500))  # the owner front-runs the purchase
    wallet = env.d.wallet(env.mobility.address)
    with reverts("PriceAboveMax", listingId=lid, price=eur(500), maxPrice=eur(PRICE)):
        env.d.buy_access(env.mobility, lid, max_price=PRICE)
    with reverts("PriceAboveMax", listingId=lid, price=eur(500), maxPrice=eur(PRICE)):
        env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)
    assert env.d.wallet(env.mobility.address) == wallet and not env.d.access(lid, env.mobility.address).has_access
    env.d.update_price(env.cyclist, lid, Decimal(10))  # a lower price is fine: the buyer pays what is asked
    assert_events(env.d.buy_access(env.mobility, lid, max_price=PRICE), "AccessPurchased", amount=eur(10))
    assert_events(env.d.buy_access(env.mobility, lid), "AccessPurchased", amount=eur(10))  # default: price read
    assert wallet - env.d.wallet(env.mobility.address) == Decimal(20)


# --- fee ----------------------------------------------------------------------------------------------------
def test_fee_split_credits_both_pull_balances(env: DataEnv) -> None:
    lid = env.list()
    res = env.d.buy_access(env.mobility, lid, periods=3)
    assert_events(
        res, "AccessPurchased", listingId=lid, buyer=env.mobility.address, periods=3, amount=eur(36), fee=3 * FEE
    )
    assert env.d.balance(env.cyclist.address) == Decimal("34.2")
    assert env.d.balance(env.admin.address) == Decimal("1.8")
    assert env.d.wallet(env.d.market.address) == Decimal(36)
    env.invariant()


@pytest.mark.parametrize(("units", "periods", "fee"), [(19, 1, 0), (19, 3, 2), (20, 1, 1), (399, 1, 19), (1, 5, 0)])
def test_fee_rounds_down_and_the_person_gets_the_rest(env: DataEnv, units: int, periods: int, fee: int) -> None:
    lid = env.list(price=Decimal(units) / 10**6)
    res = env.d.buy_access(env.mobility, lid, periods=periods)
    assert_events(res, "AccessPurchased", fee=fee, amount=units * periods)
    assert env.d.market.pendingWithdrawal(env.admin) == fee
    assert env.d.market.pendingWithdrawal(env.cyclist) == units * periods - fee


def test_fee_is_set_by_the_platform_within_the_cap(env: DataEnv) -> None:
    with reverts("AccessControlUnauthorizedAccount", account=env.stranger.address):
        env.d.market.setFee(100, sender=env.stranger)
    with reverts("FeeAboveCap", feeBps=2001, capBps=2000):
        env.d.market.setFee(2001, sender=env.admin)
    assert_events(
        env.d.market.setFee(100, sender=env.admin), "FeeUpdated", oldFeeBps=500, newFeeBps=100
    )  # a cut: at once
    lid = env.list()
    env.d.buy_access(env.mobility, lid)
    assert env.d.balance(env.admin.address) == Decimal("0.12")
    with reverts("AccessControlUnauthorizedAccount"):
        env.d.market.setFeeRecipient(env.cyclist.address, sender=env.cyclist)
    with reverts("ZeroAddress"):
        env.d.market.setFeeRecipient("0x" + "00" * 20, sender=env.admin)
    env.d.market.setFeeRecipient(env.stranger.address, sender=env.admin)
    env.d.market.setFee(0, sender=env.admin)
    env.d.buy_access(env.energy, lid)
    assert env.d.balance(env.stranger.address) == 0 and env.d.balance(env.cyclist.address) == Decimal("23.88")


def test_a_fee_rise_takes_effect_only_after_the_notice(env: DataEnv) -> None:
    """The platform cannot raise its cut of a sale it sees coming: a rise applies FEE_NOTICE (30 days) later,
    time for people to reprice or withdraw; a cut applies at once and cancels an announced rise."""
    lid = env.list()
    res = env.d.market.setFee(2000, sender=env.admin)
    effective = res.timestamp + 30 * DAY
    assert_events(res, "FeeRiseAnnounced", currentFeeBps=500, newFeeBps=2000, effectiveAt=effective)
    state = env.d.state()
    assert (state.fee_bps, state.announced_fee_bps, state.announced_fee_at) == (500, 2000, effective)
    env.d.stablecoin.approve(env.d.market, eur(1000), sender=env.mobility)

    def buy() -> TxResult:
        return env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)

    assert_events(buy(), "AccessPurchased", fee=FEE)  # the sale it saw coming
    env.chain.set_next_block_timestamp(effective - 1)
    assert_events(buy(), "AccessPurchased", fee=FEE)
    assert_events(buy(), "AccessPurchased", fee=eur("2.4"))  # at `effective`
    assert env.d.state().fee_bps == 2000 and env.d.state().announced_fee_bps == 0
    res = env.d.market.setFee(1000, sender=env.admin)  # a cut applies at once
    assert_events(res, "FeeUpdated", oldFeeBps=2000, newFeeBps=1000)
    env.d.market.setFee(1500, sender=env.admin)  # announce a rise, then cut back: the rise is cancelled
    env.d.market.setFee(1000, sender=env.admin)
    env.chain.travel_to(env.chain.timestamp + 30 * DAY)
    assert env.d.state().fee_bps == 1000 and env.d.state().announced_fee_bps == 0
    env.invariant()


def test_deploy_rejects_a_fee_above_the_cap(env: DataEnv) -> None:
    with reverts("FeeAboveCap", feeBps=2500, capBps=2000):
        env.chain.deploy("DataMarket", env.admin, env.d.stablecoin, 2500, 2000, sender=env.admin)
    with reverts("FeeAboveCap", feeBps=10001, capBps=10000):
        env.chain.deploy("DataMarket", env.admin, env.d.stablecoin, 0, 10001, sender=env.admin)
    assert DataParams().fee_bps == 500


# --- access and time ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("strict", [False, True])
def test_access_ends_exactly_at_expiry(env: DataEnv, strict: bool) -> None:
    lid = env.list(strict=strict)
    assert not env.d.access(lid, env.mobility.address).has_access
    res = env.d.buy_access(env.mobility, lid)
    t0 = res.timestamp
    assert_events(res, "AccessPurchased", expires=t0 + PERIOD)
    t = t0 + PERIOD
    env.chain.travel_to(t - 1)
    assert env.d.market.hasAccess(lid, env.mobility)
    env.chain.travel_to(t)
    assert not env.d.market.hasAccess(lid, env.mobility)
    env.chain.travel_to(t + 1)
    assert not env.d.access(lid, env.mobility.address).has_access
    assert not env.d.access(lid, env.energy.address).has_access


@pytest.mark.parametrize(("offset", "ok"), [(-1, True), (0, False), (1, False)])
def test_record_access_around_expiry(env: DataEnv, offset: int, ok: bool) -> None:
    lid = env.list()
    t = env.d.buy_access(env.mobility, lid).timestamp + PERIOD
    env.chain.set_next_block_timestamp(t + offset)
    if ok:
        assert_events(env.d.market.recordAccess(lid, sender=env.mobility), "DataAccessed", listingId=lid, expires=t)
    else:
        with reverts("NoAccess", listingId=lid, buyer=env.mobility.address, expires=t):
            env.d.market.recordAccess(lid, sender=env.mobility)
    with reverts("NoAccess", listingId=lid, buyer=env.energy.address, expires=0):
        env.d.market.recordAccess(lid, sender=env.energy)


def test_renewal_extends_from_the_later_of_now_and_expiry(env: DataEnv) -> None:
    lid = env.list()
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.chain.travel_to(t0 + PERIOD - 10)
    env.d.buy_access(env.mobility, lid, periods=2)  # before expiry: stacked
    assert env.d.access(lid, env.mobility.address).expires == t0 + 3 * PERIOD
    later = t0 + 3 * PERIOD + 500  # after expiry: from now
    env.d.stablecoin.approve(env.d.market, eur(PRICE), sender=env.mobility)
    env.chain.set_next_block_timestamp(later + 1)
    env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)
    assert env.d.access(lid, env.mobility.address).expires == later + 1 + PERIOD


def test_renewal_at_expiry_second(env: DataEnv) -> None:
    lid = env.list()
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.d.stablecoin.approve(env.d.market, eur(PRICE), sender=env.mobility)
    env.chain.set_next_block_timestamp(t0 + PERIOD)
    env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)
    assert env.d.access(lid, env.mobility.address).expires == t0 + 2 * PERIOD


def test_periods_must_be_in_range(env: DataEnv) -> None:
    lid = env.list()
    with reverts("InvalidPeriods", periods=0):
        env.d.market.buyAccess(lid, 0, eur(PRICE), sender=env.mobility)
    with reverts("InvalidPeriods", periods=2**16):
        env.d.market.buyAccess(lid, 2**16, eur(PRICE), sender=env.mobility)


def test_buying_needs_the_allowance(env: DataEnv) -> None:
    lid = env.list()
    with reverts("ERC20InsufficientAllowance"):
        env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)
    env.d.stablecoin.approve(env.d.market, eur(PRICE), sender=env.stranger)
    with reverts("ERC20InsufficientBalance"):
        env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.stranger)


# --- consent ------------------------------------------------------------------------------------------------
def test_lenient_revocation_lets_paid_access_run_to_expiry(env: DataEnv) -> None:
    lid = env.list(strict=False)
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.chain.travel_to(t0 + 100)
    res = env.d.market.revokeConsent(lid, sender=env.cyclist)
    assert_events(res, "ConsentRevoked", listingId=lid, strict=False)
    assert env.d.listing(lid).status == "revoked" and env.d.listing(lid).revoked_at == 0
    with reverts("ListingNotActive", listingId=lid, status=4):
        env.d.buy_access(env.mobility, lid)  # no renewal
    with reverts("ListingNotActive", listingId=lid, status=4):
        env.d.buy_access(env.energy, lid)  # no new buyer
    with reverts("AlreadyRevoked", listingId=lid):
        env.d.market.revokeConsent(lid, sender=env.cyclist)
    with reverts("ListingClosed", listingId=lid, status=4):
        env.d.update_price(env.cyclist, lid, Decimal(1))
    with reverts("NotRevokedStrict", listingId=lid):
        env.d.market.claimRefund(lid, sender=env.mobility)
    env.chain.travel_to(t0 + PERIOD - 1)
    assert env.d.access(lid, env.mobility.address).has_access
    env.chain.travel_to(t0 + PERIOD)
    assert not env.d.access(lid, env.mobility.address).has_access
    assert env.d.balance(env.cyclist.address) == Decimal("11.4")  # the person keeps the whole share


def test_strict_revocation_ends_access_and_refunds_unused_time(env: DataEnv) -> None:
    lid = env.list(strict=True)
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    a = env.d.access(lid, env.mobility.address)
    assert a.escrow == Decimal("11.4") and env.d.balance(env.cyclist.address) == 0
    assert env.d.balance(env.admin.address) == Decimal("0.6")  # the fee is earned at purchase
    r = t0 + PERIOD // 3
    env.chain.set_next_block_timestamp(r)
    assert_events(env.d.market.revokeConsent(lid, sender=env.cyclist), "ConsentRevoked", strict=True, revokedAt=r)
    access = env.d.access(lid, env.mobility.address)
    assert not access.has_access and access.expires == r and access.paid_until == t0 + PERIOD
    with reverts("NoAccess", listingId=lid, buyer=env.mobility.address, expires=r):
        env.d.market.recordAccess(lid, sender=env.mobility)
    with reverts("ListingNotActive", listingId=lid, status=4):
        env.d.buy_access(env.mobility, lid)
    env.chain.travel_to(r + 1000)  # claiming later changes nothing
    res = env.d.market.claimRefund(lid, sender=env.mobility)
    assert_events(res, "EscrowReleased", listingId=lid, buyer=env.mobility.address, toOwner=3_800_000, refund=7_600_000)
    assert env.d.balance(env.mobility.address) == Decimal("7.6")
    assert env.d.balance(env.cyclist.address) == Decimal("3.8")
    with reverts("NoRefund", listingId=lid, buyer=env.mobility.address):
        env.d.market.claimRefund(lid, sender=env.mobility)
    with reverts("NoRefund", listingId=lid, buyer=env.energy.address):
        env.d.market.claimRefund(lid, sender=env.energy)  # never bought
    env.invariant()
    before = env.d.wallet(env.mobility.address)
    env.d.market.withdraw(sender=env.mobility)
    assert env.d.wallet(env.mobility.address) - before == Decimal("7.6")
    env.invariant()


def test_strict_renewal_then_revocation_refunds_the_blended_unused_value(env: DataEnv) -> None:
    lid = env.list(strict=True)
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.d.stablecoin.approve(env.d.market, eur(PRICE), sender=env.mobility)
    env.chain.set_next_block_timestamp(t0 + PERIOD // 2)
    res = env.d.market.buyAccess(lid, 1, eur(PRICE), sender=env.mobility)  # half the first period earned on the way
    assert_events(res, "EscrowReleased", toOwner=5_700_000, refund=0)
    assert env.d.access(lid, env.mobility.address).escrow == Decimal("17.1")
    env.chain.set_next_block_timestamp(t0 + PERIOD)
    env.d.market.revokeConsent(lid, sender=env.cyclist)
    assert_events(
        env.d.market.claimRefund(lid, sender=env.mobility), "EscrowReleased", toOwner=5_700_000, refund=11_400_000
    )
    assert env.d.balance(env.cyclist.address) == Decimal("11.4")
    env.invariant()


def test_strict_refund_rounds_in_the_buyers_favour(env: DataEnv) -> None:
    lid = env.list(strict=True, price=Decimal("0.000007"), period=3)  # share 7 units over 3 s
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.chain.set_next_block_timestamp(t0 + 1)
    env.d.market.revokeConsent(lid, sender=env.cyclist)
    assert_events(env.d.market.claimRefund(lid, sender=env.mobility), "EscrowReleased", toOwner=2, refund=5)


def test_strict_release_streams_the_share_to_the_person(env: DataEnv) -> None:
    lid = env.list(strict=True)
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.chain.set_next_block_timestamp(t0 + PERIOD // 4)
    assert_events(
        env.d.market.release(lid, env.mobility.address, sender=env.stranger), "EscrowReleased", toOwner=2_850_000
    )
    env.chain.set_next_block_timestamp(t0 + PERIOD + 1)
    assert_events(
        env.d.market.release(lid, env.mobility.address, sender=env.stranger), "EscrowReleased", toOwner=8_550_000
    )
    assert env.d.balance(env.cyclist.address) == Decimal("11.4")
    res = env.d.market.release(lid, env.mobility.address, sender=env.stranger)  # nothing left: no event
    assert not res.events_named("EscrowReleased")
    with reverts("ListingNotFound", listingId=42):
        env.d.market.release(42, env.mobility.address, sender=env.stranger)
    env.invariant()


@pytest.mark.parametrize("revoke", [False, True])
def test_many_small_releases_lose_nothing(env: DataEnv, revoke: bool) -> None:
    """Anyone may `release` as often as it likes: each release rounds the person's part down, but nothing is lost
    or created; the person gets the whole share by the expiry, and after a revocation the dust each release left
    goes to the buyer (at most one unit per release)."""
    lid = env.list(strict=True, price=Decimal("1.000003"), period=97)
    share = 1_000_003 - 1_000_003 * 500 // 10_000
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    to_owner = refund = 0
    releases = 20
    for i in range(releases):
        env.chain.set_next_block_timestamp(t0 + 3 * i + 1)
        for event in env.d.market.release(lid, env.mobility.address, sender=env.stranger).events_named(
            "EscrowReleased"
        ):
            to_owner += event.args["toOwner"]
    end = t0 + 80 if revoke else t0 + 97
    env.chain.set_next_block_timestamp(end)
    if revoke:
        env.d.market.revokeConsent(lid, sender=env.cyclist)
        (event,) = env.d.market.claimRefund(lid, sender=env.mobility).events_named("EscrowReleased")
    else:
        (event,) = env.d.market.release(lid, env.mobility.address, sender=env.stranger).events_named("EscrowReleased")
    to_owner += event.args["toOwner"]
    refund += event.args["refund"]
    assert to_owner + refund == share
    exact_owner = share * (end - t0) // 97
    assert 0 <= exact_owner - to_owner <= releases
    assert env.d.balance(env.cyclist.address) == Decimal(to_owner) / 10**6
    env.invariant()


def test_strict_revocation_after_expiry_refunds_nothing(env: DataEnv) -> None:
    lid = env.list(strict=True)
    t0 = env.d.buy_access(env.mobility, lid).timestamp
    env.chain.set_next_block_timestamp(t0 + PERIOD)
    env.d.market.revokeConsent(lid, sender=env.cyclist)
    with reverts("NoRefund", listingId=lid, buyer=env.mobility.address):
        env.d.market.claimRefund(lid, sender=env.mobility)
    env.d.market.release(lid, env.mobility.address, sender=env.stranger)
    assert env.d.balance(env.cyclist.address) == Decimal("11.4")
    env.invariant()


def test_strict_revocation_of_a_withdrawn_listing_still_ends_access(env: DataEnv) -> None:
    lid = env.list(strict=True)
    env.d.buy_access(env.mobility, lid)
    env.d.market.withdrawListing(lid, sender=env.cyclist)
    assert env.d.access(lid, env.mobility.address).has_access
    env.d.market.revokeConsent(lid, sender=env.cyclist)
    assert not env.d.access(lid, env.mobility.address).has_access
    env.d.market.claimRefund(lid, sender=env.mobility)
    assert env.d.balance(env.mobility.address) > 0
    env.invariant()


# --- withdrawals ------------------------------------------------------------------------------------------
def test_withdraw_pays_once(env: DataEnv) -> None:
    lid = env.list()
    env.d.buy_access(env.mobility, lid)
    before = env.d.wallet(env.cyclist.address)
    assert_events(env.d.market.withdraw(sender=env.cyclist), "Withdrawal", account=env.cyclist.address, amount=SHARE)
    assert env.d.wallet(env.cyclist.address) - before == Decimal("11.4")
    with reverts("NothingToWithdraw", account=env.cyclist.address):
        env.d.market.withdraw(sender=env.cyclist)
    assert_events(env.d.market.withdraw(sender=env.admin), "Withdrawal", amount=FEE)
    with reverts("NothingToWithdraw", account=env.admin.address):
        env.d.market.withdraw(sender=env.admin)
    assert env.d.wallet(env.d.market.address) == 0
    env.invariant()


# --- driver ---------------------------------------------------------------------------------------------------
def test_driver_reuses_a_given_stablecoin_and_hashes_content(env: DataEnv) -> None:
    other = DataMarketDriver.deploy(env.chain, DataParams(fee_bps=0), env.admin, stablecoin=env.d.stablecoin.address)
    assert other.stablecoin.address == env.d.stablecoin.address
    assert set(other.contracts()) == {"EuroStablecoin", "DataMarket"}
    res = other.list_data(env.household, "0x" + "11" * 32, "meter terms", Decimal(3), PERIOD)
    listing = other.listing(other.listing_id(res))
    assert listing.content_hash == "0x" + "11" * 32
    assert listing.terms_hash == "0x" + keccak(text="meter terms").hex()
    other.buy_access(env.mobility, listing.listing_id, periods=2)
    state = other.state()
    assert state.fee_bps == 0 and state.fee_cap_bps == 2000 and state.listing_count == 1
    assert state.pending[env.household.address] == Decimal(6) and state.token_balance == Decimal(6)
    assert other.holdings(env.household.address).pending == Decimal(6)
    assert env.d.state().token_balance == 0  # the first market is untouched
