"""A deployed contract as a Python object: `sale.buy(amount, sender=alice)` sends a transaction,
`sale.raised()` calls a view. Results carry gas and decoded events; reverts raise decoded exceptions.

What an ABI says is worked out once per ABI (a `ContractType`, shared by every contract with that ABI): one
`ABIFunction` per entry with its selector, type strings and output decoder. Struct and multi-value returns come
back as named tuples (field names from the ABI), so no caller reads a struct by position.

This module knows its chain only as a `Backend` (what a contract needs of it); `s4chain.chain.base` builds on this
module, never the other way round.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from eth_abi.exceptions import EncodingError
from eth_account.signers.local import LocalAccount
from eth_utils import abi_to_signature, function_abi_to_4byte_selector, to_checksum_address
from web3 import Web3

from s4chain.chain.errors import hide_frame
from s4chain.chain.events import DecodedEvent

Abi = list[dict[str, Any]]


class EventCountError(LookupError):
    """`TxResult.event` found no event of that name, or more than one."""


@dataclass(frozen=True)
class TxResult:
    """A mined transaction. Its events are decoded when first read, with the ABIs the chain knows by then (a
    contract's own ABI is learnt when it is deployed or looked up, which may be after its first transaction)."""

    tx_hash: str
    block_number: int
    timestamp: int
    gas_used: int
    logs: tuple[Any, ...] = ()  # the receipt's raw logs
    decoder: Callable[[list[Any]], list[DecodedEvent]] | None = field(default=None, repr=False, compare=False)
    contract_address: str | None = None
    reverted: bool = False  # only a `Chain.recording()` sees reverted transactions as results
    transaction_index: int = 0

    @cached_property
    def events(self) -> list[DecodedEvent]:
        return self.decoder(list(self.logs)) if self.decoder is not None and self.logs else []

    def events_named(self, *names: str, **expected: Any) -> list[DecodedEvent]:
        """The events with one of these names (and these argument values), in log order."""
        return [event for event in self.events if event.name in names and event.matches(event.name, **expected)]

    def event(self, name: str, **expected: Any) -> DecodedEvent:
        """The one event of that name (and these argument values); EventCountError if there is none or several."""
        found = self.events_named(name, **expected)
        if len(found) != 1:
            what = f"{name}{expected}" if expected else name
            emitted = ", ".join(e.name for e in self.events) or "none"
            raise EventCountError(
                f"expected exactly one {what} event in {self.tx_hash}, found {len(found)} (emitted: {emitted})"
            )
        return found[0]

    def _complete(self, mined: TxResult) -> None:
        """Fill in a result handed out before its block was mined (inside `Chain.one_block`)."""
        for name in ("block_number", "timestamp", "gas_used", "logs", "decoder", "contract_address"):
            object.__setattr__(self, name, getattr(mined, name))
        object.__setattr__(self, "transaction_index", mined.transaction_index)
        self.__dict__.pop("events", None)  # read before the block was mined: empty then


class Backend(Protocol):
    """What a contract needs of its chain (`s4chain.chain.base.Chain` is one)."""

    @property
    def w3(self) -> Web3: ...

    @property
    def chain_id(self) -> int: ...

    # Only what a contract's view call passes (`Chain.call` takes more, a `value` too).
    def call(
        self, to: str, data: bytes, *, sender: LocalAccount | None = None, block: int | str = "latest"
    ) -> bytes: ...

    def send(
        self, to: str | None, data: bytes, sender: LocalAccount | None = None, value: int = 0, gas: int | None = None
    ) -> TxResult: ...


def as_address(value: Any) -> Any:
    """Accounts and contracts stand for their address wherever an ABI wants one."""
    if isinstance(value, LocalAccount | Contract):
        return value.address
    if isinstance(value, list | tuple):
        return type(value)(as_address(v) for v in value)
    return value


# --- ABI entries, worked out once --------------------------------------------------------------------------------
Convert = Callable[[Any], Any]
_ARRAY = re.compile(r"\[\d*\]$")
_struct_types: dict[tuple[str, tuple[str, ...]], type] = {}


def type_string(param: dict[str, Any]) -> str:
    """The canonical type of an ABI parameter: structs as `(...)`, with their array suffixes."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(type_string(c) for c in param.get("components", [])) + ")" + kind[5:]
    return kind


def _named_tuple(type_name: str, fields: Sequence[str]) -> type:
    """One named-tuple class per name and fields; unnamed or clashing fields become `_0`, `_1`, ..."""
    key = (type_name, tuple(fields))
    if key not in _struct_types:
        _struct_types[key] = namedtuple(type_name, fields, rename=True)
    return _struct_types[key]


def _converter(param: dict[str, Any]) -> Convert | None:
    """What turns eth-abi's decoded value into ours: checksummed addresses, structs as named tuples, arrays of
    either as lists. None: the value is used as decoded."""
    kind = str(param["type"])
    if _ARRAY.search(kind):
        element = _converter({**param, "type": _ARRAY.sub("", kind)})
        if element is None:
            return None
        return lambda values: [element(v) for v in values]
    if kind == "address":
        return to_checksum_address
    if kind == "tuple":
        components = param.get("components", [])
        internal = str(param.get("internalType") or "")
        struct = _named_tuple(internal.rsplit(".", 1)[-1].removeprefix("struct ") or "Struct", _names(components))
        parts = [_converter(c) for c in components]
        return lambda value: struct(*(p(v) if p is not None else v for p, v in zip(parts, value, strict=True)))
    return None


def _names(params: Sequence[dict[str, Any]]) -> list[str]:
    return [str(p.get("name") or f"_{i}") for i, p in enumerate(params)]


class ABIFunction:
    """One ABI function entry: selector, type strings and output decoding, computed once."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.name = str(entry["name"])
        self.signature = abi_to_signature(entry)  # type: ignore[arg-type]
        self.selector = function_abi_to_4byte_selector(entry)  # type: ignore[arg-type]
        self.inputs: tuple[str, ...] = tuple(type_string(p) for p in entry.get("inputs", []))
        outputs = entry.get("outputs", [])
        self.outputs: tuple[str, ...] = tuple(type_string(o) for o in outputs)
        self.is_view = entry.get("stateMutability") in ("view", "pure")
        parts = [_converter(o) for o in outputs]
        self._parts = parts if any(p is not None for p in parts) else None
        named = len(outputs) > 1 and any(o.get("name") for o in outputs)
        self._result = _named_tuple(f"{self.name}_result", _names(outputs)) if named else None

    def __repr__(self) -> str:
        return f"<ABIFunction {self.signature}>"

    @property
    def arity(self) -> int:
        return len(self.inputs)

    def encode(self, codec: Any, args: Sequence[Any]) -> bytes:
        return self.selector + codec.encode(self.inputs, args) if self.inputs else self.selector

    def decode(self, codec: Any, raw: bytes) -> Any:
        """A single output as itself, several as a named tuple (a plain one when the ABI names none of them)."""
        values = codec.decode(self.outputs, raw)
        if self._parts is not None:
            values = tuple(p(v) if p is not None else v for p, v in zip(self._parts, values, strict=True))
        if len(values) == 1:
            return values[0]
        return self._result(*values) if self._result is not None else values


class Overloads:
    """The functions of one name; a call's arguments pick one by arity, then by what encodes."""

    def __init__(self, contract_name: str, functions: list[ABIFunction]) -> None:
        self.contract_name = contract_name
        self.name = functions[0].name
        self.functions = functions
        self._by_arity: dict[int, list[ABIFunction]] = {}
        for function in functions:
            self._by_arity.setdefault(function.arity, []).append(function)

    def resolve(self, args: Sequence[Any], codec: Any) -> ABIFunction:
        fitting = self._by_arity.get(len(args))
        if fitting is None:
            arities = " or ".join(map(str, sorted(self._by_arity)))
            raise TypeError(f"{self.contract_name}.{self.name} takes {arities} argument(s), got {len(args)}")
        if len(fitting) == 1:
            return fitting[0]
        encodable = [f for f in fitting if all(codec.is_encodable(t, a) for t, a in zip(f.inputs, args, strict=True))]
        if len(encodable) == 1:
            return encodable[0]
        options = ", ".join(f.signature for f in (encodable or fitting))
        problem = "is ambiguous between" if encodable else "fits none of"
        raise TypeError(f"{self.contract_name}.{self.name}{tuple(args)} {problem} {options}")


class ContractType:
    """An ABI's functions by name, built once per ABI and shared by every contract that has it."""

    _cache: dict[str, ContractType] = {}
    _by_id: dict[int, tuple[Abi, ContractType]] = {}  # holds the ABI, so that its id stays its own

    def __init__(self, abi: Abi, name: str) -> None:
        grouped: dict[str, list[ABIFunction]] = {}
        for entry in abi:
            if entry.get("type") == "function":
                grouped.setdefault(entry["name"], []).append(ABIFunction(entry))
        self.functions = {key: Overloads(name, functions) for key, functions in grouped.items()}

    @classmethod
    def of(cls, abi: Abi, name: str) -> ContractType:
        known = cls._by_id.get(id(abi))
        if known is not None and known[0] is abi:
            return known[1]
        key = name + json.dumps(abi, sort_keys=True)
        if key not in cls._cache:
            cls._cache[key] = cls(abi, name)
        cls._by_id[id(abi)] = (abi, cls._cache[key])
        return cls._cache[key]


class Contract:
    def __init__(
        self,
        chain: Backend,
        address: str,
        abi: Abi,
        name: str = "Contract",
        deployment: TxResult | None = None,
    ) -> None:
        self.chain = chain
        self.deployment = deployment
        self.address = to_checksum_address(address)
        self.abi = abi
        self.contract_name = name  # not `name`: that is ERC-20's name()
        self._type = ContractType.of(abi, name)

    def __repr__(self) -> str:
        return f"<{self.contract_name} at {self.address}>"

    @cached_property
    def _web3_contract(self) -> Any:
        return self.chain.w3.eth.contract(address=self.address, abi=self.abi)

    def __getattr__(self, name: str) -> ContractFunction:
        overloads = None if name.startswith("_") else self._type.functions.get(name)
        if overloads is None:
            raise AttributeError(f"{self.contract_name} has no function {name!r}")
        function = ContractFunction(self, overloads)
        self.__dict__[name] = function  # the next lookup is a plain attribute
        return function


class ContractFunction:
    """A contract's function of one name (all its overloads), bound to the contract."""

    def __init__(self, contract: Contract, overloads: Overloads) -> None:
        self.contract = contract
        self.name = overloads.name
        self.overloads = overloads

    def __repr__(self) -> str:
        return f"<{self.contract.contract_name}.{self.name}>"

    def _resolve(self, args: tuple[Any, ...]) -> tuple[ABIFunction, tuple[Any, ...]]:
        args = as_address(args)
        return self.overloads.resolve(args, self.contract.chain.w3.codec), args

    def _encode(self, function: ABIFunction, args: tuple[Any, ...]) -> bytes:
        try:
            # The direct path: values already in the form eth-abi takes (most calls, and every hot loop).
            return function.encode(self.contract.chain.w3.codec, args)
        except (EncodingError, TypeError, ValueError):
            # web3 also accepts hex text for bytes and lower-case addresses; it normalises them first.
            data = self.contract._web3_contract.encode_abi(function.signature, list(args))
            return bytes.fromhex(data[2:])

    def encode(self, *args: Any) -> bytes:
        return self._encode(*self._resolve(args))

    def __call__(self, *args: Any, sender: LocalAccount | None = None, value: int = 0) -> Any:
        __tracebackhide__ = hide_frame
        function, args = self._resolve(args)
        if function.is_view:
            return self._call(function, args, sender, "latest")
        return self._transact(function, args, sender, value, None)

    def call(self, *args: Any, sender: LocalAccount | None = None, block: int | str = "latest") -> Any:
        """Run the function as a call (a view, or a transaction simulated without being sent)."""
        __tracebackhide__ = hide_frame
        function, args = self._resolve(args)
        return self._call(function, args, sender, block)

    def transact(
        self, *args: Any, sender: LocalAccount | None = None, value: int = 0, gas: int | None = None
    ) -> TxResult:
        __tracebackhide__ = hide_frame
        function, args = self._resolve(args)
        return self._transact(function, args, sender, value, gas)

    def _call(self, function: ABIFunction, args: tuple[Any, ...], sender: LocalAccount | None, block: Any) -> Any:
        __tracebackhide__ = hide_frame
        chain = self.contract.chain
        raw = chain.call(self.contract.address, self._encode(function, args), sender=sender, block=block)
        return function.decode(chain.w3.codec, raw)

    def _transact(
        self, function: ABIFunction, args: tuple[Any, ...], sender: LocalAccount | None, value: int, gas: int | None
    ) -> TxResult:
        __tracebackhide__ = hide_frame
        data = self._encode(function, args)
        return self.contract.chain.send(self.contract.address, data, sender=sender, value=value, gas=gas)
