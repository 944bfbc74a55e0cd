"""The UC1 (token sale) suite's cast and deployment helper (a uniquely named module: every suite has a conftest)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain
from s4chain.drivers.ico import DAY, TokenSaleDriver, TokenSaleParams

D = Decimal
FUNDING = D(30_000)


@dataclass
class IcoEnv:
    """The deployed sale and its cast."""

    chain: Chain
    driver: TokenSaleDriver
    platform: LocalAccount
    sme: LocalAccount
    team: LocalAccount
    alice: LocalAccount  # retail, net worth EUR 100,000 -> limit EUR 5,000
    bob: LocalAccount  # retail, net worth EUR 10,000 -> limit EUR 1,000
    carol: LocalAccount  # sophisticated
    dave: LocalAccount  # not verified
    eve: LocalAccount  # outsider (no role)

    @property
    def sale(self):  # the TokenSale contract
        return self.driver.sale

    @property
    def opening(self) -> int:
        return int(self.driver.sale.openingTime())

    @property
    def closing(self) -> int:
        return int(self.driver.sale.closingTime())

    def open(self) -> None:
        """Mine a block at opening time."""
        self.chain.travel_to(self.opening)

    def after_windows(self) -> None:
        """Move past closing time and the last reflection period."""
        end = max(self.closing, int(self.driver.sale.status().windowsEnd)) + 1
        if end > self.chain.timestamp:
            self.chain.travel_to(end)


PARAMS = TokenSaleParams(
    goal=D(10_000),
    hard_cap=D(50_000),
    min_per_investor=D(100),
    max_per_investor=D(20_000),
    tokens_per_euro=D(2),
    fee_bps=250,
    team_allocation=D(1_000_000),
    token_cap=D(10_000_000),
    cliff_seconds=365 * DAY,
    vesting_seconds=3 * 365 * DAY,
    accept_ether=True,
    eur_per_eth=D(2_000),
)


def build_ico_env(chain: Chain, params: TokenSaleParams = PARAMS, **kwargs: object) -> IcoEnv:
    a = chain.accounts
    platform, sme, team, alice, bob, carol, dave, eve = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    opening = chain.timestamp + DAY
    if params.opening is None:
        params = params.model_copy(update={"opening": opening, "closing": opening + 30 * DAY})
    driver = TokenSaleDriver.deploy(chain, params, platform=platform, sme=sme, team=team, **kwargs)  # type: ignore[arg-type]
    if not kwargs:
        driver.verify_investor(platform, alice, retail=True, net_worth=D(100_000))
        driver.verify_investor(platform, bob, retail=True, net_worth=D(10_000))
        driver.verify_investor(platform, carol, retail=False, net_worth=D(2_000_000))
        for investor in (alice, bob, carol, dave):
            driver.fund_investor(platform, investor, FUNDING)
    return IcoEnv(chain, driver, platform, sme, team, alice, bob, carol, dave, eve)
