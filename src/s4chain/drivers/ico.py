"""UC1 driver: an SME raises funds from verified individuals in a token sale (ICO).

Deploys the euro stablecoin (or uses an existing one), the platform's investor registry, the issuer-cap ledger,
the SME token, the team vesting wallet and the sale; then offers one typed method per action. Amounts are
`Decimal` euros, tokens or ether; conversion to base units happens here, through `s4chain.drivers.units`.
Price convention: `tokens_per_euro` (e.g. 2 tokens for EUR 1); on chain it is `rate`, token base units (10^-18)
per euro unit (10^-6), so `rate = tokens_per_euro x 10^12`.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from decimal import Decimal
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, model_validator

from s4chain.chain import Chain, Contract, CustomErrorRevert, TxResult
from s4chain.drivers.permit import sign_permit
from s4chain.drivers.units import EURO_DECIMALS, TOKEN_DECIMALS, eur, from_units, to_units
from s4chain.drivers.usecase import Contracts, Roles, UseCase

DAY = 86_400
ETHER_DECIMALS = 18
WHITE_PAPER_THRESHOLD = Decimal(1_000_000)


def tokens_from_units(units: int) -> Decimal:
    """Token base units -> tokens."""
    return from_units(units, TOKEN_DECIMALS)


def eur_from_units(units: int) -> Decimal:
    """Stablecoin units -> euros."""
    return from_units(units, EURO_DECIMALS)


def wei(amount: Decimal | int | str) -> int:
    """Ether -> wei."""
    return to_units(amount, ETHER_DECIMALS)


def ether_from_wei(units: int) -> Decimal:
    """Wei -> ether."""
    return from_units(units, ETHER_DECIMALS)


def rate_of(tokens_per_euro: Decimal) -> int:
    """Tokens per euro -> the sale's `rate` (token base units per euro unit), refusing inexact prices."""
    return to_units(tokens_per_euro, TOKEN_DECIMALS - EURO_DECIMALS)


def white_paper_hash_of(text: str | bytes) -> str:
    """The keccak-256 hash of a white paper, as a 0x-prefixed hex string."""
    data = text.encode() if isinstance(text, str) else text
    return "0x" + keccak(data).hex()


class TokenSaleParams(BaseModel):
    """Everything a UC1 sale is deployed with; euros, tokens and ether as `Decimal`, times in unix seconds."""

    model_config = ConfigDict(frozen=True)

    token_name: str = "Usinage Martin Token"
    token_symbol: str = "UMT"
    token_cap: Decimal = Decimal(10_000_000)  # tokens
    tokens_per_euro: Decimal = Decimal(2)  # the price: tokens for EUR 1
    goal: Decimal = Decimal(100_000)  # soft cap, euros
    hard_cap: Decimal = Decimal(500_000)  # euros
    opening: int | None = None  # unix seconds; None: one hour after deployment
    closing: int | None = None  # unix seconds; None: opening + duration
    duration: int = 30 * DAY  # used when closing is None
    min_per_investor: Decimal = Decimal(100)  # euros
    max_per_investor: Decimal = Decimal(50_000)  # euros
    reflection_days: int = 4  # EU 2020/1503 art. 22; MiCA art. 13 would be 14
    reflection_seconds: int | None = None  # overrides reflection_days when given
    issuer_cap: Decimal = Decimal(5_000_000)  # euros over 12 months (used when the driver deploys the ledger)
    fee_bps: int = Field(default=250, ge=0, le=2_000)
    white_paper_hash: str | None = None  # 0x + 64 hex digits; required from a hard cap of EUR 1,000,000
    team_allocation: Decimal = Decimal(1_000_000)  # tokens, vested
    cliff_seconds: int = 365 * DAY
    vesting_seconds: int = 3 * 365 * DAY
    vesting_start: int | None = None  # None: the closing time
    accept_ether: bool = False
    eur_per_eth: Decimal = Decimal(2_000)

    @model_validator(mode="after")
    def _check(self) -> TokenSaleParams:
        if self.hard_cap >= WHITE_PAPER_THRESHOLD and not self.white_paper_hash:
            raise ValueError("a hard cap of EUR 1,000,000 or more needs white_paper_hash (MiCA art. 4(2))")
        if self.white_paper_hash is not None and len(bytes.fromhex(self.white_paper_hash.removeprefix("0x"))) != 32:
            raise ValueError("white_paper_hash must be 32 bytes")
        rate_of(self.tokens_per_euro)  # raises on an inexact price
        return self

    @property
    def reflection_period(self) -> int:
        """The reflection period in seconds."""
        return self.reflection_seconds if self.reflection_seconds is not None else self.reflection_days * DAY


class SaleState(BaseModel):
    """The sale as a reader sees it (euros, tokens, ether as `Decimal`)."""

    raised: Decimal
    goal: Decimal
    hard_cap: Decimal
    tokens_sold: Decimal
    tokens_held: Decimal  # SME tokens the sale holds: its reserve from registration, then what is yet to be claimed
    escrowed: Decimal  # stablecoin held for open contributions (before finalisation)
    escrowed_ether: Decimal
    opening: int
    closing: int
    reflection_ends: int  # the latest end of a reflection period; finalisation comes after
    registered: bool
    paused: bool
    is_open: bool
    has_closed: bool
    finalised: bool
    successful: bool
    goal_reached: bool
    proceeds_due: Decimal  # stablecoin the SME may still withdraw
    proceeds_due_ether: Decimal
    fee_due: Decimal
    fee_due_ether: Decimal


class InvestorPosition(BaseModel):
    """One investor in the registry and in the sale."""

    address: str
    verified: bool
    retail: bool
    acknowledged: bool
    net_worth: Decimal
    retail_limit: Decimal
    contributed: Decimal  # open contributions, euros (stablecoin and ether value)
    ether_paid: Decimal
    purchases: int
    settled: bool  # claimed or refunded
    tokens_owed: Decimal  # contributed x price, until claimed
    token_balance: Decimal
    stablecoin_balance: Decimal


class LedgerOffer(BaseModel):
    """One offer of an issuer in the issuer-cap ledger."""

    sale: str
    start: int  # its opening time: the offer belongs to the window of this time
    settled: bool  # finalised: `amount` is what it raised (0 when its goal was missed), else its hard cap
    amount: Decimal


class IssuerCapState(BaseModel):
    """An issuer in the issuer-cap ledger, seen from an offer opening at `when` (EU 2020/1503 art. 1(2)(c))."""

    issuer: str
    when: int
    window_start: int  # offers opened after this time (and at or before `when`) count
    cap: Decimal  # the most an issuer may offer over 12 months
    used: Decimal  # what counts at `when`
    available: Decimal  # cap - used: the largest hard cap a new offer opening at `when` may have
    offers: list[LedgerOffer]  # the offers in that window, oldest first


@dataclass(eq=False)
class TokenSaleDriver:
    """The deployed UC1 contracts and the actions of the SME, the platform and the investors."""

    # Actions that are one contract function under another name (or with other argument names).
    ACTIONS: ClassVar[dict[str, str]] = {
        "unverify_investor": "InvestorRegistry.unverify",
    }

    chain: Chain
    params: TokenSaleParams
    _: KW_ONLY
    stablecoin: Contract
    registry: Contract
    ledger: Contract
    token: Contract
    sale: Contract
    vesting: Contract | None

    # --- deployment --------------------------------------------------------------------------------------------
    @classmethod
    def deploy(
        cls,
        chain: Chain,
        params: TokenSaleParams | None = None,
        *,
        platform: LocalAccount,
        sme: LocalAccount,
        team: LocalAccount | str | None = None,
        stablecoin: str | None = None,
        registry: str | None = None,
        ledger: str | None = None,
        register: bool = True,
    ) -> TokenSaleDriver:
        """Deploy a sale: the stablecoin (unless `stablecoin` gives one), the registry and the ledger (unless
        given, to share them between sales), the SME token, the team vesting wallet (beneficiary `team`, default
        the SME) and the sale; grant the sale MINTER_ROLE and, with `register`, register it with the ledger."""
        params = params or TokenSaleParams()
        coin = (
            chain.at("EuroStablecoin", stablecoin)
            if stablecoin
            else chain.deploy("EuroStablecoin", platform, sender=platform)
        )
        reg = (
            chain.at("InvestorRegistry", registry)
            if registry
            else chain.deploy("InvestorRegistry", platform, sender=platform)
        )
        led = (
            chain.at("IssuerCapLedger", ledger)
            if ledger
            else chain.deploy("IssuerCapLedger", platform, eur(params.issuer_cap), sender=platform)
        )
        token = chain.deploy(
            "SmeToken",
            params.token_name,
            params.token_symbol,
            to_units(params.token_cap, TOKEN_DECIMALS),
            sme,
            sender=sme,
        )
        opening = params.opening if params.opening is not None else chain.timestamp + 3_600
        closing = params.closing if params.closing is not None else opening + params.duration
        team_units = to_units(params.team_allocation, TOKEN_DECIMALS)
        vesting = None
        if team_units:
            start = params.vesting_start if params.vesting_start is not None else closing
            vesting = chain.deploy(
                "TeamVesting", team or sme, start, params.vesting_seconds, params.cliff_seconds, sender=sme
            )
        wp = bytes.fromhex(params.white_paper_hash.removeprefix("0x")) if params.white_paper_hash else bytes(32)
        config = (
            coin.address,
            token.address,
            reg.address,
            led.address,
            sme.address,
            platform.address,
            vesting.address if vesting else "0x" + "00" * 20,
            rate_of(params.tokens_per_euro),
            eur(params.goal),
            eur(params.hard_cap),
            opening,
            closing,
            eur(params.min_per_investor),
            eur(params.max_per_investor),
            params.reflection_period,
            eur(params.eur_per_eth) if params.accept_ether else 0,
            params.fee_bps,
            wp,
            team_units,
        )
        sale = chain.deploy("TokenSale", config, sender=sme)
        token.grantRole(token.MINTER_ROLE(), sale, sender=sme)
        driver = cls(chain, params, stablecoin=coin, registry=reg, ledger=led, token=token, sale=sale, vesting=vesting)
        if register:
            driver.register_sale(platform)
        return driver

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        found = {
            "EuroStablecoin": self.stablecoin,
            "InvestorRegistry": self.registry,
            "IssuerCapLedger": self.ledger,
            "SmeToken": self.token,
            "TokenSale": self.sale,
        }
        if self.vesting is not None:
            found["TeamVesting"] = self.vesting
        return found

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: TokenSaleParams, roles: Roles) -> TokenSaleDriver:
        """The driver over a deployed sale's contracts (`TeamVesting` only with a team allocation)."""
        return cls(
            chain,
            params,
            stablecoin=contracts["EuroStablecoin"],
            registry=contracts["InvestorRegistry"],
            ledger=contracts["IssuerCapLedger"],
            token=contracts["SmeToken"],
            sale=contracts["TokenSale"],
            vesting=contracts.get("TeamVesting"),
        )

    # --- platform ----------------------------------------------------------------------------------------------
    def register_sale(self, platform: LocalAccount) -> TxResult:
        """Register the sale with the issuer-cap ledger (checks the issuer's 12-month cap); buys need it."""
        return self.ledger.registerOffer(self.sale, sender=platform)

    def verify_investor(
        self, platform: LocalAccount, investor: LocalAccount | str, retail: bool = True, net_worth: Decimal = Decimal(0)
    ) -> TxResult:
        """Record `investor` as verified, retail or sophisticated, with a declared net worth in euros."""
        return self.registry.verify(investor, retail, eur(net_worth), sender=platform)

    def fund_investor(self, platform: LocalAccount, investor: LocalAccount | str, amount: Decimal) -> TxResult:
        """Mint `amount` euros of stablecoin to `investor` (test chains and scenarios; needs MINTER_ROLE)."""
        return self.stablecoin.mint(investor, eur(amount), sender=platform)

    # --- investors ---------------------------------------------------------------------------------------------
    def approve(self, investor: LocalAccount, amount: Decimal) -> TxResult:
        """Let the sale take `amount` euros of `investor`'s stablecoin."""
        return self.stablecoin.approve(self.sale, eur(amount), sender=investor)

    def buy(self, investor: LocalAccount, amount: Decimal, approve: bool = True) -> TxResult:
        """Buy for `amount` euros of stablecoin (approving exactly that first unless `approve` is False)."""
        if approve:
            self.approve(investor, amount)
        return self.sale.buy(eur(amount), sender=investor)

    def buy_with_permit(self, investor: LocalAccount, amount: Decimal, deadline: int | None = None) -> TxResult:
        """Buy for `amount` euros in one transaction, with an ERC-2612 permit signed by `investor`."""
        value = eur(amount)
        deadline = deadline if deadline is not None else self.chain.timestamp + 3_600
        v, r, s = sign_permit(self.stablecoin, investor, self.sale, value, deadline)
        return self.sale.buyWithPermit(value, deadline, v, r, s, sender=investor)

    def buy_with_ether(self, investor: LocalAccount, ether: Decimal) -> TxResult:
        """Buy with `ether` ether, worth ether x eur_per_eth euros (rounded down to the euro unit)."""
        return self.sale.buyWithEther(sender=investor, value=wei(ether))

    # --- SME, keepers ------------------------------------------------------------------------------------------
    def grant_minter(self, sme: LocalAccount, account: LocalAccount | str) -> TxResult:
        """As the token's admin, let `account` mint the SME token (within what is left of its cap)."""
        return self.token.grantRole(self.token.MINTER_ROLE(), account, sender=sme)

    def revoke_minter(self, sme: LocalAccount, account: LocalAccount | str) -> TxResult:
        """As the token's admin, take `account`'s minter role; a registered sale already holds what it sells."""
        return self.token.revokeRole(self.token.MINTER_ROLE(), account, sender=sme)

    def mint(self, minter: LocalAccount, to: LocalAccount | str, amount: Decimal) -> TxResult:
        """Mint `amount` SME tokens to `to` (MINTER_ROLE; never beyond the cap)."""
        return self.token.mint(to, to_units(amount, TOKEN_DECIMALS), sender=minter)

    def release_vested(self, caller: LocalAccount) -> TxResult:
        """Release the vested team tokens to the team (anyone may call)."""
        if self.vesting is None:
            raise RuntimeError("this sale has no team allocation")
        return self.vesting.release(self.token.address, sender=caller)

    # --- reads -------------------------------------------------------------------------------------------------
    def state(self) -> SaleState:
        """The sale's state."""
        status: tuple[Any, ...] = self.sale.status()
        raised, tokens_sold, escrowed, escrowed_wei, windows_end, registered, paused, finalised, successful = status
        payouts: tuple[int, int, int, int] = self.sale.payouts()
        opening = int(self.sale.openingTime())
        closing = int(self.sale.closingTime())
        now = self.chain.timestamp
        return SaleState(
            raised=eur_from_units(raised),
            goal=eur_from_units(self.sale.goal()),
            hard_cap=eur_from_units(self.sale.hardCap()),
            tokens_sold=tokens_from_units(tokens_sold),
            tokens_held=tokens_from_units(self.token.balanceOf(self.sale)),
            escrowed=eur_from_units(escrowed),
            escrowed_ether=ether_from_wei(escrowed_wei),
            opening=opening,
            closing=closing,
            reflection_ends=int(windows_end),
            registered=registered,
            paused=paused,
            is_open=opening <= now <= closing,
            has_closed=now > closing,
            finalised=finalised,
            successful=successful,
            goal_reached=raised >= self.sale.goal(),
            proceeds_due=eur_from_units(payouts[0]),
            proceeds_due_ether=ether_from_wei(payouts[1]),
            fee_due=eur_from_units(payouts[2]),
            fee_due_ether=ether_from_wei(payouts[3]),
        )

    def issuer_cap(self, issuer: str | None = None, when: int | None = None) -> IssuerCapState:
        """The issuer-cap ledger for `issuer` (default: this sale's) at `when` (default: this sale's opening):
        the room left under the 12-month cap and the offers that use it."""
        who = to_checksum_address(issuer if issuer is not None else self.sale.issuer())
        at = when if when is not None else int(self.sale.openingTime())
        window = int(self.ledger.WINDOW())
        offers = []
        for index in reversed(range(int(self.ledger.offerCount(who)))):  # newest first, as the ledger sums
            offer = self.ledger.offerAt(who, index)
            if offer.start + window <= at:
                break
            if offer.start <= at:
                amount = eur_from_units(offer.amount)
                offers.append(LedgerOffer(sale=offer.sale, start=offer.start, settled=offer.settled, amount=amount))
        return IssuerCapState(
            issuer=who,
            when=at,
            window_start=at - window,
            cap=eur_from_units(self.ledger.issuerCap()),
            used=eur_from_units(self.ledger.usedInWindow(who, at)),
            available=eur_from_units(self.ledger.availableAt(who, at)),
            offers=offers[::-1],
        )

    def investor(self, address: LocalAccount | str) -> InvestorPosition:
        """`address` in the registry and in the sale."""
        addr = address.address if isinstance(address, LocalAccount) else address
        profile = self.registry.profile(addr)
        position = self.sale.position(addr)
        rate = int(self.sale.rate())
        status = self.sale.status()
        failed = bool(status.finalised) and not bool(status.successful)
        return InvestorPosition(
            address=addr,
            verified=profile.verified,
            retail=profile.retail,
            acknowledged=profile.acknowledged,
            net_worth=eur_from_units(profile.netWorth),
            retail_limit=eur_from_units(self.sale.retailLimit(profile.netWorth)),
            contributed=eur_from_units(position.contributed),
            ether_paid=ether_from_wei(position.weiPaid),
            purchases=position.purchaseCount,
            settled=position.settled,
            tokens_owed=Decimal(0) if position.settled or failed else tokens_from_units(position.contributed * rate),
            token_balance=tokens_from_units(self.token.balanceOf(addr)),
            stablecoin_balance=eur_from_units(self.stablecoin.balanceOf(addr)),
        )


def _deploy_set(chain: Chain, params: TokenSaleParams, roles: Roles) -> TokenSaleDriver:
    """`s4chain deploy`'s sale: a resumed deploy whose sale was registered before the interruption goes on."""
    driver = TokenSaleDriver.deploy(chain, params, platform=roles["platform"], sme=roles["sme"], register=False)
    try:
        driver.register_sale(roles["platform"])
    except CustomErrorRevert as exc:
        if exc.name != "OfferAlreadyRegistered":
            raise
    return driver


USE_CASE = UseCase(
    code="UC1",
    name="ico",
    driver=TokenSaleDriver,
    contracts=("TokenSale", "EuroStablecoin", "InvestorRegistry", "IssuerCapLedger", "SmeToken"),
    optional_contracts=("TeamVesting",),  # with a team allocation
    roles=("platform", "sme"),
    charts=("s4chain.reports.charts:sale_raise",),
    amounts={
        **dict.fromkeys(("eurValue", "raised", "feeStable", "stableAmount", "netWorth"), "EuroStablecoin"),
        **dict.fromkeys(("weiPaid", "feeWei", "weiAmount"), "ether"),
        "tokens": "SmeToken",
        "amount": "@token",  # the vesting wallet's ERC20Released
    },
    state_units={
        **dict.fromkeys(("raised", "goal", "hard_cap", "escrowed", "proceeds_due", "fee_due"), "EuroStablecoin"),
        **dict.fromkeys(("tokens_sold", "tokens_held"), "SmeToken"),
        **dict.fromkeys(("escrowed_ether", "proceeds_due_ether", "fee_due_ether"), "ether"),
        **dict.fromkeys(("opening", "closing", "reflection_ends"), "date"),
    },
    deploy_set=_deploy_set,
    outcomes=(("raised", "state.raised"), ("success", "state.successful"), ("tokens_sold", "state.tokens_sold")),
)
