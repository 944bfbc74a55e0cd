"""A JSON-RPC chain for deployments: estimated gas limits, a funds check before each transaction, and, on a chain
that is not a local dev chain, only an explicit deployer key.

`RpcChain` keeps its rule: the dev mnemonic's public keys sign only for a local dev chain (chain id 31337 and an
anvil/Hardhat client). `DeployChain(url)` without a key is exactly that. `DeployChain(url, key=account)` signs with
that one key (it then plays every role) on any chain, and refuses a dev mnemonic key on a chain that is not a
local dev chain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.base import TX_GAS_LIMIT, Chain, OnSigned
from s4chain.chain.rpc import RPC_TIMEOUT, RpcChain, RpcError, connect
from s4chain.chain.safety import UnsafeChainError, is_local_dev_chain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.errors import S4ChainError

WEI_PER_ETH = Decimal(10**18)


def ether(wei: int) -> str:
    """Wei as ether, for messages (`0.0123 ETH`)."""
    return f"{(Decimal(wei) / WEI_PER_ETH).normalize():f} ETH"


class InsufficientFundsError(S4ChainError):
    """The deployer cannot pay for a transaction (or for the whole deployment)."""

    def __init__(self, account: str, balance: int, cost: int, what: str) -> None:
        self.account = account
        self.balance = balance
        self.cost = cost
        super().__init__(
            f"insufficient funds: the deployer {account} has {ether(balance)}; {what} needs up to {ether(cost)} "
            f"(estimated gas x max fee per gas + value); fund the account and run deploy again"
        )


class DeployChain(RpcChain):
    """A node for deployments (see the module docstring)."""

    backend_name = "json-rpc"

    def __init__(
        self,
        url: str,
        artifacts: ArtifactStore | None = None,
        key: LocalAccount | None = None,
        timeout: float = RPC_TIMEOUT,
    ) -> None:
        if key is None:
            super().__init__(url, artifacts, timeout)  # local dev chains only, with the dev accounts
            self.is_dev_chain = True
            return
        self.url = url
        w3, chain_id, client_version = connect(url, timeout)
        self.client_version = client_version
        self.is_dev_chain = is_local_dev_chain(chain_id, client_version)
        if not self.is_dev_chain and key.address in {account.address for account in dev_accounts()}:
            raise UnsafeChainError(
                f"{url} reports chain id {chain_id} and client {client_version!r}: the key given is one of the dev "
                f"mnemonic's, whose private keys are public; use a key of your own"
            )
        self._prepare_sends()
        Chain.__init__(self, w3, (key,), artifacts)

    # --- fees and gas ------------------------------------------------------------------------------------------
    def fees(self) -> tuple[int, int]:
        """(max fee per gas, max priority fee per gas) this chain's transactions are sent with."""
        if self.is_dev_chain:
            return self._max_fee_per_gas, 0
        base_fee = int(self.w3.eth.get_block("latest").get("baseFeePerGas", 0))
        try:
            priority = int(self.request("eth_maxPriorityFeePerGas", []), 16)
        except RpcError:  # a node without the method: 1 gwei, the usual tip
            priority = 10**9
        return max(self._max_fee_per_gas, 2 * base_fee + priority), priority

    def estimate_gas(self, sender: str, to: str | None, data: bytes, value: int = 0) -> int | None:
        """eth_estimateGas; None when the node refuses (the transaction would revert)."""
        params: dict[str, Any] = {"from": sender, "data": "0x" + data.hex(), "value": hex(value)}
        if to is not None:
            params["to"] = to
        try:
            return int(self.request("eth_estimateGas", [params]), 16)
        except RpcError:
            return None

    @staticmethod
    def gas_limit(estimate: int) -> int:
        """The limit sent for an estimate: 20 % headroom (estimates are tight; a storage refund can shift)."""
        return estimate + estimate // 5

    def _send_signed(self, account: LocalAccount, tx: dict[str, Any], on_signed: OnSigned | None = None) -> HexBytes:
        tx = dict(tx)
        max_fee, priority = self.fees()
        tx["maxFeePerGas"], tx["maxPriorityFeePerGas"] = max_fee, priority
        if tx["gas"] == TX_GAS_LIMIT:  # not set by the caller: estimate it like a deployment tool does
            data = tx["data"] if isinstance(tx["data"], bytes) else bytes.fromhex(str(tx["data"]).removeprefix("0x"))
            estimate = self.estimate_gas(account.address, tx.get("to"), data, int(tx["value"]))
            if estimate is not None:  # else it reverts: sent as it is, so that the revert is decoded
                tx["gas"] = self.gas_limit(estimate)
                self.require_funds(account.address, tx["gas"] * max_fee + int(tx["value"]), "this transaction")
        return super()._send_signed(account, tx, on_signed)

    def require_funds(self, address: str, cost: int, what: str) -> None:
        balance = self.balance(address)
        if balance < cost:
            raise InsufficientFundsError(address, balance, cost, what)
