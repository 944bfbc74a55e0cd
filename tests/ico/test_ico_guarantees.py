"""What buyers bought is theirs once the sale is registered: the token's admin (the SME) cannot take it back by
revoking the sale's minter role or by minting the rest of the cap (issue 11, finding 1)."""

from __future__ import annotations

from decimal import Decimal as D

from ico_env import IcoEnv, build_ico_env

from s4chain.drivers.units import tokens
from s4chain.testing import assert_events, reverts

RESERVE = tokens(50_000 * 2 + 1_000_000)  # hard cap x rate + the team allocation


def succeed(ico: IcoEnv) -> None:
    """Carol buys EUR 12,000 (goal EUR 10,000); the sale is finalised."""
    ico.open()
    ico.driver.buy(ico.carol, D(12_000))
    ico.after_windows()
    ico.driver.sale.finalise(sender=ico.eve)


def test_registration_mints_what_the_sale_can_deliver_to_the_sale(ico: IcoEnv):
    token = ico.driver.token
    assert token.balanceOf(ico.sale) == RESERVE == token.totalSupply()
    assert ico.driver.state().tokens_held == D(1_100_000)


def test_issuer_revoking_the_sales_minter_role_after_success_cannot_stop_claims(ico: IcoEnv):
    d, token = ico.driver, ico.driver.token
    succeed(ico)
    d.sale.withdrawProceeds(sender=ico.sme)
    token.revokeRole(token.MINTER_ROLE(), ico.sale, sender=ico.sme)
    res = d.sale.claim(sender=ico.carol)
    assert_events(res, "TokensClaimed", buyer=ico.carol, tokens=tokens(24_000))
    assert token.balanceOf(ico.carol) == tokens(24_000)


def test_issuer_minting_the_rest_of_the_cap_cannot_stop_claims(ico: IcoEnv):
    d, token = ico.driver, ico.driver.token
    succeed(ico)
    d.sale.withdrawProceeds(sender=ico.sme)
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    token.mint(ico.sme, token.cap() - token.totalSupply(), sender=ico.sme)  # the cap is full
    d.sale.claim(sender=ico.carol)
    assert token.balanceOf(ico.carol) == tokens(24_000)
    assert token.balanceOf(ico.sale) == 0  # every sold token delivered, the unsold ones burnt


def test_issuer_revoking_the_minter_role_before_finalisation_cannot_block_it(ico: IcoEnv):
    """Before, finalisation minted the team allocation: without the role it reverted for good, and the
    investors' funds stayed in the sale."""
    d, token = ico.driver, ico.driver.token
    ico.open()
    d.buy(ico.carol, D(12_000))
    token.revokeRole(token.MINTER_ROLE(), ico.sale, sender=ico.sme)
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    token.mint(ico.sme, token.cap() - token.totalSupply(), sender=ico.sme)
    ico.after_windows()
    d.sale.finalise(sender=ico.eve)
    d.sale.claim(sender=ico.carol)
    assert token.balanceOf(ico.carol) == tokens(24_000)
    assert token.balanceOf(d.vesting) == tokens(1_000_000)


def test_success_burns_the_unsold_tokens_and_vests_the_team(ico: IcoEnv):
    d, token = ico.driver, ico.driver.token
    succeed(ico)
    assert token.balanceOf(ico.sale) == tokens(24_000)  # exactly what the buyers may claim
    assert token.balanceOf(d.vesting) == tokens(1_000_000)
    assert token.totalSupply() == tokens(24_000 + 1_000_000)


def test_failed_sale_burns_everything_it_holds(ico: IcoEnv):
    d, token = ico.driver, ico.driver.token
    ico.open()
    d.buy(ico.carol, D(1_000))
    ico.after_windows()
    d.sale.finalise(sender=ico.eve)
    assert token.totalSupply() == 0 and token.balanceOf(ico.sale) == 0
    d.sale.refund(sender=ico.carol)


def test_registration_needs_the_minter_role(chain):
    ico = build_ico_env(chain, register=False)
    token = ico.driver.token
    token.revokeRole(token.MINTER_ROLE(), ico.sale, sender=ico.sme)
    with reverts("AccessControlUnauthorizedAccount", account=ico.sale):
        ico.driver.register_sale(ico.platform)
    assert not ico.driver.ledger.isRegistered(ico.sale)  # all or nothing: no purchase without the reserve


def test_registration_needs_room_under_the_cap(chain):
    ico = build_ico_env(chain, register=False)
    token = ico.driver.token
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    token.mint(ico.sme, token.cap() - RESERVE + 1, sender=ico.sme)  # after the sale was deployed
    with reverts("ERC20ExceededCap"):
        ico.driver.register_sale(ico.platform)


def test_token_admin_cannot_take_or_burn_a_holders_tokens(ico: IcoEnv):
    """Once claimed, tokens are the investor's: the SME (admin and, if it likes, minter) can neither move nor burn
    them, and cannot re-enter the sale's reserve either."""
    d, token = ico.driver, ico.driver.token
    succeed(ico)
    d.sale.claim(sender=ico.carol)
    d.grant_minter(ico.sme, ico.sme)
    with reverts("ERC20InsufficientAllowance"):
        token.transferFrom(ico.carol, ico.sme, 1, sender=ico.sme)
    with reverts("ERC20InsufficientAllowance"):
        token.burnFrom(ico.carol, 1, sender=ico.sme)
    with reverts("ERC20InsufficientAllowance"):
        token.transferFrom(ico.sale, ico.sme, 1, sender=ico.sme)
    assert token.balanceOf(ico.carol) == tokens(24_000)
