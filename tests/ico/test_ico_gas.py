"""Gas of every external state-changing function of the UC1 contracts, recorded in the gas report.

The buy path must stay under 120,000 gas in its worst case: the very first purchase of the sale (the sale's
stablecoin balance goes from zero), by a new investor, leaving a non-zero allowance and balance behind (no gas
refund), retail (the reflection deadline is written)."""

from __future__ import annotations

from decimal import Decimal as D

from ico_env import IcoEnv

from s4chain.drivers.permit import sign_permit
from s4chain.drivers.units import eur

BUY_CEILING = 120_000


def test_gas_report(ico: IcoEnv, gas_report):
    d = ico.driver
    chain = ico.chain
    rec = gas_report.record

    for name, contract in d.contracts().items():
        if name != "EuroStablecoin":  # the shared stablecoin is not ours to report
            assert contract.deployment is not None
            rec(f"{name}.deploy", contract.deployment.gas_used)

    extra = chain.accounts[8]
    rec("InvestorRegistry.verify", d.verify_investor(ico.platform, extra, retail=True, net_worth=D(50_000)).gas_used)
    rec("InvestorRegistry.acknowledgeRisk", d.registry.acknowledgeRisk(sender=extra).gas_used)
    rec("InvestorRegistry.unverify", d.registry.unverify(extra, sender=ico.platform).gas_used)
    rec("SmeToken.grantRole", d.token.grantRole(d.token.MINTER_ROLE(), ico.sme, sender=ico.sme).gas_used)
    rec("SmeToken.mint", d.token.mint(ico.sme, 10**18, sender=ico.sme).gas_used)
    rec("SmeToken.burn", d.token.burn(10**17, sender=ico.sme).gas_used)
    rec("SmeToken.transfer", d.token.transfer(ico.eve, 10**17, sender=ico.sme).gas_used)
    rec("SmeToken.approve", d.token.approve(ico.eve, 10**17, sender=ico.sme).gas_used)
    rec("SmeToken.transferFrom", d.token.transferFrom(ico.sme, ico.eve, 10**17, sender=ico.eve).gas_used)
    rec("SmeToken.burnFrom", d.token.burnFrom(ico.sme, 0, sender=ico.eve).gas_used)
    deadline = chain.timestamp + 3_600
    v, r, s = sign_permit(d.token, ico.sme, ico.eve, 10**17, deadline)
    rec("SmeToken.permit", d.token.permit(ico.sme, ico.eve, 10**17, deadline, v, r, s, sender=ico.eve).gas_used)
    for name, contract, holder in (
        ("SmeToken", d.token, ico.sme),
        ("InvestorRegistry", d.registry, ico.platform),
        ("IssuerCapLedger", d.ledger, ico.platform),
    ):
        role = contract.DEFAULT_ADMIN_ROLE()
        rec(f"{name}.grantRole", contract.grantRole(role, ico.eve, sender=holder).gas_used)
        rec(f"{name}.revokeRole", contract.revokeRole(role, ico.eve, sender=holder).gas_used)
        contract.grantRole(role, ico.eve, sender=holder)
        rec(f"{name}.renounceRole", contract.renounceRole(role, ico.eve, sender=ico.eve).gas_used)

    ico.open()
    # worst case: first buy of the whole sale, new retail investor, allowance and balance left non-zero
    d.approve(ico.alice, D(2_000))
    first = d.buy(ico.alice, D(1_000), approve=False)
    rec("TokenSale.buy", first.gas_used)
    assert first.gas_used < BUY_CEILING, first.gas_used
    # first buy of another new investor, then a second purchase (a new purchase slot)
    d.approve(ico.bob, D(900))
    new_investor = d.buy(ico.bob, D(500), approve=False)
    assert new_investor.gas_used < BUY_CEILING
    second = d.buy(ico.alice, D(500))
    rec("TokenSale.buy", second.gas_used)
    assert second.gas_used < BUY_CEILING
    rec("TokenSale.buy (new investor)", new_investor.gas_used)
    rec("TokenSale.buy (second purchase)", second.gas_used)
    ether_buy = d.buy_with_ether(ico.carol, D(1))  # the sale's first ether purchase, by a new investor
    rec("TokenSale.buyWithEther", ether_buy.gas_used)
    assert ether_buy.gas_used < BUY_CEILING, ether_buy.gas_used
    rec("TokenSale.buyWithPermit", d.buy_with_permit(ico.bob, D(100)).gas_used)
    rec("TokenSale.revoke", d.sale.revoke(1, sender=ico.alice).gas_used)
    rec("TokenSale.revoke", d.sale.revoke(0, sender=ico.bob).gas_used)
    rec("TokenSale.pause", d.sale.pause(sender=ico.platform).gas_used)
    rec("TokenSale.unpause", d.sale.unpause(sender=ico.platform).gas_used)
    d.buy(ico.carol, D(12_000))
    ico.after_windows()
    rec("TokenSale.finalise", d.sale.finalise(sender=ico.eve).gas_used)
    rec("TokenSale.claim", d.sale.claim(sender=ico.carol).gas_used)
    rec("TokenSale.withdrawProceeds", d.sale.withdrawProceeds(sender=ico.sme).gas_used)
    rec("TokenSale.withdrawFee", d.sale.withdrawFee(sender=ico.platform).gas_used)
    chain.travel_to(int(d.vesting.cliff()) + 30 * 86_400)
    rec("TeamVesting.release", d.release_vested(ico.eve).gas_used)
    rec(
        "TokenSale.grantRole",
        ico.sale.grantRole(ico.sale.PAUSER_ROLE(), ico.eve, sender=ico.platform).gas_used,
    )
    rec("TokenSale.revokeRole", ico.sale.revokeRole(ico.sale.PAUSER_ROLE(), ico.eve, sender=ico.platform).gas_used)
    rec("TeamVesting.release(ether)", d.vesting.release(sender=ico.eve).gas_used)
    rec("TeamVesting.transferOwnership", d.vesting.transferOwnership(ico.sme, sender=ico.team).gas_used)
    rec("TeamVesting.renounceOwnership", d.vesting.renounceOwnership(sender=ico.sme).gas_used)
    rec(
        "TokenSale.renounceRole",
        ico.sale.renounceRole(ico.sale.PAUSER_ROLE(), ico.platform, sender=ico.platform).gas_used,
    )


def test_gas_refund_and_failed_sale_paths(ico: IcoEnv, gas_report):
    d = ico.driver
    ico.open()
    d.buy(ico.carol, D(1_000))
    d.buy_with_ether(ico.carol, D(1))
    ico.after_windows()
    gas_report.record("TokenSale.finalise", d.sale.finalise(sender=ico.eve).gas_used)
    gas_report.record("TokenSale.refund", d.sale.refund(sender=ico.carol).gas_used)
    assert d.stablecoin.balanceOf(ico.carol) == eur(30_000)


def test_gas_ledger_and_registration(chain, gas_report):
    from ico_env import build_ico_env

    ico = build_ico_env(chain, register=False)
    gas_report.record("IssuerCapLedger.registerOffer", ico.driver.register_sale(ico.platform).gas_used)
    assert ico.driver.state().registered
