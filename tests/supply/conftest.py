"""Fixtures of the UC4 (supply chain) suite: one SupplyChain deployed per module with its cast of parties; the
s4chain plugin gives every test the state right after the deployment."""

from __future__ import annotations

import pytest
from supply_env import SupplyEnv, build_supply_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def w(s4_chain: Chain) -> SupplyEnv:
    """The supply world."""
    return build_supply_env(s4_chain)
