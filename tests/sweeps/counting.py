"""A local worker's job that leaves a marker file per execution (`<run_id>.<pid>.<n>`, made before the run), so a
test can count how often each run was executed and by which process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from s4chain.sweeps.worker import Job, run_job


def counted(folder: str, job: Job) -> dict[str, Any]:
    n = 0
    while (marker := Path(folder) / f"{job.run.run_id}.{os.getpid()}.{n}").exists():
        n += 1
    marker.touch()
    return run_job(job)


def executions(folder: Path) -> list[tuple[str, int]]:
    """(run id, pid) of every execution so far."""
    return [(name.split(".")[0], int(name.split(".")[1])) for name in os.listdir(folder)]
