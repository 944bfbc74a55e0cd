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
from eth_utils import to_checksum_address

from s4chain.drivers.abi_values import Units, abi_value
from s4chain.drivers.abi_values import name_key as _key
from s4chain.drivers.abi_values import same_name as same_name  # where it was before
from s4chain.drivers.units import to_units
from s4chain.inputs.values import Resolver, ValueProblem

Abi = Sequence[Mapping[str, Any]]
_ALIAS = re.compile(r"^\s*(\w+)\.(\w+)\s*(?:\(([\w\s,]*)\))?\s*$")
ETHER_DECIMALS = 18


def camel(name: str) -> str:
    """`grant_role` -> `grantRole`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _input_name(entry: Mapping[str, Any], index: int) -> str:
    return str(entry["inputs"][index].get("name") or f"arg{index}")


@dataclass(frozen=True)
class ContractCall:
    """A scenario action or read that is one function (with its overloads) of one of the set's contracts."""

    contract: str  # its name in the set, as the driver's `contracts()` has it
    function: str
    overloads: tuple[Mapping[str, Any], ...]
    names: tuple[str, ...] | None = None  # the scenario's names for the inputs, when a driver declares them
    units: Units | None = None  # the token units its amounts may have (`100 MTK`), the generic driver's

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
                arguments.append(abi_value(resolver, values[key], parameter, self.units))
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
        return abi_value(resolver, wanted, found[0], self.units) if found else wanted


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


def in_call_order(contracts: Mapping[str, Any], call_order: Sequence[str]) -> dict[str, Any]:
    """The set's contracts a step's action is looked for in, in the set's `call_order` (the first with a
    function of that name answers it)."""
    return {name: contracts[name] for name in call_order if name in contracts}
