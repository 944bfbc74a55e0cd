"""The dev mnemonic's keys are public: they may sign only for a local development chain."""

from __future__ import annotations

from s4chain.chain.accounts import DEV_CHAIN_ID
from s4chain.errors import S4ChainError

LOCAL_DEV_CLIENTS = ("anvil/", "hardhatnetwork/", "ethereumtester/")


class UnsafeChainError(S4ChainError):
    """Refusing to use the public dev keys on a chain that may not be a local dev chain."""


def is_local_dev_chain(chain_id: int, client_version: str) -> bool:
    return chain_id == DEV_CHAIN_ID and client_version.lower().startswith(LOCAL_DEV_CLIENTS)


def require_local_dev_chain(url: str, chain_id: int, client_version: str) -> None:
    if not is_local_dev_chain(chain_id, client_version):
        raise UnsafeChainError(
            f"{url} reports chain id {chain_id} and client {client_version!r}: the dev mnemonic's keys are public "
            f"and are only used on a local dev chain (chain id {DEV_CHAIN_ID}, anvil or Hardhat)"
        )
