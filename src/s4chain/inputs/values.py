"""The value language: turning the values people write (in scenario files, `--params` files and command-line
options) into what driver methods and parameter models take.

- `1500 EUR`, `2.5 ETH`, `1000 tokens` -> Decimal (the unit is checked against the unit list, then dropped:
  drivers take euros, ether or whole tokens as Decimal).
- `48h`, `4d`, `30m`, `2w`, `90s` -> seconds (int); `+4d` -> the scenario's start + 4 days (unix seconds; a
  params file has no start, so there a time is absolute); an ISO date-time -> unix seconds.
- `@alice` -> alice's address; `@sale` -> the address of the set's main contract. A bare actor name where the
  method wants an account (a LocalAccount) -> that actor's account.
- `0x...` -> bytes where bytes are wanted; any other text there -> its keccak-256 (document hashes).
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import is_hex_address, keccak
from pydantic import BaseModel, TypeAdapter, ValidationError

MAX_AMOUNT = Decimal(10) ** 24
UNITS = {"EUR", "ETH", "TOKENS", "TOKEN", "TOK", "H", "HOURS", "KM", "KG", "T", "L", "C"}
# The finest amount each unit has on chain (the euro stablecoin's 6 decimals, ether's and the tokens' 18); an
# amount without one of these units may have at most MAX_DECIMALS.
DECIMALS = {"EUR": 6, "ETH": 18, "TOKENS": 18, "TOKEN": 18, "TOK": 18}
MAX_DECIMALS = 18
MAX_TEXT = 1024  # characters of a text value: longer names would not fit a deployment's gas or init code
MAX_ITEMS = 1000  # items of a list value: a longer one would cost more calldata gas than a transaction may use
UINT256_END = 2**256
_AMOUNT = re.compile(r"^\s*(-?[\d_]+(?:\.\d+)?)\s*([A-Za-z]+)?\s*$")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_RELATIVE = re.compile(r"^\s*\+\s*(\d+\s*[smhdw](?:\s*\d+\s*[smhdw])*)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ValueProblem(ValueError):
    """A value that does not fit what the parameter expects. `location`: the keys from the values given down to
    the one at fault (a model's field, then a key inside it), so that a file's line can be found; `reason`: the
    message without them."""

    def __init__(self, message: str, location: tuple[str | int, ...] = (), reason: str | None = None) -> None:
        super().__init__(message)
        self.location = location
        self.reason = message if reason is None else reason


def _inner(exc: ValueError) -> tuple[tuple[str | int, ...], str]:
    """Where inside a value a problem lies, and what it is: pydantic's first error, or a nested ValueProblem."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return tuple(error["loc"]), str(error["msg"])
    if isinstance(exc, ValueProblem):
        return exc.location, exc.reason
    return (), str(exc)


def parse_duration(text: str) -> int:
    """`48h` -> 172800. Also accepts several parts: `1d 12h`."""
    parts = re.findall(r"(\d+)\s*([smhdw])", text)
    if not parts or re.sub(r"\d+\s*[smhdw]|\s", "", text):
        raise ValueProblem(f"{text!r} is not a duration (expected e.g. 90s, 30m, 48h, 4d, 2w)")
    return sum(int(n) * _SECONDS[u] for n, u in parts)


def to_timestamp(value: Any, start: int | None) -> int:
    """An absolute date, `+4d` after the start (when there is one), or unix seconds."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        relative = _RELATIVE.match(value)
        if relative:
            if start is None:
                raise ValueProblem(f"{value!r} is a time after a scenario's start; here there is none (give a date)")
            return start + parse_duration(relative.group(1))
        try:
            return to_timestamp(datetime.fromisoformat(value.replace("Z", "+00:00")), start)
        except ValueError:
            pass
    raise ValueProblem(f"{value!r} is not a time (expected +4d, +2h after the start, or an ISO date-time)")


def to_decimal(value: Any) -> Decimal:
    """An amount: never negative, and below MAX_AMOUNT (far beyond any real sum, far below uint256)."""
    amount: Decimal | None = None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    elif isinstance(value, str):
        match = _AMOUNT.match(value)
        if match and (match.group(2) is None or match.group(2).upper() in UNITS):
            try:
                amount = Decimal(match.group(1).replace("_", ""))
            except InvalidOperation:
                amount = None
    if amount is None or not amount.is_finite():
        raise ValueProblem(f"{value!r} is not an amount (expected a number with an optional unit, e.g. 1500 EUR)")
    if amount < 0:
        raise ValueProblem(f"{value!r} is negative; amounts are zero or more")
    if amount >= MAX_AMOUNT:
        raise ValueProblem(f"{value!r} is absurdly large (amounts stay below {MAX_AMOUNT:,})")
    unit = match.group(2).upper() if isinstance(value, str) and match and match.group(2) else None
    decimals = DECIMALS.get(unit or "", MAX_DECIMALS)
    if -amount.normalize().as_tuple().exponent > decimals:  # type: ignore[operator]
        raise ValueProblem(f"{value!r} has more than {decimals} decimals, the finest {unit or 'amount'} on chain")
    return amount


class Resolver:
    """What names stand for (actors' accounts and contract sets' addresses) and when `+4d` is: a scenario's
    start; a params file names nothing and has no start."""

    def __init__(
        self,
        start: int | None = None,
        actors: dict[str, LocalAccount] | None = None,
        addresses: dict[str, str] | None = None,
        planned_sets: frozenset[str] = frozenset(),
        shift: int = 0,
    ) -> None:
        self.start = start
        # Seconds every absolute date moves forward (`replay --shift-time`); `start` is already moved, so `+4d`
        # moves with it.
        self.shift = shift
        self.actors = actors if actors is not None else {}
        self.addresses = addresses if addresses is not None else {}
        # Before deployment (when a file is checked) a set's addresses are not known yet: any @set or
        # @set.Contract of a planned set stands for a placeholder address.
        self.planned_sets = planned_sets

    def reference(self, text: str) -> str:
        name = text[1:]
        if name in self.actors:
            return str(self.actors[name].address)
        if name in self.addresses:
            return self.addresses[name]
        if name.partition(".")[0] in self.planned_sets:
            return "0x" + "00" * 19 + "01"
        known = sorted([*self.actors, *self.addresses, *self.planned_sets])
        raise ValueProblem(f"{text!r} names no actor or contract (known: {', '.join('@' + k for k in known)})")

    def coerce(self, value: Any, annotation: Any, *, signed: bool = False) -> Any:
        """`value` as the type `annotation` wants. Whole numbers are uint256 (ids, counts, times, amounts in
        units), but where a parameter also takes an amount or a text (a temperature), `signed` ones (int256)."""
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValueProblem(f"a text of {len(value):,} characters (at most {MAX_TEXT:,})")
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if value is None:
                return None
            if bytes in options and isinstance(value, str) and value.startswith("0x"):
                return self.coerce(value, bytes)  # hex is meant as bytes, never as text to hash
            if LocalAccount in options and isinstance(value, str) and value not in self.actors:
                address = self.reference(value) if value.startswith("@") else value
                if not is_hex_address(address):  # a name web3 would take for an ENS name, and fail on
                    raise ValueProblem(f"{value!r} is no actor of this scenario, @name or 0x address")
            mixed = Decimal in options or str in options
            problems = []
            for option in options:
                try:
                    return self.coerce(value, option, signed=mixed)
                except (ValueProblem, ValueError) as exc:
                    problems.append(str(exc))
            raise ValueProblem("; ".join(problems))
        if origin in (list, tuple) and isinstance(value, list):
            if len(value) > MAX_ITEMS:
                raise ValueProblem(f"a list of {len(value):,} items (at most {MAX_ITEMS:,})")
            (inner, *_) = typing.get_args(annotation) or (Any,)
            return [self.coerce(v, inner) for v in value]
        if annotation is LocalAccount:
            if isinstance(value, str) and value.lstrip("@") in self.actors:
                return self.actors[value.lstrip("@")]
            raise ValueProblem(f"{value!r} is not an actor of this scenario")
        if isinstance(value, str) and value.startswith("@"):
            value = self.reference(value)
        if annotation is Decimal:
            return to_decimal(value)
        if annotation is int:
            return self._in_range(self._integer(value), value, signed)
        if annotation is bytes:
            if isinstance(value, str) and value.startswith("0x"):
                if not re.fullmatch(r"0x[0-9a-fA-F]{64}", value):
                    raise ValueProblem(f"{value!r} is not a 32-byte hash (expected 0x and 64 hex digits)")
                return bytes.fromhex(value[2:])
            if isinstance(value, str):
                return keccak(text=value)
            raise ValueProblem(f"{value!r} is not bytes (expected 0x-hex, or text to hash)")
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, dict):
            return self.model(annotation, value)
        try:
            adapter = _adapter(annotation)
        except TypeError:  # an annotation that cannot be a cache key
            adapter = TypeAdapter(annotation)
        return adapter.validate_python(value)

    def _integer(self, value: Any) -> int:
        if isinstance(value, bool):
            raise ValueProblem(f"{value!r} is not a number")
        if isinstance(value, int):
            return value
        if isinstance(value, datetime | date):
            return to_timestamp(value, self.start) + self.shift
        if isinstance(value, str):
            if _RELATIVE.match(value):
                return to_timestamp(value, self.start)
            if _DURATION.match(value) or re.fullmatch(r"(\s*\d+\s*[smhdw])+\s*", value):
                return parse_duration(value)
            amount = _AMOUNT.match(value)
            if amount and "." not in amount.group(1) and (amount.group(2) or "").upper() in {"", *UNITS}:
                return int(amount.group(1).replace("_", ""))
            try:
                return to_timestamp(value, self.start) + self.shift
            except ValueProblem:
                pass
        raise ValueProblem(f"{value!r} is not a whole number, a duration (48h) or a time (+4d)")

    @staticmethod
    def _in_range(number: int, value: Any, signed: bool) -> int:
        low, end, kind = (-(UINT256_END // 2), UINT256_END // 2, "int256") if signed else (0, UINT256_END, "uint256")
        if not low <= number < end:
            shown = "-2**255 to 2**255 - 1" if signed else "0 to 2**256 - 1"
            raise ValueProblem(f"{value!r} is out of range for {kind} ({shown})")
        return number

    def model(self, model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
        hints = typing.get_type_hints(model)
        converted = {}
        for key, value in values.items():
            if key not in model.model_fields:
                known = f"(known: {', '.join(model.model_fields)})"
                raise ValueProblem(f"unknown parameter {key!r} {known}", (key,), f"unknown parameter {known}")
            try:
                converted[key] = self.coerce(value, hints[key])
            except ValueError as exc:
                location, reason = _inner(exc)
                raise ValueProblem(f"{key}: {exc}", (key, *location), reason) from exc
        return model.model_validate(converted)

    @staticmethod
    def takes_actor(function: Callable[..., Any]) -> bool:
        """Whether a driver method's first parameter (after `self`) is the acting account: actions take one,
        read methods (a consumer's provenance query, say) do not."""
        parameters, hints = _parameters(function)
        if not parameters:
            return False
        annotation = hints.get(parameters[0].name)
        options = (
            typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else ()
        )
        return annotation is LocalAccount or LocalAccount in options

    def call_arguments(self, function: Callable[..., Any], values: dict[str, Any], skip: int = 0) -> dict[str, Any]:
        """Keyword arguments for `function` from a scenario's values; its first `skip` parameters (after
        `self`) are given by the engine."""
        parameters, hints = _parameters(function)
        parameters = parameters[skip:]
        names = {p.name for p in parameters}
        for key in values:
            if key not in names:
                raise ValueProblem(f"unknown argument {key!r} (expected: {', '.join(sorted(names)) or 'none'})")
        arguments = {}
        for parameter in parameters:
            if parameter.name not in values:
                if parameter.default is inspect.Parameter.empty:
                    raise ValueProblem(f"missing argument {parameter.name!r}")
                continue
            try:
                arguments[parameter.name] = self.coerce(values[parameter.name], hints.get(parameter.name, Any))
            except (ValueProblem, ValueError) as exc:
                raise ValueProblem(f"{parameter.name}: {exc}") from exc
        return arguments


# A replay resolves the same few driver methods and value types at every step: their signatures, type hints and
# pydantic adapters are made once (building them cost about a tenth of a step's CPU).
@functools.cache
def _signature_of(function: Callable[..., Any], bound: bool) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    parameters = list(inspect.signature(function).parameters.values())[1 if bound else 0 :]
    return [p for p in parameters if p.name != "self"], typing.get_type_hints(function)


def _parameters(function: Callable[..., Any]) -> tuple[list[inspect.Parameter], dict[str, Any]]:
    """A function's parameters but `self` (or a bound method's first, `cls` too), and its type hints, as
    `inspect.signature` gives them, kept by the method's function."""
    inner = getattr(function, "__func__", None)
    return _signature_of(function, False) if inner is None else _signature_of(inner, True)


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)
