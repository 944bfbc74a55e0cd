"""`s4chain deploy`: deploy the S4 contract sets to the embedded chain, a local dev node or any JSON-RPC node.

Exit codes: 0 deployed (or everything already there), 1 the deploy started and failed (node stopped, a
transaction reverted: the records keep what was confirmed, run again to continue), 2 bad input or a refusal
before anything was sent (unreachable node, params file, records file, wrong chain, key, funds, no --yes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from s4chain.cli.exits import fail, note
from s4chain.cli.options import ConfirmTimeoutOption, ProjectOption, RecordsDirOption, RpcTimeoutOption
from s4chain.project import Project

if TYPE_CHECKING:
    from pydantic import BaseModel

    from s4chain.cli.replay import TimeShift
    from s4chain.compiler.artifacts import ArtifactStore
    from s4chain.deployment.deployer import Deployer, DeployResult
    from s4chain.deployment.sets import ContractSet
    from s4chain.drivers.usecase import UseCase
    from s4chain.scenarios.loader import LoadedScenario

out = Console()

DEPLOY_FAILED = 1


def say(message: str) -> None:
    out.print(message, highlight=False, markup=False, soft_wrap=True)


def absent_contracts(store: ArtifactStore, use_case: UseCase) -> list[str]:
    """The contracts `use_case` deploys that the project does not compile."""
    present = {artifact.contract_name for artifact in store}
    return [name for name in use_case.contracts if name not in present]


def what_compiles(store: ArtifactStore) -> str:
    """Why a built-in set cannot deploy in a project of one's own, and what the project has instead."""
    names = ", ".join(sorted({artifact.contract_name for artifact in store})) or "no contract"
    return (
        f"this project compiles {names}; the built-in sets deploy the S4 scenario's contracts, which live in "
        "the contracts/ folder of the s4chain repository"
    )


def _chosen_sets(project: Project, store: ArtifactStore, only: list[str] | None) -> list[ContractSet]:
    """The sets `--only` names among the built-in ones and those the project file declares; without `--only`, the
    declared ones where the file declares any (a project of one's own), else the built-in ones."""
    from s4chain.deployment.sets import ProjectSetError, contract_sets, declared_sets, select_sets

    try:
        declared = declared_sets(project.config.sets, lambda name: store.get(name).abi)
    except ProjectSetError as exc:
        fail(f"{project.config_file}: {exc}")
    sets = select_sets(only, declared) if only or not declared else list(declared.values())
    _require_contracts(store, sets, {**contract_sets(), **declared})
    return sets


def require_scenario_contracts(loaded: list[LoadedScenario], store: ArtifactStore) -> None:
    """Refuse, before anything is sent, a scenario whose sets need contracts the project lacks (an S4 scenario
    copied into a project of one's own): the replay would only fail at its first step."""
    from s4chain.drivers.registry import use_cases

    known = use_cases()
    for scenario in loaded:
        for name, contract_set in scenario.scenario.contracts.items():
            use_case = known.get(contract_set.driver)
            absent = absent_contracts(store, use_case) if use_case is not None else []
            if absent:
                line = scenario.lines.line_of(("contracts", name))
                fail(
                    f"{scenario.path}:{line}: set '{name}' (driver {contract_set.driver}) needs contracts this "
                    f"project does not have ({', '.join(absent)}): {what_compiles(store)}"
                )


def _require_contracts(store: ArtifactStore, sets: list[ContractSet], known: Mapping[str, ContractSet]) -> None:
    """Refuse, before anything is sent, sets whose contracts the project lacks (a project of one's own)."""
    absent = {spec.name: absent_contracts(store, spec.use_case) for spec in sets}
    lacking = {name: contracts for name, contracts in absent.items() if contracts}
    if not lacking:
        return
    contracts = ", ".join(dict.fromkeys(c for names in lacking.values() for c in names))
    ready = [name for name, spec in known.items() if not absent_contracts(store, spec.use_case)]
    choice = f"sets that can deploy here: {', '.join(ready)} (--only SET)" if ready else "no set can deploy here"
    fail(
        f"set(s) {', '.join(lacking)} need contracts this project does not have ({contracts}): "
        f"{what_compiles(store)}; {choice}; known sets: {', '.join(known)}"
    )


def _password_prompt() -> Callable[[str], str] | None:
    if not sys.stdin.isatty():
        return None
    return lambda text: str(typer.prompt(text, hide_input=True))


def deploy_command(
    command: typer.Context,
    rpc: Annotated[
        str | None,
        typer.Option("--rpc", help="JSON-RPC URL of the node (default: the embedded chain, records not written)."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Deploy only this set (a use case: ico, tokens, leasing, ...); repeatable."),
    ] = None,
    params_file: Annotated[
        Path | None, typer.Option("--params", help="YAML or JSON file of driver params keyed by set name.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="One driver param as SET.FIELD=VALUE, written as in a params file (ico.goal='20000 EUR', "
            "ico.duration=30d); repeatable, wins over --params.",
        ),
    ] = None,
    keystore: Annotated[
        Path | None,
        typer.Option(
            "--keystore",
            help="Encrypted key file for a chain that is not a local dev chain (password from "
            "S4CHAIN_KEYSTORE_PASSWORD or a prompt). Or set S4CHAIN_PRIVATE_KEY.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Send to a chain that is not a local dev chain, after the summary.")
    ] = False,
    records_dir: RecordsDirOption = None,
    scenario: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenario",
            help="Deploy the contract sets this scenario file (or folder of them) declares, with its params and "
            "`with:` values, recorded as <file stem>/<set> for `replay --use-deployments`; repeatable. Needs a "
            "local dev chain (the actors are its accounts) whose clock is before the scenario's start.",
        ),
    ] = None,
    shift_time: Annotated[
        str | None,
        typer.Option(
            "--shift-time",
            help="With --scenario: move the scenario's dates forward as a whole, auto (to just after the chain's "
            "clock, in whole days, only when needed) or a duration (365d); recorded, and taken by "
            "`replay --use-deployments`.",
        ),
    ] = None,
    rpc_timeout: RpcTimeoutOption = None,
    confirm_timeout: ConfirmTimeoutOption = None,
    project_root: ProjectOption = None,
) -> None:
    """Deploy the S4 contract sets; records go to deployments/<chainId>.json and a re-run reuses what is there."""
    from s4chain.cli.replay import load_all, parse_shift
    from s4chain.compiler import CompilerError, compile_project
    from s4chain.deployment.params import load_params

    project = Project.discover(project_root)
    if scenario and (only or params_file or param):
        fail("--scenario takes the sets and their params from the scenario files: drop --only, --params, --param")
    if shift_time is not None and not scenario:
        fail("--shift-time moves a scenario's dates: it goes with --scenario")
    params: dict[str, BaseModel] = load_params(params_file, param or ()) if params_file or param else {}
    try:
        store = compile_project(project, progress=note).store
    except CompilerError as exc:
        fail(f"contracts do not compile:\n{exc}")
    sets = [] if scenario else _chosen_sets(project, store, only)  # a scenario's deploy takes the file's sets
    what: Deployment
    if scenario:
        loaded = load_all(scenario, lambda: store)
        require_scenario_contracts(loaded, store)
        what = partial(_deploy_scenarios, loaded, parse_shift(shift_time) if shift_time else None)
    else:
        what = lambda deployer: deployer.deploy(sets, params)  # noqa: E731
    if rpc is None:
        if keystore is not None:
            fail("--keystore is for --rpc: the embedded chain uses the dev accounts")
        _deploy_embedded(store, what)
        return
    records = records_dir or project.root / "deployments"
    # On a node a plain deploy is planned and summarised first (what=None); a scenario's deploy is not.
    _deploy_node(
        rpc,
        store,
        sets,
        params,
        keystore,
        yes,
        records,
        command,
        rpc_timeout,
        what if scenario else None,
        confirm_timeout=confirm_timeout,
    )


Deployment = Callable[["Deployer"], "DeployResult"]  # what a deploy sends, given the Deployer


def _deploy_scenarios(loaded: list[LoadedScenario], shift: TimeShift | None, deployer: Deployer) -> DeployResult:
    """Deploy each scenario's sets as its replay would (params, `with:`, `@set` addresses, one-second blocks from
    its start on), keyed `<file stem>/<set>`, one file after the other; with `shift`, its dates moved forward
    (auto: to just after the clock), recorded for the replay to take. Refused for a file whose start is not
    ahead of the chain's clock, unless contracts of its sets are on chain already (a deploy resumed or repeated).
    """
    from s4chain.cli.deployments import ScenarioSets
    from s4chain.cli.replay import Timing, shifted_notes
    from s4chain.deployment.deployer import DeployResult, SetOutcome
    from s4chain.deployment.records import scenario_key
    from s4chain.deployment.sets import ContractSet
    from s4chain.scenarios.engine import start_problem

    chain = deployer.chain
    deployer.settle_pending()  # before anything new is sent: a new transaction could take a lost one's nonce
    outcomes: list[SetOutcome] = []
    for given in loaded:
        if len(given.scenario.actors) > len(chain.accounts):
            fail(
                f"{given.path}: {len(given.scenario.actors)} actors, but the deploy has {len(chain.accounts)} "
                "account(s): --scenario deploys as the scenario's actors, a local dev chain's accounts (no key)"
            )
        # As a replay places it: a deploy of this file ran before (recorded), its dates stay; else `shift`.
        [item] = Timing(chain.timestamp, shift).place([given], deployer.records)
        seconds = item.shift
        recorded = [deployer.records.sets.get(scenario_key(item.path, name)) for name in item.scenario.contracts]
        # A deploy of this file ran before and its contracts are still there: it goes on from the clock.
        live = any(r is not None and any(chain.code_at(c.address) for c in r.contracts.values()) for r in recorded)
        if not live:
            problem = start_problem(item, chain.timestamp)
            if problem is not None:
                done = " (the sets of the files before it are deployed and recorded)" if outcomes else ""
                fail(problem.replace("replay on a fresh node", "deploy to a fresh node") + done)
            chain.one_second_blocks = True  # as the replay's own deployment: from its start, a block a second
            chain.set_next_block_timestamp(item.start)
        for line in shifted_notes([item]):
            say(line)
        sets = ScenarioSets(item, chain)
        for each in sets:
            outcome = deployer.deploy_set(
                ContractSet(each.use_case), each.params, key=each.key, arguments=each.arguments, time_shift=seconds
            )
            sets.located(each, {c.key: c.record.address for c in outcome.contracts})
            outcomes.append(outcome)
    return DeployResult(deployer.records, deployer.path, outcomes)


def _deploy_embedded(store: ArtifactStore, what: Deployment) -> None:
    from s4chain.chain.inprocess import InProcessChain
    from s4chain.deployment.deployer import Deployer, DeployFailedError, open_records

    chain = InProcessChain(store)
    say("deploying to the embedded chain (in this process): records are printed, not written")
    try:
        result = what(Deployer(chain, open_records(chain, None), None, log=say))
    except DeployFailedError as exc:
        fail(str(exc), DEPLOY_FAILED)
    _print_result(result)


def _deploy_node(
    rpc: str,
    store: ArtifactStore,
    sets: list[ContractSet],
    params: dict[str, BaseModel],
    keystore: Path | None,
    yes: bool,
    records_dir: Path,
    command: typer.Context | None = None,
    rpc_timeout: float | None = None,
    what: Deployment | None = None,
    confirm_timeout: float | None = None,
) -> None:
    from s4chain.chain.rpc import RPC_TIMEOUT, NodeUnreachableError, RpcError
    from s4chain.chain.safety import UnsafeChainError
    from s4chain.cli.replay import hold_node_lock
    from s4chain.deployment.deployer import (
        Deployer,
        DeployFailedError,
        NodeStoppedError,
        RecordsWriteError,
        open_records,
    )
    from s4chain.deployment.keys import KEYSTORE_PASSWORD_ENV, PRIVATE_KEY_ENV, load_deployer_key
    from s4chain.deployment.node import DeployChain
    from s4chain.deployment.plan import plan_deploy
    from s4chain.deployment.records import records_path

    key = load_deployer_key(keystore, prompt=_password_prompt())
    try:
        chain = DeployChain(rpc, store, key, rpc_timeout or RPC_TIMEOUT)
    except UnsafeChainError as exc:
        hint = (
            ""
            if key is not None
            else f". To deploy there, give your own key: --keystore FILE (password from {KEYSTORE_PASSWORD_ENV} or "
            f"a prompt) or the environment variable {PRIVATE_KEY_ENV}, and --yes after reviewing the summary"
        )
        fail(f"{exc}{hint}")
    if confirm_timeout is not None:
        chain.confirm_timeout = confirm_timeout
    hold_node_lock(chain, command)  # no replay or other deploy on this node meanwhile
    path = records_path(chain.chain_id, records_dir)
    records = open_records(chain, path, log=say)
    kind = "local dev chain" if chain.is_dev_chain else "NOT a local dev chain"
    say(f"deploying to {rpc}: chain id {chain.chain_id}, {chain.client_version} ({kind}); records: {path}")
    try:
        if not chain.is_dev_chain:
            if what is not None:
                fail("--scenario needs a local dev chain: the scenario's actors are its accounts")
            plan = plan_deploy(chain, records, sets, params)
            say("what will be sent:")
            for line in plan.lines():
                say(line)
            if plan.transactions:
                chain.require_funds(plan.deployer, plan.max_cost, "the deployment")
                if not yes:
                    fail("nothing sent: review the summary above and run again with --yes to send it")
        deployer = Deployer(chain, records, path, log=say)
        result = what(deployer) if what is not None else deployer.deploy(sets, params)
    except DeployFailedError as exc:
        fail(str(exc), DEPLOY_FAILED)
    except (NodeStoppedError, RecordsWriteError) as exc:  # a node's or a disk's fault: exit 2, as for a replay
        fail(str(exc))
    except (NodeUnreachableError, RpcError) as exc:
        fail(f"{exc}; the records in {path} keep every contract confirmed; run deploy again to continue")
    except KeyboardInterrupt:
        fail(f"interrupted; the records in {path} keep every contract confirmed; run deploy again to continue")
    _print_result(result)


def _print_result(result: DeployResult) -> None:
    say(f"deployments on chain {result.records.chain_id}:")
    for outcome in result.sets:
        for contract in sorted(outcome.contracts, key=lambda c: c.record.block_number):
            record = contract.record
            say(
                f"  {outcome.name:<8} {contract.key:<18} {record.address}  block {record.block_number:>6}  "
                f"{contract.action}"
            )
    where = str(result.path) if result.path is not None else "not written (embedded chain)"
    say(f"{result.deployed_count} contract(s) deployed, records: {where}")
