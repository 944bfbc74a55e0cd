"""The embedded chain: eth-tester over py-evm, in this Python process.

Two of eth-tester's paths are replaced by cheaper ones with the same outcome (docs/performance.md, "Benchmark"):
calls run on a VM kept for the block they read (a mined block's state never changes), between a snapshot and a
revert of that VM's state, where eth-tester builds a VM, its state and its caches for every call; and a chain
snapshot is a position in an undo log of the chain's key-value store, where eth-tester's revert re-imports (so
re-executes) the snapshot's head block.
"""

from __future__ import annotations

import itertools
from typing import Any

from eth.abc import VirtualMachineAPI
from eth.db.backends.memory import MemoryDB
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import _execute_and_revert_transaction
from eth_tester.exceptions import SnapshotNotFound
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS

from s4chain.chain.accounts import (
    DEV_ACCOUNT_COUNT,
    DEV_BALANCE_WEI,
    DEV_CHAIN_ID,
    DEV_HD_PATH,
    DEV_MNEMONIC,
    dev_accounts,
)
from s4chain.chain.base import BLOCK_GAS_LIMIT, CallReverted, Chain
from s4chain.chain.errors import TransactionRefused
from s4chain.chain.pcs import PyEvmRevertFrames
from s4chain.compiler.artifacts import ArtifactStore

# A fixed genesis time keeps replays deterministic; it lies ahead of the wall clock, like a scenario's dates.
GENESIS_TIMESTAMP = 1_893_456_000  # 2030-01-01T00:00:00Z


class _RevertDataBackend(PyEVMBackend):
    """PyEVMBackend whose calls report the raw revert data, which eth-tester flattens into a message, and run on a
    VM kept for the block they read."""

    _call_vm: tuple[bytes, VirtualMachineAPI] | None = None  # the hash of a mined block's header, and its VM

    def call(self, transaction: dict[str, Any], block_number: Any = "latest") -> bytes:
        vm = self._vm_for_call(block_number)
        # What eth-tester fills in: the gas left in the pending block, the sender's nonce at that block.
        defaulted = dict(transaction)
        if "gas" not in defaulted:
            defaulted["gas"] = self._max_available_gas()
        if vm is not None and "nonce" not in defaulted:
            defaulted["nonce"] = vm.state.get_nonce(transaction["from"])  # else eth-tester builds a VM for it
        unsigned = self._get_normalized_and_unsigned_evm_transaction(defaulted, block_number)
        spoofed = SpoofTransaction(unsigned, from_=transaction["from"])
        if vm is None:  # the pending block, or one eth-tester does not have: its own way (and errors)
            computation = _execute_and_revert_transaction(self.chain, spoofed, block_number)
        else:
            snapshot = vm.state.snapshot()
            try:
                computation = vm.state.apply_transaction(spoofed)  # type: ignore[arg-type]  # stands in for a signed one
            finally:
                vm.state.revert(snapshot)
        self.last_computation = computation  # where a traced re-run's frames are read (chain/pcs.py)
        if computation.is_error:
            error = computation.error
            raise CallReverted(error.args[0] if isinstance(error, Revert) and error.args else b"")
        return bytes(computation.output)

    def _vm_for_call(self, block_number: Any) -> VirtualMachineAPI | None:
        """The VM a call at a mined block runs on (eth-tester's "latest" is the last mined block), built once per
        block; None for the pending block or a block number eth-tester would not find."""
        pending = self.chain.header.block_number
        if block_number in ("latest", "safe", "finalized"):
            number = max(0, pending - 1)
        elif block_number == "earliest":
            number = 0
        elif isinstance(block_number, int) and 0 <= block_number < pending:
            number = block_number
        else:
            return None
        header = self.chain.get_canonical_block_header_by_number(number)
        if self._call_vm is None or self._call_vm[0] != header.hash:
            self._call_vm = (header.hash, self.chain.get_vm(at_header=header))
        return self._call_vm[1]


_ABSENT = object()


class _UndoLog(MemoryDB):
    """The chain's key-value store, remembering what each write replaced while a snapshot is open (`undo` is not
    None): a revert puts those values back, newest first, and the store is exactly as it was at the snapshot."""

    def __init__(self, kv_store: dict[bytes, bytes]) -> None:
        super().__init__(kv_store)
        self.undo: list[tuple[bytes, Any]] | None = None

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if self.undo is not None:
            self.undo.append((key, self.kv_store.get(key, _ABSENT)))
        self.kv_store[key] = value

    def __delitem__(self, key: bytes) -> None:
        old = self.kv_store.pop(key)
        if self.undo is not None:
            self.undo.append((key, old))

    def rewind(self, mark: int) -> None:
        assert self.undo is not None
        undo, store = self.undo, self.kv_store
        while len(undo) > mark:
            key, old = undo.pop()
            if old is _ABSENT:
                store.pop(key, None)
            else:
                store[key] = old


class InProcessChain(PyEvmRevertFrames, Chain):
    backend_name = "in-process"

    def __init__(self, artifacts: ArtifactStore | None = None, genesis_timestamp: int = GENESIS_TIMESTAMP) -> None:
        # eth-tester's default gas limit (~3.1M) is too small to deploy the larger contracts.
        genesis = PyEVMBackend.generate_genesis_params(
            overrides={"gas_limit": BLOCK_GAS_LIMIT, "timestamp": genesis_timestamp}
        )
        # Fee-free blocks, as s4chain starts anvil: ether balances then agree on both backends. eth-tester's
        # override check does not know this header field, so it is set after the check.
        genesis["base_fee_per_gas"] = 0
        backend = _RevertDataBackend.from_mnemonic(
            DEV_MNEMONIC,
            genesis_state_overrides={"balance": DEV_BALANCE_WEI},
            num_accounts=DEV_ACCOUNT_COUNT,
            genesis_parameters=genesis,
            hd_path=DEV_HD_PATH,
        )
        # The same chain id as anvil, so that signed transactions and CHAINID agree on both backends.
        type(backend.chain).chain_id = DEV_CHAIN_ID
        self.tester = EthereumTester(backend)
        endpoints = {**API_ENDPOINTS, "eth": {**API_ENDPOINTS["eth"], "chainId": lambda *_: DEV_CHAIN_ID}}
        w3 = Web3(EthereumTesterProvider(self.tester, api_endpoints=endpoints))
        self._automine = True
        self._snapshot_ids = itertools.count(1)
        self._snapshots: list[tuple[int, int]] = []  # the open snapshots, oldest first: (id, mark in the undo log)
        super().__init__(w3, dev_accounts(), artifacts)

    @property
    def _backend(self) -> _RevertDataBackend:
        backend: _RevertDataBackend = self.tester.backend
        return backend

    # The latest block read from py-evm's header chain: web3 and eth-tester would build the whole block, with its
    # transactions, through their normalisers, for one number.
    @property
    def block_number(self) -> int:
        return max(0, self._backend.chain.header.block_number - 1)  # eth-tester's "latest": below the pending block

    @property
    def timestamp(self) -> int:
        return self._block_timestamp(self.block_number)

    def _block_timestamp(self, number: int) -> int:
        return int(self._backend.chain.get_canonical_block_header_by_number(number).timestamp)

    def block_hash(self, number: int) -> bytes:
        return bytes(self._backend.chain.get_canonical_block_header_by_number(number).hash)

    def _set_next_block_timestamp(self, timestamp: int) -> None:
        chain = self._backend.chain
        chain.header = chain.header.copy(timestamp=timestamp)

    def _mine_block(self) -> None:
        self.tester.mine_blocks(1)

    def _set_automine(self, on: bool) -> None:
        self._automine = on

    def _submit_raw(self, raw: bytes) -> None:
        if self._automine:
            super()._submit_raw(raw)
            return
        # Applied to the pending block, which `_mine_block` mines (eth-tester's own no-auto-mine mode snapshots
        # and reverts the chain around each transaction, which drops the pending block's timestamp).
        try:
            self._backend.send_raw_transaction(raw)
        except Exception as exc:  # py-evm's answer: it will not take this transaction
            raise TransactionRefused(str(exc)) from exc

    def _undo_log(self) -> _UndoLog:
        db = self._backend.chain.chaindb.db  # eth-tester's AtomicDB, over a MemoryDB
        if not isinstance(db.wrapped_db, _UndoLog):
            db.wrapped_db = _UndoLog(db.wrapped_db.kv_store)
        log: _UndoLog = db.wrapped_db
        return log

    def snapshot(self) -> Any:
        log = self._undo_log()
        if log.undo is None:
            log.undo = []
        snapshot_id = next(self._snapshot_ids)
        self._snapshots.append((snapshot_id, len(log.undo)))
        return snapshot_id

    def revert(self, snapshot_id: Any) -> None:
        """Back to the snapshot, which is used up with every later one (as on anvil)."""
        position = next((i for i, (known, _) in enumerate(self._snapshots) if known == snapshot_id), None)
        if position is None:
            raise SnapshotNotFound(f"no open snapshot {snapshot_id!r}: unknown, or used up by a revert")
        mark = self._snapshots[position][1]
        del self._snapshots[position:]
        log = self._undo_log()
        log.rewind(mark)
        if not self._snapshots:
            log.undo = None
        chain = self._backend.chain
        chain.header = chain.ensure_header()  # a fresh pending block on the head, as eth-tester's revert leaves it
        tester = self.tester  # what eth-tester's revert does to the filters web3 users may have made
        for block_filter in tester._block_filters.values():
            tester._revert_block_filter(block_filter)
        for pending_filter in tester._pending_transaction_filters.values():
            tester._revert_pending_transaction_filter(pending_filter)
        for log_filter in tester._log_filters.values():
            tester._revert_log_filter(log_filter)
        self._after_revert()

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        normalized = self.tester.normalizer.normalize_inbound_transaction(
            {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
        )
        raw_block = self.tester.normalizer.normalize_inbound_block_number(block)
        return self._backend.call(normalized, raw_block)
