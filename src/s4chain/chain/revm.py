"""The revm backend: Rust's revm (the EVM inside anvil and Foundry) in this process, through `pyrevm`.

`RevmEngine` implements the `Engine` of chain/engine.py on revm, and `RevmChain` is the `EngineChain` over it (the
same bookkeeping, receipts, events, calls and snapshots as the py-evm chain). `pyrevm` 0.3.7 (revm 8) offers message
calls, not transactions: its journaled state is never finalised, so every account and slot once touched stays warm,
a slot's "original value" (EIP-2200/3529 SSTORE pricing) stays the one first read, whatever happened since, and
callers' nonces are not bumped. The engine builds real transactions on it:

- each transaction runs inside a journal checkpoint at depth 1; at its end every account and slot it changed is
  read, the checkpoint reverted (which makes everything loaded during it cold again: revm 8 knows an account or
  slot is warm only by its presence in the journaled state) and the changes written into revm's database directly
  (`insert_account_info`, and each slot inside a checkpoint of its own, reverted at once, because writing a slot
  loads its account). The next transaction starts with an empty warm set and the committed values as originals.
- intrinsic gas (calldata, create, access lists) and the refund cap of EIP-3529 are revm's own; revm 8 predates
  Prague, so EIP-7623's calldata floor is applied here; the sender's nonce is checked and bumped here (a create's is
  bumped by revm); blocks are fee-free as on the py-evm chain (base fee 0, priority fee 0).
- `RevmChain` signs with the dev keys (the same bytes and hash as eth-account's, faster) and hands the engine the
  transaction's fields with the signed hash (no decoding, no recovery); raw transactions from elsewhere are decoded.
- a snapshot is a position in an undo log of what each commit overwrote.

What differs from py-evm is in docs/performance.md ("revm backend"). `chain.w3` answers the read methods,
`eth_call`, `eth_estimateGas` and sends through a small provider; the hot path does not use it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from s4chain.chain.accounts import DEV_BALANCE_WEI, DEV_CHAIN_ID, dev_accounts
from s4chain.chain.base import BLOCK_GAS_LIMIT, TX_GAS_LIMIT
from s4chain.chain.cheats import Impersonated
from s4chain.chain.engine import Block, CallResult, Log, Receipt, TransactionRejected
from s4chain.chain.engine_chain import GENESIS_TIMESTAMP, EngineChain
from s4chain.chain.errors import RpcError, TransactionRefused
from s4chain.chain.signing import Signed, checksum, encode, uint
from s4chain.chain.trace_console import uses_console
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.errors import S4ChainError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

try:
    import pyrevm
except ImportError:  # the `revm` extra is not installed: RevmChain says so
    pyrevm = None  # type: ignore[assignment]

# EIP-7623 (Prague): a transaction pays at least this per calldata token (a zero byte 1 token, another byte 4).
TX_BASE_GAS = 21_000
FLOOR_PER_TOKEN = 10

_SLOT_WRITE = re.compile(r"StorageChange \{ address: (0x[0-9a-f]{40}), key: (\d+), had_value: Some\((\d+)\)")
_ACCOUNT_CHANGE = re.compile(
    r"(?:NonceChange|AccountCreated|CodeChange|AccountTouched|AccountDestroyed) \{ address: (0x[0-9a-f]{40})"
)
_TRANSFER = re.compile(r"BalanceTransfer \{ from: (0x[0-9a-f]{40}), to: (0x[0-9a-f]{40})")
_DESTROYED = re.compile(r"AccountDestroyed \{ address: (0x[0-9a-f]{40})")
_REVERT_OUTPUT = re.compile(r"output: 0x([0-9a-f]*)")
_TAGS = ("latest", "pending", "safe", "finalized")


class RevmUnavailableError(S4ChainError):
    """pyrevm is not installed."""


def revm_available() -> bool:
    return pyrevm is not None


def _account(balance: int = 0, nonce: int = 0) -> Any:
    """An EOA's account info (pyrevm's stub leaves out `balance`, which its binding takes)."""
    return pyrevm.AccountInfo(balance=balance, nonce=nonce)  # type: ignore[call-arg]


# --- the engine --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RevmTransaction:
    """A signed transaction's fields, its sender and hash: what the engine runs (no signature: checked by whoever
    made it, `RevmChain` signing it or `RevmEngine.submit` recovering it)."""

    tx_hash: bytes
    sender: bytes
    nonce: int
    to: bytes | None
    data: bytes
    value: int
    gas: int


@dataclass
class _Mined:
    number: int
    timestamp: int
    receipts: list[Receipt] = field(default_factory=list)
    hash: bytes = b""

    @property
    def info(self) -> Block:
        return Block(
            self.number,
            self.timestamp,
            sum(r.gas_used for r in self.receipts),
            tuple(r.tx_hash for r in self.receipts),
        )


def _floor_gas(data: bytes) -> int:
    zeros = data.count(0)
    return TX_BASE_GAS + FLOOR_PER_TOKEN * (zeros + 4 * (len(data) - zeros))


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


def _create_address(sender: bytes, nonce: int) -> bytes:
    return keccak(encode([sender, uint(nonce)]))[12:]


class RevmEngine:
    """The `Engine` (chain/engine.py) on revm: dev accounts funded at genesis, one block per transaction under
    automine, fee-free blocks, an undo log for snapshots."""

    chain_id = DEV_CHAIN_ID

    def __init__(self, accounts: Sequence[bytes], balance: int, genesis_timestamp: int) -> None:
        if pyrevm is None:
            raise RevmUnavailableError("the revm backend needs pyrevm: pip install 's4chain[revm]'")
        self._evm = pyrevm.EVM(
            env=pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=DEV_CHAIN_ID)), gas_limit=BLOCK_GAS_LIMIT, spec_id="Cancun"
        )
        self.automine = True
        self._infos: dict[str, Any] = {}  # committed accounts: lower-case 0x address -> pyrevm AccountInfo
        self._undo: list[tuple[str, int | None, Any]] | None = None  # while a snapshot is open
        self._snapshot_ids = itertools.count(1)
        self._snapshots: list[tuple[int, int, int]] = []  # (id, undo mark, block count), oldest first
        for address in accounts:
            self._put_account(_hex(address), _account(balance))
        self._blocks = [_Mined(0, genesis_timestamp)]
        self._blocks[0].hash = self._hash_block(self._blocks[0])
        self._next_timestamp: int | None = None
        self._queue: list[RevmTransaction] = []
        self._by_hash: dict[bytes, Receipt] = {}

    # --- blocks and state -----------------------------------------------------------------------------------
    @property
    def head(self) -> Block:
        return self._blocks[-1].info

    def block(self, number: int) -> Block | None:
        return self._blocks[number].info if 0 <= number < len(self._blocks) else None

    def block_hash(self, number: int) -> bytes:
        if not 0 <= number < len(self._blocks):
            raise IndexError(f"no mined block {number}")
        return self._blocks[number].hash

    def _committed_nonce(self, address: str) -> int:
        info = self._infos.get(address)
        return int(info.nonce) if info is not None else 0

    def nonce(self, address: bytes) -> int:
        return self._committed_nonce(_hex(address)) + sum(1 for tx in self._queue if tx.sender == address)

    def balance(self, address: bytes) -> int:
        info = self._infos.get(_hex(address))
        return int(info.balance) if info is not None else 0

    def code(self, address: bytes) -> bytes:
        info = self._infos.get(_hex(address))
        code = info.code if info is not None else None
        if info is None or not code:
            return b""
        # revm keeps code analysed, padded with zeros: cut back to the bytes whose hash is the code hash.
        expected = bytes(info.code_hash)
        for cut in range(65):
            candidate = code[: len(code) - cut]
            if keccak(candidate) == expected:
                return bytes(candidate)
        return bytes(code)

    def set_next_timestamp(self, timestamp: int) -> None:
        self._next_timestamp = timestamp

    def _hash_block(self, block: _Mined) -> bytes:
        """A stand-in for a header hash (revm keeps no headers): the parent's hash, the number, the time and the
        transactions' hashes, so that two histories differ."""
        parent = self._blocks[block.number - 1].hash if block.number else b"\0" * 32
        hashes = b"".join(r.tx_hash for r in block.receipts)
        return keccak(parent + uint(block.number) + uint(block.timestamp) + hashes)

    # --- transactions ---------------------------------------------------------------------------------------
    def submit(self, raw: bytes) -> bytes:
        from eth_account import Account
        from eth_account.typed_transactions import TypedTransaction

        if not raw or raw[0] > 0x7F:
            raise TransactionRejected("the revm backend takes typed (EIP-2718) transactions only")
        try:
            fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
            sender = bytes.fromhex(Account.recover_transaction(raw)[2:])
        except Exception as exc:  # eth-account's decoding raises several kinds
            raise TransactionRejected(f"not a valid signed transaction: {exc}") from exc
        if fields.get("chainId", DEV_CHAIN_ID) != DEV_CHAIN_ID:
            raise TransactionRejected(f"chain id {fields.get('chainId')} is not {DEV_CHAIN_ID}")
        to = fields.get("to")
        return self.apply(
            RevmTransaction(
                keccak(bytes(raw)),
                sender,
                int(fields["nonce"]),
                bytes(HexBytes(to)) if to else None,
                bytes(fields.get("data", b"")),
                int(fields.get("value", 0)),
                int(fields["gas"]),
            )
        )

    def apply(self, tx: RevmTransaction) -> bytes:
        """`submit` for a transaction whose fields and sender are known (signed here: no decoding, no recovery)."""
        if tx.tx_hash in self._by_hash or self.pending(tx.tx_hash):
            raise TransactionRejected("already known")
        expected = self.nonce(tx.sender)
        if tx.nonce != expected:
            raise TransactionRejected(f"invalid nonce: the account's next nonce is {expected}, not {tx.nonce}")
        floor = _floor_gas(tx.data)
        if tx.gas < floor:
            raise TransactionRejected(f"gas limit {tx.gas} is below the calldata floor {floor} (EIP-7623)")
        if not self.automine:
            self._queue.append(tx)
            return tx.tx_hash
        block = self._new_block()
        block.receipts.append(self._execute(tx, block))  # refused: raises, and no block is mined
        self._seal(block)
        return tx.tx_hash

    def pending(self, tx_hash: bytes) -> bool:
        return any(tx.tx_hash == tx_hash for tx in self._queue)

    def _new_block(self) -> _Mined:
        head = self._blocks[-1]
        timestamp = self._next_timestamp if self._next_timestamp is not None else head.timestamp + 1
        return _Mined(head.number + 1, timestamp)

    def _seal(self, block: _Mined) -> None:
        block.hash = self._hash_block(block)
        self._blocks.append(block)
        self._next_timestamp = None
        for receipt in block.receipts:
            self._by_hash[receipt.tx_hash] = receipt

    def mine(self) -> Block:
        """Mine the transactions waiting into one block; one revm refuses is left out, and raised once the others
        are mined."""
        queued, self._queue = self._queue, []
        block = self._new_block()
        refused: TransactionRejected | None = None
        for tx in queued:
            try:
                block.receipts.append(self._execute(tx, block))
            except TransactionRejected as exc:
                refused = refused or exc
        self._seal(block)
        if refused is not None:
            raise refused
        return block.info

    def receipt(self, tx_hash: bytes) -> Receipt | None:
        return self._by_hash.get(tx_hash)

    def receipts(self, from_block: int, to_block: int) -> list[Receipt]:
        return [r for block in self._blocks[max(0, from_block) : to_block + 1] for r in block.receipts]

    def _execute(self, tx: RevmTransaction, block: _Mined) -> Receipt:
        """Run a transaction on revm as a transaction (see the module's docstring) and commit it."""
        evm = self._evm
        sender = _hex(tx.sender)
        evm.set_block_env(
            pyrevm.BlockEnv(number=block.number, timestamp=block.timestamp, gas_limit=BLOCK_GAS_LIMIT, basefee=0)
        )
        evm.set_tx_env(pyrevm.TxEnv(caller=sender, nonce=tx.nonce, chain_id=DEV_CHAIN_ID, gas_limit=tx.gas))
        checkpoint = evm.snapshot()
        output = b""
        created: bytes | None = None
        try:
            if tx.to is None:
                created = bytes.fromhex(evm.deploy(sender, tx.data, value=tx.value, gas=tx.gas)[2:])
            else:
                output = bytes(evm.message_call(sender, _hex(tx.to), tx.data, value=tx.value, gas=tx.gas))
            success = True
        except RuntimeError as exc:
            if evm.result is None:  # refused before it ran (balance, gas limit...): nothing changed
                evm.revert(checkpoint)
                raise TransactionRejected(str(exc)) from None
            success = False
            found = _REVERT_OUTPUT.search(str(exc))
            output = bytes.fromhex(found.group(1)) if found else b""
        result = evm.result
        assert result is not None  # it ran
        logs: list[Log] = []
        for log in result.logs if success else ():
            topics, payload = log.data
            logs.append(Log(bytes.fromhex(log.address[2:]), tuple(topics), payload))
        gas_used = max(int(result.gas_used), _floor_gas(tx.data))
        self._commit(checkpoint, sender, bump_nonce=tx.to is not None)
        if tx.to is None and created is None:  # a failed create: the address its nonce gives, as eth-tester says
            created = _create_address(tx.sender, tx.nonce)
        before = sum(r.gas_used for r in block.receipts)
        return Receipt(
            tx_hash=tx.tx_hash,
            block_number=block.number,
            transaction_index=len(block.receipts),
            sender=tx.sender,
            to=tx.to,
            nonce=tx.nonce,
            success=success,
            gas_used=gas_used,
            cumulative_gas_used=before + gas_used,
            contract_address=created,
            logs=tuple(logs),
            output=output,
        )

    def _commit(self, checkpoint: Any, sender: str, bump_nonce: bool) -> None:
        """Read what the transaction changed, revert its checkpoint (so that nothing stays warm) and write the
        changes into revm's database."""
        evm = self._evm
        journal = evm.journal_str
        journal = journal[journal.rindex(", journal: [") :]
        slots: dict[tuple[str, int], int] = {}  # slot written -> its value before the transaction
        for address, key, had in _SLOT_WRITE.findall(journal):
            slots.setdefault((address, int(key)), int(had))
        accounts = set(_ACCOUNT_CHANGE.findall(journal))
        for pair in _TRANSFER.findall(journal):
            accounts.update(pair)
        accounts.add(sender)
        destroyed = set(_DESTROYED.findall(journal))
        values = {slot: (0 if slot[0] in destroyed else int(evm.storage(*slot))) for slot in slots}
        infos = {address: evm.basic(address) for address in accounts if address not in destroyed}
        evm.revert(checkpoint)
        for (address, key), old in slots.items():
            self._put_slot(address, key, values[address, key], old)
        for address in destroyed:
            self._put_account(address, None)
        for address, info in infos.items():
            if bump_nonce and address == sender:
                info = _account(info.balance, info.nonce + 1)
            self._put_account(address, info)

    # --- revm's database --------------------------------------------------------------------------------------
    def _put_account(self, address: str, info: Any | None, record: bool = True) -> None:
        """Write an account into revm's database (an absent one as an empty account: the same to the EVM)."""
        if record and self._undo is not None:
            self._undo.append((address, None, self._infos.get(address)))
        if info is None:
            self._infos.pop(address, None)
            info = _account()
        else:
            self._infos[address] = info
        self._evm.insert_account_info(address, info)

    def _put_slot(self, address: str, slot: int, value: int, old: int | None = None) -> None:
        if self._undo is not None and old is not None:
            self._undo.append((address, slot, old))
        evm = self._evm
        checkpoint = evm.snapshot()
        evm.insert_account_storage(address, slot, value)  # into the database; it also warms the account...
        evm.revert(checkpoint)  # ...which this undoes

    # --- calls ------------------------------------------------------------------------------------------------
    def call(
        self, sender: bytes, to: bytes | None, data: bytes, value: int, gas: int, block: int | None = None
    ) -> CallResult:
        """A call on the latest block's state, in its context (older blocks: revm keeps no past states)."""
        head = self._blocks[-1]
        if block is not None and block != head.number:
            raise ValueError(f"the revm backend calls at the latest block ({head.number}) only, not at {block}")
        if to is None:
            raise ValueError("the revm backend does not run deployments as calls")
        evm = self._evm
        evm.set_block_env(pyrevm.BlockEnv(number=head.number, timestamp=head.timestamp, gas_limit=BLOCK_GAS_LIMIT))
        evm.set_tx_env(pyrevm.TxEnv(chain_id=DEV_CHAIN_ID))
        checkpoint = evm.snapshot()
        try:
            output = evm.message_call(_hex(sender), _hex(to), data, value=value, gas=gas)
            result = evm.result
            assert result is not None
            # What it would use as a transaction, refunds not subtracted: what an estimate must allow for.
            return CallResult(
                True, bytes(output), max(int(result.gas_used) + int(result.gas_refunded), _floor_gas(data))
            )
        except RuntimeError as exc:
            found = _REVERT_OUTPUT.search(str(exc))
            used = evm.result.gas_used if evm.result is not None else 0
            return CallResult(False, bytes.fromhex(found.group(1)) if found else b"", int(used))
        finally:
            evm.revert(checkpoint)

    # --- snapshots --------------------------------------------------------------------------------------------
    def snapshot(self) -> int:
        if self._undo is None:
            self._undo = []
        snapshot_id = next(self._snapshot_ids)
        self._snapshots.append((snapshot_id, len(self._undo), len(self._blocks)))
        return snapshot_id

    def revert(self, snapshot_id: int) -> None:
        position = next((i for i, (known, _, _) in enumerate(self._snapshots) if known == snapshot_id), None)
        if position is None:
            raise KeyError(snapshot_id)
        _, mark, blocks = self._snapshots[position]
        del self._snapshots[position:]
        undo = self._undo
        assert undo is not None
        while len(undo) > mark:
            address, slot, old = undo.pop()
            if slot is None:
                self._put_account(address, old, record=False)
            else:
                self._put_slot(address, slot, old)
        if not self._snapshots:
            self._undo = None
        for block in self._blocks[blocks:]:
            for receipt in block.receipts:
                self._by_hash.pop(receipt.tx_hash, None)
        del self._blocks[blocks:]
        self._queue = []
        self._next_timestamp = None


# --- the chain ---------------------------------------------------------------------------------------------------
class RevmCheats:
    """The cheat codes (chain/cheats.py) on revm: accounts and slots written into revm's database (undone by
    snapshots as a transaction's are), an impersonated transaction run with its sender as given."""

    def __init__(self, engine: RevmEngine) -> None:
        self._engine = engine

    def allow_impersonation(self, address: str) -> None:
        """Nothing to allow: revm runs a transaction from whatever sender it is given, but one without code."""
        self._refuse_code(bytes.fromhex(address[2:]))

    def _refuse_code(self, sender: bytes) -> None:
        if self._engine.code(sender):
            raise RevmUnavailableError(
                f"the revm backend cannot send from {to_checksum_address(sender)}, which has code: revm refuses such "
                "a sender (EIP-3607) and pyrevm has no switch for it; impersonate contracts on py-evm or anvil"
            )

    def send_as(self, account: Impersonated, tx: dict[str, Any], automine: bool) -> str:
        sender = bytes.fromhex(account.address[2:])
        self._refuse_code(sender)
        signed = account.sign_transaction({**tx, "nonce": self._engine.nonce(sender), "maxFeePerGas": 0})
        to = tx.get("to")
        tx_hash = bytes(signed.hash)
        self._engine.apply(
            RevmTransaction(
                tx_hash,
                sender,
                self._engine.nonce(sender),
                bytes.fromhex(to[2:]) if to else None,
                bytes(tx["data"]),
                tx["value"],
                tx["gas"],
            )
        )
        return "0x" + tx_hash.hex()

    def _edit(
        self, address: str, balance: int | None = None, nonce: int | None = None, code: bytes | None = None
    ) -> None:
        raw = bytes.fromhex(address[2:])
        engine = self._engine
        kept = engine.code(raw) if code is None else code
        info = pyrevm.AccountInfo(  # type: ignore[call-arg]  # pyrevm's stub leaves out `balance`
            balance=engine.balance(raw) if balance is None else balance,
            nonce=engine.nonce(raw) if nonce is None else nonce,
            code=kept or None,
        )
        engine._put_account(_hex(raw), info)

    def set_balance(self, address: str, wei: int) -> None:
        self._edit(address, balance=wei)

    def set_code(self, address: str, code: bytes) -> None:
        self._edit(address, code=code)

    def set_nonce(self, address: str, nonce: int) -> None:
        self._edit(address, nonce=nonce)

    def set_storage_at(self, address: str, slot: int, value: int) -> None:
        key = _hex(bytes.fromhex(address[2:]))
        evm = self._engine._evm
        checkpoint = evm.snapshot()  # a read outside a transaction would keep the slot cached over the write
        old = int(evm.storage(key, slot))
        evm.revert(checkpoint)
        self._engine._put_slot(key, slot, value, old=old)


class RevmChain(EngineChain):
    """A chain on revm in this process: the dev accounts, one block per transaction (or one per `one_block`),
    snapshots, decoded reverts and events, the same gas, hashes and times as the py-evm chain."""

    backend_name = "revm"
    engine: RevmEngine

    def __init__(self, artifacts: ArtifactStore | None = None, genesis_timestamp: int = GENESIS_TIMESTAMP) -> None:
        accounts = dev_accounts()
        engine = RevmEngine([bytes.fromhex(a.address[2:]) for a in accounts], DEV_BALANCE_WEI, genesis_timestamp)
        super().__init__(engine, Web3(_RevmProvider(self)), artifacts)

    def nonce(self, address: str) -> int:
        return self.engine.nonce(bytes.fromhex(address.removeprefix("0x")))

    def _prepared(self, account: LocalAccount, tx: dict[str, Any], signed: Signed) -> RevmTransaction:
        to = tx.get("to")
        return RevmTransaction(
            signed.hash,
            bytes.fromhex(account.address[2:]),
            tx["nonce"],
            bytes.fromhex(to[2:]) if to else None,
            bytes(tx["data"]),
            tx["value"],
            tx["gas"],
        )

    def _cheats(self) -> RevmCheats:
        return RevmCheats(self.engine)

    # pyrevm gives no per-call hook (its tracing=True prints EIP-3155 opcode lines, without memory, to the
    # process's stdout), so console.log cannot be read here: say so once, rather than drop it without a word.
    _console_checked: tuple[int, bool] = (-1, False)  # (known contracts when checked, whether one logs)

    def _after_mined(self, tx_hash: str) -> None:
        known = len(self.known_contracts)
        if self._console_checked[0] == known or self._console_checked[1]:
            return
        logs = any(uses_console(artifact.deployed_bytecode) for artifact in self.known_contracts.values())
        self._console_checked = (known, logs)
        if logs:
            self.console.add_note("console.log is not read on the revm backend: run on py-evm to see it", tx_hash)

    def _revert_of(self, replay: dict[str, Any], block_number: int, tx_hash: str) -> Exception:
        receipt = self.engine.receipt(bytes.fromhex(tx_hash.removeprefix("0x")))
        return self.errors.decode(receipt.output if receipt is not None else b"", tx_hash, replay.get("to"))


class _RevmProvider(BaseProvider):
    """`chain.w3` on a `RevmChain`: blocks, balances, nonces, code, receipts, logs, `eth_call`, `eth_estimateGas`,
    raw typed transactions and `eth_sendTransaction` from a dev account (signed by the chain, as anvil's unlocked
    accounts are)."""

    def __init__(self, chain: RevmChain) -> None:
        super().__init__()
        self._chain = chain

    def _number(self, tag: Any) -> int:
        head = self._chain.engine.head.number
        return head if tag in _TAGS else 0 if tag == "earliest" else _int(tag)

    def _block(self, tag: Any) -> dict[str, Any] | None:
        engine = self._chain.engine
        number = self._number(tag)
        block = engine.block(number)
        if block is None:
            return None
        return {
            "number": block.number,
            "hash": HexBytes(engine.block_hash(number)),
            "parentHash": HexBytes(engine.block_hash(number - 1) if number else b"\0" * 32),
            "timestamp": block.timestamp,
            "gasLimit": BLOCK_GAS_LIMIT,
            "gasUsed": block.gas_used,
            "baseFeePerGas": 0,
            "miner": "0x" + "00" * 20,
            "transactions": [HexBytes(h) for h in block.transactions],
        }

    def _call(self, fields: dict[str, Any]) -> CallResult:
        chain = self._chain
        data = fields.get("data") or fields.get("input") or "0x"
        return chain.engine.call(
            bytes(HexBytes(fields.get("from") or chain.accounts[0].address)),
            bytes(HexBytes(fields["to"])) if fields.get("to") else None,
            bytes(HexBytes(data)),
            _int(fields.get("value") or 0),
            _int(fields.get("gas") or TX_GAS_LIMIT),
        )

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        chain = self._chain
        engine = chain.engine
        result: Any
        if method == "eth_chainId":
            result = DEV_CHAIN_ID
        elif method == "eth_blockNumber":
            result = engine.head.number
        elif method == "eth_getBlockByNumber":
            result = self._block(params[0])
        elif method == "eth_getBalance":
            result = chain.balance(params[0])
        elif method == "eth_getTransactionCount":
            result = chain.nonce(params[0])
        elif method == "eth_getCode":
            result = HexBytes(chain.code_at(params[0]))
        elif method == "eth_getStorageAt":
            value = int(engine._evm.storage(str(params[0]).lower(), _int(params[1])))
            result = HexBytes(value.to_bytes(32, "big"))
        elif method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
            receipt = engine.receipt(bytes(HexBytes(params[0])))
            result = None
            if receipt is not None:
                result = chain._receipt("0x" + receipt.tx_hash.hex())
                result.update(
                    {"blockHash": HexBytes(engine.block_hash(receipt.block_number)), "hash": result["transactionHash"]}
                )
                result.update({"from": checksum(_hex(receipt.sender)), "to": receipt.to and checksum(_hex(receipt.to))})
        elif method == "eth_getLogs":
            query = params[0]
            start = self._number(query.get("fromBlock", 0))
            end = self._number(query.get("toBlock", "latest"))
            wanted = query.get("address")
            result = [
                log
                for receipt in engine.receipts(start, end)
                if receipt.success
                for log in chain._logs(receipt)
                if wanted is None or log["address"] == checksum(wanted)
            ]
        elif method in ("eth_call", "eth_estimateGas"):
            if method == "eth_call" and len(params) > 1 and self._number(params[1]) != engine.head.number:
                return _error(-32000, "the revm backend calls at the latest block only")
            call = self._call(params[0])
            if not call.success:
                return _error(3, "execution reverted", "0x" + call.output.hex())
            # An estimate: what the 63/64 rule may hold back, and a stipend.
            estimate = min(call.gas_used * 64 // 63 + 2_300, BLOCK_GAS_LIMIT)
            result = HexBytes(call.output) if method == "eth_call" else estimate
        elif method in ("eth_gasPrice", "eth_maxPriorityFeePerGas"):
            result = 0  # fee-free blocks
        elif method == "eth_accounts":
            result = [account.address for account in chain.accounts]
        elif method == "eth_sendTransaction":
            fields = params[0]
            sender = checksum(fields["from"])
            account = next((a for a in chain.accounts if a.address == sender), None)
            if account is None:
                return _error(-32000, f"{sender} is not a dev account of this chain: sign it and send it raw")
            tx = {
                "type": 2,
                "chainId": DEV_CHAIN_ID,
                "gas": _int(fields.get("gas") or TX_GAS_LIMIT),
                "maxFeePerGas": chain._max_fee_per_gas,
                "maxPriorityFeePerGas": 0,
                "value": _int(fields.get("value") or 0),
                "data": bytes(HexBytes(fields.get("data") or fields.get("input") or "0x")),
            }
            if fields.get("to"):
                tx["to"] = checksum(fields["to"])
            try:
                result = chain._send_signed(account, tx)
            except RpcError as exc:
                return _error(-32000, str(exc))
        elif method == "eth_sendRawTransaction":
            raw = bytes(HexBytes(params[0]))
            try:
                chain._submit_raw(raw)
            except TransactionRefused as exc:
                return _error(-32000, str(exc))
            result = HexBytes(keccak(raw))
        else:
            return _error(-32601, f"the revm backend's w3 does not answer {method}")
        return {"jsonrpc": "2.0", "id": 0, "result": result}


def _error(code: int, message: str, data: str | None = None) -> RPCResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": 0, "error": error}  # type: ignore[typeddict-item]


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    return int(value)
