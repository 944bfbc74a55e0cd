"""What `set.action` in a scenario calls: the set driver's method of that name (domain verbs, units, several
transactions), else one function of the set's contracts, found by its ABI.

A contract function is found under the name a driver declares for it in `ACTIONS` (`"accept":
"MissionEscrow.acceptMission"`, with `(name, ...)` after it where the scenario's argument names differ from the
ABI's), else by its own name in the set's contracts, in the use case's `call_order` (the main contract, then
the others as declared): `grant_role` or `grantRole` -> `grantRole`. Its arguments are named after its ABI
inputs (snake_case or camelCase, a leading underscore ignored) and take the scenario's values (see
`abi_value`); the acting actor sends it unless it is a view, which is a read. Nothing here is specific to one
use case: any compiled contract's ABI can be driven this way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import is_hex_address, to_checksum_address

from s4chain.drivers.units import to_units
from s4chain.drivers.usecase import UseCase
from s4chain.inputs.values import MAX_ITEMS, Resolver, ValueProblem

Abi = Sequence[Mapping[str, Any]]
_ALIAS = re.compile(r"^\s*(\w+)\.(\w+)\s*(?:\(([\w\s,]*)\))?\s*$")
_SIZED = re.compile(r"^(u?int|bytes)(\d+)$")
_WITH_UNIT = re.compile(r"\s*-?[\d_]+(?:\.\d+)?\s*[A-Za-z]+\s*")  # 1500 EUR, 2.5 ETH...
_DURATION = re.compile(r"(?:\s*\d+\s*[smhdw])+\s*")  # ...but 48h, 1d 12h are seconds
ETHER_DECIMALS = 18


def camel(name: str) -> str:
    """`grant_role` -> `grantRole`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _key(name: str) -> str:
    """The form two argument names are compared in: `_lease_id`, `leaseId` and `lease_id` are one name."""
    return name.lstrip("_").replace("_", "").lower()


def same_name(one: str, other: str) -> bool:
    """Whether two argument or field names are one: `_lease_id`, `leaseId` and `lease_id` are."""
    return _key(one) == _key(other)


def _input_name(entry: Mapping[str, Any], index: int) -> str:
    return str(entry["inputs"][index].get("name") or f"arg{index}")


@dataclass(frozen=True)
class ContractCall:
    """A scenario action or read that is one function (with its overloads) of one of the set's contracts."""

    contract: str  # its name in the set, as the driver's `contracts()` has it
    function: str
    overloads: tuple[Mapping[str, Any], ...]
    names: tuple[str, ...] | None = None  # the scenario's names for the inputs, when a driver declares them

    @property
    def label(self) -> str:
        return f"{self.contract}.{self.function}"

    @property
    def reads(self) -> bool:
        """A view or pure function: a read step, sent by nobody."""
        return all(entry.get("stateMutability") in ("view", "pure") for entry in self.overloads)

    def parameters(self, entry: Mapping[str, Any]) -> list[str]:
        if self.names is not None:
            return list(self.names)
        return [_input_name(entry, i) for i in range(len(entry["inputs"]))]

    def _entry(self, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """The overload whose inputs the given argument names are."""
        given = {_key(k) for k in values if not self._is_value(k, values)}
        for entry in self.overloads:
            if {_key(n) for n in self.parameters(entry)} == given:
                return entry
        expected = " or ".join(f"({', '.join(self.parameters(e)) or 'none'})" for e in self.overloads)
        raise ValueProblem(f"{self.label} takes {expected}, got ({', '.join(values) or 'none'})")

    def _is_value(self, key: str, values: Mapping[str, Any]) -> bool:
        """`value` is the ether sent to a payable function that has no input of that name."""
        return key == "value" and all(
            e.get("stateMutability") == "payable" and "value" not in map(_key, self.parameters(e))
            for e in self.overloads
        )

    def arguments(
        self, resolver: Resolver, values: Mapping[str, Any], entry: Mapping[str, Any] | None = None
    ) -> tuple[list[Any], int]:
        """The ABI arguments in order, and the wei to send, from a scenario's `with:` values (for `entry`, the
        overload those values name, when the caller has found it already)."""
        entry = entry if entry is not None else self._entry(values)
        written = {_key(k): k for k in values}  # problems name an argument as the file does
        arguments = []
        for name, parameter in zip(self.parameters(entry), entry["inputs"], strict=True):
            key = written[_key(name)]
            try:
                arguments.append(abi_value(resolver, values[key], parameter))
            except (ValueProblem, ValueError) as exc:
                raise ValueProblem(f"{key}: {exc}") from exc
        wei = 0
        if "value" in values and self._is_value("value", values):
            try:
                wei = to_units(resolver.coerce(values["value"], Decimal), ETHER_DECIMALS)
            except (ValueProblem, ValueError) as exc:
                raise ValueProblem(f"value: {exc}") from exc
        return arguments, wei

    def invoke(self, contract: Any, resolver: Resolver, values: Mapping[str, Any], actor: LocalAccount | None) -> Any:
        """Send the function (as `actor`) or call it (a view); a read's result as `read_result` gives it."""
        entry = self._entry(values)
        arguments, wei = self.arguments(resolver, values, entry)
        function = getattr(contract, self.function)
        if self.reads:
            return read_result(entry, function.call(*arguments))
        return function.transact(*arguments, sender=actor, value=wei)

    def expected(self, resolver: Resolver, values: Mapping[str, Any], key: str, wanted: Any) -> Any:
        """A check's expected `key` of this read's result, in the result's form."""
        outputs = self._entry(values).get("outputs", [])
        if len(outputs) == 1:  # the result is the output itself, `value` in a check; a struct, its fields
            outputs = outputs[0]["components"] if outputs[0]["type"] == "tuple" else [{**outputs[0], "name": "value"}]
        found = [o for o in outputs if same_name(o.get("name") or "", key)]
        return abi_value(resolver, wanted, found[0]) if found else wanted


def read_result(entry: Mapping[str, Any], raw: Any) -> Any:
    """A view's result: one output as itself (a struct as a mapping of its fields), several as a mapping of the
    outputs' names, so that checks can name what they compare."""
    outputs = entry.get("outputs", [])
    return _named(raw, outputs[0]) if len(outputs) == 1 else _named(raw, {"type": "tuple", "components": outputs})


def _named(value: Any, output: Mapping[str, Any]) -> Any:
    kind = str(output["type"])
    if kind == "tuple":
        fields = output["components"]
        return {
            str(f.get("name") or f"value{i}"): _named(v, f) for i, (f, v) in enumerate(zip(fields, value, strict=True))
        }
    if kind.endswith("]") and kind.startswith("tuple"):
        inner = {**output, "type": kind[: kind.rindex("[")]}
        return [_named(v, inner) for v in value]
    if kind == "address":
        return to_checksum_address(value)
    return value


def abi_value(resolver: Resolver, value: Any, parameter: Mapping[str, Any]) -> Any:
    """A scenario value as the ABI type of `parameter` wants it: an actor's name or `@name` (or 0x hex) for an
    address; a whole number, a duration (48h) or a time (+4d) for an integer, checked against its width; true or
    false for a bool; 0x hex for bytes (other text for a bytes32 is hashed, like document hashes); a list for an
    array; a mapping of the fields (or a list) for a struct."""
    kind = str(parameter["type"])
    if kind.endswith("]"):
        inner = {**parameter, "type": kind[: kind.rindex("[")]}
        if not isinstance(value, list):
            raise ValueProblem(f"{value!r} is not a list ({kind})")
        if len(value) > MAX_ITEMS:
            raise ValueProblem(f"a list of {len(value):,} items (at most {MAX_ITEMS:,})")
        size = kind[kind.rindex("[") + 1 : -1]
        if size and len(value) != int(size):
            raise ValueProblem(f"a list of {len(value)} items where {kind} has {size}")
        return [abi_value(resolver, v, inner) for v in value]
    if kind == "tuple":
        components = parameter["components"]
        if isinstance(value, dict):
            by_key = {_key(k): v for k, v in value.items()}
            names = [str(c.get("name") or f"arg{i}") for i, c in enumerate(components)]
            unknown = set(by_key) - {_key(n) for n in names}
            if unknown or len(by_key) != len(names):
                raise ValueProblem(f"expected the fields {', '.join(names)}, got {', '.join(value)}")
            value = [by_key[_key(n)] for n in names]
        if not isinstance(value, list) or len(value) != len(components):
            raise ValueProblem(f"{value!r} is not a struct of {len(components)} fields")
        return tuple(abi_value(resolver, v, c) for v, c in zip(value, components, strict=True))
    if kind == "address":
        if isinstance(value, str) and value in resolver.actors:
            return str(resolver.actors[value].address)
        address = resolver.coerce(value, str) if isinstance(value, str) else value
        if not isinstance(address, str) or not is_hex_address(address):
            raise ValueProblem(f"{value!r} is no actor of this scenario, @name or 0x address")
        return to_checksum_address(address)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueProblem(f"{value!r} is not true or false")
        return value
    if kind == "string":
        return resolver.coerce(value, str)
    if kind == "bytes":
        if not (isinstance(value, str) and re.fullmatch(r"0x([0-9a-fA-F]{2})*", value)):
            raise ValueProblem(f"{value!r} is not bytes (expected 0x and hex digits)")
        return bytes.fromhex(value[2:])
    sized = _SIZED.match(kind)
    if sized and sized.group(1) == "bytes":
        width = int(sized.group(2))
        if width == 32:
            return resolver.coerce(value, bytes)
        if not (isinstance(value, str) and re.fullmatch(rf"0x[0-9a-fA-F]{{{2 * width}}}", value)):
            raise ValueProblem(f"{value!r} is not {kind} (expected 0x and {2 * width} hex digits)")
        return bytes.fromhex(value[2:])
    if kind in ("uint", "int") or sized:
        signed = kind.startswith("int")
        bits = int(sized.group(2)) if sized else 256
        if isinstance(value, str) and _WITH_UNIT.fullmatch(value) and not _DURATION.fullmatch(value):
            raise ValueProblem(
                f"{value!r}: {kind} takes raw on-chain units, not an amount with a unit (the driver's actions "
                "convert units)"
            )
        number: int = resolver.coerce(value, int, signed=signed)
        low, end = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
        if not low <= number < end:
            shown = f"-2**{bits - 1} to 2**{bits - 1} - 1" if signed else f"0 to 2**{bits} - 1"
            raise ValueProblem(f"{value!r} is out of range for {kind} ({shown})")
        return number
    raise ValueProblem(f"the ABI type {kind} is not supported in scenario files")


def find_call(action: str, abis: Mapping[str, Abi], aliases: Mapping[str, str] | None = None) -> ContractCall | None:
    """The contract function `action` stands for: a declared alias, else the first contract (in the order of
    `abis`: the use case's `call_order`) with a function named `action` or its camelCase form."""
    declared = (aliases or {}).get(action)
    if declared is not None:
        match = _ALIAS.match(declared)
        if not match or match.group(1) not in abis:
            raise ValueError(f"action {action!r}: {declared!r} is no Contract.function of the set")
        contract, function, names = match.groups()
        overloads = tuple(e for e in abis[contract] if e.get("type") == "function" and e["name"] == function)
        named = None if names is None else tuple(n.strip() for n in names.split(",") if n.strip())
        if not overloads or any(named is not None and len(named) != len(e["inputs"]) for e in overloads):
            raise ValueError(f"action {action!r}: {declared!r} does not match {contract}'s ABI")
        return ContractCall(contract, function, overloads, named)
    for contract, abi in abis.items():
        for function in dict.fromkeys((action, camel(action))):
            overloads = tuple(e for e in abi if e.get("type") == "function" and e["name"] == function)
            if overloads:
                return ContractCall(contract, function, overloads)
    return None


def function_names(abis: Mapping[str, Abi]) -> list[str]:
    """The contract functions a set offers as actions, as `Contract.function`."""
    return sorted({f"{c}.{e['name']}" for c, abi in abis.items() for e in abi if e.get("type") == "function"})


def takes_actor(target: Any) -> bool:
    """Whether an action (a driver method or a contract call) is sent by the acting actor."""
    if isinstance(target, ContractCall):
        return not target.reads
    return Resolver.takes_actor(target)


def call_arguments(resolver: Resolver, target: Any, values: Mapping[str, Any], acts: bool) -> Any:
    """A driver method's keyword arguments, or a contract call's ABI arguments, from a scenario's values."""
    if isinstance(target, ContractCall):
        return target.arguments(resolver, values)
    return resolver.call_arguments(target, dict(values), skip=1 if acts else 0)


# Driver classmethods the engine calls itself (s4chain.drivers.usecase.Driver), never a scenario step.
LIFECYCLE = ("deploy", "attach")


def driver_method(driver: Any, action: str) -> Any | None:
    """The driver's method (or, given the class, function) for `action`, if it has one."""
    if action.startswith("_") or action in LIFECYCLE:
        return None
    method = getattr(driver, action, None)
    return method if callable(method) and not isinstance(method, type) else None


def driver_actions(driver: Any) -> list[str]:
    """The names of a driver's own actions and reads, and of the contract functions it declares as actions."""
    names = {n for n in dir(driver) if driver_method(driver, n) is not None}
    return sorted(names | set(getattr(driver, "ACTIONS", {})))


def in_call_order(contracts: Mapping[str, Any], use_case: UseCase) -> dict[str, Any]:
    """The set's contracts a step's action is looked for in, in the use case's `call_order` (the first with a
    function of that name answers it)."""
    return {name: contracts[name] for name in use_case.call_order if name in contracts}
