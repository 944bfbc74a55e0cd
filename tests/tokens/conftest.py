"""Fixtures of the UC2 suite: the factory, the exchange and two personal tokens deployed once per module,
every test isolated by the `chain` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tokens_env import Market, build_market

from s4chain.chain import Chain
from s4chain.testing import isolation


@pytest.fixture(scope="module")
def market_module(s4_chain: Chain) -> Iterator[Market]:
    with isolation(s4_chain):
        yield build_market(s4_chain)


@pytest.fixture
def m(chain: Chain, market_module: Market) -> Market:
    """The market, with everything the test does reverted after it."""
    return market_module
