"""The generic `contract` driver on a user's own contract: a project made in a temporary folder (its
contracts/MyToken.sol importing OpenZeppelin's ERC20), a scenario whose steps are the token's ABI functions with
amounts in its own unit, replayed through the CLI in-process and on anvil with the same results; the same set
declared for `s4chain deploy` (a project file's `[sets.token]`) deploys, records and attaches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from s4chain.chain import AnvilNode, InProcessChain
from s4chain.cli.main import app
from s4chain.compiler import compile_project
from s4chain.deployment import Deployer, attach_drivers, open_records, select_sets
from s4chain.deployment.sets import ProjectSetError, UnknownSetError, declared_sets
from s4chain.drivers.contract import ContractDriver, UnitMismatchError
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import LoadedScenario, ScenarioFileError, load_scenario

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A user's own token: OpenZeppelin's ERC-20 with its whole supply minted to the deployer.
contract MyToken is ERC20 {
    constructor(string memory name_, string memory symbol_, uint256 initialSupply) ERC20(name_, symbol_) {
        _mint(msg.sender, initialSupply);
    }
}

/// @title A token whose decimals() is not its constructor's business: six, like most dollar stablecoins.
contract MyUsd is ERC20 {
    constructor(string memory name_, string memory symbol_, uint256 supply) ERC20(name_, symbol_) {
        _mint(msg.sender, supply);
    }

    /// @notice Six decimals.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
"""

SET = """    driver: contract
    contract: MyToken
    params: {name: My Token, symbol: MTK, initialSupply: 1000000 MTK}
"""

SCENARIO = f"""name: My token changes hands
description: transfer, approve and transferFrom on a user's own ERC-20, and a transfer beyond a balance
start: 2031-01-05T09:00:00Z
actors:
  issuer: {{role: deploys the token and holds its supply}}
  alice: {{role: a holder}}
  bob: {{role: spends for alice}}
contracts:
  token:
{SET}steps:
  - actor: issuer
    do: token.transfer
    with: {{to: alice, value: 1000 MTK}}
    expect:
      events: [{{name: Transfer, args: {{from: "@issuer", to: "@alice", value: 1000000000000000000000}}}}]
      checks: [{{call: token.balanceOf, args: {{account: alice}}, equals: {{value: 1000 MTK}}}}]
  - at: +1d
    actor: alice
    do: token.approve
    with: {{spender: bob, value: 300 MTK}}
    expect:
      events: [Approval]
  - actor: bob
    do: token.transferFrom
    with: {{from: alice, to: bob, value: 200.5 MTK}}
    expect:
      events: [Transfer]
      checks:
        - {{call: token.balanceOf, args: {{account: alice}}, equals: {{value: 799.5 MTK}}}}
        - {{call: token.allowance, args: {{owner: alice, spender: bob}}, equals: {{value: 99.5 MTK}}}}
  - at: +2d
    actor: bob
    do: token.transfer
    with: {{to: alice, value: 5000 MTK}}
    expect:
      revert: ERC20InsufficientBalance
      checks: [{{call: token.balanceOf, args: {{account: bob}}, equals: {{value: 200.5 MTK}}}}]
  - actor: alice
    do: token.totalSupply
"""


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> Project:
    """A user's folder: their contract, OpenZeppelin and solc from the repository's node_modules, compiled."""
    root = tmp_path_factory.mktemp("user")
    (root / "contracts").mkdir()
    (root / "contracts" / "MyToken.sol").write_text(TOKEN)
    (root / "node_modules").symlink_to(s4_project.node_modules, target_is_directory=True)
    (root / "scenarios").mkdir()
    (root / "scenarios" / "token.yaml").write_text(SCENARIO)
    project = Project.discover(root)
    compile_project(project)
    return project


def replay(project: Project, report: Path, *options: str) -> dict[str, Any]:
    scenario = project.root / "scenarios" / "token.yaml"
    arguments = ["replay", str(scenario), *options, "--report", str(report), "--project", str(project.root)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    [run] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    return dict(run)


def events(step: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(e["name"], e["args"]) for e in step["events"]]


def outcomes(run: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What each step did, as the report shows it: the same on every backend."""
    return [
        (
            s["action"],
            s["outcome"],
            s["revert"],
            [(e["name"], e["args"]) for e in s["events"]],
            s["value"],
            s["gas_used"],
        )
        for s in run["steps"]
    ]


def test_a_users_token_replays_through_the_cli_with_units_events_and_a_decoded_revert(
    user_project: Project, tmp_path: Path
) -> None:
    run = replay(user_project, tmp_path / "r.html")
    steps = run["steps"]
    assert [s["outcome"] for s in steps] == ["ok"] * 5, [s["problem"] for s in steps]
    assert run["use_case"] == "any" and run["drivers"] == {"token": "contract"}
    assert list(run["deployments"]["token"]) == ["MyToken"]
    assert [s["revert"] for s in steps] == [None, None, None, "ERC20InsufficientBalance", None]
    assert [e["name"] for e in steps[2]["events"]] == ["Transfer"]  # OZ 5 spends an allowance without an event
    assert steps[2]["events"][0]["args"]["value"] == 200_500_000_000_000_000_000
    assert steps[4]["value"] == 1_000_000 * 10**18  # a read step's result
    assert steps[0]["gas_used"] > 30_000 and steps[3]["transactions"]  # the reverted transfer was sent and mined


def test_the_same_scenario_gives_the_same_results_on_anvil(
    user_project: Project, anvil: AnvilNode, tmp_path: Path
) -> None:
    in_process = replay(user_project, tmp_path / "embedded.html")
    on_node = replay(user_project, tmp_path / "node.html", "--rpc", anvil.url)
    assert on_node["backend"] == "json-rpc" and in_process["backend"] != "json-rpc"
    assert outcomes(on_node) == outcomes(in_process)
    assert on_node["summary"]["gas"] == in_process["summary"]["gas"]


def edited(project: Project, tmp_path: Path, *edits: str) -> Path:
    """The scenario with each (old, new) pair of `edits` replaced once."""
    path = tmp_path / "edited.yaml"
    text = SCENARIO
    for old, new in zip(edits[::2], edits[1::2], strict=True):
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text)
    return path


NO_READ = "transfer is no view function"


@pytest.mark.parametrize(
    ("edits", "line", "message"),
    [
        (
            ("driver: contract\n", "driver: tokens\n", "start:", "use_case: UC2\nstart:"),
            12,
            "contracts.token.contract: only a set of driver contract names its contract; the tokens driver deploys its",
        ),
        (("    contract: MyToken\n", ""), 9, "contracts.token.contract: the contract driver deploys the compiled"),
        (("contract: MyToken", "contract: YourToken"), 11, "no compiled contract named 'YourToken'"),
        (("symbol: MTK,", "ticker: MTK,"), 12, "unknown argument 'ticker': MyToken's constructor takes (name_, "),
        (("value: 300 MTK", "value: -3 MTK"), 23, "value: '-3 MTK': '-3' is negative"),
        (("do: token.approve", "do: token.approveAll"), 22, "no function 'approveAll'"),
        (
            ("{call: token.balanceOf, args: {account: bob}", "{call: token.transfer, args: {to: bob, value: 1}"),
            40,
            "transfer is no view function",
        ),
    ],
)
def test_a_bad_generic_set_or_step_is_refused_naming_file_and_line(
    user_project: Project, tmp_path: Path, edits: tuple[str, ...], line: int, message: str
) -> None:
    abis = compile_project(user_project).store
    with pytest.raises(ScenarioFileError) as error:
        load_scenario(edited(user_project, tmp_path, *edits), lambda name: abis.get(name).abi)
    assert f"edited.yaml:{line}:" in str(error.value) and message in str(error.value)


def test_a_unit_that_is_not_the_tokens_symbol_fails_its_step(user_project: Project, tmp_path: Path) -> None:
    """Before deployment any unit is taken on trust; once deployed, the token's symbol() decides."""
    path = edited(user_project, tmp_path, "value: 1000 MTK}", "value: 1000 XYZ}")
    report = tmp_path / "r.html"
    arguments = ["replay", str(path), "--report", str(report), "--project", str(user_project.root)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1, result.output
    [run] = json.loads(report.with_suffix(".json").read_text())["scenarios"]
    assert "'1000 XYZ': the unit is none of this contract's (MTK)" in run["steps"][0]["problem"]


def test_a_declared_set_deploys_records_and_attaches(user_project: Project) -> None:
    store = compile_project(user_project).store
    table = {"driver": "contract", "contract": "MyToken", "params": {"name": "My Token", "symbol": "MTK"}}
    table["params"]["initialSupply"] = "1000000 MTK"
    declared = declared_sets({"token": table}, lambda name: store.get(name).abi)
    chain = InProcessChain(store)
    result = Deployer(chain, open_records(chain, None)).deploy(select_sets(["token"], declared))
    record = result.records.sets["token"]
    assert record.driver == "contract" and record.complete and list(record.contracts) == ["MyToken"]
    arguments = ["My Token", "MTK", 1_000_000 * 10**18]
    assert record.params == {"contract": "MyToken", "arguments": arguments, "units": {"MTK": 18}}
    [driver] = attach_drivers(chain, result.records).values()
    assert isinstance(driver, ContractDriver) and driver.units == {"MTK": 18}
    assert driver.contract.balanceOf.call(chain.accounts[0].address) == 1_000_000 * 10**18
    again = Deployer(chain, result.records).deploy(select_sets(["token"], declared))
    assert again.sets[0].status == "unchanged"  # the same params: nothing sent


def test_deploy_knows_all_six_s4_sets_and_the_declared_ones(user_project: Project) -> None:
    six = ["ico", "tokens", "leasing", "supply", "data", "work"]
    assert [s.name for s in select_sets(six)] == six
    assert [s.name for s in select_sets(None)] == six  # the generic driver has no set of its own
    store = compile_project(user_project).store
    table = {"driver": "contract", "contract": "MyToken", "params": ["My Token", "MTK", "5 MTK"]}
    declared = declared_sets({"mine": table}, lambda name: store.get(name).abi)
    assert [s.name for s in select_sets(["work", "mine"], declared)] == ["work", "mine"]
    listed = r"\(known: ico \(UC1\).*work \(UC6\), mine \(any\)\)$"
    with pytest.raises(UnknownSetError, match=r"unknown contract set\(s\) yours " + listed):
        select_sets(["yours"], declared)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"driver": "ico", "contract": "MyToken"}, "sets.token.contract: only a set of driver contract names"),
        ({"driver": "contract"}, "sets.token.contract: the contract driver deploys the compiled contract"),
        ({"driver": "contract", "contract": "Nope"}, "sets.token.contract: no compiled contract named 'Nope'"),
        ({"driver": "contract", "contract": "MyToken", "params": ["x"]}, "1 argument(s) given, but MyToken's"),
        (
            {"driver": "contract", "contract": "MyToken", "params": {"name": "a", "symbol": "b", "initialSupply": -1}},
            "sets.token.params.initialSupply: -1 is out of range",
        ),
        ({"driver": "dao"}, "sets.token.driver: unknown driver 'dao'"),
    ],
)
def test_a_bad_declared_set_is_refused_naming_its_field(
    user_project: Project, table: dict[str, Any], message: str
) -> None:
    store = compile_project(user_project).store
    with pytest.raises(ProjectSetError) as error:
        declared_sets({"token": table}, lambda name: store.get(name).abi)
    assert message in str(error.value)


def test_constructor_arguments_in_order_and_another_deployer(user_project: Project, tmp_path: Path) -> None:
    """`params` as a list in the constructor's order; `with: {admin: bob}`: bob deploys, so bob holds the supply."""
    store = compile_project(user_project).store
    path = edited(
        user_project,
        tmp_path,
        "params: {name: My Token, symbol: MTK, initialSupply: 1000000 MTK}",
        "params: [My Token, MTK, 2.5 MTK]\n    with: {admin: bob}",
    )
    chain = InProcessChain(store)
    replayer = Replayer(chain, load_scenario(path, lambda name: store.get(name).abi))
    run = replayer.run()
    token = replayer.drivers["token"].contract
    assert token.balanceOf.call(replayer.actors["bob"].address) == 25 * 10**17
    assert token.balanceOf.call(replayer.actors["issuer"].address) == 0
    assert run.steps[0].revert == "ERC20InsufficientBalance"  # the issuer holds nothing now


USD = "contract: MyUsd\n    params: {name: Dollar, symbol: USD, supply: %s}"


def test_a_constructor_amount_counted_in_other_decimals_than_the_tokens_fails_the_setup(
    user_project: Project, tmp_path: Path
) -> None:
    """`1000 USD` in the constructor counts with 18 decimals (the token is not there to ask); MyUsd's decimals()
    is 6, so the replay stops at its setup saying so, and `s4chain deploy` refuses the same set (exit 2)."""
    store = compile_project(user_project).store
    old = "contract: MyToken\n    params: {name: My Token, symbol: MTK, initialSupply: 1000000 MTK}"

    def loaded(supply: str | int) -> LoadedScenario:
        return load_scenario(edited(user_project, tmp_path, old, USD % supply), lambda name: store.get(name).abi)

    wrong = Replayer(InProcessChain(store), loaded("1000 USD"))
    [setup] = wrong.run().steps
    assert setup.index == -1 and setup.outcome == "failed"
    assert "counted with 18 decimals, but the deployed token is USD with 6 decimals" in str(setup.problem)
    raw = Replayer(InProcessChain(store), loaded(10**9))
    raw.run()
    assert raw.drivers["token"].units == {"USD": 6}  # raw units deploy; steps count with decimals() from then on
    table = {"driver": "contract", "contract": "MyUsd", "params": ["Dollar", "USD", "1000 USD"]}
    declared = declared_sets({"usd": table}, lambda name: store.get(name).abi)
    chain = InProcessChain(store)
    with pytest.raises(UnitMismatchError, match="write those amounts in raw units"):
        Deployer(chain, open_records(chain, None)).deploy(select_sets(["usd"], declared))
