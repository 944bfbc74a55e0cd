"""Fixtures of the UC6 work suites, deployed once per module; the s4chain plugin
gives every test the state right after the deployment."""

from __future__ import annotations

import pytest
from work_env import WorkEnv, build_work_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def env(s4_chain: Chain) -> WorkEnv:
    """The deployment."""
    return build_work_env(s4_chain)
