"""The embedded chain: py-evm in this Python process, driven directly, with eth-tester and web3 on the same chain.

Transactions, receipts, calls, events and snapshots go straight to py-evm through `PyEvmEngine` (chain/pyevm.py):
no JSON-RPC, no web3 or eth-tester formatting, no state root per transaction (docs/performance.md). `chain.w3`
(web3 over eth-tester's provider) and `chain.tester` read and write the same py-evm chain: every time eth-tester
touches it, the engine first writes out every block mined so far, with its state root, and afterwards takes the
chain as eth-tester left it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import coincurve
from eth.chains.base import MiningChain
from eth.exceptions import Revert
from eth.vm.forks.prague import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import _execute_and_revert_transaction
from eth_tester.exceptions import SnapshotNotFound
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.datastructures import AttributeDict
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
from s4chain.chain.cheats import PyEvmCheats
from s4chain.chain.engine import Engine, Receipt, TransactionRejected
from s4chain.chain.errors import RpcError, TransactionRefused
from s4chain.chain.events import DecodedEvent
from s4chain.chain.pcs import PyEvmRevertFrames
from s4chain.chain.pyevm import PyEvmEngine
from s4chain.chain.trace_pyevm import PyEvmTracing
from s4chain.compiler.artifacts import ArtifactStore

# A fixed genesis time keeps replays deterministic; it lies ahead of the wall clock, like a scenario's dates.
GENESIS_TIMESTAMP = 1_893_456_000  # 2030-01-01T00:00:00Z


class TesterBackend(PyEVMBackend):
    """eth-tester's py-evm backend, sharing its chain with the engine: whenever eth-tester takes the chain, the
    engine has written out every block first (`hand_over`). Its calls report the raw revert data, which
    eth-tester flattens into a message (for the blocks the engine does not answer for: the pending one)."""

    engine: PyEvmEngine | None = None
    _pyevm: MiningChain

    @property
    def chain(self) -> MiningChain:
        if self.engine is not None:
            self.engine.hand_over()
        return self._pyevm

    @chain.setter
    def chain(self, chain: MiningChain) -> None:
        self._pyevm = chain
        if self.engine is not None:
            self.engine.replace_chain(chain)

    def call(self, transaction: dict[str, Any], block_number: Any = "latest") -> bytes:
        defaulted = {"gas": self._max_available_gas(), **transaction}
        unsigned = self._get_normalized_and_unsigned_evm_transaction(defaulted, block_number)
        spoofed = SpoofTransaction(unsigned, from_=transaction["from"])
        computation = _execute_and_revert_transaction(self.chain, spoofed, block_number)
        if computation.is_error:
            error = computation.error
            raise CallReverted(error.args[0] if isinstance(error, Revert) and error.args else b"")
        return bytes(computation.output)


def eth_tester_backend(genesis_timestamp: int = GENESIS_TIMESTAMP, kind: type[PyEVMBackend] = PyEVMBackend) -> Any:
    """eth-tester's py-evm backend with s4chain's genesis: the dev accounts and balances, anvil's chain id,
    fee-free blocks of BLOCK_GAS_LIMIT."""
    # eth-tester's default gas limit (~3.1M) is too small to deploy the larger contracts.
    genesis = PyEVMBackend.generate_genesis_params(
        overrides={"gas_limit": BLOCK_GAS_LIMIT, "timestamp": genesis_timestamp}
    )
    # Fee-free blocks, as s4chain starts anvil: ether balances then agree on both backends. eth-tester's
    # override check does not know this header field, so it is set after the check.
    genesis["base_fee_per_gas"] = 0
    backend = kind.from_mnemonic(
        DEV_MNEMONIC,
        genesis_state_overrides={"balance": DEV_BALANCE_WEI},
        num_accounts=DEV_ACCOUNT_COUNT,
        genesis_parameters=genesis,
        hd_path=DEV_HD_PATH,
    )
    # The same chain id as anvil, so that signed transactions and CHAINID agree on both backends.
    type(backend.chain).chain_id = DEV_CHAIN_ID
    return backend


def eth_tester_web3(tester: EthereumTester) -> Web3:
    endpoints = {**API_ENDPOINTS, "eth": {**API_ENDPOINTS["eth"], "chainId": lambda *_: DEV_CHAIN_ID}}
    return Web3(EthereumTesterProvider(tester, api_endpoints=endpoints))


class _Log(dict[str, Any]):
    """A receipt's log as web3 gives it through eth-tester (the same keys and values), whose `blockHash` is
    computed when first read: it covers the block's state root, which the engine computes only when asked."""

    def __init__(self, chain: Chain, fields: dict[str, Any]) -> None:
        super().__init__(fields)
        self._chain = chain

    def __missing__(self, key: str) -> Any:
        if key != "blockHash":
            raise KeyError(key)
        value = self["blockHash"] = HexBytes(self._chain.block_hash(self["blockNumber"]))
        return value

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _SigningKey:
    """A dev account's key as py-evm's `as_signed_transaction` uses one (`sign_msg(message).vrs`), with its
    coincurve key made once: eth-keys' coincurve backend makes one for every signature. The same deterministic
    (RFC 6979) signature as eth-keys and eth-account."""

    def __init__(self, secret: bytes) -> None:
        self._key = coincurve.PrivateKey(secret)

    def sign_msg(self, message: bytes) -> SimpleNamespace:
        signature = self._key.sign_recoverable(keccak(message), hasher=None)  # r (32), s (32), recovery id (1)
        return SimpleNamespace(vrs=(signature[64], int.from_bytes(signature[:32]), int.from_bytes(signature[32:64])))


class EngineChain(Chain):
    """A `Chain` over an `Engine` (chain/engine.py): transactions signed here and handed to the engine raw;
    blocks, receipts, events, calls and snapshots read from it. `w3` is what the `Chain` needs of web3 (the chain
    id, ABI encoding) and what users get as `chain.w3`."""

    backend_name = "engine"

    def __init__(self, engine: Engine, w3: Web3, artifacts: ArtifactStore | None = None) -> None:
        self.engine = engine
        self._keys: dict[str, _SigningKey] = {}
        self._signed: tuple[bytes, Any] | None = None  # the raw bytes and py-evm transaction `_sign` made last
        super().__init__(w3, dev_accounts(), artifacts)

    # --- blocks and state, from the engine ----------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return self.engine.head.number

    @property
    def timestamp(self) -> int:
        return self.engine.head.timestamp

    def _block_timestamp(self, number: int) -> int:
        block = self.engine.block(number)
        if block is None:
            raise ValueError(f"no mined block {number}")
        return block.timestamp

    def block_hash(self, number: int) -> bytes:
        return self.engine.block_hash(number)

    def balance(self, account: Any) -> int:
        return self.engine.balance(_raw(account))

    def code_at(self, address: str) -> bytes:
        return self.engine.code(_raw(address))

    def _set_next_block_timestamp(self, timestamp: int) -> None:
        self.engine.set_next_timestamp(timestamp)

    def _mine_block(self) -> None:
        try:
            self.engine.mine()
        except TransactionRejected as exc:  # only possible for transactions sent inside `one_block`
            raise RpcError(f"the node refused the transaction: {exc}") from None

    def _set_automine(self, on: bool) -> None:
        self.engine.automine = on

    # --- transactions -------------------------------------------------------------------------------------
    def _pending_nonce(self, address: str) -> int:
        return self.engine.nonce(_raw(address))

    def _sign(self, account: LocalAccount, tx: dict[str, Any]) -> tuple[bytes, str]:
        """Sign with eth-keys (on coincurve) into py-evm's own transaction: the same bytes as eth-account's
        `sign_transaction`, at about a quarter of its cost."""
        key = self._keys.get(account.address)
        if key is None:
            key = self._keys[account.address] = _SigningKey(bytes(account.key))
        to = tx.get("to")
        builder: Any = PragueVM.get_transaction_builder()  # py-evm's, as a signing library: the same on any engine
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=tx["chainId"],
            nonce=tx["nonce"],
            max_priority_fee_per_gas=tx["maxPriorityFeePerGas"],
            max_fee_per_gas=tx["maxFeePerGas"],
            gas=tx["gas"],
            to=_raw(to) if to is not None else b"",
            value=tx["value"],
            data=bytes(tx["data"]),
            access_list=(),
        )
        signed = unsigned.as_signed_transaction(key, chain_id=tx["chainId"])
        signed.__dict__["sender"] = bytes.fromhex(account.address[2:])  # its cached sender: signed with its key
        raw = signed.encode()
        self._signed = (raw, signed)  # handed to the engine as it is by `_submit_raw` (no decoding, no recovery)
        return raw, "0x" + signed.hash.hex()

    def _submit_raw(self, raw: bytes) -> None:
        self._signed = None
        try:
            self.engine.submit(raw)
        except TransactionRejected as exc:
            raise TransactionRefused(str(exc)) from exc

    def _known(self, tx_hash: str) -> bool:
        raw = bytes.fromhex(tx_hash.removeprefix("0x"))
        return self.engine.receipt(raw) is not None or self.engine.pending(raw)

    def _receipt(self, tx_hash: str) -> Any:
        receipt = self.engine.receipt(bytes.fromhex(tx_hash.removeprefix("0x")))
        if receipt is None:
            return super()._receipt(tx_hash)
        return {
            "status": int(receipt.success),
            "blockNumber": receipt.block_number,
            "transactionIndex": receipt.transaction_index,
            "transactionHash": HexBytes(receipt.tx_hash),
            "gasUsed": receipt.gas_used,
            "cumulativeGasUsed": receipt.cumulative_gas_used,
            "contractAddress": to_checksum_address(receipt.contract_address) if receipt.contract_address else None,
            "logs": self._logs(receipt),
        }

    def _logs(self, receipt: Receipt) -> list[_Log]:
        """The receipt's logs as web3 formats eth-tester's (indexes count within the transaction, as there)."""
        return [
            _Log(
                self,
                {
                    "type": "mined",
                    "logIndex": index,
                    "transactionIndex": receipt.transaction_index,
                    "transactionHash": HexBytes(receipt.tx_hash),
                    "blockNumber": receipt.block_number,
                    "address": to_checksum_address(log.address),
                    "data": HexBytes(log.data),
                    "topics": [HexBytes(topic) for topic in log.topics],
                },
            )
            for index, log in enumerate(receipt.logs)
        ]

    def _decode_logs(self, logs: list[Any]) -> list[DecodedEvent]:
        # A decoded event has no block hash: decode without computing it (web3's decoder reads the key). An
        # AttributeDict, as web3's logs are: web3 then gives struct arguments as AttributeDicts too.
        return self.events.decode_all([AttributeDict({"blockHash": b"", **log}) for log in logs])

    def get_events(
        self, from_block: int = 0, to_block: int | str = "latest", address: str | None = None
    ) -> list[DecodedEvent]:
        """Every decodable event in a block range, read from the engine's receipts (eth-tester's `get_logs` finds
        each receipt by walking back from the head: O(n^2) over a range)."""
        head = self.block_number
        last = head if to_block in ("latest", "safe", "finalized", "pending") else min(int(to_block), head)
        wanted = _raw(address) if address is not None else None
        logs: list[Any] = []
        for receipt in self.engine.receipts(from_block, last):
            if not receipt.success:
                continue
            for log in self._logs(receipt):
                if wanted is None or log["address"] == to_checksum_address(wanted):
                    logs.append(log)
        return self._decode_logs(logs)

    # --- calls --------------------------------------------------------------------------------------------
    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        number: int | None
        if block in ("latest", "safe", "finalized"):
            number = None
        elif block == "earliest":
            number = 0
        elif isinstance(block, int) and 0 <= block <= self.block_number:
            number = block
        else:
            raise ValueError(f"no mined block {block!r} to call at")
        to = tx.get("to")
        data = tx.get("data", b"")
        result = self.engine.call(
            _raw(tx["from"]),
            _raw(to) if to else None,
            bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data),
            int(tx.get("value", 0)),
            int(tx["gas"]),
            number,
        )
        if not result.success:
            raise CallReverted(result.output)
        return result.output

    # --- snapshots ----------------------------------------------------------------------------------------
    def snapshot(self) -> Any:
        return self.engine.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        """Back to the snapshot, which is used up with every later one (as on anvil)."""
        try:
            self.engine.revert(snapshot_id)
        except KeyError:
            raise SnapshotNotFound(f"no open snapshot {snapshot_id!r}: unknown, or used up by a revert") from None
        self._after_revert()


class InProcessChain(PyEvmTracing, PyEvmRevertFrames, EngineChain):
    """py-evm's engine (chain/pyevm.py) on eth-tester's chain, which `chain.w3` (web3 over eth-tester's provider)
    and `chain.tester` read and write too."""

    backend_name = "in-process"
    engine: PyEvmEngine

    def __init__(self, artifacts: ArtifactStore | None = None, genesis_timestamp: int = GENESIS_TIMESTAMP) -> None:
        backend: TesterBackend = eth_tester_backend(genesis_timestamp, TesterBackend)
        engine = PyEvmEngine(backend._pyevm)
        backend.engine = engine
        self.tester = EthereumTester(backend)
        engine.on_mined = self._feed_filters
        super().__init__(engine, eth_tester_web3(self.tester), artifacts)

    def _cheats(self) -> PyEvmCheats:
        return PyEvmCheats(self.engine)

    def _feed_filters(self, number: int) -> None:
        """Give web3 users' filters (eth-tester's) a block the engine mined, as eth-tester's own mining does."""
        tester = self.tester
        if not (tester._block_filters or tester._log_filters or tester._pending_transaction_filters):
            return
        block_hash = tester.normalizer.normalize_outbound_block_hash(self.engine.block_hash(number))
        block = tester.get_block_by_hash(block_hash)
        for pending_filter in tester._pending_transaction_filters.values():
            for tx_hash in block["transactions"]:
                pending_filter.add(tester.normalizer.normalize_inbound_transaction_hash(tx_hash))
        for block_filter in tester._block_filters.values():
            block_filter.add(tester.normalizer.normalize_inbound_block_hash(block_hash))
        tester._process_block_logs(block)

    def _submit_raw(self, raw: bytes) -> None:
        signed, self._signed = self._signed, None
        if signed is None or signed[0] is not raw:
            super()._submit_raw(raw)
            return
        try:
            self.engine.apply(signed[1])  # the transaction `_sign` made: no decoding, no sender recovery
        except TransactionRejected as exc:
            raise TransactionRefused(str(exc)) from exc

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        if block == "pending" or (isinstance(block, int) and block > self.block_number):
            # The pending block, or one not mined: eth-tester's way (and errors).
            normalized = self.tester.normalizer.normalize_inbound_transaction(
                {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
            )
            raw_block = self.tester.normalizer.normalize_inbound_block_number(block)
            backend: TesterBackend = self.tester.backend
            return backend.call(normalized, raw_block)
        return super()._eth_call(tx, block)

    def revert(self, snapshot_id: Any) -> None:
        super().revert(snapshot_id)
        tester = self.tester  # what eth-tester's revert does to the filters web3 users may have made
        for block_filter in tester._block_filters.values():
            tester._revert_block_filter(block_filter)
        for pending_filter in tester._pending_transaction_filters.values():
            tester._revert_pending_transaction_filter(pending_filter)
        for log_filter in tester._log_filters.values():
            tester._revert_log_filter(log_filter)


def _raw(address: Any) -> bytes:
    """An account, contract or hex address as 20 bytes."""
    text = address if isinstance(address, str) else address.address
    return bytes.fromhex(text.removeprefix("0x"))
