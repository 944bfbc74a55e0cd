"""Gas of every external state-changing function of the UC2 contracts (TokenFactory, PersonalToken,
P2PExchange), with ceilings: an offer (escrow included) under 160,000 gas, a token-for-token fill under
110,000, an ether fill under 120,000, a cancel under 70,000, a withdrawal under 40,000, a new token under
1,400,000 (a full ERC-20 + permit + roles contract is deployed per token)."""

from __future__ import annotations

from tokens_env import E18, D

from s4chain.drivers.permit import sign_permit

CEILINGS = {
    "TokenFactory.createToken": 1_400_000,
    "P2PExchange.makeOffer": 160_000,
    "P2PExchange.fill": 110_000,
    "P2PExchange.fill(ether)": 120_000,
    "P2PExchange.cancel": 70_000,
    "P2PExchange.withdraw": 40_000,
}


def test_gas_of_every_state_changing_function(m, gas_report):
    measured: dict[str, int] = {}

    def rec(name: str, result):
        gas_report.record(name.removesuffix("(ether)"), result.gas_used)  # the report keys are Contract.function
        measured[name] = max(measured.get(name, 0), result.gas_used)
        return result

    d, ex, mkh = m.driver, m.ex, m.mkh
    rec(
        "TokenFactory.createToken", d.create_token(m.other, name="Garden Veg", symbol="VEG", supply=D(100), cap=D(1000))
    )
    veg = d.tokens["VEG"]
    rec("PersonalToken.mint", veg.mint(m.taker, 10 * E18, sender=m.other))
    rec("PersonalToken.transfer", veg.transfer(m.maker, E18, sender=m.other))
    rec("PersonalToken.approve", veg.approve(m.taker, E18, sender=m.other))
    rec("PersonalToken.transferFrom", veg.transferFrom(m.other, m.artist, E18, sender=m.taker))
    deadline = m.chain.timestamp + 600
    v, r, s = sign_permit(veg, m.other, m.ex.address, E18, deadline)
    rec("PersonalToken.permit", veg.permit(m.other, m.ex, E18, deadline, v, r, s, sender=m.taker))
    minter = veg.MINTER_ROLE()
    rec("PersonalToken.grantRole", veg.grantRole(minter, m.artist, sender=m.other))
    rec("PersonalToken.revokeRole", veg.revokeRole(minter, m.artist, sender=m.other))
    veg.grantRole(minter, m.artist, sender=m.other)
    rec("PersonalToken.renounceRole", veg.renounceRole(minter, m.artist, sender=m.artist))

    mkh.approve(ex, 10**30, sender=m.maker)
    m.art.approve(ex, 10**30, sender=m.taker)
    rec("P2PExchange.makeOffer", ex.makeOffer(mkh, 300 * E18, m.art, 30 * E18, sender=m.maker))
    rec("P2PExchange.fill", ex.fill(1, 100 * E18, sender=m.taker))  # partial
    rec("P2PExchange.fill", ex.fill(1, 200 * E18, sender=m.taker))  # the rest
    ex.makeOffer(mkh, 300 * E18, m.art, 30 * E18, sender=m.maker)
    ex.fill(2, 100 * E18, sender=m.taker)
    rec("P2PExchange.cancel", ex.cancel(2, sender=m.maker))  # after a partial fill
    ex.makeOffer(mkh, 10 * E18, "0x" + "00" * 20, E18, sender=m.maker)
    rec("P2PExchange.fill(ether)", ex.fill(3, 4 * E18, sender=m.taker, value=4 * E18 // 10))
    rec("P2PExchange.fill(ether)", ex.fill(3, 6 * E18, sender=m.other, value=6 * E18 // 10))
    rec("P2PExchange.withdraw", ex.withdraw(sender=m.maker))

    for name, ceiling in CEILINGS.items():
        assert measured[name] < ceiling, f"{name}: {measured[name]} gas >= {ceiling}"
