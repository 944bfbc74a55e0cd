"""The UC5 test deployment: a market at 5 % fee (cap 20 %), two people, two companies, funded (shared by suites)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain
from s4chain.drivers.data import DataMarketDriver, DataParams

DAY = 86_400
PERIOD = 30 * DAY
PRICE = Decimal("12")  # euros per period


@dataclass
class DataEnv:
    chain: Chain
    d: DataMarketDriver
    admin: LocalAccount  # platform: fee recipient, minter
    cyclist: LocalAccount
    household: LocalAccount
    mobility: LocalAccount
    energy: LocalAccount
    stranger: LocalAccount

    def list(
        self, strict: bool = False, price: Decimal = PRICE, period: int = PERIOD, owner: LocalAccount | None = None
    ) -> int:
        owner = owner or self.cyclist
        return self.d.listing_id(self.d.list_data(owner, "ride data", "terms v1", price, period, strict=strict))

    def invariant(self) -> None:
        """The market's token balance is exactly the pull balances plus the escrows."""
        state = self.d.state()
        assert state.token_balance == sum(state.pending.values()) + state.escrowed


def build_data_env(chain: Chain) -> DataEnv:
    a = chain.accounts
    admin, cyclist, household, mobility, energy, stranger = a[0], a[1], a[2], a[3], a[4], a[5]
    d = DataMarketDriver.deploy(chain, DataParams(fee_bps=500, fee_cap_bps=2000), admin)
    for buyer in (mobility, energy):
        d.fund(buyer, Decimal("100000"))
    return DataEnv(chain, d, admin, cyclist, household, mobility, energy, stranger)
