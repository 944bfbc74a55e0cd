"""The embedded chain: eth-tester over py-evm, in this Python process."""

from __future__ import annotations

from typing import Any

from eth.abc import VirtualMachineAPI as VM
from eth.exceptions import Revert
from eth.vm.spoof import SpoofTransaction
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import _get_block_by_number
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
from s4chain.compiler.artifacts import ArtifactStore

# A fixed genesis time keeps replays deterministic; it lies ahead of the wall clock, like a scenario's dates.
GENESIS_TIMESTAMP = 1_893_456_000  # 2030-01-01T00:00:00Z


class _RevertDataBackend(PyEVMBackend):
    """PyEVMBackend whose calls report the raw revert data, which eth-tester flattens into a message, and run on
    one VM per mined block: eth-tester builds a VM (its state read afresh through the trie) twice per call."""

    _call_vm: tuple[bytes, VM] | None = None  # (block hash, the VM at that block)

    def _vm_at(self, block_number: Any) -> VM:
        if block_number == "pending":  # its header changes with every transaction added: no reuse
            return self.chain.get_vm(at_header=self.chain.get_block().header)
        header = _get_block_by_number(self.chain, block_number).header
        if self._call_vm is None or self._call_vm[0] != header.hash:
            # A mined block's state never changes (its hash covers the state root), and each call is reverted.
            self._call_vm = (header.hash, self.chain.get_vm(at_header=header))
        return self._call_vm[1]

    def call(self, transaction: dict[str, Any], block_number: Any = "latest") -> bytes:
        state = self._vm_at(block_number).state
        defaulted = {"gas": self._max_available_gas(), "nonce": state.get_nonce(transaction["from"]), **transaction}
        unsigned = self._get_normalized_and_unsigned_evm_transaction(defaulted, block_number)
        spoofed = SpoofTransaction(unsigned, from_=transaction["from"])
        snapshot = state.snapshot()
        try:
            computation = state.apply_transaction(spoofed)  # type: ignore[arg-type]  # a spoofed sender
        finally:
            state.revert(snapshot)
        if computation.is_error:
            error = computation.error
            raise CallReverted(error.args[0] if isinstance(error, Revert) and error.args else b"")
        return bytes(computation.output)


class InProcessChain(Chain):
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
        super().__init__(w3, dev_accounts(), artifacts)

    @property
    def _backend(self) -> _RevertDataBackend:
        backend: _RevertDataBackend = self.tester.backend
        return backend

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

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.tester.revert_to_snapshot(snapshot_id)
        self._after_revert()

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        normalized = self.tester.normalizer.normalize_inbound_transaction(
            {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
        )
        raw_block = self.tester.normalizer.normalize_inbound_block_number(block)
        return self._backend.call(normalized, raw_block)
