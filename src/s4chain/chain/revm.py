"""The revm backend: Rust's revm (the EVM inside anvil and Foundry) in this process, through `pyrevm`.

`pyrevm` 0.3.7 (revm 8) offers message calls, not transactions: its journaled state is never finalised, so every
account and slot once touched stays warm, and a slot's "original value" (EIP-2200/3529 SSTORE pricing) stays the
one first read, whatever happened since; nonces of callers are not bumped. `RevmChain` builds real transactions on
it, one per block by default, as the in-process chain mines them:

- each transaction runs inside a journal checkpoint at depth 1 and at its end every account and slot it changed
  is read, the checkpoint reverted (which makes everything loaded during it cold again: revm 8 knows an account or
  slot is warm only by its presence in the journaled state) and the changes written into revm's database directly
  (`insert_account_info`, and each slot inside a checkpoint of its own, reverted at once, because writing a slot
  loads its account). The next transaction starts with an empty warm set and original values that are the
  committed ones, as on a chain.
- intrinsic gas (calldata, create, access lists) and the refund cap of EIP-3529 are revm's own; revm 8 predates
  Prague, so EIP-7623's calldata floor is applied here; the sender's nonce is checked by revm and bumped here (a
  create bumps it in revm); blocks are fee-free as on the in-process chain (base fee 0, priority fee 0).
- transactions are signed with the dev keys (the same bytes and hash as eth-account's, faster) and known by their
  hash: a hash already executed is not executed again.
- a chain snapshot is a position in an undo log of what each commit overwrote.

What differs from py-evm is in docs/performance.md ("revm backend"). `chain.w3` answers the read methods, `eth_call`
and `eth_sendRawTransaction` of typed transactions, through a small provider; the hot path does not use it.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from coincurve import PrivateKey
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from s4chain.chain.accounts import DEV_BALANCE_WEI, DEV_CHAIN_ID, dev_accounts
from s4chain.chain.base import BLOCK_GAS_LIMIT, TX_GAS_LIMIT, CallReverted, Chain, OnSigned
from s4chain.chain.errors import RpcError, TransactionRefused
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.errors import S4ChainError

try:
    import pyrevm
except ImportError:  # the `revm` extra is not installed: RevmChain says so
    pyrevm = None  # type: ignore[assignment]

# The same genesis time as the in-process chain (chain/inprocess.py), so replays give the same timestamps.
GENESIS_TIMESTAMP = 1_893_456_000

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


# --- signing -----------------------------------------------------------------------------------------------------
def _rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(size)]) + size


def _rlp(item: bytes) -> bytes:
    if len(item) == 1 and item[0] < 0x80:
        return item
    return _rlp_length(len(item), 0x80) + item


@functools.lru_cache(maxsize=4096)
def _checksum(address: str) -> str:
    """Checksummed, once per address (each costs a keccak)."""
    return to_checksum_address(address)


def _uint(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def sign_dynamic_fee(key: PrivateKey, tx: dict[str, Any]) -> tuple[bytes, bytes]:
    """An EIP-1559 transaction signed as eth-account signs it (RFC 6979, so the same bytes): (raw, hash)."""
    to = bytes.fromhex(tx["to"][2:]) if tx.get("to") else b""
    fields = [
        _uint(tx["chainId"]),
        _uint(tx["nonce"]),
        _uint(tx["maxPriorityFeePerGas"]),
        _uint(tx["maxFeePerGas"]),
        _uint(tx["gas"]),
        to,
        _uint(tx["value"]),
        bytes(tx["data"]),
    ]
    body = b"".join(map(_rlp, fields)) + b"\xc0"  # the empty access list
    signature = key.sign_recoverable(keccak(b"\x02" + _rlp_length(len(body), 0xC0) + body), hasher=None)
    r, s, parity = signature[:32], signature[32:64], signature[64]
    body += _rlp(_uint(parity)) + _rlp(r.lstrip(b"\0")) + _rlp(s.lstrip(b"\0"))
    raw = b"\x02" + _rlp_length(len(body), 0xC0) + body
    return raw, keccak(raw)


# --- blocks and receipts -----------------------------------------------------------------------------------------
@dataclass
class _Block:
    number: int
    timestamp: int
    hash: bytes = b""
    receipts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Execution:
    """What one transaction did, before it is put into a block."""

    success: bool
    gas_used: int
    logs: Sequence[tuple[str, list[bytes], bytes]]
    output: bytes  # return data, or the revert data
    contract_address: str | None


def _floor_gas(data: bytes) -> int:
    zeros = data.count(0)
    return TX_BASE_GAS + FLOOR_PER_TOKEN * (zeros + 4 * (len(data) - zeros))


class RevmChain(Chain):
    """A chain on revm in this process: the dev accounts, one block per transaction (or one per `one_block`),
    snapshots, decoded reverts and events, the same gas as py-evm."""

    backend_name = "revm"

    def __init__(self, artifacts: ArtifactStore | None = None, genesis_timestamp: int = GENESIS_TIMESTAMP) -> None:
        if pyrevm is None:
            raise RevmUnavailableError("the revm backend needs pyrevm: pip install 's4chain[revm]'")
        self._evm = pyrevm.EVM(
            env=pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=DEV_CHAIN_ID)),
            gas_limit=BLOCK_GAS_LIMIT,
            spec_id="Cancun",
            tracing=False,
        )
        self._infos: dict[str, Any] = {}  # committed accounts (lower-case address -> pyrevm AccountInfo)
        self._undo: list[tuple[str, int | None, Any]] | None = None  # while a snapshot is open
        for account in dev_accounts():
            self._put_account(account.address.lower(), _account(DEV_BALANCE_WEI))
        self._blocks = [_Block(0, genesis_timestamp)]
        self._blocks[0].hash = self._hash_block(self._blocks[0])
        self._pending: _Block | None = None
        self._automine = True
        self._receipts: dict[bytes, dict[str, Any]] = {}
        self._reverts: dict[bytes, bytes] = {}  # revert data of reverted transactions, by hash
        self._keys: dict[str, PrivateKey] = {}
        self._snapshot_ids = itertools.count(1)
        self._snapshots: list[tuple[int, int, int]] = []  # (id, undo mark, block count), oldest first
        super().__init__(Web3(_RevmProvider(self)), dev_accounts(), artifacts)

    # --- state --------------------------------------------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return self._blocks[-1].number

    @property
    def timestamp(self) -> int:
        return self._blocks[-1].timestamp

    def _block_at(self, number: int) -> _Block:
        if not 0 <= number < len(self._blocks):
            raise ValueError(f"no block {number}: the chain has {len(self._blocks)} blocks")
        return self._blocks[number]

    def _block_timestamp(self, number: int) -> int:
        return self._block_at(number).timestamp

    def block_hash(self, number: int) -> bytes:
        return self._block_at(number).hash

    def balance(self, account: Any) -> int:
        info = self._infos.get(_address_of(account).lower())
        return int(info.balance) if info is not None else 0

    def nonce(self, address: str) -> int:
        info = self._infos.get(address.lower())
        return int(info.nonce) if info is not None else 0

    def code_at(self, address: str) -> bytes:
        info = self._infos.get(address.lower())
        code = info.code if info is not None else None
        if info is None or not code:
            return b""
        # revm keeps code analysed, padded with zeros: cut back to the bytes whose hash is the code hash.
        expected = bytes(info.code_hash)
        for cut in range(0, 65):
            candidate = code[: len(code) - cut]
            if keccak(candidate) == expected:
                return bytes(candidate)
        return bytes(code)

    # --- time and blocks ----------------------------------------------------------------------------------------
    def _set_next_block_timestamp(self, timestamp: int) -> None:
        pass  # `Chain.next_block_time` holds it

    def _new_block(self) -> _Block:
        return _Block(self.block_number + 1, self.next_block_time)

    def _seal(self, block: _Block) -> None:
        block.hash = self._hash_block(block)
        block_hash = HexBytes(block.hash)
        for receipt in block.receipts:
            receipt["blockHash"] = block_hash
            # As web3 hands them out: the event decoder answers struct arguments as AttributeDicts for these.
            receipt["logs"] = [AttributeDict({**log, "blockHash": block_hash}) for log in receipt["logs"]]
        self._blocks.append(block)

    def _hash_block(self, block: _Block) -> bytes:
        """A stand-in for a header hash: the parent's hash, the number, the time and the transactions' hashes."""
        parent = self._blocks[block.number - 1].hash if block.number else b"\0" * 32
        hashes = b"".join(bytes(r["transactionHash"]) for r in block.receipts)
        return keccak(parent + _uint(block.number) + _uint(block.timestamp) + hashes)

    def _mine_block(self) -> None:
        block, self._pending = self._pending or self._new_block(), None
        self._seal(block)

    def _set_automine(self, on: bool) -> None:
        self._automine = on
        if on and self._pending is not None:
            self._mine_block()

    # --- snapshots ----------------------------------------------------------------------------------------------
    def snapshot(self) -> Any:
        if self._undo is None:
            self._undo = []
        snapshot_id = next(self._snapshot_ids)
        self._snapshots.append((snapshot_id, len(self._undo), len(self._blocks)))
        return snapshot_id

    def revert(self, snapshot_id: Any) -> None:
        """Back to the snapshot, which is used up with every later one (as on anvil)."""
        position = next((i for i, (known, _, _) in enumerate(self._snapshots) if known == snapshot_id), None)
        if position is None:
            raise ValueError(f"no open snapshot {snapshot_id!r}: unknown, or used up by a revert")
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
                tx_hash = bytes(receipt["transactionHash"])
                self._receipts.pop(tx_hash, None)
                self._reverts.pop(tx_hash, None)
        del self._blocks[blocks:]
        self._pending = None
        self._after_revert()

    # --- revm's database ----------------------------------------------------------------------------------------
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

    # --- transactions -------------------------------------------------------------------------------------------
    def _key(self, account: LocalAccount) -> PrivateKey:
        key = self._keys.get(account.address)
        if key is None:
            key = self._keys[account.address] = PrivateKey(bytes(account.key))
        return key

    def _send_signed(self, account: LocalAccount, tx: dict[str, Any], on_signed: OnSigned | None = None) -> HexBytes:
        """Sign with the account's nonce and execute, once per hash (the direct path: no RLP decoding)."""
        nonce = self.nonce(account.address)
        raw, tx_hash = sign_dynamic_fee(self._key(account), {**tx, "nonce": nonce})
        if on_signed is not None:
            on_signed(account.address, nonce, raw, "0x" + tx_hash.hex())
        if tx_hash not in self._receipts:
            try:
                self._apply(account.address, nonce, tx.get("to"), bytes(tx["data"]), tx["value"], tx["gas"], tx_hash)
            except TransactionRefused as exc:
                raise RpcError(f"the node refused the transaction: {exc}") from None
        return HexBytes(tx_hash)

    def _submit_raw(self, raw: bytes) -> None:
        """A signed transaction from elsewhere (`chain.w3`, `settle`): decoded and recovered, then executed."""
        from eth_account import Account
        from eth_account.typed_transactions import TypedTransaction

        tx_hash = keccak(bytes(raw))
        if tx_hash in self._receipts:
            raise TransactionRefused("already known")
        if not raw or raw[0] > 0x7F:
            raise TransactionRefused("the revm backend takes typed (EIP-2718) transactions only")
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        if fields.get("chainId", DEV_CHAIN_ID) != DEV_CHAIN_ID:
            raise TransactionRefused(f"chain id {fields.get('chainId')} is not {DEV_CHAIN_ID}")
        sender = Account.recover_transaction(raw)
        to = fields.get("to") or None
        self._apply(
            sender,
            int(fields["nonce"]),
            to_checksum_address(to) if to else None,
            bytes(fields.get("data", b"")),
            int(fields.get("value", 0)),
            int(fields["gas"]),
            tx_hash,
        )

    def _apply(
        self, sender: str, nonce: int, to: str | None, data: bytes, value: int, gas: int, tx_hash: bytes
    ) -> None:
        """Execute a transaction into the pending block (or a block of its own, mined at once)."""
        if self._pending is None:
            self._pending = self._new_block()
        block = self._pending
        execution = self._execute(sender, nonce, to, data, value, gas, block)
        index = len(block.receipts)
        logs = [
            {
                "address": address,
                "topics": [HexBytes(t) for t in topics],
                "data": HexBytes(payload),
                "logIndex": i,  # within the transaction, as eth-tester numbers them
                "transactionIndex": index,
                "transactionHash": HexBytes(tx_hash),
                "blockNumber": block.number,
                "blockHash": None,
                "removed": False,
            }
            for i, (address, topics, payload) in enumerate(execution.logs)
        ]
        receipt = {
            "transactionHash": HexBytes(tx_hash),
            "transactionIndex": index,
            "blockNumber": block.number,
            "blockHash": None,
            "from": _checksum(sender),
            "to": to,
            "contractAddress": execution.contract_address,
            "gasUsed": execution.gas_used,
            "cumulativeGasUsed": sum(r["gasUsed"] for r in block.receipts) + execution.gas_used,
            "effectiveGasPrice": 0,
            "status": 1 if execution.success else 0,
            "logs": logs,
            "type": 2,
        }
        block.receipts.append(receipt)
        self._receipts[tx_hash] = receipt
        if not execution.success:
            self._reverts[tx_hash] = execution.output
        if self._automine:
            self._mine_block()

    def _execute(
        self, sender: str, nonce: int, to: str | None, data: bytes, value: int, gas: int, block: _Block
    ) -> _Execution:
        evm = self._evm
        sender = sender.lower()
        if nonce != self.nonce(sender):
            raise TransactionRefused(f"nonce {nonce} is not the account's next one ({self.nonce(sender)})")
        floor = _floor_gas(data)
        if gas < floor:
            raise TransactionRefused(f"gas limit {gas} is below the calldata floor {floor} (EIP-7623)")
        evm.set_block_env(
            pyrevm.BlockEnv(number=block.number, timestamp=block.timestamp, gas_limit=BLOCK_GAS_LIMIT, basefee=0)
        )
        evm.set_tx_env(pyrevm.TxEnv(caller=sender, nonce=nonce, chain_id=DEV_CHAIN_ID, gas_limit=gas))
        checkpoint = evm.snapshot()
        output = b""
        created: str | None = None
        try:
            if to is None:
                created = _checksum(evm.deploy(sender, data, value=value, gas=gas))
            else:
                output = bytes(evm.message_call(sender, to, data, value=value, gas=gas))
            success = True
        except RuntimeError as exc:
            result = evm.result
            if result is None:  # refused before it ran (balance, gas limit...): nothing changed
                evm.revert(checkpoint)
                raise TransactionRefused(str(exc)) from None
            success = False
            found = _REVERT_OUTPUT.search(str(exc))
            output = bytes.fromhex(found.group(1)) if found else b""
        result = evm.result
        assert result is not None  # it ran
        logs = [(_checksum(log.address), *log.data) for log in result.logs] if success else []
        gas_used = max(int(result.gas_used), floor)
        self._commit(checkpoint, sender, bump_nonce=to is not None)
        if to is None and created is None:  # a failed create still takes the address its nonce gives
            from eth_utils import to_bytes
            from rlp import encode

            created = to_checksum_address(keccak(encode([to_bytes(hexstr=sender), nonce]))[12:])
        return _Execution(success, gas_used, logs, output, created)

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

    def _receipt(self, tx_hash: str) -> Any:
        return self._receipts[bytes.fromhex(tx_hash[2:])]

    def _known(self, tx_hash: str) -> bool:
        return bytes.fromhex(tx_hash[2:]) in self._receipts

    def settle(self, raw: bytes, tx_hash: str, sender: str, nonce: int) -> Any | None:
        known = self._receipts.get(bytes.fromhex(tx_hash[2:]))
        if known is not None:
            return known
        try:
            self._submit_raw(raw)
        except TransactionRefused:
            return None
        return self._receipts.get(bytes.fromhex(tx_hash[2:]))

    def _revert_of(self, replay: dict[str, Any], block_number: int, tx_hash: str) -> Exception:
        data = self._reverts.get(bytes.fromhex(tx_hash[2:]), b"")
        return self.errors.decode(data, tx_hash, replay.get("to"))

    # --- calls --------------------------------------------------------------------------------------------------
    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        return self._dry_run(tx, block)[0]

    def _dry_run(self, tx: dict[str, Any], block: int | str) -> tuple[bytes, int]:
        """Run a call on the latest block's state, changing nothing: (output, gas it would use as a transaction,
        refunds not subtracted); CallReverted with the revert data."""
        latest = self._blocks[-1]
        if block not in _TAGS and _int(block) != latest.number:
            raise ValueError(f"the revm backend calls at the latest block ({latest.number}) only, not at {block}")
        data = tx.get("data") or tx.get("input") or b""
        if isinstance(data, str):
            data = bytes.fromhex(data.removeprefix("0x"))
        evm = self._evm
        evm.set_block_env(pyrevm.BlockEnv(number=latest.number, timestamp=latest.timestamp, gas_limit=BLOCK_GAS_LIMIT))
        evm.set_tx_env(pyrevm.TxEnv(chain_id=DEV_CHAIN_ID))
        checkpoint = evm.snapshot()
        try:
            output = evm.message_call(
                tx.get("from") or self.accounts[0].address,
                tx["to"],
                data,
                value=_int(tx.get("value") or 0),
                gas=_int(tx.get("gas") or TX_GAS_LIMIT),
            )
            result = evm.result
            assert result is not None
            return bytes(output), max(int(result.gas_used) + int(result.gas_refunded), _floor_gas(data))
        except RuntimeError as exc:
            found = _REVERT_OUTPUT.search(str(exc))
            raise CallReverted(bytes.fromhex(found.group(1)) if found else b"") from None
        finally:
            evm.revert(checkpoint)

    # --- events -------------------------------------------------------------------------------------------------
    def _logs(self, from_block: int, to_block: int | str, address: str | None) -> Iterator[dict[str, Any]]:
        last = self.block_number if to_block in _TAGS else int(to_block)
        wanted = to_checksum_address(address) if address is not None else None
        for block in self._blocks[max(0, from_block) : last + 1]:
            for receipt in block.receipts:
                for log in receipt["logs"]:
                    if wanted is None or log["address"] == wanted:
                        yield log

    def get_events(self, from_block: int = 0, to_block: int | str = "latest", address: str | None = None) -> list[Any]:
        return self.events.decode_all(list(self._logs(from_block, to_block, address)))


def _address_of(account: Any) -> str:
    return str(getattr(account, "address", account))


class _RevmProvider(BaseProvider):
    """`chain.w3` on a `RevmChain`: the read methods, `eth_call` and raw typed transactions."""

    def __init__(self, chain: RevmChain) -> None:
        super().__init__()
        self._chain = chain

    def _block(self, tag: Any, full: bool = False) -> dict[str, Any] | None:
        chain = self._chain
        number = chain.block_number if tag in _TAGS else 0 if tag == "earliest" else _int(tag)
        if not 0 <= number <= chain.block_number:
            return None
        block = chain._block_at(number)
        return {
            "number": block.number,
            "hash": HexBytes(block.hash),
            "parentHash": HexBytes(chain._block_at(number - 1).hash if number else b"\0" * 32),
            "timestamp": block.timestamp,
            "gasLimit": BLOCK_GAS_LIMIT,
            "gasUsed": sum(r["gasUsed"] for r in block.receipts),
            "baseFeePerGas": 0,
            "miner": "0x" + "00" * 20,
            "transactions": [r["transactionHash"] for r in block.receipts],
        }

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        chain = self._chain
        result: Any
        if method == "eth_chainId":
            result = DEV_CHAIN_ID
        elif method == "eth_blockNumber":
            result = chain.block_number
        elif method == "eth_getBlockByNumber":
            result = self._block(params[0])
        elif method == "eth_getBalance":
            result = chain.balance(params[0])
        elif method == "eth_getTransactionCount":
            result = chain.nonce(params[0])
        elif method == "eth_getCode":
            result = HexBytes(chain.code_at(params[0]))
        elif method == "eth_getTransactionReceipt":
            result = chain._receipts.get(bytes(HexBytes(params[0])))
        elif method == "eth_getLogs":
            query = params[0]
            start = query.get("fromBlock", 0)
            start = chain.block_number if start in _TAGS else _int(start)
            result = list(chain._logs(start, query.get("toBlock", "latest"), query.get("address")))
        elif method == "eth_call":
            try:
                result = HexBytes(chain._eth_call(params[0], params[1] if len(params) > 1 else "latest"))
            except CallReverted as reverted:
                return _reverted(reverted)
        elif method == "eth_estimateGas":
            try:
                used = chain._dry_run(params[0], "latest")[1]
            except CallReverted as reverted:
                return _reverted(reverted)
            result = min(used * 64 // 63 + 2_300, BLOCK_GAS_LIMIT)  # what the 63/64 rule may hold back, and a stipend
        elif method in ("eth_gasPrice", "eth_maxPriorityFeePerGas"):
            result = 0  # fee-free blocks
        elif method == "eth_accounts":
            result = [account.address for account in chain.accounts]
        elif method == "eth_getTransactionByHash":
            receipt = chain._receipts.get(bytes(HexBytes(params[0])))
            result = (
                None
                if receipt is None
                else {
                    "hash": receipt["transactionHash"],
                    "blockNumber": receipt["blockNumber"],
                    "blockHash": receipt["blockHash"],
                    "transactionIndex": receipt["transactionIndex"],
                    "from": receipt["from"],
                    "to": receipt["to"],
                }
            )
        elif method == "eth_sendTransaction":  # from a dev account, which the chain signs for (as anvil does)
            fields = params[0]
            sender = to_checksum_address(fields["from"])
            account = next((a for a in chain.accounts if a.address == sender), None)
            if account is None:
                return _error(-32000, f"{sender} is not a dev account of this chain: sign it and send it raw")
            data = fields.get("data") or fields.get("input") or "0x"
            tx = {
                "type": 2,
                "chainId": DEV_CHAIN_ID,
                "gas": _int(fields.get("gas") or TX_GAS_LIMIT),
                "maxFeePerGas": chain._max_fee_per_gas,
                "maxPriorityFeePerGas": 0,
                "value": _int(fields.get("value") or 0),
                "data": bytes(HexBytes(data)),
            }
            if fields.get("to"):
                tx["to"] = to_checksum_address(fields["to"])
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


def _reverted(reverted: CallReverted) -> RPCResponse:
    return _error(3, "execution reverted", "0x" + reverted.data.hex())


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value, 16) if value.startswith("0x") else int(value)
    return int(value)
