"""UC5 driver: people sell access to their data (`contracts/data/DataMarket.sol`).

A person lists a data set from their connected devices (the hash of the data and of the licence terms, a price per
access period in euros, the period's length); a company buys access for one or more periods, paid in the euro
stablecoin and split at purchase time between the platform's fee and the person's share (pull balances). The
person can pause, resume, reprice or withdraw a listing, and revoke consent: on a lenient listing paid access runs
until its expiry; on a strict listing it ends at once and buyers claim the person's share of the unused time back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.arguments import as_hash
from s4chain.drivers.events import events_of
from s4chain.drivers.shared import MintsTestEuros, created_id, euro_stablecoin
from s4chain.drivers.units import eur, euros
from s4chain.drivers.usecase import Contracts, Roles, UseCase

STATUSES: tuple[str, ...] = ("none", "active", "paused", "withdrawn", "revoked")
BPS = 10_000


class DataParams(BaseModel):
    """Deployment parameters: the platform fee and its cap, in basis points."""

    model_config = ConfigDict(frozen=True)

    fee_bps: int = Field(default=500, ge=0, le=BPS)
    fee_cap_bps: int = Field(default=2000, ge=0, le=BPS)


class ListingState(BaseModel):
    """A listing as the chain stores it, with what its `ListingCreated` event published."""

    listing_id: int
    owner: str
    price: Decimal  # euros per access period
    period: int  # seconds
    status: str  # none, active, paused, withdrawn, revoked
    strict: bool
    revoked_at: int  # strict listings only (0 otherwise)
    content_hash: str
    terms_hash: str
    category: str


class AccessState(BaseModel):
    """A buyer's access to a listing."""

    listing_id: int
    buyer: str
    has_access: bool
    expires: int  # first second without access (the revocation time on a revoked strict listing)
    paid_until: int  # the expiry bought
    escrow: Decimal  # strict listings: the person's share not yet released


class Holdings(BaseModel):
    """What an account holds: its pull balance in the market and its stablecoin wallet, in euros."""

    account: str
    pending: Decimal
    wallet: Decimal


class MarketState(BaseModel):
    """The whole market: listings, pull balances of everyone seen, escrows, and the token balance backing them."""

    listing_count: int
    fee_bps: int  # in force now
    announced_fee_bps: int  # a rise not yet in force (0: none)
    announced_fee_at: int  # when it takes effect (0: none)
    fee_cap_bps: int
    fee_recipient: str
    listings: list[ListingState]
    pending: dict[str, Decimal]  # pull balances by address
    escrowed: Decimal
    token_balance: Decimal  # == sum(pending) + escrowed


@dataclass(eq=False)
class DataMarketDriver(MintsTestEuros):
    """The deployed `DataMarket` and the euro stablecoin it is paid in."""

    # Actions that are one contract function under another name (or with other argument names).
    ACTIONS: ClassVar[dict[str, str]] = {
        "set_fee": "DataMarket.setFee(fee_bps)",
    }

    chain: Chain
    market: Contract
    stablecoin: Contract
    admin: LocalAccount
    params: DataParams

    # --- deployment -------------------------------------------------------------------------------------------
    @classmethod
    def deploy(
        cls,
        chain: Chain,
        params: DataParams | None = None,
        admin: LocalAccount | None = None,
        stablecoin: str | None = None,
    ) -> DataMarketDriver:
        """Deploy `DataMarket` (and a fresh `EuroStablecoin` unless the address of one is given). `admin`
        (default: accounts[0]) holds the platform role, receives the fees and mints test euros (when the
        stablecoin is deployed here)."""
        params = params or DataParams()
        admin = admin or chain.accounts[0]
        coin = euro_stablecoin(chain, admin, stablecoin)
        market = chain.deploy("DataMarket", admin, coin, params.fee_bps, params.fee_cap_bps, sender=admin)
        return cls(chain, market, coin, admin, params)

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        return {"EuroStablecoin": self.stablecoin, "DataMarket": self.market}

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: DataParams, roles: Roles) -> DataMarketDriver:
        """The driver over a deployed market, administered by the recorded admin."""
        return cls(chain, contracts["DataMarket"], contracts["EuroStablecoin"], roles["admin"], params)

    listing_id = created_id("ListingCreated", "listingId")  # of a `list_data` transaction

    # --- platform ---------------------------------------------------------------------------------------------
    # --- people -----------------------------------------------------------------------------------------------
    def list_data(
        self,
        owner: LocalAccount,
        content: str,
        terms: str,
        price: Decimal,
        period: int,
        strict: bool = False,
        category: str = "",
    ) -> TxResult:
        """List a data set: `content` and `terms` are 0x-prefixed 32-byte hashes or texts hashed with keccak-256;
        `price` in euros per access period of `period` seconds; `strict` listings end current access on
        revocation, with a pro-rata refund. The id is `listing_id(result)`."""
        return self.market.list(as_hash(content), as_hash(terms), eur(price), period, strict, category, sender=owner)

    def update_price(self, owner: LocalAccount, listing_id: int, price: Decimal) -> TxResult:
        """Set the price per period of future purchases, in euros."""
        return self.market.updatePrice(listing_id, eur(price), sender=owner)

    # --- buyers -----------------------------------------------------------------------------------------------
    def buy_access(
        self, buyer: LocalAccount, listing_id: int, periods: int = 1, max_price: Decimal | None = None
    ) -> TxResult:
        """Approve `periods` periods at the listing's current price, then buy (or extend) access, paying at most
        `max_price` euros per period (default: the price read here, so a rise before the purchase lands fails it
        with `PriceAboveMax` instead of charging more)."""
        price = int(self.market.listingOf(listing_id).price)
        most = price if max_price is None else eur(max_price)
        with self.chain.one_block():  # the purchase lands at the step's time, not a block later
            self.stablecoin.approve(self.market, price * periods, sender=buyer)
            return self.market.buyAccess(listing_id, periods, most, sender=buyer)

    # --- reads ------------------------------------------------------------------------------------------------
    def _created(self) -> dict[int, dict[str, Any]]:
        return {
            int(e.args["listingId"]): dict(e.args)
            for e in events_of(self.chain, self.market)
            if e.name == "ListingCreated"
        }

    def _listing(self, listing_id: int, created: dict[str, Any] | None) -> ListingState:
        listing = self.market.listingOf(listing_id)
        created = created or {}
        return ListingState(
            listing_id=listing_id,
            owner=listing.owner,
            price=euros(listing.price),
            period=int(listing.period),
            status=STATUSES[int(listing.status)],
            strict=bool(listing.strict),
            revoked_at=int(self.market.revokedAt(listing_id)),
            content_hash="0x" + bytes(created.get("contentHash", b"\0" * 32)).hex(),
            terms_hash="0x" + bytes(created.get("termsHash", b"\0" * 32)).hex(),
            category=str(created.get("category", "")),
        )

    def listing(self, listing_id: int) -> ListingState:
        """A listing."""
        return self._listing(listing_id, self._created().get(listing_id))

    def access(self, listing_id: int, buyer: str) -> AccessState:
        """A buyer's access to a listing, now."""
        who = to_checksum_address(buyer)
        access = self.market.accessOf(listing_id, who)
        return AccessState(
            listing_id=listing_id,
            buyer=who,
            has_access=bool(self.market.hasAccess(listing_id, who)),
            expires=int(self.market.expiresAt(listing_id, who)),
            paid_until=int(access.expires),
            escrow=euros(access.escrow),
        )

    def balance(self, account: str) -> Decimal:
        """The pull balance of `account` in the market, in euros."""
        return euros(self.market.pendingWithdrawal(to_checksum_address(account)))

    def wallet(self, account: str) -> Decimal:
        """The stablecoin held by `account`, in euros."""
        return euros(self.stablecoin.balanceOf(to_checksum_address(account)))

    def holdings(self, account: str) -> Holdings:
        """The pull balance and the wallet of `account`, in euros."""
        who = to_checksum_address(account)
        return Holdings(account=who, pending=self.balance(who), wallet=self.wallet(who))

    def state(self) -> MarketState:
        """Every listing, every known pull balance and escrow, and the market's token balance."""
        created = self._created()
        count = int(self.market.listingCount())
        recipient = to_checksum_address(self.market.feeRecipient())
        accounts: dict[str, None] = {recipient: None}
        pairs: set[tuple[int, str]] = set()
        for event in events_of(self.chain, self.market):
            for key in ("owner", "buyer", "account", "newRecipient"):
                if key in event.args:
                    accounts[to_checksum_address(event.args[key])] = None
            if event.name == "AccessPurchased":
                pairs.add((int(event.args["listingId"]), to_checksum_address(event.args["buyer"])))
        escrowed = sum((int(self.market.accessOf(i, b).escrow) for i, b in pairs), 0)
        announced = self.market.announcedFee()
        return MarketState(
            listing_count=count,
            fee_bps=int(self.market.feeBps()),
            announced_fee_bps=int(announced.newFeeBps),
            announced_fee_at=int(announced.effectiveAt),
            fee_cap_bps=int(self.market.feeCapBps()),
            fee_recipient=recipient,
            listings=[self._listing(i, created.get(i)) for i in range(1, count + 1)],
            pending={a: self.balance(a) for a in accounts if a != "0x" + "00" * 20},
            escrowed=euros(escrowed),
            token_balance=self.wallet(self.market.address),
        )


USE_CASE = UseCase(
    code="UC5",
    name="data",
    driver=DataMarketDriver,
    contracts=("DataMarket", "EuroStablecoin"),
    attach_roles=("admin",),
    charts=("s4chain.reports.charts:data_sales",),
    amounts=dict.fromkeys(("price", "oldPrice", "newPrice", "amount", "fee", "toOwner", "refund"), "EuroStablecoin"),
    state_units={
        **dict.fromkeys(("price", "pending", "escrowed", "token_balance"), "EuroStablecoin"),
        **dict.fromkeys(("announced_fee_at", "revoked_at"), "date"),
        "period": "duration",
    },
)
