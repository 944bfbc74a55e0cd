"""An action that is no driver method calls the contract function of that name (docs/scenarios.md, "Actions"):
sent by the actor, or read when it is a view, with its arguments checked against the ABI by the dry run."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils import keccak

from s4chain.chain import Chain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.drivers.registry import use_case, use_cases
from s4chain.scenarios.actions import find_call, in_call_order
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import ScenarioFileError, load_scenario
from tests.scenarios.conftest import BASE

PAUSER_ROLE = "0x" + keccak(text="PAUSER_ROLE").hex()

FALLBACK_STEPS = f"""\
  - actor: alice
    do: sale.pause
    expect: {{revert: AccessControlUnauthorizedAccount}}
  - actor: platform
    do: sale.grant_role
    with: {{role: "{PAUSER_ROLE}", account: alice}}
    expect:
      events: [{{name: RoleGranted, args: {{account: "@alice"}}}}]
      checks:
        - {{call: sale.has_role, args: {{role: "{PAUSER_ROLE}", account: "@alice"}}, equals: {{value: true}}}}
  - actor: alice
    do: sale.pause
    expect:
      events: [Paused]
      checks:
        - {{call: sale.paused, equals: {{value: true}}}}
        - {{call: sale.position, args: {{buyer: alice}}, equals: {{contributed: 1500000000, purchase_count: 1}}}}
  - actor: alice
    do: sale.balanceOf
    with: {{account: "@alice"}}
  - actor: platform
    do: sale.unpause
"""


def test_a_scenario_drives_contract_functions_and_reads_views(write_scenario, chain: Chain) -> None:
    text = BASE + FALLBACK_STEPS
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    assert [s.outcome for s in run.steps] == ["ok"] * 8, [s.problem for s in run.steps]
    denied, granted, paused, balance, unpaused = run.steps[3:]
    assert denied.revert == "AccessControlUnauthorizedAccount" and denied.transactions
    assert [e["name"] for e in granted.events] == ["RoleGranted"]
    assert [e["name"] for e in paused.events] == ["Paused"]
    assert balance.value == 500_000_000 and not balance.transactions  # EuroStablecoin.balanceOf: a read, 500 EUR
    assert [e["name"] for e in unpaused.events] == ["Unpaused"]


def test_a_check_on_a_view_fails_on_a_wrong_value(write_scenario, chain: Chain) -> None:
    text = BASE + FALLBACK_STEPS.replace("equals: {value: true}}", "equals: {value: false}}", 1)
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    assert run.failures[0].problem == "check sale.has_role.value: expected False, got True"


BAD = [
    # (what, the step, expected words)
    ("unknown action", "{actor: alice, do: sale.frobnicate}", "the ico driver has no action 'frobnicate' (approve,"),
    ("missing argument", "{actor: alice, do: sale.revoke}", "sale.revoke: TokenSale.revoke takes (index), got (none)"),
    (
        "unknown argument",
        "{actor: alice, do: sale.revoke, with: {idx: 0}}",
        "TokenSale.revoke takes (index), got (idx)",
    ),
    (
        "beyond the ABI type",
        '{actor: alice, do: sale.available_at, with: {issuer: "@sme", when: 18446744073709551616}}',
        "when: 18446744073709551616 is out of range for uint64 (0 to 2**64 - 1)",
    ),
    ("no address", "{actor: alice, do: sale.balance_of, with: {account: nobody}}", "account: 'nobody' is no actor"),
    ("bad bytes32", '{actor: platform, do: sale.grant_role, with: {role: "0x12", account: alice}}', "32-byte hash"),
]


@pytest.mark.parametrize("what, step, words", BAD, ids=[case[0] for case in BAD])
def test_the_dry_run_checks_contract_actions(write_scenario, what: str, step: str, words: str) -> None:
    path = write_scenario(BASE + f"  - {step}\n")
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(path)
    assert caught.value.line == BASE.count("\n") + 1
    assert words in str(caught.value)


def test_a_check_must_read(write_scenario) -> None:
    text = BASE.replace("call: sale.state, equals: {raised: 1500 EUR}", "call: sale.pause, equals: {value: 1}")
    with pytest.raises(ScenarioFileError, match=r"TokenSale\.pause is no view function, so no read"):
        load_scenario(write_scenario(text))


def test_a_payable_function_takes_value_in_ether(write_scenario, chain: Chain) -> None:
    text = BASE.replace("team_allocation: 0 tokens}", "team_allocation: 0 tokens, accept_ether: true}") + (
        "  - actor: alice\n"
        "    do: sale.buyWithEther\n"
        "    with: {value: 0.25 ETH}\n"
        "    expect:\n"
        "      events: [{name: TokensPurchased, args: {weiPaid: 250000000000000000}}]\n"
        "      checks:\n"
        "        - {call: sale.position, args: {buyer: alice}, equals: {wei_paid: 250000000000000000}}\n"
    )
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    assert not run.failures, [s.problem for s in run.failures]


def test_an_amount_with_a_unit_is_no_raw_abi_integer(write_scenario) -> None:
    """`100 EUR` for a uint256 would silently be 100 units (EUR 0.0001): refused, the driver's actions convert."""
    path = write_scenario(BASE + "  - {actor: alice, do: sale.transfer, with: {to: sme, value: 100 EUR}}\n")
    with pytest.raises(ScenarioFileError, match="value: '100 EUR': uint256 takes raw on-chain units"):
        load_scenario(path)


DATA = """\
name: Wallet
description: A driver read with one value, checked by its type.
use_case: UC5
start: 2031-05-05T08:00:00Z
actors:
  platform: {role: platform, account: 0}
  buyer: {role: buyer}
contracts:
  data:
    driver: data
    with: {admin: platform}
steps:
  - actor: buyer
    do: data.fund
    with: {amount: 1000 EUR}
    expect:
      checks:
        - {call: data.wallet, args: {account: "@buyer"}, equals: {value: WANTED}}
"""


@pytest.mark.parametrize("wanted, problem", [("1000 EUR", None), ("999 EUR", "expected 999, got 1000")])
def test_a_driver_read_with_one_value_is_checked_as_value(
    write_scenario, chain: Chain, wanted: str, problem: str | None
) -> None:
    run = Replayer(chain, load_scenario(write_scenario(DATA.replace("WANTED", wanted)))).run()
    assert run.steps[0].problem == (problem and f"check data.wallet.value: {problem}")


def test_a_function_of_a_contract_the_set_lacks_is_a_failed_step(write_scenario, chain: Chain) -> None:
    """The dry run finds `releasable` in TeamVesting, which a sale without team allocation does not deploy."""
    text = BASE + "  - {actor: alice, do: sale.releasable}\n  - {actor: alice, do: sale.paused}\n"
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    assert [s.outcome for s in run.steps] == ["ok", "ok", "ok", "failed", "ok"]
    assert run.steps[3].problem == "sale.releasable: no contract of set 'sale' has a function 'releasable'"
    assert run.steps[4].value is False


# Where a set's action that is no driver method is looked for: the first contract, in this order, with a function
# of its name answers it (several have `balanceOf`, `grantRole`, `symbol`...).
CALL_ORDER = {
    "ico": ("TokenSale", "EuroStablecoin", "InvestorRegistry", "IssuerCapLedger", "SmeToken", "TeamVesting"),
    "tokens": ("P2PExchange", "TokenFactory"),
    "leasing": ("MachineLease", "EuroStablecoin", "MachineRegistry"),
    "supply": ("SupplyChain",),
    "data": ("DataMarket", "EuroStablecoin"),
    "work": ("MissionEscrow", "EuroStablecoin"),
}
# Actions that several contracts of a set have, and the function each stands for.
SHARED = [
    ("ico", "balance_of", "EuroStablecoin.balanceOf"),  # not the SME token's
    ("ico", "mint", "EuroStablecoin.mint"),
    ("ico", "grant_role", "TokenSale.grantRole"),
    ("ico", "unverify_investor", "InvestorRegistry.unverify"),  # a declared alias comes first
    ("leasing", "balance_of", "MachineLease.balanceOf"),  # not the stablecoin's or the registry's
    ("leasing", "eip712Domain", "EuroStablecoin.eip712Domain"),  # not the registry's
    ("leasing", "owner_of", "MachineLease.ownerOf"),
    ("data", "has_role", "DataMarket.hasRole"),
    ("work", "supports_interface", "MissionEscrow.supportsInterface"),
]


def test_the_use_cases_declare_where_actions_are_looked_for() -> None:
    declared = {name: declaration.call_order for name, declaration in use_cases().items() if name in CALL_ORDER}
    assert declared == CALL_ORDER


@pytest.mark.parametrize("driver, action, function", SHARED, ids=[f"{d}.{a}" for d, a, _ in SHARED])
def test_an_action_several_contracts_have_is_the_first_in_call_order(
    compiled: ArtifactStore, driver: str, action: str, function: str
) -> None:
    """The dry run (ABIs from the artifacts, in `call_order`) and the replay (a deployed set's contracts, in
    whatever order its driver's `contracts()` gives them, put in `call_order`) find the same function."""
    declaration = use_case(driver)
    aliases = getattr(declaration.driver, "ACTIONS", None)
    dry_run = {name: compiled.get(name).abi for name in declaration.call_order}
    deployed = {name: dry_run[name] for name in sorted(dry_run, reverse=True)}  # as a driver might list them
    replay = in_call_order(deployed, declaration.call_order)
    for abis in (dry_run, replay):
        call = find_call(action, abis, aliases)
        assert call is not None and call.label == function


def test_call_order_puts_the_main_contract_first_and_each_contract_once() -> None:
    ico = use_case("ico")
    moved = replace(ico, contracts=("EuroStablecoin", "SmeToken", "TokenSale"), optional_contracts=("TeamVesting",))
    assert moved.call_order == ("TokenSale", "EuroStablecoin", "SmeToken", "TeamVesting")
    with pytest.raises(ValueError, match="use case ico: SmeToken both in contracts and optional"):
        replace(ico, optional_contracts=("SmeToken", "TeamVesting"))


def test_a_step_of_several_transactions_records_them_all_without_reading_logs(
    write_scenario, chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sale.buy` approves, then buys: the step has both transactions, their gas and their events, from what the
    chain recorded while they were mined; the replay reads no logs back (issue 13)."""
    log_reads: list[object] = []
    get_logs = chain.w3.eth.get_logs
    monkeypatch.setattr(chain.w3.eth, "get_logs", lambda *a, **k: log_reads.append(a) or get_logs(*a, **k))
    per_step: list[int] = []
    replayer = Replayer(chain, load_scenario(write_scenario(BASE)))
    run = replayer.run(
        before_step=lambda: per_step.append(-len(log_reads)), on_step=lambda _: per_step.append(len(log_reads))
    )
    assert [s.outcome for s in run.steps] == ["ok"] * 3, [s.problem for s in run.steps]
    buy = run.steps[2]
    receipts = [chain.w3.eth.get_transaction_receipt(tx) for tx in buy.transactions]  # type: ignore[arg-type]
    assert len(receipts) == 2 and buy.gas_used == sum(int(r["gasUsed"]) for r in receipts)
    assert [e["name"] for e in buy.events] == ["Approval", "TokensPurchased", "Transfer"]
    assert buy.blocks == sorted({int(r["blockNumber"]) for r in receipts})
    steps = per_step[1:]  # the first before_step comes before the deployment
    assert [steps[i] + steps[i + 1] for i in range(0, len(steps), 2)] == [0, 0, 0]
