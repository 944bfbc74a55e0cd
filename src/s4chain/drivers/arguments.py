"""What drivers turn their callers' values into before a contract sees them: document hashes and addresses."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from s4chain.chain.contract import Contract


def as_hash(value: bytes | str) -> bytes:
    """A 32-byte hash: bytes as they are, a 0x-prefixed 32-byte hex string, or keccak-256 of any other text."""
    if isinstance(value, bytes):
        if len(value) != 32:
            raise ValueError("a hash has 32 bytes")
        return value
    if value.startswith("0x") and len(value) == 66:
        return bytes.fromhex(value[2:])
    return keccak(text=value)


def address_of(value: LocalAccount | Contract | str) -> str:
    """The checksummed address of an account, a contract, or an address written in any case."""
    if isinstance(value, LocalAccount | Contract):
        return str(value.address)
    return str(to_checksum_address(value))
