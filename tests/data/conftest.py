"""Fixtures of the UC5 data-market suites, deployed once per module; the s4chain plugin
gives every test the state right after the deployment."""

from __future__ import annotations

import pytest
from data_env import DataEnv, build_data_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def env(s4_chain: Chain) -> DataEnv:
    """The deployment."""
    return build_data_env(s4_chain)
