"""What a report shows for a raw on-chain value: an address as the actor or contract it is, a role hash as the
role's name, an amount in its unit (`1,500 tEUR`, `0.05 ETH`, `200 UMT`). The units come from the replay's data:
each token's own `symbol()` and `decimals()`, and each use case's declaration of its events' amounts
(`UseCase.amounts`)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
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
        return labels

    def unit_of(self, event: Mapping[str, Any], argument: str) -> tuple[str, int] | None:
        """The unit of an event's argument, if the token or the use case says it is an amount."""
        emitter = event["address"]
        if _OWN_AMOUNTS.get(event["name"]) == argument and emitter in self.units:
            return self.units[emitter]
        declared = self.amounts.get(self.set_of.get(emitter, ""), {})
        reference = declared.get(f"{event['name']}.{argument}", declared.get(argument))
        if reference is None:
            return None
        if reference == "ether":
            return ETHER
        if reference.startswith("@"):
            address = event["args"].get(reference[1:])
            return ETHER if address == ZERO_ADDRESS else self.units.get(str(address))
        return self.units.get(self.deployments.get(self.set_of.get(emitter, ""), {}).get(reference, ""))

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
