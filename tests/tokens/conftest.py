"""Fixtures of the UC2 suite: the factory, the exchange and two personal tokens, deployed once per module; the
s4chain plugin gives every test the state right after the deployment."""

from __future__ import annotations

import pytest
from tokens_env import TokensEnv, build_tokens_env

from s4chain.chain import Chain


@pytest.fixture(scope="module")
def m(s4_chain: Chain) -> TokensEnv:
    """The market."""
    return build_tokens_env(s4_chain)
