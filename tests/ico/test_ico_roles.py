"""Roles for every privileged function, and the platform's pause."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ico_env import IcoEnv

from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts


def _role(contract, name: str) -> bytes:
    return getattr(contract, name)()


@pytest.mark.parametrize(
    ("contract", "call", "role"),
    [
        ("sale", lambda ico, who: ico.sale.pause(sender=who), "PAUSER_ROLE"),
        ("sale", lambda ico, who: ico.sale.unpause(sender=who), "PAUSER_ROLE"),
        ("sale", lambda ico, who: ico.sale.withdrawProceeds(sender=who), "ISSUER_ROLE"),
        ("sale", lambda ico, who: ico.sale.withdrawFee(sender=who), "FEE_COLLECTOR_ROLE"),
        ("registry", lambda ico, who: ico.driver.registry.verify(ico.dave, True, 0, sender=who), "VERIFIER_ROLE"),
        ("registry", lambda ico, who: ico.driver.registry.unverify(ico.alice, sender=who), "VERIFIER_ROLE"),
        ("ledger", lambda ico, who: ico.driver.ledger.registerOffer(ico.sale, sender=who), "REGISTRAR_ROLE"),
        ("token", lambda ico, who: ico.driver.token.mint(who, 1, sender=who), "MINTER_ROLE"),
    ],
    ids=[
        "sale.pause",
        "sale.unpause",
        "sale.withdrawProceeds",
        "sale.withdrawFee",
        "registry.verify",
        "registry.unverify",
        "ledger.registerOffer",
        "token.mint",
    ],
)
@pytest.mark.parametrize("who", ["eve", "alice", "sme_or_platform"])
def test_wrong_role_rejected(ico: IcoEnv, contract: str, call, role: str, who: str):
    target = {"sale": ico.sale, "registry": ico.driver.registry, "ledger": ico.driver.ledger, "token": ico.driver.token}
    if who == "sme_or_platform":  # the other party: the SME cannot pause, the platform cannot take the proceeds
        account = ico.platform if role in ("ISSUER_ROLE", "MINTER_ROLE") else ico.sme
    else:
        account = getattr(ico, who)
    with reverts("AccessControlUnauthorizedAccount", account=account, neededRole=_role(target[contract], role)):
        call(ico, account)


def test_platform_cannot_grant_itself_the_issuer_role(ico: IcoEnv):
    role = ico.sale.ISSUER_ROLE()
    assert ico.sale.getRoleAdmin(role) == role
    with reverts("AccessControlUnauthorizedAccount", account=ico.platform, neededRole=role):
        ico.sale.grantRole(role, ico.platform, sender=ico.platform)


def test_ledger_settle_only_by_registered_sale(ico: IcoEnv):
    with reverts("UnknownOffer", sale=ico.eve):
        ico.driver.ledger.settleOffer(0, sender=ico.eve)


def test_pause_blocks_buys_and_unpause_restores(open_ico: IcoEnv):
    ico = open_ico
    d = ico.driver
    res = d.sale.pause(sender=ico.platform)
    assert_events(res, "Paused", account=ico.platform)
    assert d.state().paused
    with reverts("EnforcedPause"):
        d.sale.pause(sender=ico.platform)
    with reverts("EnforcedPause"):
        d.buy(ico.carol, D(500))
    with reverts("EnforcedPause"):
        d.buy_with_ether(ico.carol, D(1))
    res = d.sale.unpause(sender=ico.platform)
    assert_events(res, "Unpaused", account=ico.platform)
    with reverts("ExpectedPause"):
        d.sale.unpause(sender=ico.platform)
    d.buy(ico.carol, D(500))
    assert d.state().raised == D(500)


def test_pause_after_closing_never_locks_refunds(ico: IcoEnv):
    """Finding 2 (issue 11): a pause after closing blocked `finalise`, and `refund` needs a finalised sale, so a
    failed sale's refunds were locked for as long as the pauser liked."""
    d = ico.driver
    ico.open()
    d.buy(ico.carol, D(1_000))
    ico.after_windows()
    d.sale.pause(sender=ico.platform)
    res = d.sale.finalise(sender=ico.eve)
    assert_events(res, "SaleFinalised", successful=False)
    d.sale.refund(sender=ico.carol)
    assert d.stablecoin.balanceOf(ico.carol) == eur(30_000)


def test_pause_never_blocks_revoke_finalise_claim_or_withdrawals(ico: IcoEnv):
    d = ico.driver
    ico.open()
    d.buy(ico.carol, D(12_000))
    d.buy(ico.alice, D(1_000))
    d.sale.pause(sender=ico.platform)
    d.sale.revoke(0, sender=ico.alice)  # in her reflection period
    ico.after_windows()
    d.sale.finalise(sender=ico.eve)
    d.sale.claim(sender=ico.carol)
    d.sale.withdrawProceeds(sender=ico.sme)
    d.sale.withdrawFee(sender=ico.platform)
    assert d.token.balanceOf(ico.carol) == 24_000 * 10**18
    assert d.stablecoin.balanceOf(ico.sme) == eur(12_000) - eur(300)
    assert d.stablecoin.balanceOf(ico.alice) == eur(30_000)
