"""`run_machine(Machine, env=...)`: an `EnvMachine` gets its family's environment and a fresh `seen`; a machine
that is no `EnvMachine` is refused an env rather than left without one; `runs=` pins the runs whatever the
machine's source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from s4chain.testing.stateful import EnvMachine, run_machine


@dataclass
class Env:
    chain: object = field(default_factory=object)  # what the machine reads as `self.chain`


def test_an_env_machine_gets_its_env_and_a_fresh_count() -> None:
    env = Env()

    class Counting(EnvMachine[Env]):
        @rule()
        def step(self) -> None:
            assert self.env is env and self.chain is env.chain
            self.seen["step"] += 1

    Counting.seen = Counter({"from an earlier run": 1})
    run_machine(Counting, env=env, examples=2, steps=3)
    assert Counting.seen["step"] > 0 and "from an earlier run" not in Counting.seen


def test_a_plain_machine_is_refused_an_env() -> None:
    class Plain(RuleBasedStateMachine):
        @rule()
        def step(self) -> None:
            pass

    with pytest.raises(TypeError, match="Plain is no EnvMachine"):
        run_machine(Plain, env=Env(), examples=1, steps=1)


def test_runs_pins_the_draws_whatever_the_source() -> None:
    """derandomize alone draws its seed from the machine's source: two machines alike but for their names
    draw other runs; with the same `runs` they draw the same."""
    drawn: dict[str, list[int]] = {"a": [], "b": []}

    class DrawsA(EnvMachine[Env]):
        @rule(value=st.integers())
        def step(self, value: int) -> None:
            drawn["a"].append(value)

    class DrawsB(EnvMachine[Env]):
        @rule(number=st.integers())
        def draw(self, number: int) -> None:
            drawn["b"].append(number)

    def run_both(**pin: int) -> tuple[list[int], list[int]]:
        for values in drawn.values():
            values.clear()
        for machine in (DrawsA, DrawsB):
            run_machine(machine, env=Env(), examples=3, steps=5, derandomize=True, **pin)
        return drawn["a"], drawn["b"]

    a, b = run_both()  # first: `runs` stays on the machine, as hypothesis's @seed does
    assert a and b and a != b
    a, b = run_both(runs=1234)
    assert a and a == b
