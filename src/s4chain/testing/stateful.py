"""Running a hypothesis state machine over a chain (the plugin isolates each of its runs)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

# A chain step takes milliseconds and a machine's set-up deploys or funds: no deadline, and the health checks
# that flag slow or heavily filtered draws (and fixtures shared by the runs, which the plugin isolates) are off.
_CHAIN_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]


def run_machine(machine: type[RuleBasedStateMachine], *, examples: int, steps: int, **options: Any) -> None:
    """Run `machine` for `examples` runs of up to `steps` steps; `options` are further hypothesis settings
    (`derandomize=True` for a coverage check that must not flake)."""
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=_CHAIN_HEALTH,
            **options,
        ),
    )
