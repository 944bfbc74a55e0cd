"""s4chain: replay the S4 'Industrie 4.0 & blockchain' scenario on a real EVM."""

__version__ = "0.1.0"

from s4chain.deferred import defer_eth_keyfile

defer_eth_keyfile()  # eth-account without py_ecc's BLS tables until a keystore is used (s4chain/deferred.py)
