"""UC4's encoders: short identifiers, unit codes and temperatures as `SupplyChain` stores them, and the
on-chain enums' names (roles, transport modes, lot statuses)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

Role = Literal["supplier", "manufacturer", "carrier", "warehouse", "retailer", "auditor", "sensor"]
Mode = Literal["road", "rail", "inland_waterway", "sea", "air"]

ROLES: dict[str, str] = {
    "supplier": "SUPPLIER_ROLE",
    "manufacturer": "MANUFACTURER_ROLE",
    "carrier": "CARRIER_ROLE",
    "warehouse": "WAREHOUSE_ROLE",
    "retailer": "RETAILER_ROLE",
    "auditor": "AUDITOR_ROLE",
    "sensor": "SENSOR_ROLE",
}
MODES: tuple[str, ...] = ("road", "rail", "inland_waterway", "sea", "air")
STATUSES: tuple[str, ...] = ("none", "active", "in_transit", "aggregated", "consumed", "disaggregated", "destroyed")
INT16_MIN, INT16_MAX = -(2**15), 2**15 - 1
MG_PER_KG = Decimal(1_000_000)


def text32(text: str) -> bytes:
    """A short identifier (GTIN, GLN, PO number) as a left-aligned, zero-padded bytes32."""
    raw = text.encode()
    if len(raw) > 32:
        raise ValueError(f"{text!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")


def from_text32(raw: bytes) -> str:
    """The inverse of `text32` (and of the bytes8 unit codes)."""
    return bytes(raw).rstrip(b"\0").decode(errors="replace")


def unit8(unit: str) -> bytes:
    """A UN/CEFACT Rec. 20 unit code as bytes8."""
    raw = unit.encode()
    if len(raw) > 8:
        raise ValueError(f"unit {unit!r} is longer than 8 bytes")
    return raw.ljust(8, b"\0")


def centi_celsius(celsius: Decimal | int | str | None, default: int) -> int:
    """Degrees Celsius -> hundredths of a degree (int16); None -> `default` (no bound)."""
    if celsius is None:
        return default
    value = Decimal(str(celsius)) * 100
    if value != value.to_integral_value() or not INT16_MIN <= value <= INT16_MAX:
        raise ValueError(f"{celsius} °C is not a temperature in hundredths of a degree within int16")
    return int(value)
