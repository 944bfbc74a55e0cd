"""The replay engine: deploys a scenario's contract sets through the drivers, then runs its steps and bots in
time order, recording per step the transactions, blocks, timestamps, gas, decoded events, and the outcome
against what the scenario expects."""

from __future__ import annotations

import inspect
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from pydantic import BaseModel

from s4chain.chain.base import Chain
from s4chain.chain.reverts import ContractRevert
from s4chain.drivers.registry import driver_class, main_contract
from s4chain.errors import S4ChainError
from s4chain.scenarios.loader import LoadedScenario, step_time
from s4chain.scenarios.model import Check, Expectation, assign_accounts
from s4chain.scenarios.values import Resolver, ValueProblem, parse_duration, to_timestamp


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
    start: int = 0
    deployment_gas: int = 0
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
    """Where an interrupted replay on a node stopped: what it deployed and the steps it confirmed."""

    deployments: dict[str, dict[str, str]]
    deployment_gas: int
    steps: list[StepRecord]


@dataclass(frozen=True)
class _Planned:
    at: int | None
    order: int
    index: int
    actor: str
    do: str
    args: dict[str, Any]
    expect: Expectation
    note: str | None
    line: int


def _plan(loaded: LoadedScenario) -> list[_Planned]:
    """Steps (with repeats) and bot runs, in time order; a step without `at` follows the one before it."""
    start = loaded.start
    planned: list[_Planned] = []
    current = start
    order = 0
    for index, step in enumerate(loaded.scenario.steps):
        when = step_time(step, start)
        if when is not None:
            current = when
        times = [current]
        if step.repeat:
            interval = parse_duration(step.repeat.every)
            times = [current + k * interval for k in range(step.repeat.times)]
        for moment in times:
            planned.append(
                _Planned(
                    moment,
                    order,
                    index,
                    step.actor,
                    step.do,
                    step.args,
                    step.expect,
                    step.note,
                    loaded.step_line(index),
                )
            )
            order += 1
    for bot_index, bot in enumerate(loaded.scenario.bots):
        moment, last = to_timestamp(bot.start, start), to_timestamp(bot.until, start)
        interval = parse_duration(bot.every)
        while moment <= last:
            planned.append(
                _Planned(
                    moment,
                    order,
                    len(loaded.scenario.steps) + bot_index,
                    bot.actor,
                    bot.do,
                    bot.args,
                    bot.expect,
                    f"bot {bot.name}",
                    loaded.lines.line_of(("bots", bot_index)),
                )
            )
            order += 1
            moment += interval
    return sorted(planned, key=lambda p: (p.at or 0, p.order))


class ScenarioSetupError(S4ChainError):
    """The scenario cannot start on this chain (its start lies behind the chain's clock, say)."""


class Replayer:
    """Replays one scenario on `chain`. `attached` maps driver names to drivers already deployed (from deployment
    records): a set of that driver uses it instead of deploying its own."""

    def __init__(self, chain: Chain, loaded: LoadedScenario, attached: dict[str, Any] | None = None) -> None:
        self.chain = chain
        self.loaded = loaded
        self.attached = attached or {}
        self.actors = assign_accounts(loaded.scenario.actors, chain.accounts)
        self.resolver = Resolver(loaded.start, self.actors, {})
        self.drivers: dict[str, Any] = {}

    def planned_steps(self) -> int:
        """How many steps (repeats and bot runs included) `run` will execute."""
        return len(_plan(self.loaded))

    def run(
        self,
        on_step: Callable[[StepRecord], None] | None = None,
        *,
        resume: ResumePoint | None = None,
        on_deployed: Callable[[ScenarioRun], None] | None = None,
        before_step: Callable[[], None] | None = None,
    ) -> ScenarioRun:
        """Deploy the contract sets and run every step. With `resume` (from a journal), the sets are the ones
        deployed before and the steps already done are not run again."""
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
        run.start = self.loaded.start
        run.names.update({account.address: name for name, account in self.actors.items()})
        if resume is None:
            self._deploy(run)
        else:
            self._reattach(run, resume)
        if on_deployed is not None:
            on_deployed(run)
        for planned in _plan(self.loaded)[len(run.steps) :]:
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
        run.seconds = time.perf_counter() - started
        return run

    def _deploy(self, run: ScenarioRun) -> None:
        scenario = self.loaded.scenario
        if self.loaded.start <= self.chain.timestamp:
            raise ScenarioSetupError(
                f"{self.loaded.path}: start {scenario.start.isoformat()} is not ahead of the chain's clock "
                f"({self.chain.timestamp}); both backends only move forward in time"
            )
        self.chain.set_next_block_timestamp(self.loaded.start)
        first_block = self.chain.block_number + 1
        for name, spec in scenario.contracts.items():
            driver = self.attached.get(spec.driver)
            if driver is None:
                driver_type = driver_class(spec.driver)
                params = self.resolver.coerce(spec.params, typing.get_type_hints(driver_type.deploy)["params"])
                arguments = self.resolver.call_arguments(driver_type.deploy, spec.args, skip=2)
                driver = driver_type.deploy(self.chain, params, **arguments)
            self._register(run, name, spec.driver, driver)
        run.deployment_gas = self._gas_since(first_block)

    def _reattach(self, run: ScenarioRun, resume: ResumePoint) -> None:
        """Drivers over the contracts a journal says this scenario deployed, checked to still be there."""
        from s4chain.deployment.attach import attach_driver
        from s4chain.deployment.records import SetRecord

        for name, spec in self.loaded.scenario.contracts.items():
            addresses = resume.deployments.get(name)
            if not addresses or any(not self.chain.code_at(a) for a in addresses.values()):
                raise ScenarioSetupError(
                    f"{self.loaded.path}: the journal's contracts for {name!r} are not on this chain; "
                    "replay without --resume"
                )
            driver_type = driver_class(spec.driver)
            params = self.resolver.coerce(spec.params, typing.get_type_hints(driver_type.deploy)["params"])
            arguments = self.resolver.call_arguments(driver_type.deploy, spec.args, skip=2)
            roles: dict[str, str] = {"admin": str(self.chain.accounts[0].address)}
            roles.update({k: str(v.address) for k, v in arguments.items() if isinstance(v, LocalAccount)})
            record = SetRecord(driver=spec.driver, params=params.model_dump(mode="json"), roles=roles)
            contracts = {key: self.chain.at(key, address) for key, address in addresses.items()}
            self._register(run, name, spec.driver, attach_driver(self.chain, name, record, contracts))
        run.deployment_gas = resume.deployment_gas
        run.steps = list(resume.steps)

    def _register(self, run: ScenarioRun, name: str, driver_name: str, driver: Any) -> None:
        self.drivers[name] = driver
        run.drivers[name] = driver_name
        contracts = driver.contracts()
        run.deployments[name] = {key: c.address for key, c in contracts.items()}
        run.names.update({c.address: f"{name}.{key}" for key, c in contracts.items()})
        self.resolver.addresses[name] = contracts[main_contract(driver_name)].address
        for key, contract in contracts.items():
            self.resolver.addresses[f"{name}.{key}"] = contract.address

    def _gas_since(self, first_block: int) -> int:
        return sum(
            int(self.chain.w3.eth.get_block(n)["gasUsed"]) for n in range(first_block, self.chain.block_number + 1)
        )

    def _execute(self, planned: _Planned) -> StepRecord:
        if planned.at is not None and planned.at > self.chain.timestamp:
            self.chain.set_next_block_timestamp(planned.at)
        record = StepRecord(
            planned.index, planned.line, planned.at or self.chain.timestamp, planned.actor, planned.do, planned.note
        )
        first_block = self.chain.block_number + 1
        set_name, _, action = planned.do.partition(".")
        method = getattr(self.drivers[set_name], action)
        caught: ContractRevert | None = None
        try:
            if Resolver.takes_actor(method):
                result = method(self.actors[planned.actor], **self.resolver.call_arguments(method, planned.args, 1))
            else:
                result = method(**self.resolver.call_arguments(method, planned.args))
            record.value = _plain(result) if not hasattr(result, "tx_hash") else None
        except ContractRevert as exc:
            caught = exc
            record.revert = exc.error_name
        except ValueProblem as exc:
            record.outcome, record.problem = "failed", f"bad argument: {exc}"
        self._collect(record, first_block)
        if record.outcome == "ok":
            self._judge(record, planned.expect, caught)
        return record

    def _collect(self, record: StepRecord, first_block: int) -> None:
        w3 = self.chain.w3
        for number in range(first_block, self.chain.block_number + 1):
            block = w3.eth.get_block(number)
            record.blocks.append(number)
            record.gas_used += int(block["gasUsed"])
            record.transactions.extend(HexBytes(typing.cast(bytes, h)).to_0x_hex() for h in block["transactions"])
            record.at = int(block["timestamp"])  # the step's time is its last block's
        if record.blocks:
            for event in self.chain.get_events(from_block=first_block):
                record.events.append(
                    {
                        "name": event.name,
                        "address": event.address,
                        "args": _plain(event.args),
                        "block": event.block_number,
                    }
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
                value = self.resolver.reference(value)
            if key not in actual or str(actual[key]).lower() != str(value).lower():
                return False
        return True

    def _check(self, check: Check) -> str | None:
        set_name, _, action = check.call.partition(".")
        method = getattr(self.drivers[set_name], action)
        try:
            result = method(**self.resolver.call_arguments(method, check.args))
        except (ValueProblem, ContractRevert) as exc:
            return f"check {check.call} failed: {exc}"
        hints = typing.get_type_hints(type(result)) if isinstance(result, BaseModel) else {}
        for key, expected in check.equals.items():
            actual = getattr(result, key, None) if hints else (result.get(key) if isinstance(result, dict) else None)
            try:
                wanted = self.resolver.coerce(expected, hints[key]) if key in hints else expected
            except (ValueProblem, ValueError) as exc:
                return f"check {check.call}.{key}: {exc}"
            if actual != wanted:
                return f"check {check.call}.{key}: expected {wanted}, got {actual}"
        return None


def _required_parameters(method: Callable[..., Any]) -> list[str]:
    return [p.name for p in inspect.signature(method).parameters.values() if p.default is inspect.Parameter.empty]


def _plain(value: Any) -> Any:
    """JSON-friendly form of driver results and event arguments."""
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
