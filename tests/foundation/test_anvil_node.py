"""AnvilNode: the node s4chain starts keeps a flat cost per block (no EIP-2935 history contract), and BLOCKHASH
still answers from the node's own block hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.chain.anvil import HISTORY_CONTRACT

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
# Creation code that returns blockhash(1): PUSH1 1 BLOCKHASH PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
BLOCKHASH_OF_1 = "0x600140600052602060" + "00f3"


def _rpc(url: str, method: str, *params: Any) -> Any:
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10)
    return reply.json()["result"]


def test_started_node_has_no_history_contract_and_blockhash_still_works() -> None:
    with AnvilNode(anvil_binary(ROOT / "node_modules")) as node:
        for _ in range(3):
            _rpc(node.url, "evm_mine")
        assert _rpc(node.url, "eth_getCode", HISTORY_CONTRACT, "latest") == "0x"
        # The system call wrote nothing: the slot of block 1's hash stays empty.
        assert int(_rpc(node.url, "eth_getStorageAt", HISTORY_CONTRACT, "0x1", "latest"), 16) == 0
        block_1 = _rpc(node.url, "eth_getBlockByNumber", "0x1", False)["hash"]
        assert _rpc(node.url, "eth_call", {"data": BLOCKHASH_OF_1}, "latest") == block_1
