"""s4chain: replay the S4 'Industrie 4.0 & blockchain' scenario on a real EVM."""

__version__ = "0.1.0"
