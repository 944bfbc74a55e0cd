"""`run_machine(Machine, env=...)`: an `EnvMachine` gets its family's environment and a fresh `seen`; a machine
that is no `EnvMachine` is refused an env rather than left without one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
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
