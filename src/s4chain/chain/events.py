"""Decoding logs into named events with the ABIs the chain has seen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
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

# eth_utils' checksum costs tens of microseconds (a keccak behind several decorators), and a replay's events name
# the same few addresses again and again.
_checksum = lru_cache(maxsize=4096)(to_checksum_address)


def _bytes(value: Any) -> bytes:
    return bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else bytes(value)


@dataclass(frozen=True)
class _Layout:
    """One event ABI entry, with what decoding its logs directly needs worked out once."""

    entry: dict[str, Any]
    plain: bool  # no struct, no array: decoded with the codec (`EventRegistry._decode_args`)
    topic_names: tuple[str, ...]
    # An indexed text or bytes is only its hash in the log: a bytes32, as web3 decodes it.
    topic_types: tuple[str, ...]
    data_names: tuple[str, ...]
    data_types: tuple[str, ...]
    addresses: tuple[str, ...]  # the names of the address arguments, which web3 checksums

    @classmethod
    def of(cls, entry: dict[str, Any]) -> _Layout:
        inputs = entry["inputs"]
        indexed = [i for i in inputs if i.get("indexed")]
        data = [i for i in inputs if not i.get("indexed")]
        return cls(
            entry,
            all(_PLAIN.fullmatch(i["type"]) for i in inputs),
            tuple(i["name"] for i in indexed),
            tuple("bytes32" if i["type"] in ("string", "bytes") else i["type"] for i in indexed),
            tuple(i["name"] for i in data),
            tuple(i["type"] for i in data),
            tuple(i["name"] for i in inputs if i["type"] == "address"),
        )


class EventRegistry:
    """Event ABIs by topic 0. The same signature may come with different `indexed` layouts (ERC-20 and
    ERC-721 `Transfer`), so each topic keeps every layout and decoding tries them in turn."""

    def __init__(self, codec: Any) -> None:
        self._codec = codec
        self._events: dict[bytes, list[_Layout]] = {}
        self._by_contract: dict[str, dict[bytes, list[_Layout]]] = {}

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
            if all(layout.entry != entry for layout in layouts):
                layouts.append(_Layout.of(entry))

    def decode(self, log: Any) -> DecodedEvent | None:
        topics = log["topics"]
        if not topics:
            return None
        topic = bytes(topics[0])
        address = _checksum(log["address"])
        own = self._by_contract.get(address, {}).get(topic, [])
        for layout in own + self._events.get(topic, []):
            try:
                decoded = self._decode_args(layout, log)
            except (MismatchedABI, LogTopicError, ValueError):
                continue
            args = {
                key: _checksum(value) if isinstance(value, str) and len(value) == 42 and value[:2] == "0x" else value
                for key, value in decoded.items()
            }
            return DecodedEvent(
                name=layout.entry["name"],
                address=address,
                args=args,
                log_index=int(log["logIndex"]),
                block_number=int(log["blockNumber"]),
                transaction_hash="0x" + bytes(log["transactionHash"]).hex(),
            )
        return None

    def _decode_args(self, layout: _Layout, log: Any) -> dict[str, Any]:
        """The event's arguments as web3's `get_event_data` gives them (indexed ones first). An event of plain
        values (no struct, no array: every S4 event but a few) is decoded directly with the codec, which costs a
        fraction of web3's generic path, a replay decoding every step's events."""
        if not layout.plain:
            return dict(get_event_data(self._codec, layout.entry, log)["args"])
        topics = log["topics"][1:]
        if len(topics) != len(layout.topic_types):
            raise LogTopicError(f"Expected {len(layout.topic_types)} log topics.  Got {len(topics)}")
        # Indexed values are static, one 32-byte word each: decoded together as one tuple.
        args = dict(
            zip(layout.topic_names, self._codec.decode(layout.topic_types, b"".join(map(_bytes, topics))), strict=True)
        )
        args.update(zip(layout.data_names, self._codec.decode(layout.data_types, _bytes(log["data"])), strict=True))
        for name in layout.addresses:  # web3 checksums addresses
            args[name] = _checksum(args[name])
        return args

    def decode_all(self, logs: list[Any]) -> list[DecodedEvent]:
        return [event for event in (self.decode(log) for log in logs) if event is not None]
