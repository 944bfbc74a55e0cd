"""A scenario's cheat steps: `do: cheat.<cheat>`, where `cheat` is no contract set but the chain's cheat codes
(`s4chain.chain.cheats`), on any local dev chain:

    - {at: +1d, actor: platform, do: cheat.set_balance, with: {account: "@sale", ether: 5}}
    - {actor: mallory, do: cheat.impersonate, with: {address: "@sale"}}   # mallory now sends as the sale

Only `impersonate` uses the step's actor; the others are done by nobody (the actor is the one the story names; their
`account` parameter comes last, as a first parameter that takes an account is the acting one). A set a scenario
names `cheat` hides them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eth_account.signers.local import LocalAccount

from s4chain.drivers.units import to_units

if TYPE_CHECKING:
    from s4chain.chain.base import Chain

CHEAT = "cheat"  # the pseudo contract set of the cheat steps
ETHER_DECIMALS = 18


class ChainCheats:
    """The actions of `cheat.<name>` steps, over a replay's chain and its actors (by name)."""

    def __init__(self, chain: Chain, actors: dict[str, LocalAccount]) -> None:
        self.chain = chain
        self.actors = actors

    def impersonate(self, actor: LocalAccount, address: LocalAccount | str) -> None:
        """From this step on, the step's actor sends as `address` (an actor, `@set` or a 0x address)."""
        name = next(n for n, known in self.actors.items() if known is actor)
        self.actors[name] = self.chain.impersonate(address)

    def set_balance(self, ether: Decimal, account: LocalAccount | str) -> None:
        """Give `account` exactly `ether` ether."""
        self.chain.set_balance(account, to_units(ether, ETHER_DECIMALS))

    def set_code(self, code: str, account: LocalAccount | str) -> None:
        """Put `code` (runtime bytecode, 0x hex) at `account`."""
        if not code.startswith("0x"):
            raise ValueError(f"code: {code[:20]!r} is no 0x hex bytecode")
        self.chain.set_code(account, bytes.fromhex(code[2:]))

    def set_storage_at(self, slot: int | bytes, value: int | bytes, account: LocalAccount | str) -> None:
        """Write `value` (a number or a 0x 32-byte word) into storage `slot` of `account`."""
        self.chain.set_storage_at(account, slot, value)

    def set_nonce(self, nonce: int, account: LocalAccount | str) -> None:
        """Set the nonce of `account`."""
        self.chain.set_nonce(account, nonce)


def cheat(action: str) -> Any | None:
    """The `ChainCheats` function of `cheat.<action>`, for the loader's dry run; None if there is none."""
    return getattr(ChainCheats, action, None) if not action.startswith("_") else None
