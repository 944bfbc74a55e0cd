"""A dev account that says which one it is (`<Account 0xf39F…2266 (alice)>`), as in the tests' and the scenarios'
stories. A module of its own: it imports eth_account, which `chain/accounts.py` loads only when keys are needed."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount

DEV_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")


class DevAccount(LocalAccount):
    """A dev account that says which one it is in a test's output (a LocalAccount prints as an object id)."""

    def __init__(self, account: LocalAccount, index: int) -> None:
        super().__init__(account._key_obj, account._publicapi)
        self.index = index
        self.name = DEV_NAMES[index] if index < len(DEV_NAMES) else f"dev{index}"

    def __repr__(self) -> str:
        return f"<Account {self.address[:6]}…{self.address[-4:]} ({self.name})>"
