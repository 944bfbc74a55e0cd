"""The engine under the in-process chain: an EVM driven directly, behind one small interface.

`EngineChain` (chain/engine_chain.py; `InProcessChain` is it over py-evm, `RevmChain` over revm) keeps the `Chain`'s
bookkeeping (nonces, exactly-once sends, decoded reverts and events, recordings); an `Engine` only applies
transactions and answers for blocks, receipts, calls and state.
py-evm implements it in `chain/pyevm.py` (the reference); another EVM (revm, `chain/revm.py`) fits the same shape.

Conventions: addresses are 20 raw bytes, hashes 32 raw bytes, amounts ints. A transaction is a real one (signed,
nonce, intrinsic gas, refunds, fee-free blocks); with `automine` on (the default) each goes into a block of its own,
mined at once; with it off, submitted transactions wait for `mine`, which puts them into one block in order.
Block times: the next block gets the time set by `set_next_timestamp`, else one second after the latest block (or
the wall clock, if that is later), as eth-tester and anvil do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class TransactionRejected(Exception):
    """The engine will not take a transaction: bad signature, wrong nonce, too little ether for gas and value, too
    much gas for the block. Its message says which (a wrong nonce's names "nonce")."""


@dataclass(frozen=True)
class Log:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class Receipt:
    """A mined transaction, as its computation left it."""

    tx_hash: bytes
    block_number: int
    transaction_index: int
    sender: bytes
    to: bytes | None  # None: a deployment
    nonce: int
    success: bool
    gas_used: int
    cumulative_gas_used: int  # in its block, up to and including it
    contract_address: bytes | None  # a deployment's address (also when it failed, as eth-tester reports it)
    logs: tuple[Log, ...]
    output: bytes  # the return data; the revert data when not `success`


@dataclass(frozen=True)
class Block:
    """A mined block, without what needs its state root (its hash: `Engine.block_hash`)."""

    number: int
    timestamp: int
    gas_used: int
    transactions: tuple[bytes, ...]  # their hashes, in block order


@dataclass(frozen=True)
class CallResult:
    success: bool
    output: bytes  # the return data; the revert data when not `success`
    gas_used: int


class Engine(Protocol):
    """An EVM with blocks, applying transactions directly (no JSON-RPC, no web3 formatting on the way)."""

    chain_id: int
    automine: bool

    @property
    def head(self) -> Block:
        """The latest mined block."""

    def block(self, number: int) -> Block | None:
        """A mined block by number; None above the head."""

    def block_hash(self, number: int) -> bytes:
        """The hash of a mined block (which may be computed only now: it covers the state root)."""

    def nonce(self, address: bytes) -> int:
        """The next nonce the address may use, counting the transactions waiting for `mine`."""

    def balance(self, address: bytes) -> int: ...

    def code(self, address: bytes) -> bytes: ...

    def set_next_timestamp(self, timestamp: int) -> None:
        """The time of the next block mined (by `submit` under automine, or `mine`)."""

    def submit(self, raw: bytes) -> bytes:
        """Take a signed transaction (its raw bytes, as `eth_sendRawTransaction` takes them) and answer its hash.
        Under automine it is mined at once in a block of its own; else it waits for `mine`. Raises
        TransactionRejected when it can never be mined as it is."""

    def apply(self, tx: Any) -> bytes:
        """`submit` for a transaction in the engine's own form, made by the chain that signed it
        (`EngineChain._prepared`): no decoding, no sender recovery."""

    def mine(self) -> Block:
        """Mine the transactions waiting (none: an empty block) into one block."""

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        """The receipt of a mined transaction; None when the engine has not mined it."""

    def pending(self, tx_hash: bytes) -> bool:
        """Whether the transaction waits for `mine`."""

    def call(
        self, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int, block: int | None = None
    ) -> CallResult:
        """Run a call on the state after mined block `block` (None: the latest), in that block's context (number,
        time), changing nothing."""

    def receipts(self, from_block: int, to_block: int) -> list[Receipt]:
        """Every receipt of the mined blocks `from_block` to `to_block` (inclusive), in chain order."""

    def snapshot(self) -> int:
        """An id for `revert`."""

    def revert(self, snapshot_id: int) -> None:
        """Back to the snapshot: state, blocks, receipts, the next block's time. The snapshot is used up with every
        later one; an unknown or used-up id raises KeyError."""
