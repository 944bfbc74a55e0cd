"""Fixtures of the UC1 (token sale) suite: one sale deployed per module, every test isolated by the `chain` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ico_env import Ico, deploy_ico

from s4chain.chain import Chain
from s4chain.testing import isolation


@pytest.fixture(scope="module")
def ico_module(s4_chain: Chain) -> Iterator[Ico]:
    with isolation(s4_chain):
        yield deploy_ico(s4_chain)


@pytest.fixture
def ico(chain: Chain, ico_module: Ico) -> Ico:
    """The module's sale; everything a test does is reverted after it."""
    return ico_module


@pytest.fixture
def open_ico(ico: Ico) -> Ico:
    """The sale at opening time."""
    ico.open()
    return ico
