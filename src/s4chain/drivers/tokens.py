"""UC2 driver: people create their own tokens and exchange them peer to peer (`contracts/tokens/`).

`TokenFactory` issues `PersonalToken`s (ERC-20 + ERC-2612, optional cap); `P2PExchange` holds offers of X of a
token for Y of another token or of ether, partially fillable at the offer's rate (price rounded up, in the
maker's favour), cancellable, with ether proceeds pulled by the maker.

Tokens are named by symbol once the driver has created them (`sell: PIX`), by address otherwise (any ERC-20, the
UC1 SME tokens too: `sell: "@sale.token"`); `ETH` stands for ether where a price is asked. Amounts are whole
tokens (Decimal), converted with the token's own decimals (18 for personal tokens, 6 for the euro stablecoin).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from pydantic import BaseModel

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.events import events_of
from s4chain.drivers.shared import created_id
from s4chain.drivers.units import from_units, to_units
from s4chain.drivers.usecase import Contracts, Roles, UseCase

ETHER = "ETH"
ZERO_ADDRESS = "0x" + "00" * 20
ETHER_DECIMALS = 18
OfferStatus = Literal["none", "open", "filled", "cancelled"]


class TokenParams(BaseModel):
    """Deployment parameters: none yet (no fee, no admin on the exchange)."""


class OfferState(BaseModel):
    """An offer as the exchange stores it, amounts in whole tokens (or ether)."""

    offer_id: int
    status: OfferStatus
    maker: str
    sell: str  # the sold token's symbol if the driver knows it, else its address
    buy: str  # likewise, or "ETH"
    sell_amount: Decimal  # X as offered
    price_amount: Decimal  # Y asked for all of X
    remaining: Decimal  # still on offer and escrowed
    filled: Decimal  # X - remaining, for an offer not cancelled; what was sold before the cancel otherwise


class Holding(BaseModel):
    """One account's balance of one token (or of ether)."""

    account: str
    token: str
    amount: Decimal


class TokenInfo(BaseModel):
    """A token created through the factory."""

    symbol: str
    name: str
    address: str
    creator: str
    total_supply: Decimal
    cap: Decimal | None  # None: uncapped


class ExchangeState(BaseModel):
    """The factory's tokens, the exchange's offers, escrow and ether owed to makers."""

    token_count: int
    tokens: list[TokenInfo]
    offer_count: int
    open_offers: list[int]
    escrow: dict[str, Decimal]  # per sold token (symbol or address): what the exchange holds
    ether_owed: Decimal  # ether proceeds not yet withdrawn


class TokenExchangeDriver:
    """The UC2 contracts (TokenFactory, P2PExchange) and the tokens created through them."""

    def __init__(self, chain: Chain, factory: Contract, exchange: Contract) -> None:
        self.chain = chain
        self.factory = factory
        self.exchange = exchange
        self.tokens: dict[str, Contract] = {}  # created tokens by symbol: the first token made with it
        self._decimals: dict[str, int] = {}  # by checksum address

    # --- deployment -----------------------------------------------------------------------------------------
    @classmethod
    def deploy(cls, chain: Chain, params: TokenParams, admin: LocalAccount | None = None) -> TokenExchangeDriver:
        """Deploy `TokenFactory` and `P2PExchange` from `admin` (the first dev account by default); neither
        contract has privileged roles."""
        deployer = admin or chain.accounts[0]
        factory = chain.deploy("TokenFactory", sender=deployer)
        exchange = chain.deploy("P2PExchange", sender=deployer)
        return cls(chain, factory, exchange)

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        return {"TokenFactory": self.factory, "P2PExchange": self.exchange}

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: TokenParams, roles: Roles) -> TokenExchangeDriver:
        """The driver over a deployed factory and exchange."""
        return cls(chain, contracts["TokenFactory"], contracts["P2PExchange"])

    # --- helpers --------------------------------------------------------------------------------------------
    @staticmethod
    def created_token(result: TxResult) -> str:
        """The address of the token a `create_token` transaction made (from its TokenCreated event)."""
        return str(result.event("TokenCreated").args["token"])

    offer_id = created_id("OfferCreated", "offerId")  # of an `offer` transaction

    def token(self, ref: str) -> Contract:
        """A token by symbol (one the driver created, or any the factory made) or by address (any ERC-20). A
        symbol names the first token the factory made with it: anyone may create a token with a symbol already
        in use, and such an impostor never takes the name over (it is reached by its address only)."""
        if ref in self.tokens:
            return self.tokens[ref]
        if is_address(ref):
            return self.chain.at("PersonalToken", to_checksum_address(ref))
        for event in events_of(self.chain, self.factory):
            if event.name == "TokenCreated" and event.args["symbol"] == ref:
                self.tokens.setdefault(ref, self.chain.at("PersonalToken", event.args["token"]))
        if ref in self.tokens:
            return self.tokens[ref]
        raise ValueError(f"unknown token {ref!r} (known: {', '.join(self.tokens) or 'none'}; or give an address)")

    def _address(self, ref: str) -> str:
        return ZERO_ADDRESS if ref.upper() == ETHER else str(self.token(ref).address)

    def _name_of(self, address: str) -> str:
        if int(address, 16) == 0:
            return ETHER
        for symbol, contract in self.tokens.items():
            if contract.address.lower() == address.lower():
                return symbol
        return to_checksum_address(address)

    def decimals(self, ref: str) -> int:
        """A token's decimals (18 for ether)."""
        address = self._address(ref)
        if int(address, 16) == 0:
            return ETHER_DECIMALS
        if address not in self._decimals:
            self._decimals[address] = int(self.chain.at("PersonalToken", address).decimals())
        return self._decimals[address]

    def _units(self, ref: str, amount: Decimal) -> int:
        return to_units(amount, self.decimals(ref))

    def _ensure_allowance(self, owner: LocalAccount, ref: str, units: int) -> None:
        token = self.token(ref)
        if int(token.allowance(owner.address, self.exchange.address)) < units:
            token.approve(self.exchange.address, units, sender=owner)

    # --- actions --------------------------------------------------------------------------------------------
    def create_token(
        self, creator: LocalAccount, *, name: str, symbol: str, supply: Decimal, cap: Decimal | None = None
    ) -> TxResult:
        """Create a PersonalToken with `supply` whole tokens to `creator` and an optional cap (None or 0:
        uncapped); the driver then knows it by `symbol`, unless an earlier token has that symbol (see `token`)."""
        result = self.factory.createToken(name, symbol, to_units(supply, 18), to_units(cap or 0, 18), sender=creator)
        if symbol not in self.tokens:
            self.token(symbol)  # binds the symbol to the first token the factory made with it
        return result

    def mint(self, creator: LocalAccount, *, token: str, to: str, amount: Decimal) -> TxResult:
        """The creator mints more of their token to `to` (an address), within the cap."""
        return self.token(token).mint(to, self._units(token, amount), sender=creator)

    def transfer(self, owner: LocalAccount, *, token: str, to: str, amount: Decimal) -> TxResult:
        """Send `amount` of `token` from `owner` to `to` (an address) directly, outside the exchange."""
        return self.token(token).transfer(to, self._units(token, amount), sender=owner)

    def offer(
        self,
        maker: LocalAccount,
        *,
        sell: str,
        amount: Decimal,
        buy: str,
        price_amount: Decimal,
        approve: bool = True,
    ) -> TxResult:
        """Offer `amount` of `sell` for `price_amount` of `buy` (a token, or ETH) in all; the sold tokens are
        escrowed (approved first unless `approve` is false). The offer's id is `offer_id(result)`."""
        units = self._units(sell, amount)
        if approve:
            self._ensure_allowance(maker, sell, units)
        return self.exchange.makeOffer(
            self._address(sell), units, self._address(buy), self._units(buy, price_amount), sender=maker
        )

    def fill(self, taker: LocalAccount, *, offer_id: int, amount: Decimal, approve: bool = True) -> TxResult:
        """Buy `amount` of an offer's sold token at its rate: ether is sent with the call, an ERC-20 price is
        approved first (unless `approve` is false) and paid straight to the maker."""
        offer = self.exchange.getOffer(offer_id)
        if int(offer.maker, 16) == 0:  # no such offer: let the exchange say so (OfferNotOpen)
            return self.exchange.fill(offer_id, to_units(amount, 18), sender=taker)
        units = to_units(amount, self.decimals(offer.sellToken))
        price = int(self.exchange.priceOf(offer_id, units))
        if int(offer.buyToken, 16) == 0:
            return self.exchange.fill(offer_id, units, sender=taker, value=price)
        if approve:
            self._ensure_allowance(taker, offer.buyToken, price)
        return self.exchange.fill(offer_id, units, sender=taker)

    # --- reads ----------------------------------------------------------------------------------------------
    def offer_state(self, offer_id: int) -> OfferState:
        """An offer's terms and state (status `none` if it does not exist). (The read is not called `offer`:
        that name is the action making an offer.)"""
        offer = self.exchange.getOffer(offer_id)
        exists = int(offer.maker, 16) != 0
        sell_name, buy_name = self._name_of(offer.sellToken), self._name_of(offer.buyToken)
        sell_dec = self.decimals(offer.sellToken) if exists else 18
        buy_dec = self.decimals(offer.buyToken) if exists and int(offer.buyToken, 16) else ETHER_DECIMALS
        if not exists:
            status: OfferStatus = "none"
        elif offer.cancelled:
            status = "cancelled"
        elif offer.remaining == 0:
            status = "filled"
        else:
            status = "open"
        sold = 0
        if exists:
            sold = int(offer.sellAmount) - int(offer.remaining)
            if offer.cancelled:
                sold = sum(
                    int(e.args["amount"])
                    for e in events_of(self.chain, self.exchange)
                    if e.name == "OfferFilled" and int(e.args["offerId"]) == offer_id
                )
        return OfferState(
            offer_id=offer_id,
            status=status,
            maker=to_checksum_address(offer.maker),
            sell=sell_name if exists else "",
            buy=buy_name if exists else "",
            sell_amount=_plain(from_units(int(offer.sellAmount), sell_dec)),
            price_amount=_plain(from_units(int(offer.buyAmount), buy_dec)),
            remaining=_plain(from_units(int(offer.remaining), sell_dec)),
            filled=_plain(from_units(sold, sell_dec)),
        )

    def balance(self, account: str, token: str) -> Decimal:
        """`account`'s balance (an address) of `token` (symbol, address, or ETH), in whole tokens."""
        if token.upper() == ETHER:
            return _plain(from_units(self.chain.balance(account), ETHER_DECIMALS))
        return _plain(from_units(int(self.token(token).balanceOf(account)), self.decimals(token)))

    def holding(self, account: str, token: str) -> Holding:
        """`balance` as a model, for scenario checks (`equals: {amount: 250 tokens}`)."""
        return Holding(account=to_checksum_address(account), token=token, amount=self.balance(account, token))

    def proceeds(self, account: str) -> Decimal:
        """Ether proceeds `account` may withdraw."""
        return _plain(from_units(int(self.exchange.proceedsOf(account)), ETHER_DECIMALS))

    def state(self) -> ExchangeState:
        """The factory's tokens and the exchange's offers, escrow and ether owed."""
        infos: list[TokenInfo] = []
        for event in events_of(self.chain, self.factory):
            if event.name != "TokenCreated":
                continue
            symbol, address = str(event.args["symbol"]), str(event.args["token"])
            if symbol not in self.tokens:
                self.tokens[symbol] = self.chain.at("PersonalToken", address)
            contract = self.chain.at("PersonalToken", address)
            cap = int(event.args["cap"])
            infos.append(
                TokenInfo(
                    symbol=symbol,
                    name=str(event.args["name"]),
                    address=to_checksum_address(address),
                    creator=to_checksum_address(event.args["creator"]),
                    total_supply=_plain(from_units(int(contract.totalSupply()), 18)),
                    cap=_plain(from_units(cap, 18)) if cap else None,
                )
            )
        count = int(self.exchange.offerCount())
        offers = [self.offer_state(i) for i in range(1, count + 1)]
        escrow: dict[str, Decimal] = {}
        for o in offers:
            if o.remaining:
                escrow[o.sell] = escrow.get(o.sell, Decimal(0)) + o.remaining
        return ExchangeState(
            token_count=int(self.factory.tokenCount()),
            tokens=infos,
            offer_count=count,
            open_offers=[o.offer_id for o in offers if o.status == "open"],
            escrow=escrow,
            ether_owed=_plain(from_units(int(self.exchange.totalProceeds()), ETHER_DECIMALS)),
        )


def _plain(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent noise (250 rather than 250.000000000000000000)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


USE_CASE = UseCase(
    code="UC2",
    name="tokens",
    driver=TokenExchangeDriver,
    contracts=("P2PExchange", "TokenFactory"),
    charts=("s4chain.reports.charts:token_trades",),
    amounts={
        "sellAmount": "@sellToken",
        "buyAmount": "@buyToken",
        "initialSupply": "@token",
        "cap": "@token",
        # A fill, a cancellation: in the tokens of the offer they act on (its OfferCreated).
        "OfferFilled.amount": "@offerId.sellToken",
        "OfferFilled.paid": "@offerId.buyToken",
        "OfferFilled.remaining": "@offerId.sellToken",
        "OfferCancelled.refunded": "@offerId.sellToken",
        "ProceedsCredited.amount": "ether",  # a fill paid in ether, credited for a pull
        "Withdrawn.amount": "ether",
    },
    state_units={"total_supply": "@address", "cap": "@address", "ether_owed": "ether"},
)
