"""Fixtures of the UC3 leasing suites, deployed once per module; the s4chain plugin
gives every test the state right after the deployment."""

from __future__ import annotations

import pytest
from leasing_env import LeasingEnv, build_leasing_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def env(s4_chain: Chain) -> LeasingEnv:
    """The deployment."""
    return build_leasing_env(s4_chain)
