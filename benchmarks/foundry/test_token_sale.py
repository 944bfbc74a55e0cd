"""The 50-case token-sale suite of the Foundry comparison (issue 16, goal 6), on s4chain's pytest plugin.

Its twin, test/TokenSale.t.sol, runs the same cases by the same names on Foundry; scripts/bench_foundry.py times
both, and tests/quality/test_foundry_twin.py keeps the two lists of names equal. Like the Foundry suite, it
drives the contracts directly (no driver): one deployment per module (anchored by the plugin), each test reverted.
Not under tests/, so `make test` does not run it: `pytest benchmarks/foundry [--s4-backend revm]`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract, TxResult
from s4chain.testing import reverts

E = 10**6  # one euro in stablecoin units
RATE = 2 * 10**12  # token base units per euro unit: 2 tokens per euro
TEAM = 1_000_000 * 10**18
DAY = 86_400
REFLECTION = 4 * DAY
ETHER = 10**18


@dataclass
class Sale:
    """The deployed sale, its contracts and its cast."""

    chain: Chain
    coin: Contract
    registry: Contract
    token: Contract
    vesting: Contract
    sale: Contract
    opening: int
    closing: int
    platform: LocalAccount
    sme: LocalAccount
    alice: LocalAccount  # retail, net worth EUR 100,000: limit EUR 5,000
    bob: LocalAccount  # retail, net worth EUR 10,000: limit EUR 1,000
    carol: LocalAccount  # sophisticated
    dave: LocalAccount  # funded, not verified
    eve: LocalAccount  # outsider

    def at(self, timestamp: int) -> None:
        """The next transaction runs at `timestamp` (Foundry's `vm.warp` before a call)."""
        self.chain.set_next_block_timestamp(timestamp)

    def buy(self, who: LocalAccount, amount: int, at: int | None = None) -> TxResult:
        self.coin.approve(self.sale, amount, sender=who)
        if at is not None:
            self.at(at)
        return self.sale.buy(amount, sender=who)

    def fund_sophisticated(self, who: LocalAccount) -> None:
        self.registry.verify(who, False, 10_000_000 * E, sender=self.platform)
        self.coin.mint(who, 20_000 * E, sender=self.platform)

    def finalise(self) -> None:
        self.at(self.closing + 1)
        self.sale.finalise(sender=self.eve)

    def succeed(self) -> None:
        self.buy(self.carol, 20_000 * E, at=self.opening)
        self.finalise()

    def fail(self) -> None:
        self.buy(self.carol, 5_000 * E, at=self.opening)
        self.finalise()


@pytest.fixture(scope="module")
def s(s4_chain: Chain) -> Sale:
    """The sale as test/TokenSale.t.sol's setUp leaves it."""
    chain = s4_chain
    platform, sme, team, alice, bob, carol, dave, eve = chain.accounts[:8]
    opening = chain.timestamp + DAY
    closing = opening + 30 * DAY
    coin = chain.deploy("EuroStablecoin", platform, sender=platform)
    registry = chain.deploy("InvestorRegistry", platform, sender=platform)
    ledger = chain.deploy("IssuerCapLedger", platform, 5_000_000 * E, sender=platform)
    token = chain.deploy("SmeToken", "Usinage Martin Token", "UMT", 10_000_000 * 10**18, sme, sender=sme)
    vesting = chain.deploy("TeamVesting", team, closing, 3 * 365 * DAY, 365 * DAY, sender=sme)
    config = (
        coin.address, token.address, registry.address, ledger.address, sme.address, platform.address,
        vesting.address, RATE, 10_000 * E, 50_000 * E, opening, closing, 100 * E, 20_000 * E, REFLECTION,
        2_000 * E, 250, bytes(32), TEAM,
    )  # fmt: skip
    sale = chain.deploy("TokenSale", config, sender=sme)
    token.grantRole(token.MINTER_ROLE(), sale, sender=sme)
    ledger.registerOffer(sale, sender=platform)
    registry.verify(alice, True, 100_000 * E, sender=platform)
    registry.verify(bob, True, 10_000 * E, sender=platform)
    registry.verify(carol, False, 2_000_000 * E, sender=platform)
    for investor in (alice, bob, carol, dave):
        coin.mint(investor, 30_000 * E, sender=platform)
    cast = (platform, sme, alice, bob, carol, dave, eve)
    return Sale(chain, coin, registry, token, vesting, sale, opening, closing, *cast)


# --- deployment -----------------------------------------------------------------------------------------------


def test_deployment_state(s: Sale) -> None:
    st = s.sale.status()
    assert st.registered and not st.paused and not st.finalised
    assert st.raised == 0
    assert (s.sale.goal(), s.sale.hardCap(), s.sale.rate()) == (10_000 * E, 50_000 * E, RATE)


def test_token_minted_to_sale(s: Sale) -> None:
    assert s.token.balanceOf(s.sale) == 50_000 * E * RATE + TEAM


def test_roles(s: Sale) -> None:
    assert s.sale.hasRole(bytes(32), s.platform)
    assert s.sale.hasRole(s.sale.PAUSER_ROLE(), s.platform)
    assert s.sale.hasRole(s.sale.ISSUER_ROLE(), s.sme)
    assert not s.sale.hasRole(s.sale.ISSUER_ROLE(), s.platform)


# --- the sale window ------------------------------------------------------------------------------------------


def test_buy_before_opening_reverts(s: Sale) -> None:
    with reverts("SaleNotOpen", openingTime=s.opening, closingTime=s.closing):
        s.buy(s.carol, 500 * E, at=s.opening - 1)


def test_buy_at_opening(s: Sale) -> None:
    s.buy(s.carol, 500 * E, at=s.opening)
    assert s.sale.raised() == 500 * E


def test_buy_at_closing(s: Sale) -> None:
    s.buy(s.carol, 500 * E, at=s.closing)
    assert s.sale.raised() == 500 * E


def test_buy_after_closing_reverts(s: Sale) -> None:
    with reverts("SaleNotOpen", openingTime=s.opening, closingTime=s.closing):
        s.buy(s.carol, 500 * E, at=s.closing + 1)


# --- buying ---------------------------------------------------------------------------------------------------


def test_buy_records_position(s: Sale) -> None:
    s.buy(s.alice, 1_500 * E, at=s.opening)
    contributed, _, _, count, settled = s.sale.position(s.alice)
    assert (contributed, count, settled) == (1_500 * E, 1, False)
    assert s.sale.tokensSold() == 1_500 * E * RATE


def test_buy_transfers_stablecoin(s: Sale) -> None:
    s.buy(s.alice, 1_500 * E, at=s.opening)
    assert s.coin.balanceOf(s.alice) == 28_500 * E
    assert s.coin.balanceOf(s.sale) == 1_500 * E


def test_buy_unverified_reverts(s: Sale) -> None:
    with reverts("NotVerified", buyer=s.dave):
        s.buy(s.dave, 500 * E, at=s.opening)


def test_buy_zero_reverts(s: Sale) -> None:
    with reverts("ZeroAmount"):
        s.buy(s.carol, 0, at=s.opening)


def test_below_minimum_reverts(s: Sale) -> None:
    with reverts("BelowInvestorMinimum", minimum=100 * E):
        s.buy(s.carol, 100 * E - 1, at=s.opening)


def test_minimum_exact(s: Sale) -> None:
    s.buy(s.carol, 100 * E, at=s.opening)
    assert s.sale.raised() == 100 * E


def test_investor_maximum_reverts(s: Sale) -> None:
    with reverts("InvestorMaximumExceeded", available=20_000 * E):
        s.buy(s.carol, 20_000 * E + 1, at=s.opening)


def test_investor_maximum_exact(s: Sale) -> None:
    s.buy(s.carol, 20_000 * E, at=s.opening)
    assert s.sale.raised() == 20_000 * E


def test_investor_maximum_second_purchase(s: Sale) -> None:
    s.buy(s.carol, 15_000 * E, at=s.opening)
    with reverts("InvestorMaximumExceeded", available=5_000 * E):
        s.buy(s.carol, 5_001 * E)


# --- the retail rule ------------------------------------------------------------------------------------------


def test_retail_limit_reverts(s: Sale) -> None:
    with reverts("RiskAcknowledgmentRequired", buyer=s.alice, limit=5_000 * E):
        s.buy(s.alice, 5_001 * E, at=s.opening)


def test_retail_limit_exact(s: Sale) -> None:
    s.buy(s.alice, 5_000 * E, at=s.opening)
    assert s.sale.raised() == 5_000 * E


def test_retail_base_limit(s: Sale) -> None:
    with reverts("RiskAcknowledgmentRequired", buyer=s.bob, limit=1_000 * E):
        s.buy(s.bob, 1_001 * E, at=s.opening)


def test_acknowledged_retail_above_limit(s: Sale) -> None:
    s.registry.acknowledgeRisk(sender=s.alice)
    s.buy(s.alice, 6_000 * E, at=s.opening)
    assert s.sale.raised() == 6_000 * E


# --- the hard cap ---------------------------------------------------------------------------------------------


def _fill_to_forty_nine_thousand(s: Sale) -> None:
    s.fund_sophisticated(s.eve)
    s.buy(s.carol, 20_000 * E, at=s.opening)
    s.buy(s.eve, 20_000 * E)
    s.registry.acknowledgeRisk(sender=s.alice)
    s.buy(s.alice, 9_000 * E)


def test_hard_cap_reverts(s: Sale) -> None:
    _fill_to_forty_nine_thousand(s)
    with reverts("HardCapExceeded", available=1_000 * E):
        s.buy(s.alice, 1_001 * E)


def test_hard_cap_exact(s: Sale) -> None:
    _fill_to_forty_nine_thousand(s)
    s.buy(s.alice, 1_000 * E)
    assert s.sale.raised() == 50_000 * E


# --- pause ----------------------------------------------------------------------------------------------------


def test_pause_blocks_buy(s: Sale) -> None:
    s.sale.pause(sender=s.platform)
    with reverts("EnforcedPause"):
        s.buy(s.carol, 500 * E, at=s.opening)


def test_pause_by_outsider_reverts(s: Sale) -> None:
    with reverts("AccessControlUnauthorizedAccount", account=s.eve, neededRole=s.sale.PAUSER_ROLE()):
        s.sale.pause(sender=s.eve)


def test_unpause_resumes(s: Sale) -> None:
    s.sale.pause(sender=s.platform)
    s.sale.unpause(sender=s.platform)
    s.buy(s.carol, 500 * E, at=s.opening)
    assert s.sale.raised() == 500 * E


def test_unpause_when_not_paused_reverts(s: Sale) -> None:
    with reverts("ExpectedPause"):
        s.sale.unpause(sender=s.platform)


# --- ether ----------------------------------------------------------------------------------------------------


def test_buy_with_ether(s: Sale) -> None:
    s.at(s.opening)
    s.sale.buyWithEther(sender=s.alice, value=ETHER)
    assert s.sale.raised() == 2_000 * E
    assert s.chain.balance(s.sale) == ETHER


def test_buy_with_ether_below_minimum(s: Sale) -> None:
    s.at(s.opening)
    with reverts("BelowInvestorMinimum", minimum=100 * E):
        s.sale.buyWithEther(sender=s.alice, value=ETHER * 4 // 100)


# --- revocation -----------------------------------------------------------------------------------------------


def test_revoke_within_reflection(s: Sale) -> None:
    s.buy(s.alice, 1_000 * E, at=s.opening)
    s.sale.revoke(0, sender=s.alice)
    assert s.sale.raised() == 0
    assert s.coin.balanceOf(s.alice) == 30_000 * E


def test_revoke_at_deadline(s: Sale) -> None:
    bought = s.buy(s.alice, 1_000 * E, at=s.opening)
    s.at(bought.timestamp + REFLECTION)
    s.sale.revoke(0, sender=s.alice)
    assert s.sale.raised() == 0


def test_revoke_after_reflection_reverts(s: Sale) -> None:
    bought = s.buy(s.alice, 1_000 * E, at=s.opening)
    s.at(bought.timestamp + REFLECTION + 1)
    with reverts("ReflectionPeriodOver", deadline=bought.timestamp + REFLECTION):
        s.sale.revoke(0, sender=s.alice)


def test_revoke_twice_reverts(s: Sale) -> None:
    s.buy(s.alice, 1_000 * E, at=s.opening)
    s.sale.revoke(0, sender=s.alice)
    with reverts("AlreadyRevoked", index=0):
        s.sale.revoke(0, sender=s.alice)


def test_revoke_sophisticated_reverts(s: Sale) -> None:
    s.buy(s.carol, 1_000 * E, at=s.opening)
    with reverts("NotRevocable", index=0):
        s.sale.revoke(0, sender=s.carol)


def test_revoke_unknown_reverts(s: Sale) -> None:
    with reverts("UnknownPurchase", buyer=s.alice, index=0):
        s.sale.revoke(0, sender=s.alice)


def test_revoke_ether_purchase(s: Sale) -> None:
    s.at(s.opening)
    s.sale.buyWithEther(sender=s.alice, value=ETHER)
    s.sale.revoke(0, sender=s.alice)
    assert s.sale.raised() == 0
    assert s.chain.balance(s.sale) == 0


# --- finalisation ---------------------------------------------------------------------------------------------


def test_finalise_before_closing_reverts(s: Sale) -> None:
    s.at(s.closing)
    with reverts("SaleNotClosed", closingTime=s.closing):
        s.sale.finalise(sender=s.eve)


def test_finalise_during_reflection_reverts(s: Sale) -> None:
    s.buy(s.alice, 1_000 * E, at=s.closing)
    s.at(s.closing + 1)
    with reverts("ReflectionPeriodRunning", until=s.closing + REFLECTION):
        s.sale.finalise(sender=s.eve)


def test_finalise_success(s: Sale) -> None:
    s.succeed()
    st = s.sale.status()
    assert st.finalised and st.successful
    assert st.raised == 20_000 * E


def test_finalise_failure(s: Sale) -> None:
    s.fail()
    st = s.sale.status()
    assert st.finalised and not st.successful


def test_finalise_twice_reverts(s: Sale) -> None:
    s.succeed()
    with reverts("AlreadyFinalised"):
        s.sale.finalise(sender=s.eve)


def test_team_vesting_funded(s: Sale) -> None:
    s.succeed()
    assert s.token.balanceOf(s.vesting) == TEAM


def test_unsold_tokens_burnt(s: Sale) -> None:
    s.succeed()
    assert s.token.balanceOf(s.sale) == 20_000 * E * RATE


# --- claims, refunds, withdrawals -----------------------------------------------------------------------------


def test_claim_before_finalise_reverts(s: Sale) -> None:
    s.buy(s.carol, 1_000 * E, at=s.opening)
    with reverts("NotFinalised"):
        s.sale.claim(sender=s.carol)


def test_claim_after_success(s: Sale) -> None:
    s.succeed()
    s.sale.claim(sender=s.carol)
    assert s.token.balanceOf(s.carol) == 20_000 * E * RATE


def test_claim_twice_reverts(s: Sale) -> None:
    s.succeed()
    s.sale.claim(sender=s.carol)
    with reverts("AlreadyClaimed", buyer=s.carol):
        s.sale.claim(sender=s.carol)


def test_claim_nothing_owed_reverts(s: Sale) -> None:
    s.succeed()
    with reverts("NothingOwed", buyer=s.eve):
        s.sale.claim(sender=s.eve)


def test_refund_after_failure(s: Sale) -> None:
    s.fail()
    s.sale.refund(sender=s.carol)
    assert s.coin.balanceOf(s.carol) == 30_000 * E


def test_refund_after_success_reverts(s: Sale) -> None:
    s.succeed()
    with reverts("GoalReached"):
        s.sale.refund(sender=s.carol)


def test_withdraw_proceeds(s: Sale) -> None:
    s.succeed()
    s.sale.withdrawProceeds(sender=s.sme)
    assert s.coin.balanceOf(s.sme) == 19_500 * E


def test_withdraw_fee(s: Sale) -> None:
    s.succeed()
    s.sale.withdrawFee(sender=s.platform)
    assert s.coin.balanceOf(s.platform) == 500 * E
    with reverts("NothingToWithdraw", account=s.platform):
        s.sale.withdrawFee(sender=s.platform)
