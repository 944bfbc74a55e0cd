"""Deprecated: the value language moved to `s4chain.inputs.values`, which `--params` files and the CLI share."""

import warnings

from s4chain.inputs.values import (
    DECIMALS,
    MAX_AMOUNT,
    MAX_DECIMALS,
    MAX_ITEMS,
    MAX_TEXT,
    UINT256_END,
    UNITS,
    Resolver,
    ValueProblem,
    parse_duration,
    to_decimal,
    to_timestamp,
)

warnings.warn(
    "s4chain.scenarios.values is deprecated: import from s4chain.inputs.values", DeprecationWarning, stacklevel=2
)

__all__ = [
    "DECIMALS",
    "MAX_AMOUNT",
    "MAX_DECIMALS",
    "MAX_ITEMS",
    "MAX_TEXT",
    "UINT256_END",
    "UNITS",
    "Resolver",
    "ValueProblem",
    "parse_duration",
    "to_decimal",
    "to_timestamp",
]
