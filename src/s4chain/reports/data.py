"""The report's data, the same for the JSON file and the HTML page."""

from __future__ import annotations

import subprocess
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
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


def git_commit(folder: Path) -> str | None:
    """The commit checked out in `folder` (`+` when files differ from it), or None outside a git checkout."""
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git installed, say
        return None
    return head.stdout.strip() + ("+" if status.stdout.strip() else "")


def meta(runs: list[ScenarioRun]) -> dict[str, Any]:
    """What made the report: s4chain's version, the scenarios' git commit, the compilers, and when."""
    try:
        s4chain = version("s4chain")
    except PackageNotFoundError:  # run from a source tree that was not installed
        s4chain = "unknown"
    folder = Path(runs[0].file).resolve().parent if runs else Path.cwd()
    return {
        "s4chain": s4chain,
        "commit": git_commit(folder),
        "compilers": sorted({v for run in runs for v in run.compilers.values()}),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def report_data(runs: list[ScenarioRun], studies: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The runs' data; `studies` are links to study pages (`{"title": ..., "href": ...}`) the report lists."""
    return {
        "format": "s4chain-replay-report/1",
        "meta": meta(runs),
        "studies": list(studies or []),
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
                "units": run.units,
                "roles": run.roles,
                "compilers": run.compilers,
                "start": run.start,
                "time_shift": run.time_shift,
                "summary": run_summary(run),
                "deployment_console": run.deployment_console,
                "steps": [asdict(step) for step in run.steps],
            }
            for run in runs
        ],
    }
