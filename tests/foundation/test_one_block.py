"""`Chain.one_block()`: several transactions in one block at the time set for it, each with its own result, gas
and decoded revert, on both backends (issue 11 #15: approve-then-act lands at the step's time)."""

from __future__ import annotations

import pytest

from s4chain.chain import Chain
from s4chain.testing import reverts


def test_transactions_share_one_block_at_the_time_set(both_chains: Chain) -> None:
    alice, bob = both_chains.accounts[:2]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    snapshot = both_chains.snapshot()
    alone = [token.mint(bob, 5, sender=alice).gas_used, token.approve(alice, 3, sender=bob).gas_used]
    both_chains.revert(snapshot)
    at = both_chains.timestamp + 100
    both_chains.set_next_block_timestamp(at)
    height = both_chains.block_number
    with both_chains.one_block() as block:
        minted = token.mint(bob, 5, sender=alice)
        approved = token.approve(alice, 3, sender=bob)
        assert block.timestamp == at
    assert both_chains.block_number == height + 1
    assert (minted.block_number, approved.block_number) == (height + 1, height + 1)
    assert (minted.timestamp, approved.timestamp) == (at, at)
    assert [minted.gas_used, approved.gas_used] == alone  # the gas of each is its own
    assert int(both_chains.w3.eth.get_block(height + 1)["gasUsed"]) == sum(alone)
    assert minted.events_named("Transfer") and approved.events_named("Approval")
    assert token.allowance(bob, alice) == 3
    token.transfer(alice, 1, sender=bob)  # automine is back: one block per transaction again
    assert both_chains.block_number == height + 2


def test_a_revert_in_the_last_transaction_is_decoded_and_the_first_lands(both_chains: Chain) -> None:
    alice, bob, carol = both_chains.accounts[:3]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(bob, 5, sender=alice)
    height = both_chains.block_number
    with reverts("ERC20InsufficientAllowance", spender=carol, allowance=4, needed=5), both_chains.one_block():
        token.approve(carol, 4, sender=bob)
        token.transferFrom(bob, carol, 5, sender=carol)
    assert both_chains.block_number == height + 1
    assert token.allowance(bob, carol) == 4  # the approval landed in that block


def test_the_first_revert_of_the_block_is_raised(both_chains: Chain) -> None:
    alice, mallory = both_chains.accounts[0], both_chains.accounts[5]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    with reverts("AccessControlUnauthorizedAccount", account=mallory), both_chains.one_block():
        token.mint(mallory, 1, sender=mallory)
        token.transfer(alice, 1, sender=mallory)


def test_an_error_inside_still_mines_what_was_sent_and_restores_automine(both_chains: Chain) -> None:
    alice, bob = both_chains.accounts[:2]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    height = both_chains.block_number
    with pytest.raises(ValueError, match="driver"), both_chains.one_block():
        token.mint(bob, 5, sender=alice)
        raise ValueError("a driver's own check")
    assert both_chains.block_number == height + 1
    assert token.balanceOf(bob) == 5
    token.mint(bob, 1, sender=alice)
    assert both_chains.block_number == height + 2


def test_an_empty_block_mines_nothing(both_chains: Chain) -> None:
    height = both_chains.block_number
    with both_chains.one_block():
        pass
    assert both_chains.block_number == height


def test_a_block_refuses_what_would_not_fit(both_chains: Chain) -> None:
    alice, bob = both_chains.accounts[:2]
    token = both_chains.deploy("EuroStablecoin", alice, sender=alice)
    height = both_chains.block_number
    with pytest.raises(ValueError, match="no room"), both_chains.one_block():
        for _ in range(3):  # three of 15M gas limit each: a block holds 30M
            token.mint(bob, 1, sender=alice)
    assert both_chains.block_number == height + 1
    assert token.balanceOf(bob) == 2  # the two sent were mined, once each
