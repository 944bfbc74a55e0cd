"""Gas of every external state-changing function of DataMarket (and the stablecoin calls the driver makes).
Ceilings: the market's very first purchase (four fresh storage slots: the access, both pull balances and the
market's token balance) under 140k gas, a new buyer's purchase under 100k, a renewal under 70k, a withdrawal
under 60k."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from data_env import PERIOD, DataEnv

from s4chain.chain import TxResult
from s4chain.drivers.units import eur

FIRST_PURCHASE_CEILING = 140_000
NEW_BUYER_CEILING = 100_000
RENEWAL_CEILING = 70_000
WITHDRAW_CEILING = 60_000


def test_data_gas(env: DataEnv, gas_report: Any) -> None:
    d, m = env.d, env.d.market
    gas: dict[str, list[int]] = {}

    def rec(key: str, res: TxResult) -> TxResult:
        gas_report.record(key, res.gas_used)
        gas.setdefault(key, []).append(res.gas_used)
        return res

    rec("DataMarket.grantRole", m.grantRole(m.PLATFORM_ROLE(), env.stranger, sender=env.admin))
    rec("DataMarket.revokeRole", m.revokeRole(m.PLATFORM_ROLE(), env.stranger, sender=env.admin))
    m.grantRole(m.PLATFORM_ROLE(), env.stranger, sender=env.admin)
    rec("DataMarket.renounceRole", m.renounceRole(m.PLATFORM_ROLE(), env.stranger, sender=env.stranger))
    rec("DataMarket.setFee", d.market.setFee(600, sender=env.admin))
    rec("DataMarket.setFeeRecipient", d.market.setFeeRecipient(env.admin.address, sender=env.admin))

    lenient = d.listing_id(rec("DataMarket.list", d.list_data(env.cyclist, "bike", "terms", Decimal(12), PERIOD)))
    strict = d.listing_id(rec("DataMarket.list", d.list_data(env.household, "meter", "t", Decimal(9), PERIOD, True)))
    rec("DataMarket.updatePrice", d.update_price(env.cyclist, lenient, Decimal(15)))
    rec("DataMarket.pauseListing", d.market.pauseListing(lenient, sender=env.cyclist))
    rec("DataMarket.resumeListing", d.market.resumeListing(lenient, sender=env.cyclist))

    rec("EuroStablecoin.approve", d.stablecoin.approve(m, eur(1000), sender=env.mobility))
    rec("DataMarket.buyAccess", m.buyAccess(lenient, 1, eur(15), sender=env.mobility))  # first purchase, fresh balances
    rec("DataMarket.buyAccess", m.buyAccess(lenient, 2, eur(15), sender=env.mobility))  # renewal
    d.stablecoin.approve(m, eur(1000), sender=env.energy)
    rec("DataMarket.buyAccess", m.buyAccess(lenient, 1, eur(15), sender=env.energy))  # new buyer, balances exist
    rec("DataMarket.buyAccess", m.buyAccess(strict, 1, eur(9), sender=env.energy))  # strict: escrowed
    env.chain.increase_time(PERIOD // 2)
    rec("DataMarket.buyAccess", m.buyAccess(strict, 1, eur(9), sender=env.energy))  # strict renewal, releases half
    rec("DataMarket.recordAccess", d.market.recordAccess(strict, sender=env.energy))
    env.chain.increase_time(PERIOD // 4)
    rec("DataMarket.release", d.market.release(strict, env.energy.address, sender=env.stranger))
    rec("DataMarket.revokeConsent", d.market.revokeConsent(strict, sender=env.household))
    rec("DataMarket.claimRefund", d.market.claimRefund(strict, sender=env.energy))
    rec("DataMarket.withdrawListing", d.market.withdrawListing(lenient, sender=env.cyclist))
    rec("DataMarket.withdraw", d.market.withdraw(sender=env.cyclist))
    rec("DataMarket.withdraw", d.market.withdraw(sender=env.energy))
    rec("DataMarket.withdraw", d.market.withdraw(sender=env.admin))
    env.invariant()

    first, renewal, new_buyer, strict_first, strict_renewal = gas["DataMarket.buyAccess"]
    assert first < FIRST_PURCHASE_CEILING, first
    assert new_buyer < NEW_BUYER_CEILING, new_buyer
    assert strict_first < NEW_BUYER_CEILING, strict_first
    assert renewal < RENEWAL_CEILING, renewal
    assert strict_renewal < NEW_BUYER_CEILING, strict_renewal
    assert max(gas["DataMarket.withdraw"]) < WITHDRAW_CEILING
