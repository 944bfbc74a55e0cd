"""The well-known local development accounts (the mnemonic anvil, Hardhat and Foundry print at start).

These keys are public knowledge: they may only ever sign for a local dev chain (see `s4chain.chain.safety`).
"""

from __future__ import annotations

from functools import lru_cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNT_COUNT = 10
DEV_BALANCE_WEI = 10_000 * 10**18  # what anvil gives each dev account
DEV_CHAIN_ID = 31337

Account.enable_unaudited_hdwallet_features()


# What each dev account prints as (`<Account 0xf39F…2266 (alice)>`), as in the tests' and the scenarios' stories.
DEV_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")


class DevAccount(LocalAccount):
    """A dev account that says which one it is in a test's output (a LocalAccount prints as an object id)."""

    def __init__(self, account: LocalAccount, index: int) -> None:
        super().__init__(account._key_obj, account._publicapi)
        self.index = index
        self.name = DEV_NAMES[index] if index < len(DEV_NAMES) else f"dev{index}"

    def __repr__(self) -> str:
        return f"<Account {self.address[:6]}…{self.address[-4:]} ({self.name})>"


@lru_cache(maxsize=1)
def dev_accounts(count: int = DEV_ACCOUNT_COUNT) -> tuple[DevAccount, ...]:
    keys = (Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{i}") for i in range(count))
    return tuple(DevAccount(account, index) for index, account in enumerate(keys))
