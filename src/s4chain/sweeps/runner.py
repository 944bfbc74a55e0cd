"""Running a sweep's planned runs where they go: a local process pool (by default), or the workers of an existing
Dask distributed scheduler (`--cluster ADDRESS`). Runs already in the results file are skipped; rows are written
(atomically) as they come, every few seconds and at the end; a worker lost mid-sweep loses only the runs it
held, which run again elsewhere."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s4chain.errors import S4ChainError
from s4chain.sweeps.results import ResultsFileError, read_rows, write_rows
from s4chain.sweeps.worker import Bundle, Job, run_job, set_local_bundle

FLUSH_SECONDS = 2.0  # rows reach the results file at least this often
MAX_ATTEMPTS = 3  # a run whose worker died this many times is given up (its row says so)


class ClusterError(S4ChainError):
    """The Dask scheduler cannot be reached or used (exit 2)."""


@dataclass
class Progress:
    done: int = 0
    skipped: int = 0
    retried: int = 0
    total: int = 0


def run_sweep(
    jobs: Sequence[Job],
    bundle: Bundle,
    results: Path,
    *,
    workers: int,
    cluster: str | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[list[dict[str, Any]], Progress]:
    """Every job whose run is not in `results` yet, run and written there; answers the rows of this sweep's
    runs (earlier ones too) and what was done."""
    existing = read_rows(results)
    versions = {row.get("scenario_sha256") for row in existing} - {job.digest for job in jobs}
    if existing and versions:
        raise ResultsFileError(
            f"{results}: holds runs of another version of the scenario file (its sha256 differs): resuming would "
            "mix them; give another --out, or move the file away to start afresh"
        )
    known = {row["run_id"]: row for row in existing}
    todo = [job for job in jobs if job.run.run_id not in known]
    progress = Progress(skipped=len(jobs) - len(todo), total=len(jobs))
    rows = list(existing)
    last_flush = time.monotonic()
    source = _dask(todo, bundle, cluster, progress) if cluster else _local(todo, bundle, workers, progress)
    try:
        for row in source:
            rows.append(row)
            progress.done += 1
            if on_row is not None:
                on_row(row)
            if time.monotonic() - last_flush > FLUSH_SECONDS:
                write_rows(results, rows)
                last_flush = time.monotonic()
    finally:
        if rows:
            write_rows(results, rows)  # what was done, also when interrupted
    wanted = {job.run.run_id for job in jobs}
    return [row for row in rows if row["run_id"] in wanted], progress


def _local(jobs: Sequence[Job], bundle: Bundle, workers: int, progress: Progress) -> Iterator[dict[str, Any]]:
    """The jobs on `workers` processes, forked from a fork server (a fresh interpreter that imported s4chain once:
    nothing inherited from this process but the bundle, and each worker starts in milliseconds rather than
    importing web3 and py-evm again). A process that dies breaks the pool: the runs it held (and the others in
    flight) are sent again to a new pool."""
    attempts = {job.run.run_id: 0 for job in jobs}
    pending = list(jobs)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["s4chain.sweeps.worker"])
    while pending:
        with ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(pending))),
            mp_context=context,
            initializer=set_local_bundle,
            initargs=(bundle,),
        ) as pool:
            futures: dict[Future[dict[str, Any]], Job] = {pool.submit(run_job, job): job for job in pending}
            pending = []
            while futures:
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = futures.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        attempts[job.run.run_id] += 1
                        if attempts[job.run.run_id] >= MAX_ATTEMPTS:
                            yield _lost(job)
                        else:
                            progress.retried += 1
                            pending.append(job)


def _lost(job: Job) -> dict[str, Any]:
    error = f"its worker process died {MAX_ATTEMPTS} times"
    return {
        "run_id": job.run.run_id,
        "seed": job.run.seed,
        "scenario_sha256": job.digest,
        **job.run.parameters,
        "passed": False,
        "error": error,
    }


def _dask(jobs: Sequence[Job], bundle: Bundle, address: str | None, progress: Progress) -> Iterator[dict[str, Any]]:
    """The jobs on a Dask scheduler's workers: the bundle is sent once to every worker (scattered), each job with
    a reference to it; the scheduler reruns the tasks of a worker it loses (up to its allowed failures)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ClusterError("--cluster needs dask.distributed: pip install 's4chain[sweep]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--cluster {address}: cannot reach the Dask scheduler ({exc})") from None
    try:
        shipped = client.scatter(bundle, broadcast=True)
        futures = [
            client.submit(run_job, job, shipped, key=f"s4chain-run-{job.run.run_id}", pure=False, retries=2)
            for job in jobs
        ]
        for future in as_completed(futures):
            yield future.result()
            future.release()
    finally:
        client.close()
