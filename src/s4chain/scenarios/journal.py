"""The journal of a replay on a node, beside its report: what each scenario deployed and every step it
confirmed, written atomically after each step, so that `s4chain replay --rpc URL --resume` picks an interrupted
replay up where it stopped without sending confirmed steps again.

A step is the unit. Before each step the node is snapshotted and the snapshot's id journaled; a step cut short
(its approval mined, its purchase not; or its transaction mined but not yet journaled) is undone on resume by
reverting to that snapshot, then run again in full: every step takes effect exactly once."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from s4chain.chain.base import Chain
from s4chain.files import sha256_hex, write_json_atomic
from s4chain.scenarios.engine import ResumePoint, ScenarioRun, StepRecord

JOURNAL_FORMAT = 1


class JournalError(Exception):
    """A journal that cannot be used to resume (missing, corrupt, another chain, a changed file)."""


class JournalEntry(BaseModel):
    sha256: str  # of the scenario file, which must not change between the run and its resumption
    snapshot: Any = None  # the node's snapshot taken before the scenario, to undo it once done
    in_flight: Any = None  # the snapshot taken before the step under way, until it is journaled
    deployments: dict[str, dict[str, str]] = Field(default_factory=dict)
    deployment_gas: int = 0
    steps: list[dict[str, Any]] = Field(default_factory=list)
    run: dict[str, Any] | None = None  # the whole run, once complete


class Journal(BaseModel):
    format: int = JOURNAL_FORMAT
    chain_id: int
    genesis: str
    entries: dict[str, JournalEntry] = Field(default_factory=dict)


def journal_path(report: Path) -> Path:
    return report.with_name(report.stem + ".journal.json")


def genesis_of(chain: Chain) -> str:
    return "0x" + bytes(chain.w3.eth.get_block(0)["hash"]).hex()


def file_digest(path: Path) -> str:
    return sha256_hex(path.read_bytes())


class JournalWriter:
    """Keeps the journal file in step with the replay."""

    def __init__(self, path: Path, journal: Journal) -> None:
        self.path = path
        self.journal = journal

    @classmethod
    def fresh(cls, path: Path, chain: Chain) -> JournalWriter:
        return cls(path, Journal(chain_id=chain.chain_id, genesis=genesis_of(chain)))

    @classmethod
    def resume(cls, path: Path, chain: Chain) -> JournalWriter:
        try:
            journal = Journal.model_validate(json.loads(path.read_text()))
        except FileNotFoundError:
            raise JournalError(f"no journal at {path} to resume from: replay without --resume") from None
        except (OSError, ValueError, ValidationError) as exc:
            raise JournalError(f"{path}: not a usable replay journal ({exc.__class__.__name__})") from None
        if (journal.chain_id, journal.genesis) != (chain.chain_id, genesis_of(chain)):
            raise JournalError(
                f"{path} was written against another chain (chain id {journal.chain_id}, genesis "
                f"{journal.genesis[:12]}...): the node restarted? replay without --resume"
            )
        return cls(path, journal)

    def entry(self, scenario: Path) -> JournalEntry | None:
        entry = self.journal.entries.get(str(scenario))
        if entry is not None and entry.sha256 != file_digest(scenario):
            raise JournalError(f"{scenario} changed since the journal was written: replay without --resume")
        return entry

    def start(self, scenario: Path, snapshot: Any) -> None:
        self.journal.entries[str(scenario)] = JournalEntry(sha256=file_digest(scenario), snapshot=snapshot)
        self._save()

    def deployed(self, scenario: Path, run: ScenarioRun) -> None:
        entry = self.journal.entries[str(scenario)]
        entry.deployments, entry.deployment_gas = run.deployments, run.deployment_gas
        self._save()

    def step_starting(self, scenario: Path, chain: Chain) -> None:
        self.journal.entries[str(scenario)].in_flight = chain.snapshot()
        self._save()

    def step(self, scenario: Path, record: StepRecord) -> None:
        entry = self.journal.entries[str(scenario)]
        entry.steps.append(asdict(record))
        entry.in_flight = None
        self._save()

    def undo_step_in_flight(self, scenario: Path, chain: Chain) -> None:
        """Revert whatever the step that was under way when the replay stopped had sent."""
        entry = self.journal.entries[str(scenario)]
        if entry.in_flight is not None:
            chain.revert(entry.in_flight)
            entry.in_flight = None
            self._save()

    def finished(self, scenario: Path, run: ScenarioRun) -> None:
        self.journal.entries[str(scenario)].run = asdict(run)
        self._save()

    def _save(self) -> None:
        write_json_atomic(self.path, self.journal.model_dump(mode="json"))


def resume_point(entry: JournalEntry) -> ResumePoint:
    return ResumePoint(entry.deployments, entry.deployment_gas, [StepRecord(**step) for step in entry.steps])


def finished_run(entry: JournalEntry) -> ScenarioRun | None:
    if entry.run is None:
        return None
    data = dict(entry.run)
    data["steps"] = [StepRecord(**step) for step in data["steps"]]
    return ScenarioRun(**data)
