"""Outcome metrics: a file's `outcomes:` formulas over its sets' final states and reads, else its use cases'
defaults (`UseCase.outcomes`), and the run's own figures, measured right after a real replay."""

from __future__ import annotations

from pathlib import Path

from s4chain.chain.inprocess import InProcessChain
from s4chain.compiler import ArtifactStore
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_scenario
from s4chain.scenarios.outcomes import declared_outcomes, measure
from tests.sweeps.conftest import REPO


def replayed(path: Path, compiled: ArtifactStore) -> dict[str, object]:
    loaded = load_scenario(path, lambda name: compiled.get(name).abi)
    replayer = Replayer(InProcessChain(compiled), loaded)
    run = replayer.run()
    actors = {name: account.address for name, account in replayer.actors.items()}
    return measure(loaded.scenario, replayer.drivers, run, loaded.parameters, actors)


def test_a_sale_reports_its_use_cases_default_outcomes(compiled: ArtifactStore) -> None:
    path = REPO / "scenarios" / "01-sme-token-sale-succeeds.yaml"
    assert list(declared_outcomes(load_scenario(path, lambda n: compiled.get(n).abi).scenario)) == [
        "raised",
        "success",
        "tokens_sold",
    ]
    outcomes = replayed(path, compiled)
    assert outcomes["raised"] == 35500 and outcomes["success"] is True and outcomes["tokens_sold"] == 71000
    assert outcomes["passed"] is True and outcomes["failures"] == 0 and outcomes["gas"] > 0


def test_a_files_outcomes_call_reads_with_actors_addresses(compiled: ArtifactStore, tmp_path: Path) -> None:
    source = (REPO / "scenarios" / "07-freelance-maintenance-mission.yaml").read_text()
    path = tmp_path / "07.yaml"
    path.write_text(
        source
        + "\noutcomes:\n"
        + "  tech_wallet: work.holdings(actors.tech).wallet\n"
        + "  missions: work.mission_count\n"
        + "  closed: sum(1 for i in range(1, work.mission_count + 1) if work.mission(i).status == 'closed')\n"
        + "  nothing: work.no_such_field\n"
    )
    outcomes = replayed(path, compiled)
    assert outcomes["tech_wallet"] == 2716 and outcomes["missions"] == 2 and outcomes["closed"] == 2
    assert outcomes["nothing"] is None  # an outcome that cannot be computed is empty, the others stand
