"""The in-process backends by name: py-evm (the reference, `InProcessChain`) and revm (`RevmChain`, needs pyrevm).

One factory for every place a user picks one: the pytest plugin's `--s4-backend`, `s4chain replay --backend` and
`s4chain demo --backend`, the benchmark."""

from __future__ import annotations

from typing import Literal

from s4chain.chain.base import Chain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.errors import S4ChainError

Backend = Literal["py-evm", "revm"]
BACKENDS: tuple[Backend, ...] = ("py-evm", "revm")
DEFAULT_BACKEND: Backend = "py-evm"


class BackendError(S4ChainError):
    """An unknown backend, or one whose package is not installed."""


def check_backend(backend: str) -> None:
    """Raise BackendError unless `in_process_chain(backend)` can be made, without making one."""
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if backend == "revm":
        from s4chain.chain.revm import revm_available

        if not revm_available():
            raise BackendError("the revm backend needs pyrevm: pip install 's4chain[revm]'")


def in_process_chain(backend: str = DEFAULT_BACKEND, artifacts: ArtifactStore | None = None) -> Chain:
    """A fresh in-process chain on that backend (BackendError: see `check_backend`)."""
    check_backend(backend)
    if backend == "py-evm":
        from s4chain.chain.inprocess import InProcessChain

        return InProcessChain(artifacts)
    from s4chain.chain.revm import RevmChain

    return RevmChain(artifacts)
