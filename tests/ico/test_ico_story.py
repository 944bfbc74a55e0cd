"""UC1 end to end through the driver only, as a scenario replays it: a machining SME raises funds from a
sophisticated and two retail investors (one pays in ether, one changes their mind), the sale succeeds, the SME
and the platform are paid, the buyers claim, the team's tokens vest after the cliff."""

from __future__ import annotations

from decimal import Decimal as D

from s4chain.drivers.ico import DAY, TokenSaleDriver, TokenSaleParams


def test_sme_raises_funds(chain):
    platform, sme, team, investor_a, investor_b, investor_c, keeper = chain.accounts[:7]
    opening = chain.timestamp + DAY
    params = TokenSaleParams(
        token_name="Usinage Martin Token",
        token_symbol="UMT",
        token_cap=D(5_000_000),
        tokens_per_euro=D(4),  # EUR 0.25 per token
        goal=D(50_000),
        hard_cap=D(200_000),
        opening=opening,
        closing=opening + 21 * DAY,
        min_per_investor=D(250),
        max_per_investor=D(100_000),
        reflection_days=4,
        fee_bps=300,
        team_allocation=D(500_000),
        cliff_seconds=180 * DAY,
        vesting_seconds=720 * DAY,
        accept_ether=True,
        eur_per_eth=D(2_500),
    )
    sale = TokenSaleDriver.deploy(chain, params, platform=platform, sme=sme, team=team)

    # KYC and funding
    sale.verify_investor(platform, investor_a, retail=False, net_worth=D(3_000_000))
    sale.verify_investor(platform, investor_b, retail=True, net_worth=D(60_000))  # limit EUR 3,000
    sale.verify_investor(platform, investor_c, retail=True, net_worth=D(0))  # limit EUR 1,000
    for investor in (investor_a, investor_b, investor_c):
        sale.fund_investor(platform, investor, D(60_000))

    chain.travel_to(opening)
    sale.buy(investor_a, D(45_000))
    sale.registry.acknowledgeRisk(sender=investor_b)
    sale.buy(investor_b, D(4_000))  # beyond EUR 3,000, acknowledged
    sale.buy_with_ether(investor_b, D(2))  # EUR 5,000
    sale.buy(investor_c, D(800))
    chain.travel_to(chain.timestamp + 2 * DAY)
    sale.sale.revoke(0, sender=investor_c)  # changed their mind on day 3
    assert sale.investor(investor_c).stablecoin_balance == D(60_000)

    state = sale.state()
    assert state.raised == D(54_000) and state.tokens_sold == D(216_000) and state.goal_reached
    assert state.escrowed == D(49_000) and state.escrowed_ether == D(2)

    chain.travel_to(state.closing + 1)
    sale.sale.finalise(sender=keeper)
    state = sale.state()
    assert state.finalised and state.successful
    assert state.proceeds_due == D(49_000) * D("0.97") and state.fee_due == D(49_000) * D("0.03")
    assert state.proceeds_due_ether == D("1.94") and state.fee_due_ether == D("0.06")

    sale.sale.withdrawProceeds(sender=sme)
    sale.sale.withdrawFee(sender=platform)
    assert sale.stablecoin.balanceOf(sme) == 47_530 * 10**6
    sale.sale.claim(sender=investor_a)
    sale.sale.claim(sender=investor_b)
    assert sale.investor(investor_a).token_balance == D(180_000)
    assert sale.investor(investor_b).token_balance == D(36_000)
    assert sale.investor(investor_c).tokens_owed == 0

    chain.set_next_block_timestamp(state.closing + 180 * DAY)
    sale.release_vested(keeper)
    assert sale.investor(team).token_balance == D(500_000) / 4  # 180 of 720 days
    assert sale.token.totalSupply() == 216_000 * 10**18 + sale.token.balanceOf(team) + sale.token.balanceOf(
        sale.vesting
    )
