"""A scenario's contract sets against deployment records: what `s4chain deploy --scenario` deploys and records, and
what `s4chain replay --use-deployments` attaches to. A recorded set stands in for a scenario's set only when it was
deployed with the scenario's params and `with:` values; any difference is listed field by field and refused, or,
with `--redeploy-differing`, that set is deployed afresh by the replay, and said so. Never silently."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from s4chain.chain.base import Chain
from s4chain.deployment.records import DeploymentRecords, Difference, differences, json_args, scenario_key
from s4chain.drivers.registry import use_case
from s4chain.drivers.sets import AbiSource
from s4chain.drivers.usecase import Driver, UseCase
from s4chain.inputs.values import Resolver
from s4chain.scenarios.engine import deploy_inputs, utc
from s4chain.scenarios.loader import LoadedScenario
from s4chain.scenarios.model import assign_accounts

PLACEHOLDER = "0x" + "00" * 19 + "01"  # what `@set` stands for while the set is one the replay deploys itself
_DATES = range(946_684_800, 7_258_118_400)  # unix seconds from 2000 to 2200: shown as dates beside the number


@dataclass(frozen=True)
class ScenarioSet:
    """One contract set of a scenario, resolved for a chain: what its driver's `deploy` takes."""

    path: Path
    name: str
    use_case: UseCase
    params: BaseModel
    arguments: dict[str, Any]  # from `with:`: accounts, addresses, lists

    @property
    def key(self) -> str:
        return scenario_key(self.path, self.name)

    def as_json(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Its params and deploy arguments as the records keep them."""
        return self.params.model_dump(mode="json"), {k: json_args(v) for k, v in self.arguments.items()}


class ScenarioSets:
    """A scenario's sets in file order, resolved as the replay would deploy them on a chain with `accounts`:
    actors as those accounts, dates moved by the file's shift, `@set` as the addresses `located` gave (a set not
    located yet stands for PLACEHOLDER)."""

    def __init__(self, loaded: LoadedScenario, chain: Chain) -> None:
        self.loaded = loaded
        self.abi: AbiSource = lambda name: chain.artifacts.get(name).abi
        accounts = chain.accounts
        self.actors = assign_accounts(loaded.scenario.actors, accounts)
        contracts = loaded.scenario.contracts
        self.resolver = Resolver(loaded.start, self.actors, {}, frozenset(contracts), shift=loaded.shift)

    def __iter__(self) -> Iterator[ScenarioSet]:
        for name, spec in self.loaded.scenario.contracts.items():
            params, arguments = deploy_inputs(self.resolver, spec, self.abi)
            yield ScenarioSet(self.loaded.path, name, use_case(spec.driver), params, arguments)

    def located(self, item: ScenarioSet, addresses: Mapping[str, str]) -> None:
        """The set's contracts are at `addresses` (by contract name): `@set` and `@set.Contract` stand for them."""
        self.resolver.addresses[item.name] = addresses[self.loaded.scenario.contracts[item.name].main_contract]
        for key, address in addresses.items():
            self.resolver.addresses[f"{item.name}.{key}"] = address

    def label(self, value: Any) -> str:
        """A recorded or scenario value as a message shows it: accounts with their actor's name, times as dates."""
        if value is None:
            return "(none)"
        names: dict[str, str] = {account.address: name for name, account in self.actors.items()}
        if isinstance(value, str) and value in names:
            return f"{value} ({names[value]})"
        if value == PLACEHOLDER:
            return "(a set this replay deploys)"
        if isinstance(value, int) and not isinstance(value, bool) and value in _DATES:
            return f"{value} ({utc(value)})"
        return str(value)


@dataclass
class SetChoice:
    """What the replay does for one scenario set: attach to the records' set `key`, or deploy it (`key` None):
    none is recorded for it, or the one `recorded` differs from it in `differs`."""

    item: ScenarioSet
    sets: ScenarioSets
    line: int
    key: str | None
    recorded: str | None = None
    differs: list[Difference] = field(default_factory=list)


@dataclass
class Plan:
    """Per file, per set, whether the records stand in for it."""

    choices: dict[Path, list[SetChoice]] = field(default_factory=dict)

    @property
    def differing(self) -> list[SetChoice]:
        return [choice for choices in self.choices.values() for choice in choices if choice.differs]

    def all_attached(self, loaded: LoadedScenario) -> bool:
        """Whether every set of the file attaches to a recorded set (the replay deploys nothing)."""
        choices = self.choices.get(loaded.path, [])
        return bool(choices) and all(choice.key is not None for choice in choices)

    def keys(self, path: Path) -> dict[str, str]:
        """The records' key each attached set of `path` uses, by driver name (what the engine looks sets up by)."""
        return {c.item.use_case.name: c.key for c in self.choices.get(path, []) if c.key is not None}


def plan_sets(loaded: list[LoadedScenario], records: DeploymentRecords, chain: Chain) -> Plan:
    """Match every scenario set with a complete recorded set: the one `deploy --scenario` recorded for it
    (`<file stem>/<set>`), else the plain deploy's set of its driver (`ico`). A set whose params or `with:`
    differ from the record's is not attached (`differs` says why); a set with no record is deployed by the
    replay."""
    plan = Plan()
    for scenario in loaded:
        sets = ScenarioSets(scenario, chain)
        choices = plan.choices.setdefault(scenario.path, [])
        drivers = [spec.driver for spec in scenario.scenario.contracts.values()]
        for item in sets:
            line = scenario.lines.line_of(("contracts", item.name))
            driver = item.use_case.name
            candidates = (item.key, driver) if drivers.count(driver) == 1 else ()  # the engine attaches by driver
            key = next((k for k in candidates if _complete(records, k, driver)), None)
            if key is None:
                choices.append(SetChoice(item, sets, line, None))
                continue
            record = records.sets[key]
            found = differences(record, *item.as_json())
            if found:
                choices.append(SetChoice(item, sets, line, None, key, found))
                continue
            sets.located(item, {name: c.address for name, c in record.contracts.items()})
            choices.append(SetChoice(item, sets, line, key, key))
    return plan


def _complete(records: DeploymentRecords, key: str, driver: str) -> bool:
    record = records.sets.get(key)
    return record is not None and record.complete and record.driver == driver


def refusal(plan: Plan, records_path: Path, url: str) -> str:
    """The message listing every differing field, recorded against scenario, and the ways out."""
    lines = [f"--use-deployments: the sets recorded in {records_path} are not the scenarios' (nothing was sent):"]
    for choice in plan.differing:
        item, label = choice.item, choice.sets.label
        lines.append(
            f"  {item.path}:{choice.line}: set {item.name} ({item.use_case.name}), recorded as {choice.recorded}:"
        )
        for diff in choice.differs:
            lines.append(f"    {diff.field}: recorded {label(diff.recorded)}, scenario {label(diff.wanted)}")
    files = " ".join(f"--scenario {path}" for path in dict.fromkeys(str(c.item.path) for c in plan.differing))
    lines += [
        "ways out:",
        f"  - record the scenario's sets first (before its start on the node's clock): s4chain deploy --rpc {url} "
        f"{files}",
        "  - or deploy the differing sets afresh in this replay (the records stay as they are): --redeploy-differing",
        "  - or replay without --use-deployments (every set deployed afresh)",
    ]
    return "\n".join(lines)


def notes(plan: Plan) -> Iterator[str]:
    """One line per set: the recorded set it uses, or why the replay deploys it itself."""
    for choice in (c for choices in plan.choices.values() for c in choices):
        item = choice.item
        where = f"{item.path}:{choice.line}: set {item.name} ({item.use_case.name})"
        if choice.differs:
            fields = ", ".join(d.field for d in choice.differs)
            fresh = "deployed afresh by this replay (--redeploy-differing)"
            yield f"{where}: {fresh}: {choice.recorded} differs in {fields}"
        elif choice.key is None:
            yield f"{where}: no complete recorded set for it, deployed by this replay"
        else:
            yield f"{where}: uses the recorded set {choice.key}"


def drivers_for(plan: Plan, attached: Mapping[str, Driver]) -> Callable[[LoadedScenario], dict[str, Driver]]:
    """Each file's attached drivers, by driver name, for `replay_all`."""
    return lambda loaded: {name: attached[key] for name, key in plan.keys(loaded.path).items()}
