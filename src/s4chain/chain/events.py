"""Decoding logs into named events with the ABIs the chain has seen."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

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


# Reading one 32-byte word of a static type directly: what the codec gives for it, or _INVALID where the codec
# would refuse the word (its padding), which then goes to the codec for its error. The codec's own path costs
# most of an event's decoding (its address decoder alone, eth_utils' `to_normalized_address`, ~5 us).
WordReader = Callable[[bytes], Any]
_INVALID = object()
_SIZED = re.compile(r"(u?int|bytes)(\d+)")
_BOOLS = {bytes(32): False, bytes(31) + b"\x01": True}


def _word_reader(kind: str) -> WordReader | None:
    if kind == "address":
        return lambda word: "0x" + word[12:].hex() if not any(word[:12]) else _INVALID
    if kind == "bool":
        return lambda word: _BOOLS.get(word, _INVALID)
    sized = _SIZED.fullmatch(kind)
    if sized is None:
        return None
    family, size = sized.group(1), int(sized.group(2))
    if family == "bytes":
        return (lambda word: word[:size] if not any(word[size:]) else _INVALID) if 0 < size <= 32 else None
    if size % 8 or not 0 < size <= 256:
        return None
    pad = 32 - size // 8
    if family == "uint":
        return lambda word: int.from_bytes(word, "big") if not any(word[:pad]) else _INVALID

    def signed(word: bytes) -> Any:
        value = int.from_bytes(word[pad:], "big", signed=True)
        return value if word[:pad] == (b"\xff" if value < 0 else b"\x00") * pad else _INVALID

    return signed


def _readers(types: tuple[str, ...]) -> tuple[WordReader, ...] | None:
    readers = tuple(_word_reader(kind) for kind in types)
    return None if None in readers else cast(tuple[WordReader, ...], readers)


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
    topic_readers: tuple[WordReader, ...] | None  # None: a type without a direct reader
    data_readers: tuple[WordReader, ...] | None

    @classmethod
    def of(cls, entry: dict[str, Any]) -> _Layout:
        inputs = entry["inputs"]
        indexed = [i for i in inputs if i.get("indexed")]
        data = [i for i in inputs if not i.get("indexed")]
        topic_types = tuple("bytes32" if i["type"] in ("string", "bytes") else i["type"] for i in indexed)
        data_types = tuple(i["type"] for i in data)
        return cls(
            entry,
            all(_PLAIN.fullmatch(i["type"]) for i in inputs),
            tuple(i["name"] for i in indexed),
            topic_types,
            tuple(i["name"] for i in data),
            data_types,
            tuple(i["name"] for i in inputs if i["type"] == "address"),
            _readers(topic_types),
            _readers(data_types),
        )

    def _values(self, codec: Any, types: tuple[str, ...], readers: tuple[WordReader, ...] | None, blob: bytes) -> Any:
        """`codec.decode(types, blob)`, read word by word where every type has a reader and the words fit."""
        if readers is not None and len(blob) == 32 * len(readers):
            values = [read(blob[at : at + 32]) for read, at in zip(readers, range(0, len(blob), 32), strict=True)]
            if not any(value is _INVALID for value in values):
                return values
        return codec.decode(types, blob)


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
        indexed = layout._values(self._codec, layout.topic_types, layout.topic_readers, b"".join(map(_bytes, topics)))
        args = dict(zip(layout.topic_names, indexed, strict=True))
        data = layout._values(self._codec, layout.data_types, layout.data_readers, _bytes(log["data"]))
        args.update(zip(layout.data_names, data, strict=True))
        for name in layout.addresses:  # web3 checksums addresses
            args[name] = _checksum(args[name])
        return args

    def decode_all(self, logs: list[Any]) -> list[DecodedEvent]:
        return [event for event in (self.decode(log) for log in logs) if event is not None]
