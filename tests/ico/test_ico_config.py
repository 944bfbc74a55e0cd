"""Deployment checks of the sale and the ledger, and the driver's parameters and reads."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from ico_env import PARAMS, IcoEnv, build_ico_env
from pydantic import ValidationError

from s4chain.chain import ContractRevert
from s4chain.drivers.ico import TokenSaleParams, rate_of

ZERO = "0x" + "00" * 20


def config(ico: IcoEnv, **changes):
    """The sale's constructor tuple with some fields changed."""
    s = ico.sale
    fields = {
        "stablecoin": s.stablecoin(),
        "token": s.token(),
        "registry": s.registry(),
        "ledger": s.ledger(),
        "issuer": s.issuer(),
        "platform": ico.platform.address,
        "teamVesting": s.teamVesting(),
        "rate": s.rate(),
        "goal": s.goal(),
        "hardCap": s.hardCap(),
        "openingTime": s.openingTime(),
        "closingTime": s.closingTime(),
        "minPerInvestor": s.minPerInvestor(),
        "maxPerInvestor": s.maxPerInvestor(),
        "reflectionPeriod": s.reflectionPeriod(),
        "eurPerEth": s.eurPerEth(),
        "feeBps": s.feeBps(),
        "whitePaperHash": s.whitePaperHash(),
        "teamAllocation": s.teamAllocation(),
    }
    fields.update(changes)
    return tuple(fields.values())


def test_same_config_deploys(ico: IcoEnv):
    sale = ico.chain.deploy("TokenSale", config(ico), sender=ico.sme)
    assert sale.hardCap() == ico.sale.hardCap()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"rate": 0}, "InvalidConfig:rate"),
        ({"goal": 0}, "InvalidConfig:goal"),
        ({"goal": 50_000_000_001}, "InvalidConfig:goal"),
        ({"openingTime": 2_000_000_000, "closingTime": 2_000_000_000}, "InvalidConfig:times"),
        ({"minPerInvestor": 30_000_000_000}, "InvalidConfig:perInvestor"),
        ({"maxPerInvestor": 0}, "InvalidConfig:perInvestor"),
        ({"feeBps": 2_001}, "InvalidConfig:feeBps"),
        ({"issuer": ZERO}, "InvalidConfig:parties"),
        ({"teamVesting": ZERO}, "InvalidConfig:teamVesting"),
        ({"hardCap": 1_000_000_000_000, "goal": 1}, "WhitePaperRequired"),
        ({"rate": 2 * 10**14}, "TokenCapTooSmall"),
        # the module's sale holds 1.1M of the 10M cap since its registration: 8.9M are left, 0.1M for sale
        ({"teamAllocation": 88 * 10**23}, None),
        ({"teamAllocation": 88 * 10**23 + 1}, "TokenCapTooSmall"),
        ({"reflectionPeriod": 30 * 86_400}, None),
        ({"reflectionPeriod": 30 * 86_400 + 1}, "InvalidConfig:reflectionPeriod"),
        ({"closingTime": 2**48 - 1 - 4 * 86_400}, None),
        ({"closingTime": 2**48 - 4 * 86_400}, "InvalidConfig:times"),
    ],
)
def test_invalid_config_rejected(ico: IcoEnv, changes: dict, error: str | None):
    if error is None:  # the boundary case that still deploys
        ico.chain.deploy("TokenSale", config(ico, **changes), sender=ico.sme)
        return
    with pytest.raises(ContractRevert) as info:
        ico.chain.deploy("TokenSale", config(ico, **changes), sender=ico.sme)
    name, _, what = error.partition(":")
    assert info.value.error_name == name
    if what:
        assert info.value.arguments["what"] == what


def test_only_the_issuer_deploys_a_sale_in_its_name(ico: IcoEnv):
    """Else anyone could deploy sales naming an SME as issuer and, once registered, hold its 12-month cap."""
    with pytest.raises(ContractRevert) as info:
        ico.chain.deploy("TokenSale", config(ico), sender=ico.eve)
    assert (info.value.error_name, info.value.arguments["what"]) == ("InvalidConfig", "issuer")


def test_token_cap_check_counts_tokens_already_minted(chain):
    """A sale must fit in what is left of the token's cap, not in the whole cap: tokens the SME minted before
    (or another sale holds) count."""
    ico = build_ico_env(chain, register=False)
    token = ico.driver.token
    token.grantRole(token.MINTER_ROLE(), ico.sme, sender=ico.sme)
    token.mint(ico.sme, token.cap() - 10**23, sender=ico.sme)  # leaves 100,000 tokens: the hard cap only
    with pytest.raises(ContractRevert) as info:
        chain.deploy("TokenSale", config(ico), sender=ico.sme)  # needs 100,000 + the 1,000,000 team tokens
    assert info.value.error_name == "TokenCapTooSmall"
    assert info.value.arguments["available"] == 10**23
    chain.deploy("TokenSale", config(ico, teamAllocation=0), sender=ico.sme)


def test_ledger_needs_a_cap(ico: IcoEnv):
    with pytest.raises(ContractRevert) as info:
        ico.chain.deploy("IssuerCapLedger", ico.platform, 0, sender=ico.platform)
    assert info.value.error_name == "InvalidCap"


def test_params_validation():
    assert rate_of(D(2)) == 2 * 10**12
    assert rate_of(D("0.5")) == 5 * 10**11
    with pytest.raises(ValueError):
        rate_of(D("1e-13"))
    with pytest.raises(ValidationError):
        TokenSaleParams(white_paper_hash="0x1234")
    with pytest.raises(ValidationError):
        TokenSaleParams(fee_bps=2_001)
    assert TokenSaleParams(reflection_days=14).reflection_period == 14 * 86_400
    assert TokenSaleParams(reflection_seconds=60).reflection_period == 60


def test_driver_reads(ico: IcoEnv):
    d = ico.driver
    assert set(d.contracts()) == {
        "EuroStablecoin",
        "InvestorRegistry",
        "IssuerCapLedger",
        "SmeToken",
        "TokenSale",
        "TeamVesting",
    }
    state = d.state()
    assert not state.is_open and not state.has_closed
    ico.open()
    assert d.state().is_open
    d.buy(ico.carol, D(1_000))
    pos = d.investor(ico.carol)
    assert pos.tokens_owed == D(2_000) and not pos.retail and pos.contributed == D(1_000)
    ico.after_windows()
    assert d.state().has_closed
    d.sale.finalise(sender=ico.eve)
    assert d.investor(ico.carol).tokens_owed == 0  # goal missed: a refund, no tokens
    d.sale.refund(sender=ico.carol)
    assert d.investor(ico.carol).settled


def test_driver_deploys_with_defaults(chain):
    ico = build_ico_env(chain, PARAMS.model_copy(update={"team_allocation": D(0)}))
    assert ico.driver.vesting is None
    assert "TeamVesting" not in ico.driver.contracts()
    with pytest.raises(RuntimeError):
        ico.driver.release_vested(ico.eve)
