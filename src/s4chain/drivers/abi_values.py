"""Scenario values as ABI values: what a contract function's inputs (and a constructor's) take from the value
language (`@alice`, `48h`, `+4d`, `0x...`, lists, structs), for any compiled contract. Used by the scenario steps
that call a contract function (s4chain.scenarios.actions) and by the generic `contract` driver's constructor."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eth_utils import is_hex_address, to_checksum_address

from s4chain.drivers.units import to_units
from s4chain.inputs.values import MAX_ITEMS, Resolver, ValueProblem, to_decimal

_SIZED = re.compile(r"^(u?int|bytes)(\d+)$")
_WITH_UNIT = re.compile(r"\s*-?[\d_]+(?:\.\d+)?\s*([A-Za-z]+)\s*")  # 1500 EUR, 2.5 ETH, 100 MTK...
_DURATION = re.compile(r"(?:\s*\d+\s*[smhdw])+\s*")  # ...but 48h, 1d 12h are seconds

Units = Mapping[str, int]  # a token's symbol (upper case) -> its decimals: `100 MTK` is 100 * 10**decimals


def unit_of(value: Any) -> str | None:
    """The unit of an amount written with one (`100 MTK` -> `MTK`); None for anything else (`48h` is seconds)."""
    if not isinstance(value, str) or _DURATION.fullmatch(value):
        return None
    amount = _WITH_UNIT.fullmatch(value)
    return amount.group(1).upper() if amount else None


def name_key(name: str) -> str:
    """The form two argument names are compared in: `_lease_id`, `leaseId` and `lease_id` are one name."""
    return name.lstrip("_").replace("_", "").lower()


def same_name(one: str, other: str) -> bool:
    """Whether two argument or field names are one: `_lease_id`, `leaseId` and `lease_id` are."""
    return name_key(one) == name_key(other)


def abi_value(resolver: Resolver, value: Any, parameter: Mapping[str, Any], units: Units | None = None) -> Any:
    """A scenario value as the ABI type of `parameter` wants it: an actor's name or `@name` (or 0x hex) for an
    address; a whole number, a duration (48h) or a time (+4d) for an integer, checked against its width; true or
    false for a bool; 0x hex for bytes (other text for a bytes32 is hashed, like document hashes); a list for an
    array; a mapping of the fields (or a list) for a struct. An amount with a unit (`100 MTK`) for an integer only
    where `units` knows the unit (the generic driver's token symbol), scaled by its decimals."""
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
        return [abi_value(resolver, v, inner, units) for v in value]
    if kind == "tuple":
        components = parameter["components"]
        if isinstance(value, dict):
            by_key = {name_key(k): v for k, v in value.items()}
            names = [str(c.get("name") or f"arg{i}") for i, c in enumerate(components)]
            unknown = set(by_key) - {name_key(n) for n in names}
            if unknown or len(by_key) != len(names):
                raise ValueProblem(f"expected the fields {', '.join(names)}, got {', '.join(value)}")
            value = [by_key[name_key(n)] for n in names]
        if not isinstance(value, list) or len(value) != len(components):
            raise ValueProblem(f"{value!r} is not a struct of {len(components)} fields")
        return tuple(abi_value(resolver, v, c, units) for v, c in zip(value, components, strict=True))
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
        unit = unit_of(value)
        if unit is not None and units and unit in units:
            try:
                number: int = to_units(to_decimal(str(value).strip()[: -len(unit)].strip()), units[unit])
            except ValueError as exc:
                raise ValueProblem(f"{value!r}: {exc}") from exc
        elif unit is not None and units:
            raise ValueProblem(f"{value!r}: the unit is none of this contract's ({', '.join(units)})")
        elif unit is not None:
            raise ValueProblem(
                f"{value!r}: {kind} takes raw on-chain units, not an amount with a unit (the driver's actions "
                "convert units)"
            )
        else:
            number = resolver.coerce(value, int, signed=signed)
        low, end = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
        if not low <= number < end:
            shown = f"-2**{bits - 1} to 2**{bits - 1} - 1" if signed else f"0 to 2**{bits} - 1"
            raise ValueProblem(f"{value!r} is out of range for {kind} ({shown})")
        return number
    raise ValueProblem(f"the ABI type {kind} is not supported in scenario files")
