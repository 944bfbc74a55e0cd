"""Running a sweep's planned runs where they go: a local process pool (by default), or the workers of an existing
Dask distributed scheduler (`--cluster ADDRESS`). Runs already in the results file are skipped; rows are written
(atomically) as they come, every few seconds and at the end; a worker lost mid-sweep loses only the runs it
held, which run again elsewhere."""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from s4chain.errors import S4ChainError
from s4chain.sweeps.results import ResultsFileError, read_rows, write_rows
from s4chain.sweeps.worker import Bundle, Job, run_job, set_local_bundle

FLUSH_SECONDS = 2.0  # rows reach the results file at least this often
MAX_ATTEMPTS = 3  # a run whose worker died this many times is given up (its row says so)
# Connecting to a Dask scheduler: Dask tries again until its timeout, also when the connection is refused (a
# scheduler still starting), and its error does not always say it was refused. So a TCP address is tried once first:
# one that refuses the connection has nothing listening there, said at once.
CONNECT_SECONDS = 10.0
REFUSED_SECONDS = 1.5
Execute = Callable[[Job], dict[str, Any]]  # what a local worker does with a job (run_job; tests count runs)


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
    on_plan: Callable[[Progress], None] | None = None,
    execute: Execute = run_job,
) -> tuple[list[dict[str, Any]], Progress]:
    """Every job whose run is not in `results` yet, run and written there; answers the rows of this sweep's
    runs (earlier ones too) and what was done. `on_plan` hears how many runs there are and how many are skipped,
    before any runs; `on_row` hears each row as it comes."""
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
    if on_plan is not None:
        on_plan(progress)
    rows = list(existing)
    last_flush = time.monotonic()
    source = _dask(todo, bundle, cluster, progress) if cluster else _local(todo, bundle, workers, progress, execute)
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


def _local(
    jobs: Sequence[Job], bundle: Bundle, workers: int, progress: Progress, execute: Execute
) -> Iterator[dict[str, Any]]:
    """The jobs on `workers` processes, each forked from a fork server (a fresh interpreter that imported s4chain
    once: nothing inherited from this process, and each worker starts in milliseconds rather than importing web3
    and py-evm again) and handed one job at a time through its own pipe. A process that dies loses only the job it
    held: that job goes to a new process (up to MAX_ATTEMPTS times); the other workers carry on."""
    attempts = {job.run.run_id: 0 for job in jobs}
    pending = list(reversed(jobs))  # popped from the end: in the plan's order
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["s4chain.sweeps.worker"])
    busy: dict[_Worker, Job | None] = {}  # each worker and the job it holds

    def hand(worker: _Worker) -> None:
        """The next pending job to `worker`; a worker found dead while idle lost nothing: a new one takes it."""
        while pending:
            job = pending.pop()
            try:
                worker.connection.send(job)
            except OSError:
                pending.append(job)
                worker.stop()
                worker = _Worker.start(context, bundle, execute)
                continue
            busy[worker] = job
            return
        busy[worker] = None

    try:
        for _ in range(max(1, min(workers, len(pending)))):
            hand(_Worker.start(context, bundle, execute))
        while any(job is not None for job in busy.values()):
            ready = wait([w.connection for w, job in busy.items() if job is not None])
            for worker in [w for w in busy if w.connection in ready]:
                job = busy.pop(worker)
                assert job is not None
                try:
                    row = worker.connection.recv()
                except (EOFError, OSError):  # the process died with the job: only this job is run again
                    worker.stop()
                    attempts[job.run.run_id] += 1
                    if attempts[job.run.run_id] >= MAX_ATTEMPTS:
                        yield _lost(job)
                    else:
                        progress.retried += 1
                        pending.append(job)
                    if pending:
                        hand(_Worker.start(context, bundle, execute))
                    continue
                hand(worker)  # the next job first, so the worker runs while the row is kept
                yield row
    finally:
        for worker in busy:
            worker.stop()


@dataclass(eq=False)
class _Worker:
    """A local worker process and the coordinator's end of its pipe."""

    process: Any  # multiprocessing's Process of the fork server's context
    connection: Connection

    @classmethod
    def start(cls, context: Any, bundle: Bundle, execute: Execute) -> _Worker:
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, bundle, execute), daemon=True)
        process.start()
        theirs.close()  # the worker's end lives in the worker only: its death closes the pipe
        return cls(process, ours)

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.connection.send(None)
        self.connection.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _serve(connection: Connection, bundle: Bundle, execute: Execute) -> None:
    """A local worker's loop: a job in, its row out, until told to stop (None) or its pipe closes."""
    set_local_bundle(bundle)
    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        if job is None:
            return
        connection.send(execute(job))


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


def _client(address: str | None) -> Any:
    """A Dask client of the scheduler at `address`; ClusterError if nothing listens there (a TCP address that
    refuses the connection) or none answered within CONNECT_SECONDS."""
    from distributed import Client

    if address is not None and _refused(address):
        raise ClusterError(
            f"--cluster {address}: cannot reach the Dask scheduler (connection refused: nothing listens there)"
        )
    try:
        return Client(address, timeout=f"{CONNECT_SECONDS}s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--cluster {address}: cannot reach the Dask scheduler ({exc})") from None


def _refused(address: str) -> bool:
    """Whether a TCP scheduler address refuses a connection (other schemes, and any other outcome: False)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme != "tcp":
            return False
        with socket.create_connection(parse_host_port(location), timeout=REFUSED_SECONDS):
            return False
    except ConnectionRefusedError:
        return True
    except (OSError, ValueError):
        return False


def _dask(jobs: Sequence[Job], bundle: Bundle, address: str | None, progress: Progress) -> Iterator[dict[str, Any]]:
    """The jobs on a Dask scheduler's workers: the bundle is sent once to every worker (scattered), each job with
    a reference to it; the scheduler reruns the tasks of a worker it loses (up to its allowed failures)."""
    try:
        from distributed import as_completed
    except ImportError:
        raise ClusterError("--cluster needs dask.distributed: pip install 's4chain[sweep]'") from None
    client = _client(address)
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
