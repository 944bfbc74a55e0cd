"""Fixtures of the UC6 work suites: one deployment per module, reverted after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from work_env import Env, build_env

from s4chain.chain import Chain
from s4chain.testing import isolation


@pytest.fixture(scope="module")
def env_module(s4_chain: Chain) -> Iterator[Env]:
    with isolation(s4_chain):
        yield build_env(s4_chain)


@pytest.fixture
def env(chain: Chain, env_module: Env) -> Env:
    return env_module
