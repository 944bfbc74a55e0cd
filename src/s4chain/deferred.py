"""eth-keyfile loaded on first use: `import eth_account` (and so `import web3`) no longer computes py_ecc's
BLS12-381 pairing constants, about 0.3-0.6 CPU-s of every process (docs/performance.md, "Against Foundry").

eth-account imports eth-keyfile at start-up for its keystore functions (`Account.encrypt`, `Account.decrypt`), and
eth-keyfile imports py_ecc's BLS module for EIP-2335 (BLS) keystores, whose import computes the pairing constants.
`defer_eth_keyfile()` (called by `import s4chain`) puts stand-ins for `eth_keyfile` and `eth_keyfile.keyfile` into
`sys.modules`, made from their real specs (`__file__`, `__path__`, `__spec__` as the import system would set them),
holding only what eth-account imports from them: `create_keyfile_json` and `decode_keyfile_json`, which load the
real module when called, and the `KDFType` alias. Reading any other name of either loads the real code into the
same module objects, so `import eth_keyfile` anywhere gets the real module, only later. Nothing is done if
eth-keyfile is already imported or not installed. py-evm imports py_ecc's BLS module itself (the EIP-2537
precompiles), so only processes that never load py-evm gain: the revm backend, `--rpc` replays, the CLI.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any, Literal

_PACKAGE = "eth_keyfile"
_KEYFILE = "eth_keyfile.keyfile"
_lock = threading.RLock()
_waiting: list[ModuleType] = []  # the stand-ins not yet loaded: the keyfile module first (the package imports it)


class _Deferred(ModuleType):
    """A module whose code runs when a name it does not hold yet is read (or its names are listed)."""

    def __getattr__(self, name: str) -> Any:
        if name == "__path__":  # what the import system asks of a module before `from module import name`
            raise AttributeError(name)
        load_eth_keyfile()
        return ModuleType.__getattribute__(self, name)

    def __dir__(self) -> list[str]:
        load_eth_keyfile()
        return sorted(self.__dict__)


def defer_eth_keyfile() -> None:
    """Put the stand-ins in place, unless eth-keyfile is imported already (or absent)."""
    with _lock:
        if _PACKAGE in sys.modules:
            return
        package_spec = importlib.util.find_spec(_PACKAGE)  # a top-level name: nothing is imported to find it
        if package_spec is None or package_spec.submodule_search_locations is None:
            return
        keyfile_spec = PathFinder.find_spec(_KEYFILE, package_spec.submodule_search_locations)
        if keyfile_spec is None:
            return
        package, keyfile = _stand_in(package_spec), _stand_in(keyfile_spec)
        keyfile.KDFType = Literal["pbkdf2", "scrypt"]  # type: ignore[attr-defined]  # equal to eth-keyfile's
        for name in ("create_keyfile_json", "decode_keyfile_json"):
            forward = _forward(keyfile, name)
            setattr(keyfile, name, forward)
            setattr(package, name, forward)
        package.keyfile = keyfile  # type: ignore[attr-defined]  # as the import system sets a submodule
        _waiting[:] = [keyfile, package]
        sys.modules[_PACKAGE], sys.modules[_KEYFILE] = package, keyfile


def load_eth_keyfile() -> None:
    """Run the real eth-keyfile in its stand-ins (once; nothing if they were never put in place)."""
    with _lock:
        while _waiting:
            module = _waiting.pop(0)
            module.__class__ = ModuleType  # from now on an ordinary module, as the real one is
            spec = module.__spec__
            assert spec is not None and spec.loader is not None
            try:
                spec.loader.exec_module(module)  # overwrites the forwarders with the real functions
            except BaseException:
                module.__class__ = _Deferred  # tried again on the next use
                _waiting.insert(0, module)
                raise


def _stand_in(spec: ModuleSpec) -> ModuleType:
    module = importlib.util.module_from_spec(spec)  # the attributes the import system sets, no code run
    module.__class__ = _Deferred
    return module


def _forward(keyfile: ModuleType, name: str) -> Any:
    """A function that loads eth-keyfile, then calls its `name`."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        load_eth_keyfile()
        return getattr(keyfile, name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    forward.__module__ = _KEYFILE
    return forward
