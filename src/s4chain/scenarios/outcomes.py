"""The outcome metrics a scenario reports (a sweep's columns, docs/sweeps.md): its `outcomes:` (name ->
expression over its sets' final states and reads, and its parameters), else what each set's use case declares
(`UseCase.outcomes`), and always the run's own figures (`gas`, `transactions`, `failures`, `passed`)."""

from __future__ import annotations

import functools
import inspect
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from s4chain.drivers.registry import use_cases
from s4chain.scenarios.actions import takes_actor
from s4chain.scenarios.expressions import ExpressionError, Record, evaluate, names, plain_numbers
from s4chain.scenarios.model import Scenario

RUN_FIGURES = ("gas", "transactions", "failures", "passed")


@dataclass(frozen=True)
class Outcome:
    expression: str
    state: str | None = None  # a use case's default: the set `state` stands for


def declared_outcomes(scenario: Scenario) -> dict[str, Outcome]:
    """The file's `outcomes:`, else its use cases' defaults (one set of a use case: the metric's name; several:
    `<set>_<metric>`)."""
    if scenario.outcomes:
        return {name: Outcome(expression) for name, expression in scenario.outcomes.items()}
    registered = use_cases()
    declared = [
        (set_name, metric, expression)
        for set_name, spec in scenario.contracts.items()
        if spec.driver in registered
        for metric, expression in registered[spec.driver].outcomes
    ]
    shared = Counter(metric for _, metric, _ in declared)
    return {
        (metric if shared[metric] == 1 else f"{set_name}_{metric}"): Outcome(expression, set_name)
        for set_name, metric, expression in declared
    }


def outcome_problems(scenario: Scenario, parameters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(outcome name, problem) for each outcome that reads an unknown name or is no expression."""
    known = {*scenario.contracts, *parameters, *RUN_FIGURES, "actors"}
    problems = []
    for name, expression in scenario.outcomes.items():
        if name in RUN_FIGURES:
            problems.append((name, f"{name!r} is a figure every run reports; name the outcome otherwise"))
            continue
        try:
            unknown = names(expression) - known
        except ExpressionError as exc:
            problems.append((name, str(exc)))
            continue
        if unknown:
            problems.append((name, f"unknown name(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(known))})"))
    return problems


def measure(
    scenario: Scenario,
    drivers: Mapping[str, Any],
    run: Any,
    parameters: Mapping[str, Any],
    actors: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The outcomes of `run` (a ScenarioRun) right after it ran, so that the reads of its `drivers` (by set) see
    the final chain; `actors` are the actors' addresses (`work.holdings(actors.tech)`). An outcome whose
    expression fails (a set whose deployment failed has no state) is None."""
    scope: dict[str, Any] = {**parameters, "actors": Record(actors or {})}
    for set_name, driver in drivers.items():
        reads = {  # each read made once per run, however many outcomes ask for it (the chain does not change)
            method_name: functools.cache(method)
            for method_name, method in inspect.getmembers(driver, inspect.ismethod)
            if not method_name.startswith("_")
            and method_name not in ("deploy", "attach", "contracts")
            and not takes_actor(method)  # a read, never an action: measuring sends nothing
        }
        scope[set_name] = Record(plain_numbers(run.final_states.get(set_name, {})), reads)
    for set_name in scenario.contracts:
        scope.setdefault(set_name, Record({}))
    values: dict[str, Any] = {
        "gas": run.gas_used,
        "transactions": run.transaction_count,
        "failures": len(run.failures),
        "passed": not run.failures,
    }
    for name, outcome in declared_outcomes(scenario).items():
        own = {"state": scope[outcome.state]} if outcome.state else {}
        try:
            values[name] = _number(evaluate(outcome.expression, {**scope, **own}))
        except ExpressionError:
            values[name] = None
    return values


def _number(value: Any) -> Any:
    """Numbers and booleans as they are; anything else as text (a column holds one kind of value)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)
