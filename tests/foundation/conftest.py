"""Fixtures of tests/foundation shared by several files."""

from __future__ import annotations

import pytest
from tests.foundation.traced import traced_project

from s4chain.chain import AnvilNode, Chain, InProcessChain, RpcChain
from s4chain.compiler import ArtifactStore, compile_project
from s4chain.project import Project


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> ArtifactStore:
    return compile_project(traced_project(tmp_path_factory.mktemp("traced"), s4_project)).store


@pytest.fixture(scope="module")
def chains(traced: ArtifactStore, anvil: AnvilNode) -> dict[str, Chain]:
    return {"in-process": InProcessChain(traced), "anvil": RpcChain(anvil.url, traced)}
