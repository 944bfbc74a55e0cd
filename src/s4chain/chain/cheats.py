"""Cheat codes on a local dev chain, as anvil's `anvil_*` methods and Foundry's `vm.*` offer them: send from any
address without its key (`chain.impersonate(address)`), and set an account's balance, code, storage slot or nonce.

On a node they are anvil's methods (Hardhat's `hardhat_*` on Hardhat); in-process they edit the live state of py-evm's
engine, which the next block mined carries, and an impersonated transaction is
signed with a key derived from the address (so its hash is its own) and applied with the sender overridden (py-evm's
`SpoofTransaction`). Either way a snapshot taken before undoes them. Outside `one_block`, each cheat is followed by a
block of its own on both backends, so that reads at the latest block see it at once and block numbers and times
stay the same on both. Refused on a chain that is not a local dev chain (`s4chain.chain.safety`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_utils import keccak, to_canonical_address, to_checksum_address

from s4chain.chain.contract import as_address
from s4chain.chain.safety import UnsafeChainError, is_local_dev_chain

if TYPE_CHECKING:
    from s4chain.chain.pyevm import PyEvmEngine

UINT256 = 2**256


class Impersonated(LocalAccount):
    """An account that sends as `address` without its key: pass it as `sender=` (or as a scenario actor). Its own
    key, derived from the address, never signs for a node: `Chain.send` routes it through the cheat codes."""

    def __init__(self, address: str) -> None:
        target = to_checksum_address(address)
        key = keys.PrivateKey(keccak(b"s4chain impersonation" + to_canonical_address(target)))
        super().__init__(key, Account())
        self._address = target

    def __repr__(self) -> str:
        return f"<Account {self.address[:6]}…{self.address[-4:]} (impersonated)>"


class Cheats(Protocol):
    """A backend's cheat codes (addresses checksummed). An impersonated transaction offers twice the base fee and no
    tip: the address needs no ether for gas on a fee-free chain (as s4chain starts anvil and its own chain)."""

    def allow_impersonation(self, address: str) -> None: ...

    def send_as(self, account: Impersonated, tx: dict[str, Any], automine: bool) -> str:
        """Send `tx` from `account.address` (no nonce in `tx`); answers the transaction's hash."""
        ...

    def set_balance(self, address: str, wei: int) -> None: ...

    def set_code(self, address: str, code: bytes) -> None: ...

    def set_storage_at(self, address: str, slot: int, value: int) -> None: ...

    def set_nonce(self, address: str, nonce: int) -> None: ...


class NodeCheats:
    """anvil's `anvil_*` methods (Hardhat's `hardhat_*`), on a node that says it is a local dev chain."""

    def __init__(self, url: str, chain_id: int, client_version: str, request: Callable[[str, list[Any]], Any]) -> None:
        if not is_local_dev_chain(chain_id, client_version):
            raise UnsafeChainError(f"cheat codes refused: {url} ({client_version}) is no local dev chain")
        self.request = request
        self.prefix = "hardhat_" if client_version.lower().startswith("hardhatnetwork/") else "anvil_"

    def allow_impersonation(self, address: str) -> None:
        self.request(self.prefix + "impersonateAccount", [address])

    def send_as(self, account: Impersonated, tx: dict[str, Any], automine: bool) -> str:
        # Not retried (eth_sendTransaction is no read): a lost answer is a NodeError, as for a signed transaction.
        params = {"from": account.address, **{k: _quantity(v) for k, v in tx.items() if k != "chainId"}}
        latest = self.request("eth_getBlockByNumber", ["latest", False])
        params["maxFeePerGas"] = hex(2 * int(latest.get("baseFeePerGas", "0x0"), 16))
        return str(self.request("eth_sendTransaction", [params]))

    def set_balance(self, address: str, wei: int) -> None:
        self.request(self.prefix + "setBalance", [address, hex(wei)])

    def set_code(self, address: str, code: bytes) -> None:
        self.request(self.prefix + "setCode", [address, "0x" + code.hex()])

    def set_storage_at(self, address: str, slot: int, value: int) -> None:
        self.request(self.prefix + "setStorageAt", [address, hex(slot), "0x" + value.to_bytes(32, "big").hex()])

    def set_nonce(self, address: str, nonce: int) -> None:
        self.request(self.prefix + "setNonce", [address, hex(nonce)])


def _quantity(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return hex(value) if isinstance(value, int) else value


class PyEvmCheats:
    """The same on the in-process chain, through the live state of py-evm's engine (chain/pyevm.py): an edit is
    carried by the next block mined, an impersonated transaction is applied as any other."""

    def __init__(self, engine: PyEvmEngine) -> None:
        self._engine = engine

    def allow_impersonation(self, address: str) -> None:
        """Nothing to allow: any sender can be spoofed in-process."""

    def send_as(self, account: Impersonated, tx: dict[str, Any], automine: bool) -> str:
        from eth.vm.spoof import SpoofTransaction

        sender = to_canonical_address(account.address)
        signed = account.sign_transaction({**tx, "nonce": self._engine.nonce(sender), "maxFeePerGas": 0})
        transaction = self._engine.transaction_builder().decode(bytes(signed.raw_transaction))
        # py-evm spoofs a signed transaction's sender only when both are given; mined now or with the block.
        self._engine.apply(SpoofTransaction(transaction, sender=sender, get_sender=lambda: sender))  # type: ignore[arg-type]  # stands in for a signed one
        return str(signed.hash.to_0x_hex())

    def set_balance(self, address: str, wei: int) -> None:
        self._engine.edit_state(lambda state: state.set_balance(to_canonical_address(address), wei))

    def set_code(self, address: str, code: bytes) -> None:
        self._engine.edit_state(lambda state: state.set_code(to_canonical_address(address), code))

    def set_storage_at(self, address: str, slot: int, value: int) -> None:
        self._engine.edit_state(lambda state: state.set_storage(to_canonical_address(address), slot, value))

    def set_nonce(self, address: str, nonce: int) -> None:
        self._engine.edit_state(lambda state: state.set_nonce(to_canonical_address(address), nonce))


def _word(value: int | bytes, what: str) -> int:
    number = int.from_bytes(value.rjust(32, b"\0"), "big") if isinstance(value, bytes) else value
    if not 0 <= number < UINT256 or (isinstance(value, bytes) and len(value) > 32):
        raise ValueError(f"{what} must be a 32-byte word, got {value!r}")
    return number


class CheatCodes:
    """The cheat codes of a `Chain` (mixed into it; `_cheats()` is each backend's)."""

    _nonces: dict[str, int]

    def _cheats(self) -> Cheats:
        raise UnsafeChainError(f"{type(self).__name__} has no cheat codes")

    def _cheated(self, address: str | None = None) -> None:
        """After a cheat: a block of its own (outside `one_block`), and no cached nonce of `address`."""
        if address is not None:
            self._nonces.pop(address, None)
        if getattr(self, "_block", None) is None:
            self.mine()  # type: ignore[attr-defined]

    def impersonate(self, address: Any) -> Impersonated:
        """An account that sends as `address` (an account, a contract, any address) without its key."""
        account = Impersonated(as_address(address))
        self._cheats().allow_impersonation(account.address)
        return account

    def set_balance(self, account: Any, wei: int) -> None:
        """Give `account` exactly `wei` (ether, in wei)."""
        address = to_checksum_address(as_address(account))
        if not 0 <= wei < UINT256:
            raise ValueError(f"a balance is a uint256, got {wei}")
        self._cheats().set_balance(address, wei)
        self._cheated()

    def set_code(self, account: Any, code: bytes) -> None:
        """Put `code` (runtime bytecode) at `account`."""
        self._cheats().set_code(to_checksum_address(as_address(account)), bytes(code))
        self._cheated()

    def set_storage_at(self, account: Any, slot: int | bytes, value: int | bytes) -> None:
        """Write the 32-byte word `value` into storage `slot` of `account`."""
        address = to_checksum_address(as_address(account))
        self._cheats().set_storage_at(address, _word(slot, "a slot"), _word(value, "a value"))
        self._cheated()

    def set_nonce(self, account: Any, nonce: int) -> None:
        """Set the nonce of `account` (the next transaction it sends uses it)."""
        address = to_checksum_address(as_address(account))
        if not 0 <= nonce < 2**64:
            raise ValueError(f"a nonce is a uint64, got {nonce}")
        self._cheats().set_nonce(address, nonce)
        self._cheated(address)
