"""How the report shows raw on-chain values: amounts in their units, addresses and role hashes by name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_utils import keccak

from s4chain.reports.charts import sale_raise
from s4chain.reports.labels import Labels, amount, short
from s4chain.scenarios.engine import role_names

EUR, SALE, TOKEN, ALICE = "0x" + "e" * 40, "0x" + "5" * 40, "0x" + "7" * 40, "0x" + "a" * 40
MINTER = "0x" + keccak(text="MINTER_ROLE").hex()


@pytest.mark.parametrize(
    ("raw", "symbol", "decimals", "shown"),
    [
        (1_500_000_000, "tEUR", 6, "1,500 tEUR"),
        (887_500_000, "tEUR", 6, "887.5 tEUR"),
        (1, "tEUR", 6, "0.000001 tEUR"),
        (0, "ETH", 18, "0 ETH"),
        (500_000_000_000_000_000, "ETH", 18, "0.5 ETH"),
        (2_000 * 10**18, "UMT", 18, "2,000 UMT"),
        (10**30 + 1, "UMT", 18, "1,000,000,000,000.000000000000000001 UMT"),  # every digit, no float rounding
        (-2_500_000, "tEUR", 6, "-2.5 tEUR"),
        (42, "RAW", 0, "42 RAW"),
    ],
)
def test_amounts_in_their_units(raw: int, symbol: str, decimals: int, shown: str) -> None:
    assert amount(raw, symbol, decimals) == shown


def _labels() -> Labels:
    """A sale set as the replay's data has it (the use case `ico` declares its events' amounts)."""
    return Labels.of(
        {
            "names": {ALICE: "alice", SALE: "sale.TokenSale", EUR: "sale.EuroStablecoin"},
            "roles": role_names([_getter("MINTER_ROLE"), _getter("DEFAULT_ADMIN_ROLE")]),
            "units": {EUR: {"symbol": "tEUR", "decimals": 6}, TOKEN: {"symbol": "UMT", "decimals": 18}},
            "deployments": {"sale": {"TokenSale": SALE, "EuroStablecoin": EUR, "SmeToken": TOKEN}},
            "drivers": {"sale": "ico"},
        }
    )


def _getter(name: str) -> dict[str, Any]:
    return {"type": "function", "name": name, "inputs": [], "outputs": [{"type": "bytes32"}], "stateMutability": "view"}


def test_role_names_from_the_abis_getters() -> None:
    abi = [
        _getter("MINTER_ROLE"),
        _getter("DEFAULT_ADMIN_ROLE"),
        {**_getter("hasRole"), "inputs": [{"type": "bytes32"}]},  # takes arguments: no role getter
        {**_getter("PAUSER_ROLE"), "outputs": [{"type": "address"}]},  # not a hash
        {"type": "fallback"},
    ]
    assert role_names(abi) == {MINTER: "MINTER_ROLE", "0x" + "00" * 32: "DEFAULT_ADMIN_ROLE"}


def test_an_event_is_labelled_with_names_units_and_roles() -> None:
    labels = _labels()
    purchase = {
        "name": "TokensPurchased",
        "address": SALE,
        "args": {"buyer": ALICE, "index": 0, "eurValue": 1_500_000_000, "weiPaid": 0, "tokens": 3_000 * 10**18},
    }
    shown = labels.event(purchase)
    assert shown.startswith(f"<span class=who title={SALE}>sale.TokenSale</span>.<b>TokensPurchased</b>(")
    assert f"buyer=<span class=who title={ALICE}>alice</span>" in shown
    assert "eurValue=<span class=amt title=1500000000>1,500 tEUR</span>" in shown
    assert "weiPaid=<span class=amt title=0>0 ETH</span>" in shown and ">3,000 UMT<" in shown
    assert "index=0," in shown  # not an amount: as it is
    granted = {"name": "RoleGranted", "address": TOKEN, "args": {"role": MINTER, "account": SALE, "sender": ALICE}}
    assert f"role=<span class=role title={MINTER}>MINTER_ROLE</span>" in labels.event(granted)
    transfer = {"name": "Transfer", "address": EUR, "args": {"from": ALICE, "to": SALE, "value": 2_500_000}}
    assert ">2.5 tEUR<" in labels.event(transfer)  # a token's own Transfer, in the token


def test_a_struct_argument_and_references_to_other_arguments() -> None:
    labels = _labels()
    labels.amounts["sale"] = {"terms": "EuroStablecoin", "fee": "EuroStablecoin", "sellAmount": "@sellToken"}
    plan = {"name": "PlanPublished", "address": SALE, "args": {"terms": {"fee": 1_500_000, "period": 30}}}
    assert labels.event(plan).endswith("(terms={fee: <span class=amt title=1500000>1.5 tEUR</span>, period: 30})")
    zero = "0x" + "0" * 40
    for token, shown in ((TOKEN, "2 UMT"), (zero, "2 ETH"), (ALICE, "2000000000000000000")):
        offer = {"name": "OfferCreated", "address": SALE, "args": {"sellToken": token, "sellAmount": 2 * 10**18}}
        assert f"sellAmount={shown}" in labels.event(offer).replace("<span class=amt title=2000000000000000000>", "")


def test_unknown_values_stay_as_they_are() -> None:
    labels = _labels()
    digest = "0x" + "ab" * 32
    assert labels.value(digest) == f"<span title={digest}>{short(digest)}</span>"  # a hash nobody named: cut
    assert labels.value("0x" + "9" * 40) == "0x" + "9" * 40  # an address nobody named: whole
    assert labels.value(TOKEN) == f"<span class=who title={TOKEN}>UMT</span>"  # a token nobody named: its symbol
    assert labels.value("<b>") == "&lt;b&gt;"
    assert labels.value(True) == "True" and labels.value(7) == "7"


def test_final_state_fields_in_their_units_dates_and_names() -> None:
    """The driver's state() is in domain numbers: the use case's `state_units` give them units, times are dates."""
    state = {
        "raised": "35500",
        "tokens_sold": "71000",
        "escrowed_ether": "0.5",
        "opening": 1_930_294_800,
        "finalised": True,
        "payees": {ALICE: "12.5"},  # a field nobody declared: as it is, its keys named
        "lots": [{"shipped_at": 0, "mass_kg": 5150, "holder": ALICE, "pending_receiver": None}],  # names say
    }
    labels = _labels()
    shown = labels.state("sale", state)
    assert "<span class=amt title=35500>35,500 tEUR</span>" in shown
    assert ">71,000 UMT<" in shown and ">0.5 ETH<" in shown
    assert f"<span title={1_930_294_800}>2031-03-03 09:00:00 UTC</span>" in shown
    assert "<th>finalised</th><td>True</td>" in shown
    assert f"<th><span class=who title={ALICE}>alice</span></th><td>12.5</td>" in shown
    assert "<th>shipped_at</th><td><i>not set</i></td>" in shown and ">5,150 kg<" in shown
    assert "<th>pending_receiver</th><td><i>none</i></td>" in shown
    labels.state_units["sale"] = {"payees": "EuroStablecoin", "period": "duration", "co2": "=kg CO2e"}
    shown = labels.state("sale", {"payees": {ALICE: "12.5"}, "period": 2_597_400, "co2": "38.316"})
    assert ">12.5 tEUR<" in shown and ">30 days 1 h 30 min<" in shown and ">38.316 kg CO2e<" in shown


def test_a_fill_is_in_its_offer_tokens_and_ether_proceeds_in_ether() -> None:
    """UC2: OfferFilled carries no token; its amounts are in the tokens of the offer it fills (its OfferCreated)."""
    exchange = "0x" + "3" * 40
    created = {
        "name": "OfferCreated",
        "address": exchange,
        "args": {"offerId": 4, "sellToken": TOKEN, "buyToken": EUR, "sellAmount": 10**19, "buyAmount": 25_000_000},
    }
    filled = {"name": "OfferFilled", "address": exchange, "args": {"offerId": 4, "amount": 4 * 10**18, "paid": 10**7}}
    credited = {"name": "ProceedsCredited", "address": exchange, "args": {"maker": ALICE, "amount": 10**17}}
    labels = Labels.of(
        {
            "units": {EUR: {"symbol": "tEUR", "decimals": 6}, TOKEN: {"symbol": "UMT", "decimals": 18}},
            "deployments": {"market": {"P2PExchange": exchange}},
            "drivers": {"market": "tokens"},
            "steps": [{"events": [created]}, {"events": [filled, credited]}],
        }
    )
    shown = labels.event(filled)
    assert ">4 UMT<" in shown and ">10 tEUR<" in shown
    assert ">0.1 ETH<" in labels.event(credited)
    shown = labels.state("market", {"tokens": [{"address": TOKEN, "total_supply": "500", "cap": None}]})
    assert ">500 UMT<" in shown


def test_a_transport_leg_in_kilograms_of_co2() -> None:
    chain = "0x" + "c" * 40
    leg = {"name": "LegRecorded", "address": chain, "args": {"lotId": 1, "co2Mg": 38_316_000, "distanceKm": 120}}
    labels = Labels.of({"deployments": {"chain": {"SupplyChain": chain}}, "drivers": {"chain": "supply"}})
    shown = labels.event(leg)
    assert "co2Mg=<span class=amt title=38316000>38.316 kg CO2e</span>" in shown and ">120 km<" in shown


@pytest.mark.parametrize("decimals", [2, 6, 18])
def test_the_sale_raise_chart_reads_the_euro_decimals(decimals: int) -> None:
    """30,000 euros raised: the axis goes to 30,000 in the stablecoin's symbol whatever its decimals."""
    purchase = {"name": "TokensPurchased", "address": SALE, "args": {"eurValue": 30_000 * 10**decimals}}
    scenario = {
        "start": 0,
        "units": {EUR: {"symbol": "tEUR", "decimals": decimals}},
        "deployments": {"sale": {"TokenSale": SALE, "EuroStablecoin": EUR}},
        "drivers": {"sale": "ico"},
        "final_states": {"sale": {}},
        "steps": [{"at": 86_400, "events": [purchase]}],
    }
    chart = sale_raise(scenario, "sale")
    assert chart is not None
    texts = re.findall(r"<!-- ([^>]*?) -->", chart)  # matplotlib writes each text as a comment
    assert "30000" in texts and "tEUR" in texts, texts
