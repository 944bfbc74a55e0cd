"""Fixtures of the UC1 (token sale) suite: one sale deployed per module; the s4chain plugin gives every test the
state right after the deployment."""

from __future__ import annotations

import pytest
from ico_env import IcoEnv, build_ico_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def ico(s4_chain: Chain) -> IcoEnv:
    """The module's sale."""
    return build_ico_env(s4_chain)


@pytest.fixture
def open_ico(ico: IcoEnv) -> IcoEnv:
    """The sale at opening time."""
    ico.open()
    return ico
