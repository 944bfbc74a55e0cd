"""Any node over JSON-RPC (anvil in the tests and in docker-compose)."""

from __future__ import annotations

from typing import Any

import requests
from web3 import Web3
from web3.providers.rpc import HTTPProvider

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.base import CallReverted, Chain
from s4chain.chain.safety import require_local_dev_chain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.errors import S4ChainError


class NodeUnreachableError(S4ChainError):
    """No JSON-RPC node answers at the URL."""


class RpcError(S4ChainError):
    """The node answered a request with an error."""


def connect(url: str, timeout: float) -> tuple[Web3, int, str]:
    """web3 over the node at `url`, with its chain id and client version; NodeUnreachableError if none answers."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        return w3, int(w3.eth.chain_id), str(w3.client_version)
    except (requests.ConnectionError, requests.Timeout, OSError) as exc:
        raise NodeUnreachableError(f"no JSON-RPC node answers at {url} ({type(exc).__name__})") from exc


class RpcChain(Chain):
    backend_name = "json-rpc"

    def __init__(self, url: str, artifacts: ArtifactStore | None = None, timeout: float = 30.0) -> None:
        self.url = url
        w3, chain_id, self.client_version = connect(url, timeout)
        require_local_dev_chain(url, chain_id, self.client_version)
        super().__init__(w3, dev_accounts(), artifacts)

    def request(self, method: str, params: list[Any]) -> Any:
        try:
            response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        except (requests.ConnectionError, requests.Timeout, OSError) as exc:
            raise NodeUnreachableError(f"the node at {self.url} stopped answering ({type(exc).__name__})") from exc
        if "error" in response:
            raise RpcError(f"{method} failed at {self.url}: {response['error']}")
        return response.get("result")

    def _set_next_block_timestamp(self, timestamp: int) -> None:
        self.request("evm_setNextBlockTimestamp", [timestamp])

    def _mine_block(self) -> None:
        self.request("evm_mine", [])

    def snapshot(self) -> Any:
        return self.request("evm_snapshot", [])

    def revert(self, snapshot_id: Any) -> None:
        if not self.request("evm_revert", [snapshot_id]):
            raise RpcError(f"evm_revert({snapshot_id}) failed at {self.url}: unknown or used snapshot")
        self._after_revert()

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        params = {k: hex(v) if isinstance(v, int) else v for k, v in tx.items()}
        block_id = hex(block) if isinstance(block, int) else block
        try:
            response = self.w3.provider.make_request("eth_call", [params, block_id])  # type: ignore[arg-type]
        except (requests.ConnectionError, requests.Timeout, OSError) as exc:
            raise NodeUnreachableError(f"the node at {self.url} stopped answering ({type(exc).__name__})") from exc
        if "error" in response:
            data = response["error"].get("data")
            if isinstance(data, dict):  # some nodes nest it: {"data": {"data": "0x..."}}
                data = data.get("data")
            if isinstance(data, str) and data.startswith("0x"):
                raise CallReverted(bytes.fromhex(data[2:]))
            if "revert" in str(response["error"].get("message", "")).lower():
                raise CallReverted(b"")
            raise RpcError(f"eth_call failed at {self.url}: {response['error']}")
        return bytes.fromhex(str(response["result"])[2:])
