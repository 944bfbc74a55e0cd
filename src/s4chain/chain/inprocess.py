"""The embedded chain: py-evm in this Python process, driven directly, with eth-tester and web3 on the same chain.

Transactions, receipts, calls, events and snapshots go straight to py-evm through `PyEvmEngine` (chain/pyevm.py):
no JSON-RPC, no web3 or eth-tester formatting, no state root per transaction (docs/performance.md). `chain.w3`
(web3 over eth-tester's provider) and `chain.tester` read and write the same py-evm chain: every time eth-tester
touches it, the engine first writes out every block mined so far, with its state root, and afterwards takes the
chain as eth-tester left it.
"""

from __future__ import annotations

from typing import Any

from eth.chains.base import MiningChain
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_account.signers.local import LocalAccount
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import _execute_and_revert_transaction
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS

from s4chain.chain.accounts import DEV_ACCOUNT_COUNT, DEV_BALANCE_WEI, DEV_CHAIN_ID, DEV_HD_PATH, DEV_MNEMONIC
from s4chain.chain.base import BLOCK_GAS_LIMIT, CallReverted
from s4chain.chain.cheats import PyEvmCheats
from s4chain.chain.engine_chain import GENESIS_TIMESTAMP, EngineChain, address_bytes
from s4chain.chain.pcs import PyEvmRevertFrames
from s4chain.chain.pyevm import PyEvmEngine
from s4chain.chain.signing import Signed
from s4chain.chain.trace_pyevm import PyEvmTracing
from s4chain.compiler.artifacts import ArtifactStore

__all__ = ["GENESIS_TIMESTAMP", "InProcessChain", "TesterBackend", "eth_tester_backend", "eth_tester_web3"]


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

    def block_id(self, number: int) -> bytes:
        return self.engine.block_id(number)  # not its hash, which would seal every block up to it

    def _prepared(self, account: LocalAccount, tx: dict[str, Any], signed: Signed) -> Any:
        """py-evm's transaction, with its sender known (it was signed with that key)."""
        to = tx.get("to")
        transaction = self.engine.transaction_builder().new_dynamic_fee_transaction(
            tx["chainId"],
            tx["nonce"],
            tx["maxPriorityFeePerGas"],
            tx["maxFeePerGas"],
            tx["gas"],
            address_bytes(to) if to else b"",
            tx["value"],
            bytes(tx["data"]),
            (),
            signed.y_parity,
            signed.r,
            signed.s,
        )
        transaction.__dict__["sender"] = address_bytes(account)  # its cached sender
        return transaction

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
