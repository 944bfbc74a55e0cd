"""Amounts in euros and token units, converted in one place."""

from __future__ import annotations

from decimal import Decimal

EURO_DECIMALS = 6  # the test euro stablecoin, like EURC
TOKEN_DECIMALS = 18  # ERC-20 default, used by the SME tokens


def to_units(amount: Decimal | int | str, decimals: int) -> int:
    """`Decimal("12.5")` euros -> 12_500_000 units; refuses amounts finer than the token's decimals."""
    value = Decimal(str(amount)) * (Decimal(10) ** decimals)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimals")
    return int(value)


def from_units(units: int, decimals: int) -> Decimal:
    return Decimal(units) / (Decimal(10) ** decimals)


def euros(units: int) -> Decimal:
    """Stablecoin units (6 decimals) -> euros."""
    return from_units(int(units), EURO_DECIMALS)


def eur(amount: Decimal | int | str) -> int:
    """Euros -> stablecoin units (6 decimals)."""
    return to_units(amount, EURO_DECIMALS)


def tokens(amount: Decimal | int | str, decimals: int = TOKEN_DECIMALS) -> int:
    return to_units(amount, decimals)
