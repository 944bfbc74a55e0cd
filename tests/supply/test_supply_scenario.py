"""The supply driver under the scenario replay engine: a YAML story of cocoa turned into chocolate, a cold-chain
breach and a recall, replayed on a fresh in-process chain with every expectation holding."""

from __future__ import annotations

from pathlib import Path

from s4chain.chain import InProcessChain
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_scenario

SCENARIO = Path(__file__).with_name("supply_chocolate.yaml")


def test_the_chocolate_scenario_replays_with_every_expectation_met(compiled):
    run = Replayer(InProcessChain(compiled), load_scenario(SCENARIO)).run()
    assert not run.failures, [f"line {s.line}: {s.problem}" for s in run.failures]
    assert [s.revert for s in run.steps if s.revert] == ["NotReceiver", "WrongStatus", "WrongStatus"]
    final = run.final_states["chain"]
    assert final["lot_count"] == 2
    assert final["intensities"]["rail"] == 17
    assert [lot["status"] for lot in final["lots"]] == ["consumed", "destroyed"]
