"""Shared fixtures of the s4chain suites (the chain fixtures come from the s4chain pytest plugin)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from s4chain.chain import AnvilNode, Chain, InProcessChain, RpcChain
from s4chain.chain.revm import RevmChain, revm_available
from s4chain.compiler import ArtifactStore
from s4chain.testing import isolation
from tests.faults.proxy import FaultyProxy

pytest_plugins = ["pytester"]  # tests/foundation/test_plugin_isolation.py runs the plugin inside pytest

# CI replays the same hypothesis examples on every run, so a landing never hangs on a draw; a developer's
# `make test` (and `make test-slow`, which has the state machines) explores new ones each time (a failure there is
# a finding: add its example with @example).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session", params=["in-process", "anvil", "revm"])
def both_chains_session(request: pytest.FixtureRequest, compiled: ArtifactStore) -> Chain:
    """One chain per backend (py-evm in-process, anvil, revm in-process), for tests that must behave the same on
    every one."""
    if request.param == "anvil":
        node: AnvilNode = request.getfixturevalue("anvil")
        return RpcChain(node.url, compiled)
    if request.param == "revm":
        if not revm_available():
            pytest.skip("pyrevm is not installed (pip install -e '.[revm]')")
        return RevmChain(compiled)
    return InProcessChain(compiled)


@pytest.fixture
def both_chains(both_chains_session: Chain) -> Iterator[Chain]:
    with isolation(both_chains_session):
        yield both_chains_session


@pytest.fixture
def faulty_proxy(anvil: AnvilNode) -> Iterator[FaultyProxy]:
    """A faulty JSON-RPC proxy in front of the session's anvil (see tests/faults/proxy.py): no faults until
    `faulty_proxy.inject(method, Kind.X, ...)`."""
    with FaultyProxy(anvil.url) as proxy:
        yield proxy


@pytest.fixture
def node_chain(anvil: AnvilNode, compiled: ArtifactStore) -> Iterator[RpcChain]:
    """An `RpcChain` on the worker's anvil, reverted after the test."""
    chain = RpcChain(anvil.url, compiled)
    with isolation(chain):
        yield chain
