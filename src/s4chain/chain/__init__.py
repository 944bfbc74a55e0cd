"""Chain access: one interface (`Chain`) over the in-process chain and JSON-RPC nodes."""

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
