"""The replay engine: deploys a scenario's contract sets through the drivers, then runs its steps and bots in
time order, recording per step the transactions, blocks, timestamps, gas, decoded events, and the outcome
against what the scenario expects."""

from __future__ import annotations

import dataclasses
import heapq
import inspect
import itertools
import json
import time
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from pydantic import BaseModel
from web3.exceptions import MismatchedABI, Web3ValidationError

from s4chain.chain.base import Chain, Recording
from s4chain.chain.contract import Contract
from s4chain.chain.reverts import ContractRevert
from s4chain.chain.trace import TraceUnavailable
from s4chain.drivers.registry import driver_class
from s4chain.drivers.sets import AbiSource
from s4chain.drivers.usecase import Driver
from s4chain.errors import S4ChainError
from s4chain.inputs.values import Resolver, ValueProblem
from s4chain.scenarios.actions import (
    ContractCall,
    call_arguments,
    driver_method,
    find_call,
    in_call_order,
    same_name,
    takes_actor,
)
from s4chain.scenarios.cheats import CHEAT, ChainCheats
from s4chain.scenarios.loader import LoadedScenario, Schedule
from s4chain.scenarios.model import Check, ContractSet, Expectation, assign_accounts


@dataclass
class StepRecord:
    index: int
    line: int
    at: int
    actor: str
    action: str
    note: str | None
    outcome: str = "ok"  # ok | failed
    problem: str | None = None
    revert: str | None = None
    transactions: list[str] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)
    gas_used: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    value: Any = None
    console: list[str] = field(default_factory=list)  # console.log lines its contracts printed
    trace: str | None = None  # the call traces of its transactions: a failed step's, or every step's (`trace`)


@dataclass
class ScenarioRun:
    name: str
    file: str
    use_case: str
    description: str
    backend: str
    chain_id: int
    deployments: dict[str, dict[str, str]] = field(default_factory=dict)
    drivers: dict[str, str] = field(default_factory=dict)  # set name -> driver name
    final_states: dict[str, Any] = field(default_factory=dict)  # set name -> the driver's state() at the end
    names: dict[str, str] = field(default_factory=dict)  # address -> actor or `set.Contract`, for reports
    # For reports: token contracts' units (address -> symbol and decimals), role hashes -> role names (keccak of
    # every `*_ROLE` getter's name in the compiled ABIs), the compilers of the deployed contracts (name -> version).
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    compilers: dict[str, str] = field(default_factory=dict)
    start: int = 0
    time_shift: int = 0  # seconds the file's dates were moved forward by (`--shift-time`)
    deployment_gas: int = 0
    deployment_console: list[str] = field(default_factory=list)  # console.log lines the deployment printed
    steps: list[StepRecord] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[StepRecord]:
        return [step for step in self.steps if step.outcome != "ok"]

    @property
    def transaction_count(self) -> int:
        return sum(len(step.transactions) for step in self.steps)

    @property
    def gas_used(self) -> int:
        return self.deployment_gas + sum(step.gas_used for step in self.steps)


@dataclass(frozen=True)
class ResumePoint:
    """Where an interrupted replay on a node stopped: what it deployed, the steps it confirmed, and the off-chain
    state its drivers had made by then (by set)."""

    deployments: dict[str, dict[str, str]]
    deployment_gas: int
    steps: list[StepRecord]
    driver_state: dict[str, list[Any]] = field(default_factory=dict)


@runtime_checkable
class OffChainState(Protocol):
    """A driver that keeps something off the chain which later actions need (the supply driver's EPCIS events),
    as a list that only grows: a journaled replay saves what each step added, and a resumed one restores it."""

    def export_state(self, start: int = 0) -> list[Any]:
        """The items made from the `start`-th on, JSON-friendly."""

    def restore_state(self, items: list[Any]) -> None:
        """Take back items `export_state` gave."""


@dataclass(frozen=True)
class _Planned:
    at: int
    index: int
    actor: str
    do: str
    args: dict[str, Any]
    expect: Expectation
    note: str | None
    line: int


def _plan(loaded: LoadedScenario) -> Iterator[_Planned]:
    """Steps (with repeats) and bot runs in time order, made as they are needed (a heap merge of their
    schedules): at the same time, the earlier step in the file first, and steps before bots."""
    scenario = loaded.scenario
    runs: list[Iterator[_Planned]] = []
    for index, schedule in enumerate(loaded.schedules()):
        if index < len(scenario.steps):
            step = scenario.steps[index]
            what = (step.actor, step.do, step.args, step.expect, step.note, loaded.step_line(index))
        else:
            bot = scenario.bots[index - len(scenario.steps)]
            line = loaded.lines.line_of(("bots", index - len(scenario.steps)))
            what = (bot.actor, bot.do, bot.args, bot.expect, f"bot {bot.name}", line)
        runs.append(_runs(schedule, index, *what))
    return heapq.merge(*runs, key=lambda planned: planned.at)


def _runs(schedule: Schedule, index: int, *what: Any) -> Iterator[_Planned]:
    for moment in schedule.moments():
        yield _Planned(moment, index, *what)


class _Bound(typing.NamedTuple):
    """A step's `with:` values and the driver arguments they were bound to (`Replayer._arguments`)."""

    values: dict[str, Any]
    method: Any
    acts: bool
    arguments: dict[str, Any]


class ScenarioSetupError(S4ChainError):
    """The scenario cannot start on this chain (its start lies behind the chain's clock, say)."""


def utc(moment: int) -> str:
    """Unix seconds as a UTC date, as messages and reports show a chain's time."""
    return f"{datetime.fromtimestamp(moment, UTC):%Y-%m-%d %H:%M:%S} UTC"


def start_problem(loaded: LoadedScenario, clock: int, deployed: bool = False) -> str | None:
    """Why `loaded` cannot start on a chain whose clock reads `clock` (None: it can), with the ways out.
    `deployed`: every set of the file was deployed before, at its start (`deploy --scenario`), so the clock may
    be past the start, as after the replay's own deployment, but not past the first step timed after it."""
    if loaded.start > clock:
        return None
    if deployed:
        later = [s.first for s in loaded.schedules() if s.first > loaded.start]
        if not later or clock < min(later):
            return None
        return (
            f"{loaded.path}: its sets were deployed at its start, {utc(loaded.start)}, but the chain's clock "
            f"({utc(clock)}) is past its step at {utc(min(later))}: it was replayed on this node already? Deploy "
            "it again on a fresh node (restart `s4chain node`), or with --shift-time auto on both deploy and replay"
        )
    shifted = f" (its dates moved forward by {loaded.shift:,} s)" if loaded.shift else ""
    return (
        f"{loaded.path}: the scenario starts at {utc(loaded.start)}{shifted}, not ahead of the chain's clock "
        f"({utc(clock)}), and a chain's time only moves forward (on a node, an earlier replay keeps its last "
        "file's state). Ways out: move the scenario's dates forward as a whole with --shift-time auto (to just "
        "after the chain's clock) or --shift-time DURATION (e.g. 365d), or replay on a fresh node (restart "
        "`s4chain node`)"
    )


def deploy_inputs(resolver: Resolver, spec: ContractSet, abi: AbiSource) -> tuple[BaseModel, dict[str, Any]]:
    """A scenario set's driver params and its other deploy arguments (`with:`), as its driver's `deploy` takes
    them: what the replay deploys with, and what `deploy --scenario` records and `--use-deployments` compares
    (`abi` gives the generic driver's constructor)."""
    deploy = driver_class(spec.driver).deploy
    return spec.deploy_params(resolver, abi), resolver.call_arguments(deploy, spec.args, skip=2)


class Replayer:
    """Replays one scenario on `chain`. `attached` maps driver names to drivers already deployed (from deployment
    records): a set of that driver uses it instead of deploying its own. Each failed step keeps the call traces of
    its transactions; with `trace`, every step does."""

    def __init__(
        self,
        chain: Chain,
        loaded: LoadedScenario,
        attached: Mapping[str, Driver] | None = None,
        *,
        trace: bool = False,
    ) -> None:
        self.chain = chain
        self.trace = trace
        self.loaded = loaded
        self.attached = attached or {}
        self.actors = assign_accounts(loaded.scenario.actors, chain.accounts)
        self.resolver = Resolver(loaded.start, self.actors, {}, shift=loaded.shift)
        self.drivers: dict[str, Driver] = {}
        self._exported: dict[str, int] = {}  # set name -> how many off-chain state items were handed out
        self._contracts: dict[str, dict[str, Contract]] = {}  # set name -> its contracts, in `call_order`
        self._calls: dict[tuple[str, str], ContractCall] = {}  # (set, action) -> the contract function it calls
        self._cheats = ChainCheats(chain, self.actors)  # `cheat.<name>` steps
        # id of a step's or check's `with:` -> (it, the driver method, whether an actor sends it, its arguments)
        self._bound: dict[int, _Bound] = {}

    def planned_steps(self) -> int:
        """How many steps (repeats and bot runs included) `run` will execute."""
        return sum(schedule.times for schedule in self.loaded.schedules())

    def run(
        self,
        on_step: Callable[[StepRecord], None] | None = None,
        *,
        resume: ResumePoint | None = None,
        on_deployed: Callable[[ScenarioRun], None] | None = None,
        before_step: Callable[[], None] | None = None,
    ) -> ScenarioRun:
        """Deploy the contract sets and run every step. With `resume` (from a journal), the sets are the ones
        deployed before and the steps already done are not run again. `before_step` is called before the
        deployment too, which a journal undoes as a step if it is cut short."""
        scenario = self.loaded.scenario
        run = ScenarioRun(
            scenario.name,
            str(self.loaded.path),
            scenario.use_case,
            scenario.description,
            self.chain.backend_name,
            self.chain.chain_id,
        )
        started = time.perf_counter()
        self.chain.one_second_blocks = True
        run.start, run.time_shift = self.loaded.start, self.loaded.shift
        run.names.update({account.address: name for name, account in self.actors.items()})
        if resume is None:
            if before_step is not None:
                before_step()
            with self.chain.recording() as setup:
                try:
                    self._deploy(run)
                except (ContractRevert, *BAD_VALUE) as exc:
                    # A set the chain refuses (a constructor's revert, say) fails the run's setup, not the process.
                    run.steps.append(self._failed_setup(run, exc, setup))
                    self._describe(run)
                    run.seconds = time.perf_counter() - started
                    return run
            run.deployment_gas = setup.gas_used
            run.deployment_console = [str(line) for line in self.chain.console.drain()]
            if on_deployed is not None:
                on_deployed(run)
        else:
            self._reattach(run, resume)
        for planned in itertools.islice(_plan(self.loaded), len(run.steps), None):
            if before_step is not None:
                before_step()
            record = self._execute(planned)
            run.steps.append(record)
            if on_step is not None:
                on_step(record)
        for name, driver in self.drivers.items():
            read_state = getattr(driver, "state", None)
            if callable(read_state) and not _required_parameters(read_state):
                run.final_states[name] = _plain(read_state())
        self._describe(run)
        run.seconds = time.perf_counter() - started
        return run

    def _deploy(self, run: ScenarioRun) -> None:
        scenario = self.loaded.scenario
        deployed = all(spec.driver in self.attached for spec in scenario.contracts.values())
        problem = start_problem(self.loaded, self.chain.timestamp, deployed)
        if problem is not None:
            raise ScenarioSetupError(problem)
        if self.loaded.start > self.chain.timestamp:
            self.chain.set_next_block_timestamp(self.loaded.start)
        for name, spec in scenario.contracts.items():
            driver = self.attached.get(spec.driver)
            if driver is not None and spec.main_contract not in driver.contracts():
                driver = None  # a recorded generic set of another contract
            if isinstance(driver, OffChainState):  # what it made for an earlier file is that file's
                self._exported[name] = len(driver.export_state())
            if driver is None:
                params, arguments = deploy_inputs(self.resolver, spec, self._abi)
                driver = driver_class(spec.driver).deploy(self.chain, params, **arguments)
            self._register(run, name, spec, driver)

    def _describe(self, run: ScenarioRun) -> None:
        """What a report needs to label a run's amounts and role hashes: the units of every token contract that
        was deployed or emitted an event (a factory's tokens too), the roles the compiled ABIs name, and the
        compilers of the deployed contracts."""
        addresses = {a for contracts in run.deployments.values() for a in contracts.values()}
        addresses |= {event["address"] for step in run.steps for event in step.events}
        for artifact in self.chain.artifacts:
            run.roles.update(role_names(artifact.abi))
        for contracts in self._contracts.values():
            for name in (c.contract_name for c in contracts.values()):
                run.compilers[name] = self.chain.artifacts.get(name).compiler.version
        for address in sorted(addresses):
            unit = _token_unit(self.chain, address)
            if unit is not None:
                run.units[address] = {"symbol": unit[0], "decimals": unit[1]}

    def _failed_setup(self, run: ScenarioRun, exc: Exception, setup: Recording) -> StepRecord:
        """The deployment that failed, as a failed step before the first one (the steps are not run)."""
        name, spec = list(self.loaded.scenario.contracts.items())[len(run.deployments)]
        record = StepRecord(
            -1,
            self.loaded.lines.line_of(("contracts", name)),
            self.chain.timestamp,
            "(setup)",
            f"deploy {name} ({spec.driver})",
            "the contract sets are deployed before the first step; the steps were not run",
            outcome="failed",
            problem=f"deployment failed: {_value_problem(exc)}",
            revert=exc.error_name if isinstance(exc, ContractRevert) else None,
        )
        self._collect(record, setup)
        reverted = [result.tx_hash for result in setup.transactions if result.reverted]
        record.trace = self._traces(reverted) if reverted else None
        record.console = [str(line) for line in self.chain.console.drain()]
        return record

    def _reattach(self, run: ScenarioRun, resume: ResumePoint) -> None:
        """Drivers over the contracts a journal says this scenario deployed, checked to still be there."""
        for name, spec in self.loaded.scenario.contracts.items():
            addresses = resume.deployments.get(name)
            if not addresses or any(not self.chain.code_at(a) for a in addresses.values()):
                raise ScenarioSetupError(
                    f"{self.loaded.path}: the journal's contracts for {name!r} are not on this chain; "
                    "replay without --resume"
                )
            driver_type = driver_class(spec.driver)
            params, arguments = deploy_inputs(self.resolver, spec, self._abi)
            # The roles its deployment had: the deployer (accounts[0]) as admin unless `with:` named others.
            roles = {"admin": self.chain.accounts[0]}
            roles.update({k: v for k, v in arguments.items() if isinstance(v, LocalAccount)})
            contracts = {key: self.chain.at(key, address) for key, address in addresses.items()}
            self._register(run, name, spec, driver_type.attach(self.chain, contracts, params, roles))
        if any(step.action == f"{CHEAT}.impersonate" for step in resume.steps):
            raise ScenarioSetupError(
                f"{self.loaded.path}: an impersonation made before the cut cannot be resumed; replay without --resume"
            )
        run.deployment_gas = resume.deployment_gas
        run.steps = list(resume.steps)
        for name, driver in self.drivers.items():
            if isinstance(driver, OffChainState):
                driver.restore_state(resume.driver_state.get(name, []))
                self._exported[name] = len(driver.export_state())

    def new_driver_state(self) -> dict[str, list[Any]]:
        """The off-chain state the drivers made since the last call (or since they were deployed or resumed)."""
        fresh: dict[str, list[Any]] = {}
        for name, driver in self.drivers.items():
            if isinstance(driver, OffChainState):
                items = driver.export_state(self._exported.get(name, 0))
                if items:
                    fresh[name] = items
                    self._exported[name] = self._exported.get(name, 0) + len(items)
        return fresh

    def _abi(self, contract: str) -> Any:
        return self.chain.artifacts.get(contract).abi

    def _register(self, run: ScenarioRun, name: str, spec: ContractSet, driver: Driver) -> None:
        self.drivers[name] = driver
        run.drivers[name] = spec.driver
        contracts = driver.contracts()
        self._contracts[name] = in_call_order(contracts, spec.call_order)
        run.deployments[name] = {key: c.address for key, c in contracts.items()}
        run.names.update({c.address: f"{name}.{key}" for key, c in contracts.items()})
        self.resolver.addresses[name] = contracts[spec.main_contract].address
        for key, contract in contracts.items():
            self.resolver.addresses[f"{name}.{key}"] = contract.address

    def _target(self, set_name: str, action: str) -> Any:
        """What `set.action` calls: the driver's method, else one of the set's contract functions (the loader
        checked that there is one)."""
        if set_name == CHEAT and CHEAT not in self.drivers:
            return getattr(self._cheats, action)
        driver = self.drivers[set_name]
        method = driver_method(driver, action)
        if method is not None:
            return method
        key = (set_name, action)
        if key not in self._calls:
            abis = {name: contract.abi for name, contract in self._contracts[set_name].items()}
            call = find_call(action, abis, getattr(driver, "ACTIONS", None))
            if call is None:  # the dry run found it in a contract this set was deployed without (no vesting)
                raise LookupError(f"no contract of set {set_name!r} has a function {action!r}")
            units = getattr(driver, "units", None)  # the token units of the generic driver's contract
            self._calls[key] = dataclasses.replace(call, units=units) if units else call
        return self._calls[key]

    def _invoke(self, set_name: str, target: Any, actor: LocalAccount | None, values: dict[str, Any]) -> Any:
        if isinstance(target, ContractCall):
            return target.invoke(self._contracts[set_name][target.contract], self.resolver, values, actor)
        if getattr(target, "__self__", None) is self._cheats:
            self._bound.clear()  # an impersonation changes what an actor's name resolves to
        arguments = self._arguments(target, values, actor is not None)
        return target(actor, **arguments) if actor is not None else target(**arguments)

    def _arguments(self, method: Any, values: dict[str, Any], acts: bool) -> dict[str, Any]:
        """`call_arguments`, bound once for a step's (or a check's) `with:` that runs again (a repeat, a bot)
        when every argument is a value a driver cannot change in place: resolving the same values gives the same
        arguments while the resolver's names stay (they are set at deployment; only a cheat changes an actor)."""
        bound = self._bound.get(id(values))
        if bound is not None and bound.values is values and bound.method == method and bound.acts == acts:
            return bound.arguments
        arguments: dict[str, Any] = call_arguments(self.resolver, method, values, acts)
        if all(isinstance(value, _IMMUTABLE) for value in arguments.values()):
            self._bound[id(values)] = _Bound(values, method, acts, arguments)
        return arguments

    def _execute(self, planned: _Planned) -> StepRecord:
        set_name, _, action = planned.do.partition(".")
        try:
            target = self._target(set_name, action)
        except LookupError as exc:
            target = exc
        acts = not isinstance(target, LookupError) and takes_actor(target)
        now = self.chain.timestamp
        record = StepRecord(planned.index, planned.line, max(planned.at, now), planned.actor, planned.do, planned.note)
        caught: ContractRevert | None = None
        with self.chain.recording() as mined:
            if planned.at > now:
                if acts:
                    self.chain.set_next_block_timestamp(planned.at)  # the step's first transaction lands at `at`
                else:
                    # A read step sees the chain at its time: an empty block is mined there (on every backend).
                    self.chain.travel_to(planned.at)
            try:
                if isinstance(target, LookupError):
                    raise target
                result = self._invoke(set_name, target, self.actors[planned.actor] if acts else None, planned.args)
                record.value = _plain(result) if not hasattr(result, "tx_hash") else None
            except ContractRevert as exc:
                caught = exc
                record.revert = exc.error_name
            except BAD_VALUE as exc:
                record.outcome, record.problem = "failed", f"{planned.do}: {_value_problem(exc)}"
        self._collect(record, mined)
        if record.outcome == "ok":
            self._judge(record, planned.expect, caught)
        if record.transactions and (self.trace or record.outcome != "ok"):
            record.trace = self._traces(record.transactions)
        # What was logged since the last step (the deployment's are the run's own), the checks' calls included.
        record.console = [str(line) for line in self.chain.console.drain()]
        return record

    def _traces(self, tx_hashes: list[str]) -> str:
        texts = []
        for tx_hash in tx_hashes:
            try:
                texts.append(self.chain.trace(tx_hash).render())
            except TraceUnavailable as exc:
                texts.append(f"no trace of {tx_hash}: {exc}")
        return "\n".join(texts)

    def _collect(self, record: StepRecord, mined: Recording) -> None:
        """The step's transactions (all of them, reverted ones too), blocks, gas, events and time, from what the
        chain recorded while it ran."""
        record.blocks.extend(mined.blocks)
        record.gas_used += mined.gas_used
        transactions = mined.transactions  # in chain order, as `mined.events` gives their events
        record.transactions.extend(result.tx_hash for result in transactions)
        if mined.timestamp is not None:
            record.at = mined.timestamp  # the step's time is its last block's
        record.events.extend(
            {"name": event.name, "address": event.address, "args": _plain(event.args), "block": event.block_number}
            for result in transactions
            for event in result.events
        )

    def _judge(self, record: StepRecord, expect: Expectation, caught: ContractRevert | None) -> None:
        if expect.revert is not None:
            if caught is None:
                record.outcome, record.problem = "failed", f"expected a revert with {expect.revert}, but it succeeded"
            elif caught.error_name != expect.revert:
                record.outcome, record.problem = "failed", f"expected {expect.revert}, got: {caught}"
            if record.outcome == "failed":
                return
        elif caught is not None:
            record.outcome, record.problem = "failed", f"unexpected revert: {caught}"
            return
        # Events and checks hold after an expected revert too (that nothing changed, say).
        for wanted in expect.events:
            name, args = (wanted, {}) if isinstance(wanted, str) else (wanted.name, wanted.args)
            if not any(e["name"] == name and self._args_match(e["args"], args) for e in record.events):
                record.outcome, record.problem = "failed", f"expected event {name} {args or ''} was not emitted"
                return
        for check in expect.checks:
            problem = self._check(check)
            if problem:
                record.outcome, record.problem = "failed", problem
                return

    def _args_match(self, actual: dict[str, Any], expected: dict[str, Any]) -> bool:
        for key, value in expected.items():
            if isinstance(value, str) and value.startswith("@"):
                try:
                    value = self.resolver.reference(value)
                except ValueProblem:  # `@set.Contract` of a contract the set does not have: nothing matches
                    return False
            if key not in actual or str(actual[key]).lower() != str(value).lower():
                return False
        return True

    def _check(self, check: Check) -> str | None:
        set_name, _, action = check.call.partition(".")
        try:
            target = self._target(set_name, action)
            result = self._invoke(set_name, target, None, check.args)
        except ContractRevert as exc:
            return f"check {check.call} failed: {exc}"
        except BAD_VALUE as exc:
            return f"check {check.call} failed: {_value_problem(exc)}"
        hints = typing.get_type_hints(type(result)) if isinstance(result, BaseModel) else {}
        for key, expected in check.equals.items():
            if hints:
                actual = getattr(result, key, None)
            elif isinstance(result, dict):
                actual = next((v for k, v in result.items() if same_name(k, key)), None)
            else:
                actual = result if key == "value" else None  # a read with one output: `equals: {value: ...}`
            try:
                if key in hints:
                    wanted = self.resolver.coerce(expected, hints[key])
                elif isinstance(target, ContractCall):
                    wanted = target.expected(self.resolver, check.args, key, expected)
                elif key == "value" and not isinstance(result, dict):  # a driver read's one value, by its type
                    wanted = self.resolver.coerce(expected, typing.get_type_hints(target).get("return", Any))
                else:
                    wanted = expected
            except (ValueProblem, ValueError) as exc:
                return f"check {check.call}.{key}: {exc}"
            if actual != wanted:
                return f"check {check.call}.{key}: expected {wanted}, got {actual}"
        return None


# What drivers and the ABI encoder raise for a value they cannot use, or for a reference to nothing on chain (lot
# 99, an unknown token, the vesting of a sale without one): the step fails with that problem. Anything else (a
# node's or a disk's failure) stops the replay.
BAD_VALUE = (ValueError, LookupError, RuntimeError, EncodingError, MismatchedABI, Web3ValidationError)

# Argument values that no driver changes in place (an account only signs), which a step's repeats may share.
_IMMUTABLE = (str, int, float, Decimal, bytes, LocalAccount, type(None))


def _value_problem(exc: Exception) -> str:
    """The problem a driver's exception states, on one line. A node's garbled answer (a JSON error, which is a
    ValueError too) is raised again: it is no problem of the scenario's values."""
    if isinstance(exc, json.JSONDecodeError):
        raise exc
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    if isinstance(exc, MismatchedABI | EncodingError):  # past the dry run's uint256: a narrower type, say uint64
        text = f"a value does not fit the contract function's ABI types: {text}"
    return " ".join(str(text).split())


_SYMBOL, _DECIMALS = bytes.fromhex("95d89b41"), bytes.fromhex("313ce567")  # ERC-20's symbol(), decimals()


def _token_unit(chain: Chain, address: str) -> tuple[str, int] | None:
    """The symbol and decimals of the ERC-20 token at `address` (a factory's token, whose ABI the replay may not
    know, too); None for anything that answers neither."""
    try:
        (symbol,) = abi_decode(["string"], chain.call(address, _SYMBOL))
        (decimals,) = abi_decode(["uint8"], chain.call(address, _DECIMALS))
    except (ContractRevert, DecodingError, *BAD_VALUE):
        return None
    return (symbol, decimals) if isinstance(symbol, str) and symbol.isprintable() and symbol else None


def role_names(abi: list[dict[str, Any]]) -> dict[str, str]:
    """AccessControl's role hashes by name: `keccak256("MINTER_ROLE")` for every `*_ROLE()` getter of an ABI, and
    DEFAULT_ADMIN_ROLE's zero hash."""
    roles = {}
    for entry in abi:
        name = entry.get("name", "")
        outputs = entry.get("outputs") or [{}]
        getter = entry.get("type") == "function" and not entry["inputs"] and outputs[0].get("type") == "bytes32"
        if getter and name.endswith("_ROLE"):
            hashed = bytes(32) if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)
            roles["0x" + hashed.hex()] = name
    return roles


def _required_parameters(method: Callable[..., Any]) -> list[str]:
    return [p.name for p in inspect.signature(method).parameters.values() if p.default is inspect.Parameter.empty]


_SCALARS = frozenset({int, float, str, bool, type(None)})


def _plain(value: Any) -> Any:
    """JSON-friendly form of driver results and event arguments."""
    if type(value) in _SCALARS:  # most event arguments: returned before the costlier checks below
        return value
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    if isinstance(value, Mapping):  # web3's AttributeDict (an event's struct argument) too
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
