"""The report's data, the same for the JSON file and the HTML page."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from s4chain.scenarios.engine import ScenarioRun


def run_summary(run: ScenarioRun) -> dict[str, Any]:
    return {
        "steps": len(run.steps),
        "transactions": run.transaction_count,
        "gas": run.gas_used,
        "deployment_gas": run.deployment_gas,
        "failures": len(run.failures),
        "seconds": round(run.seconds, 3),
    }


def report_data(runs: list[ScenarioRun]) -> dict[str, Any]:
    return {
        "format": "s4chain-replay-report/1",
        "scenarios": [
            {
                "name": run.name,
                "file": run.file,
                "use_case": run.use_case,
                "description": run.description,
                "backend": run.backend,
                "chain_id": run.chain_id,
                "deployments": run.deployments,
                "drivers": run.drivers,
                "final_states": run.final_states,
                "names": run.names,
                "start": run.start,
                "time_shift": run.time_shift,
                "summary": run_summary(run),
                "steps": [asdict(step) for step in run.steps],
            }
            for run in runs
        ],
    }
