"""What several drivers do alike: read the id a transaction created from its event, deploy or find the euro
stablecoin, mint test euros."""

from __future__ import annotations

from decimal import Decimal

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from s4chain.chain import Chain, Contract, TxResult
from s4chain.drivers.units import eur


def created_id(event: str, arg: str) -> staticmethod[[TxResult], int]:
    """A driver's reader of the id a transaction created: the `arg` of its one `event` (a class attribute,
    `listing_id = created_id("ListingCreated", "listingId")`, called as `driver.listing_id(result)`)."""

    def read(result: TxResult) -> int:
        return int(result.event(event).args[arg])

    read.__doc__ = f"The `{arg}` of the `{event}` event the transaction emitted."
    return staticmethod(read)


def euro_stablecoin(chain: Chain, admin: LocalAccount, address: str | None) -> Contract:
    """The `EuroStablecoin` at `address`, or, without one, a fresh one deployed by `admin` (its minter)."""
    if address is None:
        return chain.deploy("EuroStablecoin", admin, sender=admin)
    return chain.at("EuroStablecoin", to_checksum_address(address))


class MintsTestEuros:
    """`fund` for a driver whose admin is the euro stablecoin's minter (test chains and scenarios)."""

    stablecoin: Contract
    admin: LocalAccount

    def fund(self, account: LocalAccount, amount: Decimal) -> TxResult:
        """Mint `amount` test euros to `account` (sent by the admin, the stablecoin's minter)."""
        return self.stablecoin.mint(account, eur(amount), sender=self.admin)
