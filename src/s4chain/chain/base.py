"""One interface over the in-process chain and any JSON-RPC node.

Transactions are signed locally with the dev accounts and sent raw, with a fixed gas limit: no gas estimation
per transaction (on eth-tester, web3's estimate is a binary search of about 13 EVM runs). A transaction that
reverts is mined like on a real chain; its revert data is recovered by replaying it as a call on top of its
block, and raised as a decoded exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3

from s4chain.chain.contract import Contract, TxResult, as_address
from s4chain.chain.events import DecodedEvent, EventRegistry
from s4chain.chain.reverts import ErrorRegistry
from s4chain.compiler.artifacts import Artifact, ArtifactStore
from s4chain.errors import S4ChainError

TX_GAS_LIMIT = 15_000_000
BLOCK_GAS_LIMIT = 30_000_000

# (chain, artifact, constructor args, sender, value, proceed) -> Contract; `proceed()` deploys for real.
DeployInterceptor = Callable[
    ["Chain", Artifact, tuple[Any, ...], "LocalAccount | None", int, Callable[[], Contract]], Contract
]


class CallReverted(Exception):
    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__(data.hex())


class DeploymentError(S4ChainError):
    """A deployment that cannot start: an abstract contract or an interface, or unlinked libraries."""


class Chain(ABC):
    """A chain with the dev accounts, time control, snapshots and decoded reverts and events."""

    backend_name = "chain"
    # When set, every `deploy` call goes through it instead (see `deploy`); e.g. `s4chain.deployment` reuses
    # contracts already on chain and records each confirmed one.
    deploy_interceptor: DeployInterceptor | None = None

    def __init__(self, w3: Web3, accounts: tuple[LocalAccount, ...], artifacts: ArtifactStore | None = None) -> None:
        self.w3 = w3
        self.accounts = accounts
        self.chain_id = int(w3.eth.chain_id)
        self.errors = ErrorRegistry()
        self.events = EventRegistry(w3.codec)
        self.artifacts = artifacts or ArtifactStore([])
        for artifact in self.artifacts:
            self.register_abi(artifact.abi)
        self._nonces: dict[str, int] = {}
        # With `one_second_blocks`, a block whose time was not set comes exactly one second after the one
        # before it, on every backend (anvil would otherwise follow the wall clock): replays then give the
        # same timestamps, and so the same outcomes, on the in-process chain and on a node.
        self.one_second_blocks = False
        self._next_timestamp: int | None = None
        base_fee = int(w3.eth.get_block("latest").get("baseFeePerGas", 0))
        # Base fee only rises when blocks are more than half full; three times the start value is ample.
        self._max_fee_per_gas = max(3 * base_fee, 3 * 10**9)

    # --- ABIs ---------------------------------------------------------------------------------------------
    def register_abi(self, abi: list[dict[str, Any]]) -> None:
        self.errors.register_abi(abi)
        self.events.register_abi(abi)

    def _register_contract(self, abi: list[dict[str, Any]], address: str) -> None:
        self.register_abi(abi)
        self.errors.register_abi(abi, address)
        self.events.register_abi(abi, address)

    # --- state ----------------------------------------------------------------------------------------------
    @property
    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    @property
    def timestamp(self) -> int:
        """Timestamp of the latest block."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def balance(self, account: Any) -> int:
        return int(self.w3.eth.get_balance(as_address(account)))

    def code_at(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    # --- time and blocks ------------------------------------------------------------------------------------
    def set_next_block_timestamp(self, timestamp: int) -> None:
        """The next block (mined or made by a transaction) gets exactly this timestamp."""
        latest = self.timestamp
        if timestamp <= latest:
            raise ValueError(f"timestamp {timestamp} is not after the latest block's ({latest})")
        self._set_next_block_timestamp(timestamp)
        self._next_timestamp = timestamp

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._pin_block_time()
            self._mine_block()
            self._next_timestamp = None

    def _pin_block_time(self) -> None:
        if self.one_second_blocks and self._next_timestamp is None:
            self.set_next_block_timestamp(self.timestamp + 1)

    @abstractmethod
    def _set_next_block_timestamp(self, timestamp: int) -> None: ...

    @abstractmethod
    def _mine_block(self) -> None: ...

    @abstractmethod
    def snapshot(self) -> Any:
        """An id for `revert`. A snapshot is used up by reverting to it, as on anvil."""

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None: ...

    @abstractmethod
    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        """Run a call; raise CallReverted with the revert data if it reverts."""

    def increase_time(self, seconds: int) -> int:
        """Make the next block `seconds` later than the latest one; returns its timestamp."""
        target = self.timestamp + seconds
        self.set_next_block_timestamp(target)
        return target

    def travel_to(self, timestamp: int) -> None:
        """Mine a block at `timestamp`, so that views see that time."""
        self.set_next_block_timestamp(timestamp)
        self.mine()

    def _after_revert(self) -> None:
        self._nonces.clear()
        self._next_timestamp = None

    # --- calls and transactions -----------------------------------------------------------------------------
    def _sender(self, sender: LocalAccount | None) -> LocalAccount:
        return sender if sender is not None else self.accounts[0]

    def call(
        self,
        to: str,
        data: bytes,
        sender: LocalAccount | None = None,
        value: int = 0,
        block: int | str = "latest",
    ) -> bytes:
        tx = {
            "from": self._sender(sender).address,
            "to": to,
            "data": "0x" + data.hex(),
            "value": value,
            "gas": TX_GAS_LIMIT,
        }
        try:
            return self._eth_call(tx, block)
        except CallReverted as reverted:
            raise self.errors.decode(reverted.data, address=to_checksum_address(to)) from None

    def send(
        self, to: str | None, data: bytes, sender: LocalAccount | None = None, value: int = 0, gas: int | None = None
    ) -> TxResult:
        account = self._sender(sender)
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "gas": gas or TX_GAS_LIMIT,
            "maxFeePerGas": self._max_fee_per_gas,
            "maxPriorityFeePerGas": 0,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        self._pin_block_time()
        tx_hash = self._send_signed(account, tx)
        self._next_timestamp = None
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        hash_hex = "0x" + bytes(tx_hash).hex()
        if receipt["status"] != 1:
            replay = {"from": account.address, "data": "0x" + data.hex(), "value": value, "gas": tx["gas"]}
            if to is not None:
                replay["to"] = tx["to"]
            raise self._revert_of(replay, int(receipt["blockNumber"]), hash_hex)
        block = self.w3.eth.get_block(receipt["blockNumber"])
        address = receipt.get("contractAddress")
        return TxResult(
            tx_hash=hash_hex,
            block_number=int(receipt["blockNumber"]),
            timestamp=int(block["timestamp"]),
            gas_used=int(receipt["gasUsed"]),
            events=self.events.decode_all(list(receipt["logs"])),
            contract_address=to_checksum_address(address) if address else None,
        )

    def _send_signed(self, account: LocalAccount, tx: dict[str, Any]) -> HexBytes:
        """Sign with the next nonce and send. Nonces are counted locally to save a round trip per transaction;
        when something else sent from the account meanwhile, the node's count is fetched and tried once more."""
        for attempt in range(2):
            nonce = self._nonces.get(account.address)
            if nonce is None:
                nonce = int(self.w3.eth.get_transaction_count(account.address, "pending"))
            signed = account.sign_transaction({**tx, "nonce": nonce})
            try:
                tx_hash = HexBytes(self.w3.eth.send_raw_transaction(signed.raw_transaction))
            except Exception as exc:
                self._nonces.pop(account.address, None)
                if attempt == 0 and "nonce" in str(exc).lower():
                    continue
                raise
            self._nonces[account.address] = nonce + 1
            return tx_hash
        raise AssertionError("unreachable: the loop returns or raises")

    def _revert_of(self, replay: dict[str, Any], block_number: int, tx_hash: str) -> Exception:
        # The reverted transaction changed nothing but its sender's nonce and balance, and it was alone in its
        # block (both backends mine one block per transaction), so a call on top of that block, with that
        # block's timestamp, takes the same path.
        try:
            self._eth_call(replay, block_number)
        except CallReverted as reverted:
            return self.errors.decode(reverted.data, tx_hash, replay.get("to"))
        return self.errors.decode(b"", tx_hash)

    # --- contracts ------------------------------------------------------------------------------------------
    def _artifact(self, contract: str | Artifact) -> Artifact:
        return contract if isinstance(contract, Artifact) else self.artifacts.get(contract)

    def deploy(
        self, contract: str | Artifact, *args: Any, sender: LocalAccount | None = None, value: int = 0
    ) -> Contract:
        """Deploy a compiled contract by name (or artifact) and return it; `deployment` holds the receipt.

        With a `deploy_interceptor`, returns `interceptor(self, artifact, args, sender, value, proceed)` instead,
        where `proceed()` performs the deployment; the interceptor may also return another Contract (e.g. one
        already deployed) without calling it."""
        artifact = self._artifact(contract)
        if self.deploy_interceptor is not None:
            return self.deploy_interceptor(
                self, artifact, args, sender, value, lambda: self._deploy_artifact(artifact, args, sender, value)
            )
        return self._deploy_artifact(artifact, args, sender, value)

    def _deploy_artifact(
        self, artifact: Artifact, args: tuple[Any, ...], sender: LocalAccount | None, value: int
    ) -> Contract:
        if not artifact.is_deployable:
            raise DeploymentError(f"{artifact.fully_qualified_name} is abstract or an interface: nothing to deploy")
        if "__$" in artifact.bytecode:
            raise DeploymentError(
                f"{artifact.fully_qualified_name} needs linked libraries, which s4chain does not link"
            )
        self.register_abi(artifact.abi)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*as_address(args)).data_in_transaction
        result = self.send(None, bytes.fromhex(data[2:]), sender=sender, value=value)
        assert result.contract_address is not None
        self._register_contract(artifact.abi, result.contract_address)
        return Contract(self, result.contract_address, artifact.abi, artifact.contract_name, deployment=result)

    def at(self, contract: str | Artifact, address: str) -> Contract:
        """The contract of that name already deployed at `address`."""
        artifact = self._artifact(contract)
        self._register_contract(artifact.abi, to_checksum_address(address))
        return Contract(self, address, artifact.abi, artifact.contract_name)

    def get_events(
        self, from_block: int = 0, to_block: int | str = "latest", address: str | None = None
    ) -> list[DecodedEvent]:
        """Every decodable event in a block range, optionally of one contract."""
        params: dict[str, Any] = {"fromBlock": from_block, "toBlock": to_block}
        if address is not None:
            params["address"] = to_checksum_address(address)
        return self.events.decode_all(list(self.w3.eth.get_logs(params)))  # type: ignore[arg-type]
