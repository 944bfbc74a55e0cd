"""Automatic chain isolation for the pytest plugin: a stack of snapshots of the session chain.

An anchor is a snapshot taken before something that may change the chain (a module-scoped fixture, a test and its
function-scoped fixtures, one hypothesis example) and reverted when that thing ends. Anchors are reverted in the
reverse order of taking them, as on anvil, where a snapshot is used up by reverting to it and reverting drops the
later ones: an anchor released while a later one is still open waits for it (Titanoboa's plugin anchors the same
way).
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from s4chain.chain.base import Chain


@dataclass
class Anchor:
    snapshot_id: Any
    state: tuple[int, int]  # the chain's block number and next block time when it was taken
    released: bool = False


class ChainAnchors:
    """The session chain's open anchors; `examples` is on while a test that isolates its examples runs."""

    def __init__(self) -> None:
        self.chain: Chain | None = None
        self.examples = False
        self._stack: list[Anchor] = []

    def _state(self) -> tuple[int, int]:
        assert self.chain is not None
        return self.chain.block_number, self.chain.next_block_time

    def anchor(self) -> Anchor:
        """Take a snapshot, reverted by `release` (once the anchors taken after it are released)."""
        if self.chain is None:
            raise RuntimeError("no session chain to anchor")
        entry = Anchor(self.chain.snapshot(), self._state())
        self._stack.append(entry)
        return entry

    def release(self, entry: Anchor) -> None:
        entry.released = True
        while self._stack and self._stack[-1].released and self.chain is not None:
            self.chain.revert(self._stack.pop().snapshot_id)

    def drop_if_untouched(self, entry: Anchor) -> None:
        """Forget the latest anchor if the chain has not moved since: a wider fixture that did not touch the chain
        (a node, a report) must not hold the anchors of the fixtures torn down before it."""
        if self._stack and self._stack[-1] is entry and self._state() == entry.state:
            self._stack.pop()
            entry.released = True

    @contextmanager
    def example(self) -> Iterator[None]:
        """One hypothesis example: anchored while a test that isolates its examples runs, else left alone."""
        if not (self.examples and self.chain is not None):
            yield
            return
        entry = self.anchor()
        try:
            yield
        finally:
            self.release(entry)


# The anchors of the running pytest session (a stack: pytester runs sessions inside a session).
SESSIONS: list[ChainAnchors] = []


def _current_example() -> Any:
    return SESSIONS[-1].example() if SESSIONS else _nothing()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def isolate_hypothesis_examples() -> None:
    """Run every hypothesis example inside an anchor, `@given` tests and state machines alike.

    `HypothesisHandle.inner_test` is the attribute Hypothesis documents as reassignable to wrap the execution of
    each example; every `@given` (including the one `run_state_machine_as_test` builds per call) gets its handle
    through `__init__`, so wrapping there reaches them all. Hypothesis is not imported for it (0.1-0.3 s, paid by
    every pytest run that loads the plugin): `HypothesisHandle` is wrapped now if `hypothesis.core` is loaded, else
    the moment it is, before any `@given` can use it.
    """
    core = sys.modules.get("hypothesis.core")
    if core is not None:
        _isolate_handles(core.HypothesisHandle)
    elif not any(isinstance(finder, _OnHypothesisImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OnHypothesisImport())


def _isolate_handles(handle: Any) -> None:
    original = handle.__init__
    if getattr(original, "_s4chain_isolates", False):
        return

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        inner = self.inner_test

        @functools.wraps(inner)
        def isolated(*a: Any, **kw: Any) -> Any:
            __tracebackhide__ = True
            with _current_example():
                return inner(*a, **kw)

        self.inner_test = isolated

    __init__._s4chain_isolates = True  # type: ignore[attr-defined]
    handle.__init__ = __init__


class _OnHypothesisImport(importlib.abc.MetaPathFinder):
    """Finds `hypothesis.core` through the other finders (pytest's assertion rewriting included) and wraps its
    loader, so that `HypothesisHandle` is isolated as soon as the module has run."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname != "hypothesis.core":
            return None
        sys.meta_path.remove(self)  # once; and importlib.util.find_spec below must not come back here
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ThenIsolate(spec.loader)
        return spec


class _ThenIsolate(importlib.abc.Loader):
    """A module loader that isolates `HypothesisHandle` once the module has run (anything else: the loader's)."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _isolate_handles(module.HypothesisHandle)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename... for tracebacks and inspect
        return getattr(self._loader, name)
