"""Running a hypothesis state machine over a chain (the plugin isolates each of its runs)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from s4chain.chain import Chain

# A chain step takes milliseconds and a machine's set-up deploys or funds: no deadline, and the health checks
# that flag slow or heavily filtered draws (and fixtures shared by the runs, which the plugin isolates) are off.
_CHAIN_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]


class _OnAChain(Protocol):
    @property
    def chain(self) -> Chain: ...


Env = TypeVar("Env", bound=_OnAChain)


class EnvMachine(RuleBasedStateMachine, Generic[Env]):
    """A state machine over a test family's environment (`class LeasingMachine(EnvMachine[LeasingEnv])`; the env
    is built once by a module fixture), which `run_machine(Machine, env=env, ...)` hands it as `self.env` (its
    chain as `self.chain`); `seen` counts what the runs went through, for the test to check they reached what it
    is about."""

    env: Env  # set on the class by `run_machine`
    seen: ClassVar[Counter[str]] = Counter()

    def __init__(self) -> None:
        super().__init__()
        self.chain: Chain = self.env.chain


def run_machine(
    machine: type[RuleBasedStateMachine],
    *,
    examples: int,
    steps: int,
    env: Any = None,
    runs: int | None = None,
    **options: Any,
) -> None:
    """Run `machine` for `examples` runs of up to `steps` steps; `options` are further hypothesis settings
    (`derandomize=True` for a coverage check that must not flake). `env` goes to an `EnvMachine`, whose `seen`
    starts afresh. `runs`, a seed, pins the runs a coverage check was made for: derandomize alone draws its seed
    from the machine's source, so any edit of the machine would pick other runs."""
    if runs is not None:
        seed(runs)(machine)
    if env is not None:
        if not issubclass(machine, EnvMachine):
            raise TypeError(f"{machine.__name__} is no EnvMachine: it takes no env")
        machine.env, machine.seen = env, Counter()
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
