"""Decoding logs into named events with the ABIs the chain has seen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from web3._utils.events import get_event_data
from web3.exceptions import LogTopicError, MismatchedABI


@dataclass(frozen=True)
class DecodedEvent:
    name: str
    address: str
    args: dict[str, Any]
    log_index: int
    block_number: int
    transaction_hash: str

    def matches(self, name: str, **expected: Any) -> bool:
        return self.name == name and all(self.args.get(k) == v for k, v in expected.items())


# ABI types decoded directly (`EventRegistry._decode_args`); structs and arrays go through web3.
_PLAIN = re.compile(r"address|bool|string|bytes\d*|u?int\d*")


def _bytes(value: Any) -> bytes:
    return bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)


class EventRegistry:
    """Event ABIs by topic 0. The same signature may come with different `indexed` layouts (ERC-20 and
    ERC-721 `Transfer`), so each topic keeps every layout and decoding tries them in turn."""

    def __init__(self, codec: Any) -> None:
        self._codec = codec
        self._events: dict[bytes, list[dict[str, Any]]] = {}
        self._by_contract: dict[str, dict[bytes, list[dict[str, Any]]]] = {}

    def register_abi(self, abi: list[dict[str, Any]], address: str | None = None) -> None:
        """Learn an ABI's events; with `address`, as the events of the contract there, which are tried first
        for its logs (two contracts may declare one signature with other argument names)."""
        if address is not None:
            self._by_contract[address] = {}  # a snapshot revert reuses addresses: what is there now wins
        table = self._events if address is None else self._by_contract[address]
        for entry in abi:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            layouts = table.setdefault(event_abi_to_log_topic(entry), [])  # type: ignore[arg-type]
            if entry not in layouts:
                layouts.append(entry)

    def decode(self, log: Any) -> DecodedEvent | None:
        topics = log["topics"]
        if not topics:
            return None
        topic = bytes(topics[0])
        own = self._by_contract.get(to_checksum_address(log["address"]), {}).get(topic, [])
        for entry in own + self._events.get(topic, []):
            try:
                decoded = self._decode_args(entry, log)
            except (MismatchedABI, LogTopicError, ValueError):
                continue
            args = {
                key: to_checksum_address(value)
                if isinstance(value, str) and value.startswith("0x") and len(value) == 42
                else value
                for key, value in decoded.items()
            }
            return DecodedEvent(
                name=entry["name"],
                address=to_checksum_address(log["address"]),
                args=args,
                log_index=int(log["logIndex"]),
                block_number=int(log["blockNumber"]),
                transaction_hash="0x" + bytes(log["transactionHash"]).hex(),
            )
        return None

    def _decode_args(self, entry: dict[str, Any], log: Any) -> dict[str, Any]:
        """The event's arguments as web3's `get_event_data` gives them (indexed ones first). An event of plain
        values (no struct, no array: every S4 event but a few) is decoded directly with the codec, which costs a
        fraction of web3's generic path, a replay decoding every step's events."""
        inputs = entry["inputs"]
        if not all(_PLAIN.fullmatch(i["type"]) for i in inputs):
            return dict(get_event_data(self._codec, entry, log)["args"])
        indexed = [i for i in inputs if i.get("indexed")]
        topics = log["topics"][1:]
        if len(topics) != len(indexed):
            raise LogTopicError(f"Expected {len(indexed)} log topics.  Got {len(topics)}")
        # An indexed text or bytes is only its hash in the log: a bytes32, as web3 decodes it.
        args = {
            i["name"]: self._codec.decode(["bytes32" if i["type"] in ("string", "bytes") else i["type"]], _bytes(t))[0]
            for i, t in zip(indexed, topics, strict=True)
        }
        data = [i for i in inputs if not i.get("indexed")]
        values = self._codec.decode([i["type"] for i in data], _bytes(log["data"]))
        args.update(zip((i["name"] for i in data), values, strict=True))
        for i in inputs:  # web3 checksums addresses
            if i["type"] == "address":
                args[i["name"]] = to_checksum_address(args[i["name"]])
        return args

    def decode_all(self, logs: list[Any]) -> list[DecodedEvent]:
        return [event for event in (self.decode(log) for log in logs) if event is not None]
