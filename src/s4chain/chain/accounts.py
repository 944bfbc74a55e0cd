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


@lru_cache(maxsize=1)
def dev_accounts(count: int = DEV_ACCOUNT_COUNT) -> tuple[LocalAccount, ...]:
    return tuple(Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{index}") for index in range(count))
