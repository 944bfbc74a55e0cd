"""Fixtures of the UC5 data-market suites: one deployment per module, reverted after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from data_env import DataEnv, build_data_env

from s4chain.chain import Chain
from s4chain.testing import isolation


@pytest.fixture(scope="module")
def env_module(s4_chain: Chain) -> Iterator[DataEnv]:
    with isolation(s4_chain):
        yield build_data_env(s4_chain)


@pytest.fixture
def env(chain: Chain, env_module: DataEnv) -> DataEnv:
    return env_module
