"""One run of a sweep, in a worker process (of the local pool or a Dask worker): the scenario expanded with the
run's parameters and seed, replayed on the worker's in-process chain, its outcomes measured, the chain reverted.

Per worker process, the artifacts arrive once and the chain is built once: each run starts from a snapshot of
the fresh chain (a revert of the chain's undo log, a fraction of a millisecond, where a new chain costs tens of
milliseconds), which gives the same blocks, gas and outcomes as a new chain (tests/sweeps)."""

from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s4chain.chain.inprocess import InProcessChain
from s4chain.compiler.artifacts import Artifact, ArtifactStore
from s4chain.errors import S4ChainError
from s4chain.inputs.yaml_lines import LineMap
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_document
from s4chain.scenarios.outcomes import measure
from s4chain.sweeps.plan import RunSpec


@dataclass(frozen=True)
class Bundle:
    """The compiled artifacts a worker needs, named by a digest of their bytecode (what a worker caches by)."""

    digest: str
    artifacts: tuple[Artifact, ...]

    @classmethod
    def of(cls, store: ArtifactStore) -> Bundle:
        artifacts = tuple(sorted(store, key=lambda a: a.fully_qualified_name))
        digest = hashlib.sha256("".join(a.fully_qualified_name + a.bytecode for a in artifacts).encode()).hexdigest()
        return cls(digest, artifacts)


@dataclass(frozen=True)
class Job:
    """A run as a worker receives it: the file's document (read once, by the coordinator) and the run."""

    path: str
    data: Any
    lines: LineMap
    run: RunSpec
    digest: str = ""  # the file's sha256: a results file holds the runs of one version of the file


@dataclass
class _Context:
    store: ArtifactStore
    chain: InProcessChain
    snapshot: Any
    runs: int = 0
    built: float = field(default=0.0)  # seconds it took to build the chain


_CONTEXTS: dict[str, _Context] = {}
_LOCAL: list[Bundle] = []  # the local pool's bundle, given once per process by its initializer


def set_local_bundle(bundle: Bundle) -> None:
    """The local pool's initializer: the artifacts of every run this process will make."""
    _LOCAL[:] = [bundle]


def _context(bundle: Bundle) -> _Context:
    context = _CONTEXTS.get(bundle.digest)
    if context is None:
        started = time.perf_counter()
        store = ArtifactStore(list(bundle.artifacts))
        chain = InProcessChain(store)
        context = _Context(store, chain, chain.snapshot(), built=time.perf_counter() - started)
        _CONTEXTS.clear()  # one study at a time per worker: an older chain is garbage
        _CONTEXTS[bundle.digest] = context
    return context


def run_job(job: Job, bundle: Bundle | None = None) -> dict[str, Any]:
    """The run's row: its id, seed, every parameter's value, its outcomes, whether every expectation held, the
    first failure (file:line: step: problem), an error that stopped it (bad drawn input, say) and its seconds."""
    started = time.perf_counter()
    context = _context(bundle or _LOCAL[0])
    row: dict[str, Any] = {"run_id": job.run.run_id, "seed": job.run.seed, "scenario_sha256": job.digest}
    try:
        loaded = load_document(
            Path(job.path),
            job.data,
            job.lines,
            lambda name: context.store.get(name).abi,
            job.run.parameters,
            job.run.seed,
        )
        row.update(loaded.parameters)
        replayer = Replayer(context.chain, loaded)
        run = replayer.run()
        addresses = {name: account.address for name, account in replayer.actors.items()}
        row.update(measure(loaded.scenario, replayer.drivers, run, loaded.parameters, addresses))
        first = run.failures[0] if run.failures else None
        row["first_failure"] = f"{job.path}:{first.line}: {first.action}: {first.problem}" if first else None
        row["error"] = None
    except S4ChainError as exc:  # the file with these parameters and seed cannot be replayed (a drawn bad value)
        row.update({"passed": False, "first_failure": None, "error": str(exc)})
    except Exception as exc:  # a bug, not the run's: kept with the row, so the rest of the sweep goes on
        row.update({"passed": False, "first_failure": None, "error": "".join(traceback.format_exception_only(exc))})
    finally:
        context.chain.revert(context.snapshot)
        context.snapshot = context.chain.snapshot()
        context.runs += 1
    row["seconds"] = round(time.perf_counter() - started, 4)
    return row
