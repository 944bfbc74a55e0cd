"""Chain access: one interface (`Chain`) over the in-process chain and JSON-RPC nodes.

The names below are loaded on first use (PEP 562): `s4chain node`, `--rpc` replays and `compile` would otherwise pay
for py-evm and eth-tester (the in-process chain) and web3 on every start, which they never use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s4chain.chain.accounts import DEV_CHAIN_ID, DEV_MNEMONIC, dev_accounts
    from s4chain.chain.anvil import AnvilError, AnvilNode, anvil_binary
    from s4chain.chain.base import Chain, DeploymentError, DeployRequest, DeployStrategy, PendingBlock, Recording
    from s4chain.chain.contract import Contract, EventCountError, TxResult
    from s4chain.chain.errors import (
        NodeError,
        NodeTimeoutError,
        NodeUnreachableError,
        RpcError,
        TransactionUnconfirmedError,
    )
    from s4chain.chain.events import DecodedEvent
    from s4chain.chain.inprocess import InProcessChain
    from s4chain.chain.lock import NodeInUseError, NodeLock, node_lock
    from s4chain.chain.reverts import (
        ContractRevert,
        CustomErrorRevert,
        PanicRevert,
        RevertWithReason,
        UnknownRevert,
    )
    from s4chain.chain.rpc import RpcChain
    from s4chain.chain.safety import UnsafeChainError

# Each exported name's module (tests/foundation/test_lazy_imports.py checks it against the imports above and
# `__all__`).
_MODULES = {
    "accounts": ("DEV_CHAIN_ID", "DEV_MNEMONIC", "dev_accounts"),
    "anvil": ("AnvilError", "AnvilNode", "anvil_binary"),
    "base": ("Chain", "DeploymentError", "DeployRequest", "DeployStrategy", "PendingBlock", "Recording"),
    "contract": ("Contract", "EventCountError", "TxResult"),
    "errors": ("NodeError", "NodeTimeoutError", "NodeUnreachableError", "RpcError", "TransactionUnconfirmedError"),
    "events": ("DecodedEvent",),
    "inprocess": ("InProcessChain",),
    "lock": ("NodeInUseError", "NodeLock", "node_lock"),
    "reverts": ("ContractRevert", "CustomErrorRevert", "PanicRevert", "RevertWithReason", "UnknownRevert"),
    "rpc": ("RpcChain",),
    "safety": ("UnsafeChainError",),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "DEV_CHAIN_ID",
    "DEV_MNEMONIC",
    "AnvilError",
    "AnvilNode",
    "Chain",
    "Contract",
    "ContractRevert",
    "CustomErrorRevert",
    "DecodedEvent",
    "DeployRequest",
    "DeployStrategy",
    "DeploymentError",
    "EventCountError",
    "InProcessChain",
    "NodeError",
    "NodeInUseError",
    "NodeLock",
    "NodeTimeoutError",
    "NodeUnreachableError",
    "PanicRevert",
    "PendingBlock",
    "Recording",
    "RevertWithReason",
    "RpcChain",
    "RpcError",
    "TransactionUnconfirmedError",
    "TxResult",
    "UnknownRevert",
    "UnsafeChainError",
    "anvil_binary",
    "dev_accounts",
    "node_lock",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
