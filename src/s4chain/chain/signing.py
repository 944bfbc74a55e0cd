"""Transactions signed with coincurve: the same bytes and hash as eth-account's `sign_transaction`, about 20 times
cheaper, and without py-evm.

`sign(account, tx)` signs the transactions `Chain` sends (EIP-1559, with or without an access list) and legacy ones
(EIP-155, or without a chain id), built from their fields with a small RLP encoder; the signature is RFC 6979's, as
eth-keys makes it, so the bytes are eth-account's (tests/foundation/test_signing.py). A transaction of another shape
(another type, a field given as a hex string, unknown keys) is signed by eth-account itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coincurve import PrivateKey
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

# The fields each shape takes, in their RLP order (before the access list and the signature), and the keys a dict of
# that shape may hold besides them.
DYNAMIC_FEE = ("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "to", "value", "data")
LEGACY = ("nonce", "gasPrice", "gas", "to", "value", "data")
_DYNAMIC_KEYS = frozenset(DYNAMIC_FEE) | {"type", "accessList"}
_DYNAMIC_NEEDS = frozenset(DYNAMIC_FEE) - {"to"}
_LEGACY_KEYS = frozenset(LEGACY) | {"chainId"}
_LEGACY_NEEDS = frozenset(("nonce", "gasPrice", "gas"))  # eth-account fills in `to`, `value` and `data`
_NUMBERS = frozenset(("chainId", "nonce", "maxPriorityFeePerGas", "maxFeePerGas", "gas", "gasPrice", "value"))

Rlp = bytes | list["Rlp"]


@dataclass(frozen=True)
class Signed:
    """A signed transaction: its raw bytes (as `eth_sendRawTransaction` takes them), hash and signature."""

    raw: bytes
    hash: bytes
    y_parity: int  # the recovery id, 0 or 1
    r: int
    s: int
    here: bool = True  # signed here, so the fields were plain (ints, bytes, checksummed); else by eth-account


def sign(account: LocalAccount, tx: dict[str, Any]) -> Signed:
    """`tx` signed with the account's key: eth-account's bytes and hash."""
    secret = bytes(account.key)
    signed = sign_with(_private_key(secret), tx)
    if signed is not None:
        return signed
    done = account.sign_transaction(tx)
    v = int(done.v)
    return Signed(bytes(done.raw_transaction), bytes(done.hash), v if v < 2 else (v - 1) % 2, done.r, done.s, False)


def sign_with(key: PrivateKey, tx: dict[str, Any]) -> Signed | None:
    """`tx` signed with a coincurve key, or None when it is not of a shape signed here."""
    if not _plain(tx):
        return None
    keys = tx.keys()
    if tx.get("type", 2 if "maxFeePerGas" in tx else None) == 2 and _DYNAMIC_NEEDS <= keys <= _DYNAMIC_KEYS:
        access = _access_list(tx.get("accessList", ()))
        if access is None:
            return None
        body = [_field(tx, name) for name in DYNAMIC_FEE] + [access]
        signature = key.sign_recoverable(keccak(b"\x02" + encode(body)), hasher=None)
        y_parity, r, s = signature[64], signature[:32], signature[32:64]
        raw = b"\x02" + encode([*body, uint(y_parity), r.lstrip(b"\0"), s.lstrip(b"\0")])
        return Signed(raw, keccak(raw), y_parity, int.from_bytes(r), int.from_bytes(s))
    if _LEGACY_NEEDS <= keys <= _LEGACY_KEYS:
        body = [_field(tx, name) for name in LEGACY]
        chain_id = tx.get("chainId")
        unsigned = body if chain_id is None else [*body, uint(chain_id), b"", b""]  # EIP-155
        signature = key.sign_recoverable(keccak(encode(unsigned)), hasher=None)
        y_parity, r, s = signature[64], signature[:32], signature[32:64]
        v = 27 + y_parity if chain_id is None else 35 + 2 * chain_id + y_parity
        raw = encode([*body, uint(v), r.lstrip(b"\0"), s.lstrip(b"\0")])
        return Signed(raw, keccak(raw), y_parity, int.from_bytes(r), int.from_bytes(s))
    return None


def _plain(tx: dict[str, Any]) -> bool:
    """Whether every field is of the kind signed here: ints for numbers, bytes for the data, a valid address (or
    none) for `to`. Anything else goes to eth-account, which converts it or says what is wrong."""
    for name, value in tx.items():
        if name in _NUMBERS:
            if type(value) is not int or value < 0:
                return False
        elif (name == "data" and not isinstance(value, bytes)) or (name == "to" and not _address(value)):
            return False
    return True


def _address(value: Any) -> bool:
    """A checksummed 0x-hex address (eth-account refuses any other text)."""
    if not isinstance(value, str) or len(value) != 42 or not value.startswith("0x"):
        return False
    try:
        bytes.fromhex(value[2:])
    except ValueError:
        return False
    return checksum(value.lower()) == value


def _field(tx: dict[str, Any], name: str) -> bytes:
    value = tx.get(name)
    if name == "to":
        return bytes.fromhex(value[2:]) if value else b""
    if name == "data":
        return bytes(value) if value is not None else b""
    return uint(value or 0)


def _access_list(entries: Any) -> list[Rlp] | None:
    """EIP-2930's list as RLP items, or None when an entry is not a plain one (left to eth-account)."""
    items: list[Rlp] = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"address", "storageKeys"} or not _address(entry["address"]):
            return None
        keys: list[Rlp] = []
        for key in entry["storageKeys"]:
            raw = bytes.fromhex(key[2:]) if isinstance(key, str) and key.startswith("0x") else None
            if raw is None or len(raw) != 32:
                return None
            keys.append(raw)
        items.append([bytes.fromhex(entry["address"][2:]), keys])
    return items


@functools.lru_cache(maxsize=64)
def _private_key(secret: bytes) -> PrivateKey:
    """One coincurve key per account (eth-keys makes one for every signature)."""
    return PrivateKey(secret)


@functools.lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """Checksummed, once per address (each costs a keccak)."""
    return to_checksum_address(address)


def uint(value: int) -> bytes:
    """An int as RLP takes it: big-endian, no leading zeros (0: empty)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def _length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = uint(length)
    return bytes([offset + 55 + len(size)]) + size


def encode(item: Rlp) -> bytes:
    """RLP: a byte string, or a list of items. pyrlp's `rlp.encode` gives the same bytes for a transfer's fields in
    about 19 us against 3 here: its sedes inference is what a signer of plain fields does not need."""
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return _length(len(item), 0x80) + item
    body = b"".join(map(encode, item))
    return _length(len(body), 0xC0) + body
