"""ERC-2612 permits: an owner's signed approval, so that a spender needs no separate approve transaction."""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from s4chain.chain.contract import Contract, as_address

PERMIT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


def sign_permit(
    token: Contract, owner: LocalAccount, spender: Any, value: int, deadline: int
) -> tuple[int, bytes, bytes]:
    """`owner`'s signature `(v, r, s)` of a permit letting `spender` (an address, account or contract) spend
    `value` of `token` (an OpenZeppelin ERC20Permit, domain version "1") until `deadline`."""
    typed: dict[str, Any] = {
        "types": PERMIT_TYPES,
        "primaryType": "Permit",
        "domain": {
            "name": token.name(),
            "version": "1",
            "chainId": token.chain.chain_id,
            "verifyingContract": token.address,
        },
        "message": {
            "owner": owner.address,
            "spender": as_address(spender),
            "value": value,
            "nonce": token.nonces(owner),
            "deadline": deadline,
        },
    }
    signed = owner.sign_message(encode_typed_data(full_message=typed))
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
