"""`EngineChain`: a `Chain` over an `Engine` (chain/engine.py), the bookkeeping both in-process backends share.

py-evm's chain (`InProcessChain`, chain/inprocess.py) and revm's (`RevmChain`, chain/revm.py) are this class over
their engines. A module of its own, which imports neither engine: the revm backend never loads py-evm or
eth-tester (about 0.2-0.3 CPU-s of every process that uses it; tests/foundation/test_lazy_imports.py).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3.datastructures import AttributeDict

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.base import CallReverted, Chain
from s4chain.chain.engine import Engine, Receipt, TransactionRejected
from s4chain.chain.errors import RpcError, TransactionRefused
from s4chain.chain.events import DecodedEvent
from s4chain.chain.signing import Signed, sign
from s4chain.compiler.artifacts import ArtifactStore

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

# A fixed genesis time keeps replays deterministic; it lies ahead of the wall clock, like a scenario's dates.
GENESIS_TIMESTAMP = 1_893_456_000  # 2030-01-01T00:00:00Z


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


class EngineChain(Chain):
    """A `Chain` over an `Engine` (chain/engine.py): transactions signed here and handed to the engine raw;
    blocks, receipts, events, calls and snapshots read from it. `w3` is what the `Chain` needs of web3 (the chain
    id, ABI encoding) and what users get as `chain.w3`."""

    backend_name = "engine"

    def __init__(self, engine: Engine, w3: Web3, artifacts: ArtifactStore | None = None) -> None:
        self.engine = engine
        self._signed: tuple[bytes, Any] | None = None  # the raw bytes `_sign` made last, and the engine's transaction
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
        return self.engine.balance(address_bytes(account))

    def code_at(self, address: str) -> bytes:
        return self.engine.code(address_bytes(address))

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
        return self.engine.nonce(address_bytes(address))

    def _sign(self, account: LocalAccount, tx: dict[str, Any]) -> tuple[bytes, str]:
        """Signed as eth-account signs (chain/signing.py). What `Chain.send` signs, an EIP-1559 transaction of plain
        fields without an access list, is also made into the engine's own transaction (`_prepared`), which
        `_submit_raw` then hands over without decoding or recovering it; any other is submitted raw."""
        signed = sign(account, tx)
        plain = signed.here and signed.raw[0] == 2 and not tx.get("accessList")
        self._signed = (signed.raw, self._prepared(account, tx, signed)) if plain else None
        return signed.raw, "0x" + signed.hash.hex()

    @abstractmethod
    def _prepared(self, account: LocalAccount, tx: dict[str, Any], signed: Signed) -> Any:
        """The engine's transaction for `engine.apply`, made from the fields of a transaction just signed."""

    def _submit_raw(self, raw: bytes) -> None:
        signed, self._signed = self._signed, None
        try:
            if signed is not None and signed[0] is raw:
                self.engine.apply(signed[1])  # the transaction `_sign` made: no decoding, no sender recovery
            else:
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
        wanted = address_bytes(address) if address is not None else None
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
            address_bytes(tx["from"]),
            address_bytes(to) if to else None,
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
            # eth-tester's exception, as the py-evm chain always raised; imported here, for it loads py-evm.
            from eth_tester.exceptions import SnapshotNotFound

            raise SnapshotNotFound(f"no open snapshot {snapshot_id!r}: unknown, or used up by a revert") from None
        self._after_revert()


def address_bytes(address: Any) -> bytes:
    """An account, contract or hex address as 20 bytes."""
    text = address if isinstance(address, str) else address.address
    return bytes.fromhex(text.removeprefix("0x"))
