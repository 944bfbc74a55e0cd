"""chain/signing.py signs what eth-account signs, to the byte: every chain signs with it (`Chain._sign`; the
in-process engines build their own transaction from the same fields), so a difference would change every hash."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.signing import _private_key, encode, sign, sign_with

TO = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DATA = (b"", b"\x01", b"\x7f", b"\x80", b"\xa9" * 55, b"\xa9" * 56, bytes(3_000) + b"\x05" * 9_000)


def _dynamic(data: bytes, to: str | None, nonce: int, **more: Any) -> dict[str, Any]:
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": nonce,
        "maxPriorityFeePerGas": 0,
        "maxFeePerGas": 3 * 10**9,
        "gas": 15_000_000,
        "value": 7,
        "data": data,
        **more,
    }
    if to is not None:
        tx["to"] = to
    return tx


def _legacy(data: bytes, to: str | None, nonce: int, **more: Any) -> dict[str, Any]:
    tx = {"nonce": nonce, "gasPrice": 10**9, "gas": 21_000 + 16 * len(data), "value": 10**18, "data": data, **more}
    if to is not None:
        tx["to"] = to
    return tx


SHAPES = [
    *(_dynamic(data, to, 129) for data in DATA for to in (None, TO)),
    _dynamic(b"", TO, 0, maxPriorityFeePerGas=10**9, value=0, chainId=1),
    {k: v for k, v in _dynamic(b"\x02", TO, 5).items() if k != "type"},  # the type told by its fee fields
    _dynamic(b"", TO, 1, accessList=[{"address": TO, "storageKeys": ["0x" + "00" * 31 + "01", "0x" + "ff" * 32]}]),
    _dynamic(b"", TO, 1, accessList=[{"address": TO, "storageKeys": []}]),
    *(_legacy(data, to, 3, chainId=31337) for data in DATA[:4] for to in (None, TO)),
    _legacy(b"ab", TO, 0),  # before EIP-155: no chain id
    {"nonce": 0, "gasPrice": 1, "gas": 21_000},  # eth-account fills in `to`, `value` and `data`
]


def _signed_by_eth_account(account: Any, tx: dict[str, Any]) -> tuple[bytes, bytes, int, int]:
    signed = account.sign_transaction(tx)
    return bytes(signed.raw_transaction), bytes(signed.hash), signed.r, signed.s


@pytest.mark.parametrize("tx", SHAPES, ids=lambda tx: f"type{tx.get('type', '?')}-{len(tx.get('data', b''))}")
def test_every_shape_is_signed_here_as_eth_account_signs_it(tx: dict[str, Any]) -> None:
    account = dev_accounts()[3]
    signed = sign_with(_private_key(bytes(account.key)), tx)
    assert signed is not None  # the fast path, not eth-account's
    assert (signed.raw, signed.hash, signed.r, signed.s) == _signed_by_eth_account(account, tx)
    assert signed.here


def test_signatures_with_short_r_or_s_keep_their_encoding() -> None:
    # r or s below 2**248 (about one signature in 64 has one) is encoded without its leading zero bytes.
    account = Account.from_key(b"\x42" * 32)
    short = 0
    for nonce in range(400):
        tx = _dynamic(b"\x01", TO, nonce)
        signed = sign(account, tx)
        assert (signed.raw, signed.hash, signed.r, signed.s) == _signed_by_eth_account(account, tx), nonce
        short += signed.r < 2**248 or signed.s < 2**248
    assert short > 0


@pytest.mark.parametrize(
    "tx",
    [
        _dynamic(b"", TO.lower(), 0),  # not checksummed: eth-account refuses it, and says so
        {**_dynamic(b"", TO, 0), "value": "0x7"},  # a number as hex text: eth-account converts it
        {**_dynamic(b"", TO, 0), "data": "0x0102"},
        {k: v for k, v in _dynamic(b"", TO, 0).items() if k != "value"},  # eth-account fills in the value
        {**_legacy(b"", TO, 0, chainId=1), "type": 0},
        {**_legacy(b"", TO, 0, chainId=1), "type": 1, "accessList": []},
        {**_dynamic(b"", TO, 0), "from": "0x0000000000000000000000000000000000000001"},
    ],
)
def test_other_shapes_go_to_eth_account(tx: dict[str, Any]) -> None:
    account = dev_accounts()[0]
    assert sign_with(_private_key(bytes(account.key)), tx) is None
    try:
        expected = _signed_by_eth_account(account, tx)
    except Exception as exc:  # eth-account's own error, unchanged
        with pytest.raises(type(exc)):
            sign(account, tx)
        return
    signed = sign(account, tx)
    assert (signed.raw, signed.hash, signed.r, signed.s) == expected
    assert not signed.here


def test_rlp_lengths_at_the_boundaries() -> None:
    assert encode(b"") == b"\x80"
    assert encode(b"\x00") == b"\x00"
    assert encode(b"\x80") == b"\x81\x80"
    assert encode(b"a" * 55) == b"\xb7" + b"a" * 55
    assert encode(b"a" * 56) == b"\xb8\x38" + b"a" * 56
    assert encode(b"a" * 256) == b"\xb9\x01\x00" + b"a" * 256
    assert encode([]) == b"\xc0"
    assert encode([b"\x01", [b"\x02"]]) == b"\xc3\x01\xc1\x02"
    assert encode([b"a" * 60]) == b"\xf8\x3e\xb8\x3c" + b"a" * 60
