"""The leasing and work use cases' default outcomes (`UseCase.outcomes`): what the lease and freelance studies
report without an `outcomes:` block agrees with the studies' own formulas over the drivers' reads."""

from __future__ import annotations

from typing import Any

from s4chain.chain.inprocess import InProcessChain
from s4chain.compiler import ArtifactStore
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_scenario
from s4chain.scenarios.outcomes import declared_outcomes, measure
from tests.sweeps.conftest import REPO


def both(study: str, compiled: ArtifactStore, parameters: dict[str, Any], seed: int) -> tuple[dict, dict, Any]:
    """The study's own outcomes and its use case's defaults, measured on one replay."""
    loaded = load_scenario(REPO / "studies" / study / "scenario.yaml", lambda n: compiled.get(n).abi, parameters, seed)
    replayer = Replayer(InProcessChain(compiled), loaded)
    run = replayer.run()
    actors = {name: account.address for name, account in replayer.actors.items()}
    bare = loaded.scenario.model_copy(update={"outcomes": {}})
    own = measure(loaded.scenario, replayer.drivers, run, loaded.parameters, actors)
    defaults = measure(bare, replayer.drivers, run, loaded.parameters, actors)
    return own, defaults, loaded


def test_the_lease_study_reports_revenue_cost_and_defaults_by_default(compiled: ArtifactStore) -> None:
    own, defaults, loaded = both("lease-defaults", compiled, {"default_rate": 0.5, "lessees": 3}, seed=1)
    assert list(declared_outcomes(loaded.scenario.model_copy(update={"outcomes": {}}))) == [
        "revenue",
        "lessee_cost_per_hour",
        "unpaid",
        "defaults",
        "suspensions",
    ]
    assert own["passed"] and 0 < own["defaults"] < 3  # the seed gives both kinds of plant
    assert defaults["revenue"] == own["revenue"] > 0
    assert defaults["unpaid"] == own["unpaid"]
    # Each defaulter is suspended once, and ends not active.
    assert defaults["defaults"] == defaults["suspensions"] == own["suspensions"] == own["defaults"]
    assert defaults["lessee_cost_per_hour"] == own["cost_per_hour"] > 0


def test_the_freelance_study_reports_income_rejections_and_disputes_by_default(compiled: ArtifactStore) -> None:
    own, defaults, loaded = both(
        "freelance-income", compiled, {"rejection_rate": 0.5, "dispute_rate": 0.5, "missions": 4}, seed=2
    )
    rejected = sum(1 for step in loaded.scenario.steps if step.do == "work.reject")
    assert own["passed"] and 0 < rejected < 4 and 0 < own["disputes"] < 4
    assert defaults["income"] == own["income"] > 0  # the technician never withdraws: income is its credit
    assert defaults["platform_fees"] == own["platform_fees"] > 0
    assert defaults["refunded"] == own["refunded_to_plant"]
    assert defaults["rejections"] == own["rejections"] == rejected
    assert defaults["disputes"] == own["disputes"]  # every dispute was split by the arbiter


def test_a_lease_suspended_then_reinstated_is_no_default(compiled: ArtifactStore) -> None:
    """Scenario 03's lessee pays late once (suspended, then reinstated when it pays): one suspension, no default."""
    loaded = load_scenario(REPO / "scenarios" / "03-compressor-leased-six-months.yaml", lambda n: compiled.get(n).abi)
    replayer = Replayer(InProcessChain(compiled), loaded)
    outcomes = measure(loaded.scenario, replayer.drivers, replayer.run(), loaded.parameters)
    assert outcomes["passed"] and outcomes["suspensions"] == 1 and outcomes["defaults"] == 0
    assert outcomes["revenue"] == 13650 and outcomes["lessee_cost_per_hour"] > 0
