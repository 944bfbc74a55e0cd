"""The SME token (capped, burnable, ERC-2612 permit, role-gated minting) and the investor registry."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ico_env import IcoEnv

from s4chain.drivers.permit import sign_permit
from s4chain.drivers.units import eur, tokens
from s4chain.testing import assert_events, reverts


def test_token_metadata_and_cap(ico: IcoEnv):
    token = ico.driver.token
    assert (token.name(), token.symbol(), token.decimals()) == ("Usinage Martin Token", "UMT", 18)
    assert token.cap() == tokens(10_000_000)
    assert token.hasRole(token.DEFAULT_ADMIN_ROLE(), ico.sme)


def test_mint_up_to_the_cap_only(ico: IcoEnv):
    token = ico.driver.token
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    held = token.balanceOf(ico.sale)  # minted to the sale at its registration
    assert held == tokens(50_000 * 2 + 1_000_000) == token.totalSupply()
    token.mint(ico.sme, tokens(10_000_000) - held, sender=ico.sme)
    with reverts("ERC20ExceededCap", increasedSupply=tokens(10_000_000) + 1, cap=tokens(10_000_000)):
        token.mint(ico.sme, 1, sender=ico.sme)
    token.burn(tokens(1), sender=ico.sme)
    token.mint(ico.sme, tokens(1), sender=ico.sme)  # burning makes room again
    assert token.totalSupply() == tokens(10_000_000)


def test_burn_from_needs_allowance(ico: IcoEnv):
    token = ico.driver.token
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    token.mint(ico.alice, tokens(10), sender=ico.sme)
    with reverts("ERC20InsufficientAllowance"):
        token.burnFrom(ico.alice, tokens(1), sender=ico.eve)
    token.approve(ico.eve, tokens(1), sender=ico.alice)
    token.burnFrom(ico.alice, tokens(1), sender=ico.eve)
    assert token.balanceOf(ico.alice) == tokens(9)


def test_permit(ico: IcoEnv):
    token = ico.driver.token
    owner, spender = ico.alice, ico.eve
    deadline = ico.chain.timestamp + 3_600
    value = tokens(5)
    v, r, s = sign_permit(token, owner, spender, value, deadline)
    token.permit(owner, spender, value, deadline, v, r, s, sender=ico.eve)
    assert token.allowance(owner, spender) == value and token.nonces(owner) == 1
    with reverts("ERC2612InvalidSigner"):  # replay: the nonce moved on
        token.permit(owner, spender, value, deadline, v, r, s, sender=ico.eve)


def test_registry_verify_records_profile_and_events(ico: IcoEnv):
    reg = ico.driver.registry
    res = ico.driver.verify_investor(ico.platform, ico.dave, retail=True, net_worth=D("42000.5"))
    assert_events(
        res, "InvestorVerified", investor=ico.dave, retail=True, netWorth=eur("42000.5"), verifier=ico.platform
    )
    verified, retail, acknowledged, verified_at, net_worth = reg.profile(ico.dave)
    assert (verified, retail, acknowledged, net_worth) == (True, True, False, eur("42000.5"))
    assert verified_at == res.timestamp
    pos = ico.driver.investor(ico.dave)
    assert pos.verified and pos.retail and pos.retail_limit == D("2100.025")
    res = ico.driver.registry.unverify(ico.dave, sender=ico.platform)
    assert_events(res, "InvestorUnverified", investor=ico.dave, verifier=ico.platform)
    assert not reg.isVerified(ico.dave)
    with reverts("InvestorNotVerified", investor=ico.dave):
        ico.driver.registry.unverify(ico.dave, sender=ico.platform)


def test_acknowledgment_is_recorded_by_the_investor_and_survives_reverification(ico: IcoEnv):
    reg = ico.driver.registry
    ico.driver.registry.acknowledgeRisk(sender=ico.bob)
    assert reg.profile(ico.bob).acknowledged is True
    ico.driver.verify_investor(ico.platform, ico.bob, retail=True, net_worth=D(20_000))
    assert reg.profile(ico.bob).acknowledged is True
    assert reg.profile(ico.alice).acknowledged is False  # nobody acknowledges for someone else


def test_registry_rejects_bad_input(ico: IcoEnv):
    with reverts("InvalidInvestor"):
        ico.driver.registry.verify("0x" + "00" * 20, True, 0, sender=ico.platform)
    with reverts("NetWorthTooLarge"):
        ico.driver.registry.verify(ico.dave, True, 2**128, sender=ico.platform)


@pytest.mark.parametrize("contract", ["sale", "registry", "ledger", "token"])
def test_only_admins_grant_roles(ico: IcoEnv, contract: str):
    target = {"sale": ico.sale, "registry": ico.driver.registry, "ledger": ico.driver.ledger, "token": ico.driver.token}
    c = target[contract]
    admin = c.DEFAULT_ADMIN_ROLE()
    with reverts("AccessControlUnauthorizedAccount", account=ico.eve, neededRole=admin):
        c.grantRole(admin, ico.eve, sender=ico.eve)
    holder = ico.sme if contract == "token" else ico.platform
    with reverts("AccessControlUnauthorizedAccount", account=ico.eve, neededRole=admin):
        c.revokeRole(admin, holder, sender=ico.eve)
