"""py-evm driven directly: the `Engine` of the in-process chain (chain/engine.py), on eth-tester's py-evm chain.

Each transaction is applied to one live py-evm state that is kept from block to block (its caches stay warm), in a
block of its own with the same header fields, receipts and gas as eth-tester's path. What is left out of the
per-transaction path is the state root: a block is *sealed* (state root, transaction and receipt tries, header
hash, written to py-evm's chain database) only when something needs it: its hash (`block_hash`, the BLOCKHASH
opcode), a snapshot, or anyone reading the chain through eth-tester or web3 (`chain.w3`, `chain.tester`), which
then sees every block mined so far. For that, each block keeps what it changed (accounts and storage slots, their
values at its end); sealing applies those changes, block by block, to a py-evm `AccountDB` at the last sealed
root, whose `persist` computes the root exactly as py-evm's own mining does.

Snapshots seal first and then are positions in an undo log of the chain's key-value store (`_UndoLog`): a revert
puts the store back byte for byte and rebuilds the live state on the restored head.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, cast

from eth._utils.headers import new_timestamp_from_parent
from eth.abc import BlockHeaderAPI, ExecutionContextAPI, SignedTransactionAPI, VirtualMachineAPI
from eth.chains.base import MiningChain
from eth.constants import EMPTY_SHA3
from eth.db.account import AccountDB
from eth.db.backends.memory import MemoryDB
from eth.db.trie import make_trie_root_and_nodes
from eth.exceptions import Revert
from eth.vm.forks.cancun.state import get_total_blob_gas
from eth.vm.forks.london.headers import calculate_expected_base_fee_per_gas
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.headers import calc_excess_blob_gas_prague
from eth.vm.spoof import SpoofTransaction
from eth_hash.auto import keccak
from eth_utils import ValidationError

from s4chain.chain.engine import Block, CallResult, Log, Receipt, TransactionRejected

# eth-hash takes pycryptodome over pysha3 when both are installed (about 4x slower per hash); every hash here
# (tries, SHA3, addresses, transaction hashes) then pays for it. Take pysha3 unless the environment chose.
if "ETH_HASH_BACKEND" not in os.environ:
    try:
        from eth_hash.backends.pysha3 import backend as _pysha3
    except ImportError:  # pragma: no cover - pysha3 comes with eth-tester[py-evm] on CPython
        pass
    else:
        keccak.hasher = _pysha3.keccak256  # type: ignore[assignment]
        keccak.preimage = _pysha3.preimage  # type: ignore[assignment]

CALL_FEE_PER_GAS = 0  # as a node's eth_call without a gas price: a sender without ether (an impersonated one) can call
_ABSENT = object()
_SERIALS = itertools.count(1)  # `_Mined.serial`: one for every block record made in the process


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


class _WriteLog(AccountDB):
    """py-evm's AccountDB, noting which accounts and slots were written (and whose storage was wiped) since
    `take`: a block's changes, read back with their values at its end."""

    def __init__(self, db: Any, state_root: Any) -> None:
        super().__init__(db, state_root)
        self.accounts: set[Any] = set()  # py-evm's Address
        self.slots: dict[Any, set[int]] = {}
        self.wiped: set[Any] = set()

    def _set_account(self, address: Any, account: Any) -> None:
        self.accounts.add(address)
        super()._set_account(address, account)

    def set_storage(self, address: Any, slot: int, value: int) -> None:
        self.accounts.add(address)
        self.slots.setdefault(address, set()).add(slot)
        super().set_storage(address, slot, value)

    def _wipe_storage(self, address: Any) -> None:
        self.accounts.add(address)
        self.wiped.add(address)
        super()._wipe_storage(address)

    def delete_account(self, address: Any) -> None:
        self.accounts.add(address)
        super().delete_account(address)

    def lock_changes(self) -> None:
        """After each transaction. py-evm's journals keep the rollback data of every checkpoint (each transaction
        and call frame, in the accounts' journals and in every written account's storage clear count) until the
        state is persisted, which the live state never is: fold them into the root checkpoint's, which then holds
        for each key its value before the first of them, exactly what they rolled back to together (bounded by the
        keys, not by the transactions). The emptied storage of an account gone (the empty fee recipient, touched
        and deleted by every transaction) is dropped: it kept a clear and a trie per deletion, and a store made
        again for it reads the same empty storage."""
        super().lock_changes()
        for journal_db in (self._journaldb, self._journaltrie):
            _fold_committed(cast(Any, journal_db)._journal)
        for address in list(self._dirty_accounts):
            store: Any = self._account_stores[address]
            locked = store._locked_changes._journal  # cleared, and nothing written since: the storage is empty
            if locked._ignore_wrapped_db and not locked._current_values and not self.account_exists(address):
                self._dirty_accounts.discard(address)
                del self._account_stores[address]
            else:
                _fold_committed(store._clear_count._journal)

    def take(self) -> _Changes:
        """What was written since the last `take`, with the values it has now."""
        accounts: dict[bytes, tuple[int, int, bytes, bytes] | None] = {}
        slots: dict[bytes, dict[int, int]] = {}
        for address in self.accounts:
            if not self.account_exists(address) and not self.slots.get(address):  # slots alone: a set_storage cheat
                accounts[address] = None
                continue
            account = self._get_account(address)
            code = self.get_code(address) if account.code_hash != EMPTY_SHA3 else b""
            accounts[address] = (account.nonce, account.balance, account.code_hash, code)
            written = self.slots.get(address)
            if written:
                slots[address] = {slot: self.get_storage(address, slot) for slot in written}
        changes = _Changes(accounts, slots, self.wiped & set(accounts))
        self.accounts, self.slots, self.wiped = set(), {}, set()
        return changes


@dataclass
class _Changes:
    accounts: dict[bytes, tuple[int, int, bytes, bytes] | None]  # nonce, balance, code hash, code; None: gone
    slots: dict[bytes, dict[int, int]]
    wiped: set[bytes]

    def apply(self, db: Any) -> None:
        for address, account in self.accounts.items():
            if account is None:
                if db.account_exists(address):
                    db.delete_account(address)
                continue
            if address in self.wiped:
                db.delete_storage(address)
            nonce, balance, code_hash, code = account
            db.set_nonce(address, nonce)
            db.set_balance(address, balance)
            if db.get_code_hash(address) != code_hash:
                db.set_code(address, code)
            for slot, value in self.slots.get(address, {}).items():
                db.set_storage(address, slot, value)


@dataclass
class _Mined:
    """A mined block. Until sealed, its header's state root (so its hash, and its child's parent hash) is a
    placeholder and `changes` holds what it changed."""

    header: BlockHeaderAPI
    transactions: tuple[SignedTransactionAPI, ...]
    receipts: tuple[Receipt, ...]
    evm_receipts: tuple[Any, ...]
    changes: _Changes | None = None
    hash: bytes | None = None  # set once sealed
    info: Block = field(init=False)
    # Never shared by two block records: a block that a revert dropped and one mined at its number then differ
    # (`block_id`) without either being sealed.
    serial: int = field(init=False, default_factory=lambda: next(_SERIALS))

    def __post_init__(self) -> None:
        h = self.header
        self.info = Block(h.block_number, h.timestamp, h.gas_used, tuple(r.tx_hash for r in self.receipts))


class _Ancestors:
    """The BLOCKHASH window of a block: its ancestors' hashes, newest first, sealed only when an opcode asks."""

    def __init__(self, engine: PyEvmEngine, number: int) -> None:
        self._engine, self._number = engine, number

    def __iter__(self) -> Iterator[bytes]:
        for number in range(self._number - 1, max(-1, self._number - 257), -1):
            yield self._engine.block_hash(number)


class PyEvmEngine:
    """The `Engine` on a py-evm `MiningChain` (eth-tester's). eth-tester and web3 read the same chain: whoever
    hands them the chain (`InProcessChain`'s backend) calls `hand_over` first, which seals every block, and the
    engine takes the chain back as it then finds it (blocks mined, a revert) before its next step."""

    def __init__(self, chain: MiningChain) -> None:
        self._chain: Any = chain  # py-evm's types: Address, Hash32 and BlockNumber are bytes and ints here
        self.chain_id = int(chain.chain_id)
        self.automine = True
        self._queue: list[SignedTransactionAPI] = []
        self._snapshots: list[tuple[int, int, int]] = []  # open snapshots, oldest first: (id, undo mark, head)
        self._next_snapshot = 1
        self._outside = False  # eth-tester may have changed the chain since `hand_over`
        self._changed = False  # the engine changed the chain since `hand_over`
        self._call_vm: tuple[bytes, VirtualMachineAPI] | None = None
        self.last_computation: Any = None
        self._blocks: list[_Mined] = []
        self._by_hash: dict[bytes, tuple[int, int]] = {}  # tx hash -> (block number, index)
        # Called with each block's number once mined (eth-tester's filters are fed when it mines).
        self.on_mined: Callable[[int], None] | None = None
        self._adopt()

    # --- the chain as py-evm's database has it -------------------------------------------------------------
    def _adopt(self) -> None:
        """Take the chain from py-evm's database (at the start, and after eth-tester changed it)."""
        chain = self._chain
        head = chain.get_canonical_head()
        keep = 0  # the blocks already known, with the same hashes
        while keep < len(self._blocks) and keep <= head.block_number:
            known = self._blocks[keep]
            if known.hash != chain.get_canonical_block_header_by_number(keep).hash:
                break
            keep += 1
        self._forget(keep)
        for number in range(keep, head.block_number + 1):
            self._blocks.append(self._from_database(number))
        self._pending = chain.header
        self._changed = False
        self._vm_class = chain.get_vm_class(self._pending)
        self._template = chain.create_header_from_parent(head)
        self._fresh_state(head.state_root)

    def _from_database(self, number: int) -> _Mined:
        block = self._chain.get_canonical_block_by_number(number)
        evm_receipts = block.get_receipts(self._chain.chaindb)
        receipts = tuple(
            self._receipt_of(block.header, index, tx, receipt, evm_receipts[index - 1] if index else None, b"")
            for index, (tx, receipt) in enumerate(zip(block.transactions, evm_receipts, strict=True))
        )
        mined = _Mined(block.header, tuple(block.transactions), receipts, tuple(evm_receipts), hash=block.hash)
        for index, receipt in enumerate(receipts):
            self._by_hash[receipt.tx_hash] = (number, index)
        return mined

    def _forget(self, keep: int) -> None:
        """Drop the records of blocks `keep` and later."""
        for gone in self._blocks[keep:]:
            for receipt in gone.receipts:
                self._by_hash.pop(receipt.tx_hash, None)
        del self._blocks[keep:]

    def _fresh_state(self, root: bytes) -> None:
        db = self._chain.chaindb.db
        self._state: Any = _live_state_class(self._vm_class.get_state_class())(db, self._context(self._pending), root)
        self._state.lock_changes()
        self._log().take()  # the system contracts' set-up at construction
        self._sealer = AccountDB(db, cast(Any, root))
        self._context_of: int | None = None  # the block the live state's context is for

    def _log(self) -> _WriteLog:
        return cast(_WriteLog, self._state._account_db)

    def _context(self, header: BlockHeaderAPI) -> ExecutionContextAPI:
        return self._vm_class.create_execution_context(
            header, cast(Any, _Ancestors(self, header.block_number)), cast(Any, SimpleNamespace(chain_id=self.chain_id))
        )

    def hand_over(self) -> None:
        """Seal everything, for eth-tester to read or change the chain; the engine looks again before its next
        step."""
        if self._changed:
            self._seal(len(self._blocks) - 1)
            self._chain.header = self._pending
            self._changed = False
        self._outside = True

    def replace_chain(self, chain: MiningChain) -> None:
        """eth-tester made a new chain object (its revert to the genesis block does)."""
        self._chain = chain
        self._outside = True

    def _look(self) -> None:
        if not self._outside:
            return
        self._outside = False
        chain = self._chain
        if chain.header is not self._pending or chain.get_canonical_head().hash != self._blocks[-1].hash:
            self._queue.clear()
            self._adopt()

    # --- blocks -------------------------------------------------------------------------------------------
    @property
    def head(self) -> Block:
        self._look()
        return self._blocks[-1].info

    def block(self, number: int) -> Block | None:
        self._look()
        return self._blocks[number].info if 0 <= number < len(self._blocks) else None

    def block_hash(self, number: int) -> bytes:
        self._look()
        if not 0 <= number < len(self._blocks):
            raise IndexError(f"no mined block {number}")
        mined = self._blocks[number]
        if mined.hash is None:
            self._seal(number)
        assert mined.hash is not None
        return mined.hash

    def block_id(self, number: int) -> bytes:
        """What tells mined block `number` from a block that replaced it after a revert, without sealing it (which
        `block_hash` does, for every block before it too)."""
        self._look()
        if not 0 <= number < len(self._blocks):
            raise IndexError(f"no mined block {number}")
        return self._blocks[number].serial.to_bytes(8, "big")

    def header(self, number: int) -> BlockHeaderAPI:
        """A mined block's py-evm header, sealed."""
        self.block_hash(number)
        return self._blocks[number].header

    def set_next_timestamp(self, timestamp: int) -> None:
        self._look()
        self._pending = self._pending.copy(timestamp=timestamp)
        self._changed = True

    def transaction_builder(self) -> Any:  # py-evm's builder of the chain's fork
        return self._vm_class.get_transaction_builder()

    # --- state --------------------------------------------------------------------------------------------
    def nonce(self, address: bytes) -> int:
        self._look()
        return self._state.get_nonce(address) + sum(1 for tx in self._queue if tx.sender == address)

    def balance(self, address: bytes) -> int:
        self._look()
        return self._state.get_balance(address)

    def code(self, address: bytes) -> bytes:
        self._look()
        return self._state.get_code(address)

    def edit_state(self, change: Callable[[Any], None]) -> None:
        """Change the live state outside any transaction (a cheat code): the next block mined carries it."""
        self._look()
        change(self._state)
        self._state.lock_changes()  # kept whatever a later transaction reverts

    # --- transactions ------------------------------------------------------------------------------------
    def submit(self, raw: bytes) -> bytes:
        self._look()
        try:
            tx = self._vm_class.get_transaction_builder().decode(raw)
            tx.check_signature_validity()
        except (ValidationError, ValueError, TypeError) as exc:
            raise TransactionRejected(f"not a valid signed transaction: {exc}") from exc
        return self.apply(tx)

    def apply(self, tx: SignedTransactionAPI) -> bytes:
        """`submit` for a transaction already decoded (and its signature checked, or made here)."""
        self._look()
        if tx.hash in self._by_hash or any(tx.hash == queued.hash for queued in self._queue):
            raise TransactionRejected("already known")
        expected = self.nonce(tx.sender)
        if tx.nonce != expected:
            raise TransactionRejected(f"invalid nonce: the account's next nonce is {expected}, not {tx.nonce}")
        if not self.automine:
            self._queue.append(tx)
            return tx.hash
        self._mine((tx,), automine=True)
        return tx.hash

    def mine(self) -> Block:
        self._look()
        queued, self._queue = tuple(self._queue), []
        return self._mine(queued).info

    def _mine(self, transactions: tuple[SignedTransactionAPI, ...], automine: bool = False) -> _Mined:
        """Apply the transactions in a new block on the head and mine it, as eth-tester's apply-then-mine does,
        without the state root."""
        header = self._pending
        state = self._state
        state.execution_context = self._context(header)
        self._context_of = None
        vm: Any = self._vm_class(header, self._chain.chaindb, cast(Any, SimpleNamespace(chain_id=self.chain_id)), None)
        vm._state = state
        receipts: list[Receipt] = []
        evm_receipts: list[Any] = []
        included: list[SignedTransactionAPI] = []
        refused: list[str] = []
        for tx in transactions:
            try:
                evm_receipt, computation = vm.apply_transaction(header, tx)
            except ValidationError as exc:  # checked before anything is applied: left out of the block
                refused.append(f"0x{tx.hash.hex()}: {exc}")
                continue
            output = computation.output if computation.is_success else _revert_data(computation)
            receipts.append(
                self._receipt_of(
                    header, len(included), tx, evm_receipt, evm_receipts[-1] if evm_receipts else None, output
                )
            )
            evm_receipts.append(evm_receipt)
            included.append(tx)
            header = vm.add_receipt_to_header(header, evm_receipt)
            if get_total_blob_gas(tx):  # a header copy only when it changes
                header = vm.increment_blob_gas_used(header, tx)
        if refused and automine:
            raise TransactionRejected(refused[0])  # no block for it, as a node that refuses it at once
        # As eth-tester mines (`MiningChain.mine_block`): no block pre- or post-processing (system contracts,
        # requests), no block reward after the merge, a random `mix_hash` for the beacon chain's randomness.
        header = header.copy(mix_hash=os.urandom(32))
        mined = _Mined(header, tuple(included), tuple(receipts), tuple(evm_receipts), changes=self._log().take())
        number = header.block_number
        for index, receipt in enumerate(receipts):
            self._by_hash[receipt.tx_hash] = (number, index)
        self._blocks.append(mined)
        self._pending = self._header_after(header)
        self._changed = True
        if self.on_mined is not None:
            self.on_mined(number)
        if refused:
            raise TransactionRejected("left out of the block, which is mined without them: " + "; ".join(refused))
        return mined

    def _header_after(self, parent: BlockHeaderAPI) -> BlockHeaderAPI:
        """The next block's header, as eth-tester's `create_header_from_parent` makes it (parent hash and state
        root left for sealing). On Prague, the parent-dependent fields are set on one header made by py-evm at the
        start (py-evm builds six header objects for each, through every fork's rules)."""
        if not issubclass(self._vm_class, PragueVM):
            return cast(BlockHeaderAPI, self._chain.create_header_from_parent(parent))
        return self._template.copy(
            block_number=parent.block_number + 1,
            timestamp=new_timestamp_from_parent(parent),
            base_fee_per_gas=calculate_expected_base_fee_per_gas(parent),
            excess_blob_gas=calc_excess_blob_gas_prague(parent),
        )

    def _receipt_of(
        self, header: BlockHeaderAPI, index: int, tx: SignedTransactionAPI, receipt: Any, before: Any, output: bytes
    ) -> Receipt:
        created = tx.to == b""
        return Receipt(
            tx_hash=tx.hash,
            block_number=header.block_number,
            transaction_index=index,
            sender=tx.sender,
            to=None if created else tx.to,
            nonce=tx.nonce,
            success=receipt.state_root == b"\x01",
            gas_used=receipt.gas_used - (before.gas_used if before is not None else 0),
            cumulative_gas_used=receipt.gas_used,
            contract_address=_created_address(tx.sender, tx.nonce) if created else None,
            logs=tuple(
                Log(log.address, tuple(topic.to_bytes(32, "big") for topic in log.topics), log.data)
                for log in receipt.logs
            ),
            output=bytes(output),
        )

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        self._look()
        where = self._by_hash.get(tx_hash)
        return None if where is None else self._blocks[where[0]].receipts[where[1]]

    def pending(self, tx_hash: bytes) -> bool:
        """Whether the transaction waits for `mine`."""
        return any(tx.hash == tx_hash for tx in self._queue)

    def receipts(self, from_block: int, to_block: int) -> list[Receipt]:
        self._look()
        return [r for mined in self._blocks[max(0, from_block) : to_block + 1] for r in mined.receipts]

    # --- calls --------------------------------------------------------------------------------------------
    def call(
        self, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int, block: int | None = None
    ) -> CallResult:
        self._look()
        head = len(self._blocks) - 1
        number = head if block is None else block
        if not 0 <= number <= head:
            raise IndexError(f"no mined block {number}")
        if number == head:
            state = self._state
            if self._context_of != head:
                state.execution_context = self._context(self._blocks[head].header)
                self._context_of = head
        else:
            state = self._vm_at(self.header(number)).state
        unsigned = self.transaction_builder().new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id,
            nonce=state.get_nonce(sender),
            max_priority_fee_per_gas=CALL_FEE_PER_GAS,
            max_fee_per_gas=CALL_FEE_PER_GAS,
            gas=gas,
            to=to if to is not None else b"",
            value=value,
            data=data,
            access_list=(),
        )
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(SpoofTransaction(unsigned, from_=sender))
        finally:
            state.revert(snapshot)
        self.last_computation = computation  # where a re-run's frames are read (chain/pcs.py)
        if computation.is_error:
            return CallResult(False, _revert_data(computation), computation.get_gas_used())
        return CallResult(True, bytes(computation.output), computation.get_gas_used())

    def _vm_at(self, header: BlockHeaderAPI) -> VirtualMachineAPI:
        """The VM of a sealed block, kept for the next call at that block (a mined block's state never changes)."""
        if self._call_vm is None or self._call_vm[0] != header.hash:
            self._call_vm = (header.hash, self._chain.get_vm(at_header=header))
        return self._call_vm[1]

    # --- sealing ------------------------------------------------------------------------------------------
    def _seal(self, upto: int) -> None:
        """Give blocks up to `upto` their state roots and hashes, and write them to py-evm's database."""
        first = next((n for n in range(upto + 1) if self._blocks[n].hash is None), None)
        if first is None:
            return
        parent = self._blocks[first - 1].header
        chaindb = self._chain.chaindb
        for number in range(first, upto + 1):
            mined = self._blocks[number]
            assert mined.changes is not None
            mined.changes.apply(self._sealer)
            self._sealer.persist()
            header = mined.header.copy(parent_hash=parent.hash, state_root=self._sealer.state_root)
            tx_root, _ = make_trie_root_and_nodes(mined.transactions)
            receipt_root, _ = make_trie_root_and_nodes(mined.evm_receipts)
            header = header.copy(transaction_root=tx_root, receipt_root=receipt_root)
            block = self._vm_class.get_block_class()(
                header=header, transactions=list(mined.transactions), uncles=[], withdrawals=[]
            )
            chaindb.persist_unexecuted_block(block, mined.evm_receipts)
            mined.header, mined.hash, mined.changes = header, header.hash, None
            parent = header
        if upto == len(self._blocks) - 1:
            self._pending = self._pending.copy(parent_hash=parent.hash, state_root=parent.state_root)

    # --- snapshots ----------------------------------------------------------------------------------------
    def _undo_log(self) -> _UndoLog:
        db: Any = self._chain.chaindb.db  # eth-tester's AtomicDB, over a MemoryDB
        if not isinstance(db.wrapped_db, _UndoLog):
            db.wrapped_db = _UndoLog(db.wrapped_db.kv_store)
        log: _UndoLog = db.wrapped_db
        return log

    def snapshot(self) -> int:
        self._look()
        if self._queue:  # a snapshot here would keep them neither applied nor waiting
            raise ValueError("a snapshot cannot be taken while transactions wait for their block (one_block)")
        self._seal(len(self._blocks) - 1)
        log = self._undo_log()
        if log.undo is None:
            log.undo = []
        snapshot_id = self._next_snapshot
        self._next_snapshot += 1
        self._snapshots.append((snapshot_id, len(log.undo), len(self._blocks)))
        return snapshot_id

    def revert(self, snapshot_id: int) -> None:
        self._look()
        position = next((i for i, (known, _, _) in enumerate(self._snapshots) if known == snapshot_id), None)
        if position is None:
            raise KeyError(snapshot_id)
        _, mark, blocks = self._snapshots[position]
        del self._snapshots[position:]
        log = self._undo_log()
        log.rewind(mark)
        if not self._snapshots:
            log.undo = None
        self._queue.clear()
        self._forget(blocks)
        head = self._blocks[-1].header  # a fresh pending block on it, as eth-tester's revert leaves it
        self._pending = self._header_after(head).copy(parent_hash=head.hash, state_root=head.state_root)
        self._chain.header = self._pending
        self._call_vm = None
        self._fresh_state(self._blocks[-1].header.state_root)
        self._changed = False


def _fold_committed(journal: Any) -> None:
    """Merge the rollback data of a py-evm `Journal`'s committed checkpoints into its root checkpoint's, when no
    other checkpoint is open (and none cleared the journal, which a discard must see by its checkpoint)."""
    data = journal._journal_data
    if len(data) < 2 or journal._checkpoint_stack != [next(iter(data))] or journal._clears_at:
        return
    (root, rollback), *committed = data.items()
    for _, changes in committed:
        for key, old in changes.items():
            rollback.setdefault(key, old)
    data.clear()
    data[root] = rollback


@lru_cache
def _live_state_class(state_class: type[Any]) -> type[Any]:
    """The fork's state class over `_WriteLog`."""
    return type("LiveState", (state_class,), {"account_db_class": _WriteLog})


def _revert_data(computation: Any) -> bytes:
    error = computation.error
    return bytes(error.args[0]) if isinstance(error, Revert) and error.args else b""


def _created_address(sender: bytes, nonce: int) -> bytes:
    from eth._utils.address import generate_contract_address

    return bytes(generate_contract_address(cast(Any, sender), nonce))
