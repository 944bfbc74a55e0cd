"""A hypothesis state machine: random buys (stablecoin and ether), revocations, time jumps, finalisation, claims,
refunds and withdrawals by several investors, against a Python model of the sale, among hostile actors: the
platform pauses and unpauses at any time and unverifies investors, the SME (the token's admin) revokes the sale's
minter role and mints the rest of the token's cap to itself, and an outsider tries every privileged call. Every
action's outcome (success, or the exact custom error) is predicted by the model; after every step the invariants
are checked: tokens owed == raised x rate; raised <= hard cap; escrowed funds == open contributions (before
finalisation) or what is still owed (after); the sale holds exactly the tokens it still owes (its whole reserve
before finalisation); sum of token balances == totalSupply; every balance matches the model, so nobody was paid
twice and nobody's funds left without their consent; and after finalisation every investor still owed something
can claim or refund, and the SME and the platform can withdraw what is due (a reachable way out)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from ico_env import FUNDING, PARAMS, IcoEnv, build_ico_env

from s4chain.chain import ContractRevert
from s4chain.drivers.ico import DAY
from s4chain.drivers.units import eur
from s4chain.testing.stateful import run_machine

MAX_UINT = 2**256 - 1
NAMES = ("carol", "alice", "bob", "dave")
# hypothesis favours the first branch and the first element: typical values first, edge cases after
AMOUNTS = st.one_of(
    st.integers(min_value=100, max_value=8_000),
    st.sampled_from([1_000, 1_001, 5_000, 5_001, 15_000, 99, 0]),
)
WEI = st.one_of(
    st.integers(min_value=5 * 10**16, max_value=4 * 10**18),
    st.sampled_from([10**18, 10**18 + 1, 5 * 10**17 - 1, 10**14, 1]),
)


@dataclass
class Purchase:
    eur: int
    wei: int
    ts: int
    revocable: bool
    revoked: bool = False


@dataclass
class Investor:
    verified: bool
    retail: bool
    limit: int
    purchases: list[Purchase] = field(default_factory=list)
    settled: bool = False

    @property
    def contributed(self) -> int:
        return sum(p.eur for p in self.purchases if not p.revoked)

    @property
    def open_stable(self) -> int:
        return sum(p.eur for p in self.purchases if not p.revoked and p.wei == 0)

    @property
    def open_wei(self) -> int:
        return sum(p.wei for p in self.purchases if not p.revoked)


class SaleMachine(RuleBasedStateMachine):
    ico: IcoEnv

    def __init__(self) -> None:
        super().__init__()
        ico = self.ico
        self.chain = ico.chain
        self.d = ico.driver
        self.sale = ico.sale
        self.rate = int(self.sale.rate())
        self.goal = int(self.sale.goal())
        self.hard_cap = int(self.sale.hardCap())
        self.min = int(self.sale.minPerInvestor())
        self.max = int(self.sale.maxPerInvestor())
        self.eur_per_eth = int(self.sale.eurPerEth())
        self.period = int(self.sale.reflectionPeriod())
        self.fee_bps = int(self.sale.feeBps())
        self.team = int(self.sale.teamAllocation())
        self.investors = {
            "alice": Investor(True, True, eur(5_000)),
            "bob": Investor(True, True, eur(1_000)),
            "carol": Investor(True, False, 0),
            "dave": Investor(False, False, 0),
        }
        for name in NAMES:
            self.d.stablecoin.approve(self.sale, MAX_UINT, sender=getattr(ico, name))
        self.paused = False
        self.finalised = False
        self.successful = False
        self.windows_end = 0
        self.due = {"issuer_stable": 0, "issuer_wei": 0, "fee_stable": 0, "fee_wei": 0}
        self.wei_paid_out = 0
        self.v_status = self.sale.status
        self.v_position = self.sale.position
        self.v_coin = self.d.stablecoin.balanceOf
        self.v_token = self.d.token.balanceOf
        self.v_payouts = self.sale.payouts
        self.received = {"issuer": 0, "fee": 0}
        self.v_supply = self.d.token.totalSupply
        self.token_cap = int(self.d.token.cap())
        self.reserve = self.hard_cap * self.rate + self.team  # minted to the sale at its registration
        self.sme_minted = 0
        self.chain.travel_to(ico.opening)  # before-opening rejections are tested in test_ico_buy.py

    # --- helpers ---------------------------------------------------------------------------------------------
    def account(self, name: str):
        return getattr(self.ico, name)

    @property
    def raised(self) -> int:
        return sum(i.contributed for i in self.investors.values())

    def next_time(self) -> int:
        t = self.chain.timestamp + 1
        self.chain.set_next_block_timestamp(t)
        return t

    def expect(self, error: str | None, action):
        if error is None:
            return action()
        try:
            action()
        except ContractRevert as exc:
            assert exc.error_name == error, f"expected {error}, got {exc}"
            return None
        raise AssertionError(f"expected {error}, nothing reverted")

    def buy_error(self, inv: Investor, value: int, t: int) -> str | None:
        if self.paused:
            return "EnforcedPause"
        if t < self.ico.opening or t > self.ico.closing:
            return "SaleNotOpen"
        if value == 0:
            return "ZeroAmount"
        if not inv.verified:
            return "NotVerified"
        if self.raised + value > self.hard_cap:
            return "HardCapExceeded"
        total = inv.contributed + value
        if total < self.min:
            return "BelowInvestorMinimum"
        if total > self.max:
            return "InvestorMaximumExceeded"
        if inv.retail and total > inv.limit:
            return "RiskAcknowledgmentRequired"
        return None

    def record(self, inv: Investor, value: int, wei: int, t: int) -> None:
        inv.purchases.append(Purchase(value, wei, t, inv.retail))
        if inv.retail:
            self.windows_end = max(self.windows_end, t + self.period)

    # --- rules -----------------------------------------------------------------------------------------------
    @initialize(
        buys=st.lists(st.tuples(st.sampled_from(NAMES), AMOUNTS, st.booleans()), min_size=1, max_size=5),
    )
    def start(self, buys: list[tuple[str, int, bool]]) -> None:
        """A few opening-day purchases, in stablecoin or in ether, so that most examples have a sale going."""
        assert self.d.state().raised == 0
        for name, euros, in_ether in buys:
            if in_ether:
                self.buy_with_ether(name, euros * 10**18 // 2_000)
            else:
                self.buy(name, euros)

    @precondition(lambda self: not self.finalised)
    @rule(name=st.sampled_from(NAMES))
    def acknowledge(self, name: str) -> None:
        """The investor records the risk acknowledgment: no retail limit from now on."""
        self.d.registry.acknowledgeRisk(sender=self.account(name))
        self.investors[name].limit = 2**256

    @precondition(lambda self: not self.finalised)
    @rule(name=st.sampled_from(NAMES), euros=AMOUNTS)
    def buy(self, name: str, euros: int) -> None:
        inv = self.investors[name]
        value = eur(euros)
        t = self.next_time()
        error = self.buy_error(inv, value, t)
        self.expect(error, lambda: self.sale.buy(value, sender=self.account(name)))
        if error is None:
            self.record(inv, value, 0, t)

    @precondition(lambda self: not self.finalised)
    @rule(name=st.sampled_from(NAMES), euros=AMOUNTS)
    def buy_more(self, name: str, euros: int) -> None:
        """A second buy rule, so that buying is the most frequent action."""
        self.buy(name, euros)

    @precondition(lambda self: not self.finalised)
    @rule(name=st.sampled_from(NAMES), wei=WEI)
    def buy_with_ether(self, name: str, wei: int) -> None:
        inv = self.investors[name]
        value = wei * self.eur_per_eth // 10**18
        t = self.next_time()
        error = self.buy_error(inv, value, t)
        self.expect(error, lambda: self.sale.buyWithEther(sender=self.account(name), value=wei))
        if error is None:
            self.record(inv, value, wei, t)

    @precondition(lambda self: not self.finalised)
    @rule(name=st.sampled_from(NAMES), index=st.integers(min_value=0, max_value=1))
    def revoke(self, name: str, index: int) -> None:
        inv = self.investors[name]
        t = self.next_time()
        error: str | None = None
        if index >= len(inv.purchases):
            error = "UnknownPurchase"
        else:
            p = inv.purchases[index]
            if not p.revocable:
                error = "NotRevocable"
            elif p.revoked:
                error = "AlreadyRevoked"
            elif t > p.ts + self.period:
                error = "ReflectionPeriodOver"
        self.expect(error, lambda: self.sale.revoke(index, sender=self.account(name)))
        if error is None:
            inv.purchases[index].revoked = True
            self.wei_paid_out += inv.purchases[index].wei

    @precondition(lambda self: not self.finalised)
    @rule(seconds=st.sampled_from([1, 3_600, DAY, 3 * DAY, 4 * DAY, 5 * DAY, 10 * DAY]))
    def wait(self, seconds: int) -> None:
        self.chain.travel_to(self.chain.timestamp + seconds)

    @precondition(lambda self: not self.finalised and sum(len(i.purchases) for i in self.investors.values()) >= 3)
    @rule()
    def wait_until_finalisable(self) -> None:
        target = max(self.ico.closing, self.windows_end) + 1
        if target > self.chain.timestamp + 1:
            self.chain.travel_to(target - 1)

    @rule(caller=st.sampled_from(NAMES))
    def finalise(self, caller: str) -> None:
        t = self.next_time()
        error: str | None = None
        if self.finalised:
            error = "AlreadyFinalised"
        elif t <= self.ico.closing:
            error = "SaleNotClosed"
        elif t <= self.windows_end:
            error = "ReflectionPeriodRunning"
        self.expect(error, lambda: self.d.sale.finalise(sender=self.account(caller)))
        if error is None:
            self.finalised = True
            raised = self.raised
            self.successful = raised >= self.goal
            if self.successful:
                stable = sum(i.open_stable for i in self.investors.values())
                wei = sum(i.open_wei for i in self.investors.values())
                fee_stable = stable * self.fee_bps // 10_000
                fee_wei = wei * self.fee_bps // 10_000
                self.due = {
                    "issuer_stable": stable - fee_stable,
                    "issuer_wei": wei - fee_wei,
                    "fee_stable": fee_stable,
                    "fee_wei": fee_wei,
                }

    @precondition(lambda self: self.finalised)
    @rule(name=st.sampled_from(NAMES))
    def claim(self, name: str) -> None:
        self.settle(name, self.d.sale.claim, successful=True, twice="AlreadyClaimed")

    @precondition(lambda self: self.finalised)
    @rule(name=st.sampled_from(NAMES))
    def refund(self, name: str) -> None:
        if self.settle(name, self.d.sale.refund, successful=False, twice="AlreadyRefunded"):
            self.wei_paid_out += self.investors[name].open_wei

    def settle(self, name: str, send, successful: bool, twice: str) -> bool:
        """`name` claims (`send`: the sale's claim) or is refunded, which pays only as `settlement_error` says;
        whether it paid."""
        error = self.settlement_error(name, successful, twice)
        self.expect(error, lambda: send(sender=self.account(name)))
        if error is None:
            self.investors[name].settled = True
        return error is None

    def settlement_error(self, name: str, successful: bool, twice: str) -> str | None:
        """The error of a claim (`successful`) or a refund by `name`, or None when it pays (`twice`: the error of
        a second one)."""
        if not self.finalised:
            return "NotFinalised"
        if self.successful != successful:
            return "GoalReached" if self.successful else "GoalNotReached"
        if self.investors[name].settled:
            return twice
        return "NothingOwed" if self.investors[name].contributed == 0 else None

    @precondition(lambda self: self.finalised)
    @rule(who=st.sampled_from(["issuer", "fee"]))
    def withdraw(self, who: str) -> None:
        stable_key, wei_key = f"{who}_stable", f"{who}_wei"
        error: str | None = None
        if self.due[stable_key] == 0 and self.due[wei_key] == 0:
            error = "NothingToWithdraw"
        if who == "issuer":
            self.expect(error, lambda: self.d.sale.withdrawProceeds(sender=self.ico.sme))
        else:
            self.expect(error, lambda: self.d.sale.withdrawFee(sender=self.ico.platform))
        if error is None:
            self.wei_paid_out += self.due[wei_key]
            self.received[who] += self.due[stable_key]
            self.due[stable_key] = 0
            self.due[wei_key] = 0
        receiver = self.ico.sme if who == "issuer" else self.ico.platform
        assert self.v_coin(receiver) == self.received[who]  # paid once, in full

    # --- hostile actors -------------------------------------------------------------------------------------
    @rule(on=st.booleans())
    def pauser_toggles(self, on: bool) -> None:
        """The platform pauses or unpauses at any time; a pause stops purchases only."""
        error = ("EnforcedPause" if self.paused else None) if on else (None if self.paused else "ExpectedPause")
        self.expect(error, lambda: (self.sale.pause if on else self.sale.unpause)(sender=self.ico.platform))
        if error is None:
            self.paused = on

    @rule(name=st.sampled_from(NAMES))
    def verifier_unverifies(self, name: str) -> None:
        """The platform withdraws an investor's verification: later buys fail, nothing they bought is touched."""
        inv = self.investors[name]
        error = None if inv.verified else "InvestorNotVerified"
        self.expect(error, lambda: self.d.registry.unverify(self.account(name), sender=self.ico.platform))
        inv.verified = False

    @rule()
    def issuer_revokes_the_sales_minter_role(self) -> None:
        """The SME, the token's admin, takes the sale's minter role (a no-op when already taken)."""
        self.d.revoke_minter(self.ico.sme, self.sale.address)

    @rule()
    def issuer_mints_the_rest_of_the_cap(self) -> None:
        """The SME grants itself the minter role and mints all that is left of the token's cap."""
        left = self.token_cap - self.v_supply()
        self.d.token.grantRole(self.d.token.MINTER_ROLE(), self.ico.sme, sender=self.ico.sme)
        error = "ERC20ExceededCap" if left == 0 else None
        self.expect(error, lambda: self.d.token.mint(self.ico.sme, left or 1, sender=self.ico.sme))
        if error is None:
            self.sme_minted += left

    @rule(
        attack=st.sampled_from(
            [
                "withdraw_proceeds",
                "withdraw_fee",
                "pause",
                "grant_issuer",
                "platform_grants_itself_issuer",
                "mint",
                "take_sale_tokens",
                "take_sale_stablecoin",
                "settle_offer",
                "register_again",
            ]
        )
    )
    def outsider_attacks(self, attack: str) -> None:
        """An outsider (eve) tries a privileged call, and the platform tries to take the SME's role: all fail."""
        ico, d, sale, token = self.ico, self.d, self.sale, self.d.token
        eve = ico.eve
        calls = {
            "withdraw_proceeds": ("AccessControlUnauthorizedAccount", lambda: sale.withdrawProceeds(sender=eve)),
            "withdraw_fee": ("AccessControlUnauthorizedAccount", lambda: sale.withdrawFee(sender=eve)),
            "pause": ("AccessControlUnauthorizedAccount", lambda: sale.pause(sender=eve)),
            "grant_issuer": (
                "AccessControlUnauthorizedAccount",
                lambda: sale.grantRole(sale.ISSUER_ROLE(), eve, sender=eve),
            ),
            "platform_grants_itself_issuer": (
                "AccessControlUnauthorizedAccount",
                lambda: sale.grantRole(sale.ISSUER_ROLE(), ico.platform, sender=ico.platform),
            ),
            "mint": ("AccessControlUnauthorizedAccount", lambda: token.mint(eve, 1, sender=eve)),
            "take_sale_tokens": ("ERC20InsufficientAllowance", lambda: token.transferFrom(sale, eve, 1, sender=eve)),
            "take_sale_stablecoin": (
                "ERC20InsufficientAllowance",
                lambda: d.stablecoin.transferFrom(sale, eve, 1, sender=eve),
            ),
            "settle_offer": ("UnknownOffer", lambda: d.ledger.settleOffer(0, sender=eve)),
            "register_again": ("AccessControlUnauthorizedAccount", lambda: d.ledger.registerOffer(sale, sender=eve)),
        }
        error, action = calls[attack]
        self.expect(error, action)

    # --- invariants ------------------------------------------------------------------------------------------
    @invariant()
    def invariants(self) -> None:
        status = self.v_status()
        raised = status.raised
        assert raised == self.raised
        assert status.tokensSold == raised * self.rate  # tokens owed == raised x price
        assert raised <= self.hard_cap
        assert status.finalised == self.finalised and status.successful == self.successful
        # every position and balance as the model says: nobody paid twice, nothing lost
        supply = 0
        for name, inv in self.investors.items():
            addr = self.account(name)
            position = self.v_position(addr)
            assert (position.contributed, position.weiPaid, position.purchaseCount, position.settled) == (
                inv.contributed,
                inv.open_wei,
                len(inv.purchases),
                inv.settled,
            )
            refunded = inv.settled and self.finalised and not self.successful
            assert self.v_coin(addr) == eur(FUNDING) - (0 if refunded else inv.open_stable)
            if self.finalised and self.successful:
                balance = self.v_token(addr)
                assert balance == (inv.contributed * self.rate if inv.settled else 0)
                supply += balance
        vested = self.team if self.successful else 0
        if self.successful:
            assert self.v_token(self.d.vesting) == vested
        # the sale holds exactly what it still owes: its reserve until finalisation, then the unclaimed tokens
        if not self.finalised:
            held = self.reserve
        elif self.successful:
            held = sum(i.contributed * self.rate for i in self.investors.values() if not i.settled)
        else:
            held = 0
        assert self.v_token(self.sale) == held
        assert self.v_token(self.ico.sme) == self.sme_minted
        assert supply + vested + held + self.sme_minted == self.v_supply()  # sum of balances == totalSupply
        # escrow
        stable = self.v_coin(self.sale)
        ether = self.chain.balance(self.sale)
        invs = self.investors.values()
        due = self.due
        assert self.v_payouts() == (due["issuer_stable"], due["issuer_wei"], due["fee_stable"], due["fee_wei"])
        if self.successful:
            assert stable == self.due["issuer_stable"] + self.due["fee_stable"]
            assert ether == self.due["issuer_wei"] + self.due["fee_wei"]
        else:
            owed = [i for i in invs if not i.settled]
            assert stable == sum(i.open_stable for i in owed)  # escrowed == sum of open contributions
            assert ether == sum(i.open_wei for i in owed)
            if not self.finalised:
                assert (status[2], status[3]) == (stable, ether)
        assert ether == sum(p.wei for i in invs for p in i.purchases) - self.wei_paid_out

    @invariant()
    def every_asset_has_a_way_out(self) -> None:
        """After finalisation, whoever is owed something can take it now, whatever the others did."""
        if not self.finalised:
            return
        for name, inv in self.investors.items():
            if inv.contributed and not inv.settled:
                way_out = self.sale.claim if self.successful else self.sale.refund
                way_out.call(sender=self.account(name))  # reverts (and fails the test) if blocked
        if self.due["issuer_stable"] or self.due["issuer_wei"]:
            self.sale.withdrawProceeds.call(sender=self.ico.sme)
        if self.due["fee_stable"] or self.due["fee_wei"]:
            self.sale.withdrawFee.call(sender=self.ico.platform)


@pytest.fixture(scope="module")
def machine_ico(s4_chain):
    """A smaller sale than the other modules', so that examples reach the goal, the hard cap and both outcomes."""
    params = PARAMS.model_copy(update={"goal": 3_000, "hard_cap": 30_000, "max_per_investor": 15_000})
    return build_ico_env(s4_chain, params)


@pytest.mark.slow
def test_sale_state_machine(machine_ico: IcoEnv):
    SaleMachine.ico = machine_ico
    run_machine(SaleMachine, examples=15, steps=25)
