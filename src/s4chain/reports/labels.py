"""What a report shows for a raw on-chain value: an address as the actor or contract it is, a role hash as the
role's name, an amount in its unit (`1,500 tEUR`, `0.05 ETH`, `200 UMT`, `38.316 kg CO2e`). The units come from the
replay's data: each token's own `symbol()` and `decimals()`, and each use case's declaration of its events' amounts
(`UseCase.amounts`) and of its final state's fields (`UseCase.state_units`: units, dates, durations)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from s4chain.drivers.registry import use_cases
from s4chain.drivers.units import from_units

ETHER = ("ETH", 18)
ZERO_ADDRESS = "0x" + "0" * 40
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_OWN_AMOUNTS = {"Transfer": "value", "Approval": "value"}  # a token's own events, counted in the token


def amount(raw: int, symbol: str, decimals: int) -> str:
    """`1500000000` of a 6-decimal tEUR -> `1,500 tEUR`; every digit kept, trailing zeros dropped."""
    # Integer arithmetic: a Decimal division would round past 28 digits (10**30 base units of an 18-decimal token).
    whole, rest = divmod(abs(raw), 10**decimals)
    fraction = f"{rest:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{'-' if raw < 0 else ''}{whole:,}{'.' + fraction if fraction else ''} {symbol}"


def date(timestamp: int) -> str:
    """A unix time as `2031-01-05 09:00:00 UTC` (one beyond the year 9999 as it is)."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return f"unix time {timestamp}"


def duration(seconds: int) -> str:
    """`2592000` -> `30 days`; `5400` -> `1 h 30 min`."""
    days, rest = divmod(seconds, 86_400)
    parts = [f"{days:,} day{'s' if days != 1 else ''}"] if days else []
    parts += [f"{n} {u}" for n, u in ((rest // 3600, "h"), (rest % 3600 // 60, "min"), (rest % 60, "s")) if n]
    return " ".join(parts) or "0 s"


def quantity(value: Any, unit: str) -> str | None:
    """A domain number (`35500`, `"38.316"`) with thousands separators and its unit; None for no number."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return f"{number:,} {unit}".rstrip()


# Field names that say their unit when the use case declares none (`UseCase.state_units`).
_BY_NAME = (("_at", "date"), ("_ether", "ether"), ("_kg", "=kg"), ("_bps", "=bps"))


def short(text: str) -> str:
    """A long hex string (a hash, an address nobody named) cut to its ends: `0x1234…cdef`."""
    return text if len(text) <= 14 else f"{text[:6]}…{text[-4:]}"


@dataclass
class Labels:
    """The labels of one scenario's report data."""

    names: dict[str, str]  # address -> actor or `set.Contract`
    roles: dict[str, str]  # role hash -> role name
    units: dict[str, tuple[str, int]]  # token address -> (symbol, decimals)
    deployments: dict[str, dict[str, str]]  # set -> contract name -> address
    amounts: dict[str, Mapping[str, str]]  # set -> argument (or `Event.argument`) -> unit reference
    set_of: dict[str, str] = field(default_factory=dict)  # contract address -> its set
    state_units: dict[str, Mapping[str, str]] = field(default_factory=dict)  # set -> state field -> unit reference
    # (contract, argument, value) -> the arguments of that contract's events carrying it, the first of each name:
    # what an "@key.arg" unit reads (a fill's offer's tokens).
    context: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Mapping[str, Any]) -> Labels:
        registered = use_cases()
        declared = {s: registered[d].amounts for s, d in scenario.get("drivers", {}).items() if d in registered}
        units = {a: (u["symbol"], int(u["decimals"])) for a, u in scenario.get("units", {}).items()}
        labels = cls(
            dict(scenario.get("names", {})),
            {k.lower(): v for k, v in scenario.get("roles", {}).items()},
            units,
            scenario.get("deployments", {}),
            declared,
        )
        labels.set_of = {a: s for s, contracts in labels.deployments.items() for a in contracts.values()}
        drivers = scenario.get("drivers", {}).items()
        labels.state_units = {s: registered[d].state_units for s, d in drivers if d in registered}
        for step in scenario.get("steps", []):
            for event in step.get("events", []):
                for key, value in event["args"].items():
                    if isinstance(value, int | str) and not isinstance(value, bool):
                        known = labels.context.setdefault((event["address"], key, str(value)), {})
                        for name, other in event["args"].items():
                            known.setdefault(name, other)
        return labels

    def _unit(self, reference: str, set_name: str) -> tuple[str, int] | None:
        """A unit reference that names no event argument: "ether", "=name:decimals", or a contract of the set."""
        if reference == "ether":
            return ETHER
        if reference.startswith("="):
            name, _, decimals = reference[1:].rpartition(":") if ":" in reference else (reference[1:], "", "0")
            return name, int(decimals)
        return self.units.get(self.deployments.get(set_name, {}).get(reference, ""))

    def unit_of(self, event: Mapping[str, Any], argument: str) -> tuple[str, int] | None:
        """The unit of an event's argument, if the token or the use case says it is an amount."""
        emitter = event["address"]
        if _OWN_AMOUNTS.get(event["name"]) == argument and emitter in self.units:
            return self.units[emitter]
        declared = self.amounts.get(self.set_of.get(emitter, ""), {})
        reference = declared.get(f"{event['name']}.{argument}", declared.get(argument))
        if reference is None:
            return None
        if reference.startswith("@"):
            key, _, name = reference[1:].rpartition(".")
            args = event["args"] if not key else self.context.get((emitter, key, str(event["args"].get(key))), {})
            address = args.get(name)
            if address is None:
                return None
            return ETHER if address == ZERO_ADDRESS else self.units.get(str(address))
        return self._unit(reference, self.set_of.get(emitter, ""))

    def state(
        self, set_name: str, value: Any, reference: str | None = None, siblings: Mapping[str, Any] | None = None
    ) -> str:
        """A value of a set's final state as HTML: each field in its declared unit (`UseCase.state_units`), a date,
        a duration, an actor's name; a mapping's and a list's items in their field's unit."""
        declared = self.state_units.get(set_name, {})

        def unit_of(name: str, inherited: str | None) -> str | None:
            if name in declared:
                return declared[name]
            return next((unit for suffix, unit in _BY_NAME if name.endswith(suffix)), inherited)

        if isinstance(value, Mapping):
            rows = "".join(
                f"<tr><th>{self.value(key)}</th><td>{self.state(set_name, item, unit_of(key, reference), value)}"
                "</td></tr>"
                for key, item in value.items()
            )
            return f"<table class=state>{rows}</table>" if rows else "<i>none</i>"
        if isinstance(value, list):
            items = "".join(f"<li>{self.state(set_name, item, reference, siblings)}</li>" for item in value)
            return f"<ol class=state>{items}</ol>" if items else "<i>none</i>"
        if value is None:
            return "<i>none</i>"
        if isinstance(value, bool) or reference is None:
            return self.value(value)
        if reference in ("date", "duration") and isinstance(value, int):
            if reference == "duration":
                return html.escape(duration(value))
            return "<i>not set</i>" if value == 0 else f"<span title={value}>{html.escape(date(value))}</span>"
        if reference.startswith("@"):
            token = self.units.get(str((siblings or {}).get(reference[1:])))
            unit = token[0] if token is not None else ""
        else:
            found = self._unit(reference, set_name)
            unit = found[0] if found is not None else ""
        shown = quantity(value, unit)
        return f"<span class=amt title={value}>{html.escape(shown)}</span>" if shown else self.value(value)

    def name(self, address: str) -> str | None:
        """An address's actor or contract name, or a token's symbol for a token nobody named (a factory's)."""
        if address in self.names:
            return self.names[address]
        return self.units[address][0] if address in self.units else None

    def value(self, value: Any, unit: tuple[str, int] | None = None, event: Mapping[str, Any] | None = None) -> str:
        """A value as HTML: named, in its unit, or as it is; a struct's fields and a list's items alike."""
        if isinstance(value, Mapping):
            inner = ", ".join(
                f"{html.escape(k)}: {self.value(v, self.unit_of(event, k) if event else None, event)}"
                for k, v in value.items()
            )
            return "{" + inner + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v, unit, event) for v in value) + "]"
        if isinstance(value, int) and not isinstance(value, bool) and unit is not None:
            return f"<span class=amt title={value}>{html.escape(amount(value, *unit))}</span>"
        if isinstance(value, str):
            name = self.name(value)
            if name is not None:
                return f"<span class=who title={value}>{html.escape(name)}</span>"
            if _HASH.match(value):
                role = self.roles.get(value.lower())
                if role is not None:
                    return f"<span class=role title={value}>{html.escape(role)}</span>"
                return f"<span title={value}>{html.escape(short(value))}</span>"
        return html.escape(str(value))

    def event(self, event: Mapping[str, Any]) -> str:
        """`sale.TokenSale.TokensPurchased(buyer=alice, eurValue=1,500 tEUR, ...)` as HTML."""
        args = ", ".join(
            f"{html.escape(k)}={self.value(v, self.unit_of(event, k), event)}" for k, v in event["args"].items()
        )
        return f"{self.value(event['address'])}.<b>{html.escape(event['name'])}</b>({args})"


def decimal_of(raw: int, unit: tuple[str, int] | None) -> Decimal:
    """A raw amount as a number in its unit (raw when the unit is not known), for charts."""
    return from_units(raw, unit[1]) if unit is not None else Decimal(raw)
