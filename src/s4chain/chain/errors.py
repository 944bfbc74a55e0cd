"""Errors of a node that cannot be reached or misbehaves. `NodeError` is their one base: a command maps it to
exit 2 (not a failed expectation); after one, nothing was sent twice and `--resume` can go on once the node is
back."""

from __future__ import annotations

from typing import Any

from s4chain.chain.reverts import ContractRevert
from s4chain.errors import S4ChainError


class NodeError(S4ChainError):
    """The node is unreachable, misbehaves, or is in use by another run."""


class NodeUnreachableError(NodeError):
    """No JSON-RPC node answers at the URL, or it stopped answering (also: an answer that is not JSON-RPC)."""


class NodeTimeoutError(NodeUnreachableError):
    """The node took a request and gave no answer within the request timeout (a hung node): not asked again."""


class NodeDownError(NodeUnreachableError):
    """Nothing listens at the node's address: the connection was refused (a read: again after its retries). The
    node is down, not slow; waiting for it to confirm a transaction would be waiting for nothing."""


class RpcError(NodeError):
    """The node answered a request with an error."""


class TransactionUnconfirmedError(NodeUnreachableError):
    """A transaction was signed and may have reached the node, but whether it landed cannot be told (the node
    stopped answering, or never mined it). It was not sent again under another nonce: look it up by `tx_hash`."""

    def __init__(self, tx_hash: str, message: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(message)


class TransactionRefused(Exception):
    """The node refused a signed transaction (it is not in its pool): internal to the send path."""


def hide_frame(excinfo: Any) -> bool:
    """`__tracebackhide__` of s4chain's frames on the way from a test to the chain: pytest leaves them out of a
    failure's traceback when the error is a revert or one of s4chain's own (the user's line and the decoded error
    are what matter); a bug shows them all."""
    return bool(excinfo.errisinstance((ContractRevert, S4ChainError)))
