"""The assertion helpers fail when they should."""

from __future__ import annotations

import pytest

from s4chain.chain import Chain
from s4chain.testing import assert_events, reverts


def test_reverts_fails_when_nothing_reverts(chain: Chain) -> None:
    token = chain.deploy("EuroStablecoin", chain.accounts[0])
    with pytest.raises(AssertionError, match="nothing reverted"), reverts("AccessControlUnauthorizedAccount"):
        token.mint(chain.accounts[0], 1)


def test_reverts_fails_on_another_error_or_argument(chain: Chain) -> None:
    token = chain.deploy("EuroStablecoin", chain.accounts[0])
    with (
        pytest.raises(AssertionError, match="expected a revert with ERC20InsufficientBalance"),
        reverts("ERC20InsufficientBalance"),
    ):
        token.mint(chain.accounts[1], 1, sender=chain.accounts[1])
    with (
        pytest.raises(AssertionError, match="needed is 1, expected 2"),
        reverts("ERC20InsufficientBalance", needed=2),
    ):
        token.transfer(chain.accounts[0], 1, sender=chain.accounts[1])


def test_assert_events_reports_what_was_emitted(chain: Chain) -> None:
    alice = chain.accounts[0]
    token = chain.deploy("EuroStablecoin", alice)
    result = token.mint(alice, 3)
    with pytest.raises(AssertionError, match="emitted: Transfer"):
        assert_events(result, "Approval")
    with pytest.raises(AssertionError, match="expected 2 x Transfer"):
        assert_events(result, "Transfer", count=2)


def test_chain_fixture_isolates_tests_part_one(chain: Chain) -> None:
    token = chain.deploy("EuroStablecoin", chain.accounts[0])
    token.mint(chain.accounts[0], 1)
    assert chain.block_number == 2


def test_chain_fixture_isolates_tests_part_two(chain: Chain) -> None:
    # Whatever order the tests run in, each starts from the same empty chain.
    assert chain.block_number == 0
