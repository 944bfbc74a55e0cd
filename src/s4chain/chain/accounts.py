"""The well-known local development accounts (the mnemonic anvil, Hardhat and Foundry print at start).

These keys are public knowledge: they may only ever sign for a local dev chain (see `s4chain.chain.safety`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_HD_PATH = "m/44'/60'/0'/0"
DEV_ACCOUNT_COUNT = 10
DEV_BALANCE_WEI = 10_000 * 10**18  # what anvil gives each dev account
DEV_CHAIN_ID = 31337


@lru_cache(maxsize=1)
def dev_accounts(count: int = DEV_ACCOUNT_COUNT) -> tuple[LocalAccount, ...]:
    # eth_account here, not at the top: the constants above (anvil's command line) need none of its 0.5-1 s import.
    from eth_account import Account
    from eth_account.hdaccount import key_from_seed, seed_from_mnemonic

    from s4chain.chain.dev_account import DevAccount

    # The BIP-39 seed once (2,048 rounds of PBKDF2), not once per account as `Account.from_mnemonic` would.
    seed = seed_from_mnemonic(DEV_MNEMONIC, "")
    keys = (Account.from_key(key_from_seed(seed, f"{DEV_HD_PATH}/{i}")) for i in range(count))
    return tuple(DevAccount(account, index) for index, account in enumerate(keys))
