"""Shared helpers of the UC2 (people's tokens, P2P exchange) suite."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract
from s4chain.drivers.tokens import TokenExchangeDriver, TokenParams

D = Decimal
E18 = 10**18


@dataclass
class TokensEnv:
    """The factory, the exchange, two personal tokens and the cast."""

    chain: Chain
    driver: TokenExchangeDriver
    deployer: LocalAccount
    maker: LocalAccount  # maker-space member, issues MKH (machine hours)
    artist: LocalAccount  # issues ART
    taker: LocalAccount  # holds some of both
    other: LocalAccount  # holds nothing

    @property
    def ex(self) -> Contract:
        return self.driver.exchange

    @property
    def mkh(self) -> Contract:
        return self.driver.tokens["MKH"]

    @property
    def art(self) -> Contract:
        return self.driver.tokens["ART"]


def build_tokens_env(chain: Chain) -> TokensEnv:
    a = chain.accounts
    driver = TokenExchangeDriver.deploy(chain, TokenParams(), admin=a[0])
    market = TokensEnv(chain, driver, a[0], a[1], a[2], a[3], a[4])
    driver.create_token(market.maker, name="Maker Hours", symbol="MKH", supply=D(10_000), cap=D(20_000))
    driver.create_token(market.artist, name="Lumen Art", symbol="ART", supply=D(1_000))
    driver.transfer(market.maker, token="MKH", to=market.taker.address, amount=D(1_000))
    driver.transfer(market.artist, token="ART", to=market.taker.address, amount=D(300))
    return market
