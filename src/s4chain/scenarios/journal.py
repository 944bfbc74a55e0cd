"""The journal of a replay on a node, beside its report: what each scenario deployed and every step it
confirmed, so that `s4chain replay --rpc URL --resume` picks an interrupted replay up where it stopped without
sending confirmed steps again.

A step is the unit, and a file's deployment counts as one. Each is marked as under way before it sends. The node
is snapshotted before the deployment and then before every `CHECKPOINT_EVERY`-th step (a checkpoint), not before
every step: anvil copies its whole state for each snapshot and keeps the copy, so a snapshot per step made a long
replay ever slower (docs/performance.md). A step cut short (its approval mined, its purchase not; or mined but not
yet journaled) is undone on resume by reverting to the last checkpoint; the confirmed steps after it are run again
first, each checked to give exactly its journaled record (same transactions, blocks, events, values: a replay is
deterministic), then the cut step runs in full: every step takes effect exactly once. A deployment cut short is
reverted to its own snapshot. Each file also gets a snapshot before it starts, to undo it once done when another
file follows (on a resume that adds files too).

The file holds one JSON object a line, each appended as it happens, so a step costs the same at the end of a long
replay as at the start; the replay rewrites it compactly (one line per file) when it ends. Every line is fsync'd
but a confirmed step's: that one is made durable by the fsync of the line after it, which always comes before the
node is sent or asked to change anything else (the next step under way, or the file finished). A crash that loses
it (the machine's, not the process's: the kernel keeps what a killed process wrote) leaves that step under way
in the journal, as a crash between its transaction and its line does, and a resume undoes it and runs it once. A line
torn by a crash mid-write is the last one, and is dropped on read. Every line records the node's head (block
number and hash) where it matters, so that a node that lost its state (restarted with the same genesis) is told
apart from one that did not, instead of reverting to snapshots it no longer has."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from s4chain.chain.base import Chain
from s4chain.chain.rpc import RpcError
from s4chain.errors import S4ChainError
from s4chain.files import sha256_hex, write_atomic
from s4chain.scenarios.engine import ResumePoint, ScenarioRun, StepRecord
from s4chain.scenarios.loader import LoadedScenario

JOURNAL_FORMAT: Final = 3
# Steps between two checkpoints: a snapshot costs a few ms (more as the chain grows) and a resume runs up to this
# many steps again, a second or two on anvil.
CHECKPOINT_EVERY: Final = 50

Head = tuple[int, str]  # a block's number and hash


class JournalError(S4ChainError):
    """A journal that cannot be used to resume (missing, damaged, another chain, a changed file, a node that lost
    its state), or that cannot be written."""


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str  # what the line tells: a `Literal` in each kind of line, the union's discriminator


class _FileLine(_Line):
    """A line about one scenario file of the replay."""

    file: str


class _HeadLine(_FileLine):
    """A line that leaves the node's head at `head`."""

    head: Head


class Header(_Line):
    event: Literal["journal"] = "journal"
    format: Literal[3] = JOURNAL_FORMAT
    chain_id: int
    genesis: str


class InFlight(BaseModel):
    model_config = ConfigDict(extra="forbid")
    snapshot: Any = None  # the node's snapshot before the deployment or the step under way, if one was taken
    head: Head  # the node's head when it started


class Checkpoint(BaseModel):
    """A snapshot taken before a step: a resume reverts to it and runs the steps confirmed since again."""

    model_config = ConfigDict(extra="forbid")
    snapshot: Any
    head: Head  # the node's head when it was taken
    steps: int  # how many steps were confirmed then
    state: dict[str, int] = Field(default_factory=dict)  # how many off-chain state items each set had made then


class JournalEntry(BaseModel):
    """Everything the journal knows of one file."""

    model_config = ConfigDict(extra="forbid")
    sha256: str  # of the scenario file, which must not change between the run and its resumption
    shift: int = 0  # seconds the file's dates were moved forward by (`--shift-time`): a resume keeps them
    snapshot: Any = None  # the node's snapshot taken before the file, to undo it once done
    start_head: Head | None = None  # the head then
    head: Head | None = None  # the head after the last journaled change on the node
    in_flight: InFlight | None = None  # until the step (or deployment) under way is journaled
    checkpoint: Checkpoint | None = None  # the last one, once the steps began
    deployments: dict[str, dict[str, str]] | None = None  # None until the deployment is journaled
    deployment_gas: int = 0
    driver_state: dict[str, list[Any]] = Field(default_factory=dict)  # off-chain state the drivers made, by set
    steps: list[StepRecord] = Field(default_factory=list)
    redo: list[StepRecord] = Field(default_factory=list)  # confirmed steps a resume undid, to be run again as they were
    run: ScenarioRun | None = None  # the whole run, once complete
    undone: bool = False  # reverted to `snapshot` after it ran


class Start(_HeadLine):
    event: Literal["start"] = "start"
    sha256: str
    shift: int = 0
    snapshot: Any


class Starting(_HeadLine):
    """A step (or the deployment) is about to send. `snapshot`, taken before it (always before the deployment),
    undoes it: before a step it is a checkpoint."""

    event: Literal["in_flight"] = "in_flight"
    snapshot: Any = None


class Deployed(_HeadLine):
    event: Literal["deployed"] = "deployed"
    deployments: dict[str, dict[str, str]]
    deployment_gas: int
    state: dict[str, list[Any]]


class Stepped(_HeadLine):
    event: Literal["step"] = "step"
    record: StepRecord
    state: dict[str, list[Any]]


class InFlightUndone(_HeadLine):
    event: Literal["in_flight_undone"] = "in_flight_undone"


class Rewound(_HeadLine):
    """On resume, the node was reverted to the checkpoint taken when `steps` steps were confirmed (the steps
    after it are to be run again) and snapshotted anew there."""

    event: Literal["rewound"] = "rewound"
    snapshot: Any
    steps: int


class Finished(_FileLine):
    event: Literal["finished"] = "finished"
    run: ScenarioRun


class Undone(_HeadLine):
    """The file, once finished, was reverted to its own snapshot (another file follows it)."""

    event: Literal["undone"] = "undone"


class Entry(_FileLine):
    """A whole entry, as the compacted journal holds it."""

    event: Literal["entry"] = "entry"
    entry: JournalEntry


_Event = Annotated[
    Start | Starting | Deployed | Stepped | InFlightUndone | Rewound | Finished | Undone | Entry,
    Field(discriminator="event"),
]
_EVENT: TypeAdapter[Any] = TypeAdapter(_Event)
_RECORD: TypeAdapter[StepRecord] = TypeAdapter(StepRecord)


def journal_path(report: Path) -> Path:
    return report.with_name(report.stem + ".journal.jsonl")


def genesis_of(chain: Chain) -> str:
    return "0x" + bytes(chain.w3.eth.get_block(0)["hash"]).hex()


def _lost(path: Path, chain: Chain, head: Head) -> JournalError:
    return JournalError(
        f"the node no longer holds the chain {path} was written on (its block {head[0]} is "
        f"{'different' if chain.block_number >= head[0] else 'missing'}): it restarted with the same genesis? "
        "replay without --resume"
    )


def file_digest(path: Path) -> str:
    return sha256_hex(path.read_bytes())


class JournalWriter:
    """Keeps the journal file in step with the replay: each change is a line appended (and applied to `entries`,
    as a read applies it)."""

    def __init__(
        self, path: Path, header: Header, entries: dict[str, JournalEntry], checkpoint_every: int = CHECKPOINT_EVERY
    ) -> None:
        self.path = path
        self.header = header
        self.entries = entries
        self.checkpoint_every = checkpoint_every
        # Unbuffered: nothing of a line that failed to be written is left to be flushed later.
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND)

    @classmethod
    def fresh(cls, path: Path, chain: Chain, checkpoint_every: int = CHECKPOINT_EVERY) -> JournalWriter:
        header = Header(chain_id=chain.chain_id, genesis=genesis_of(chain))
        try:
            write_atomic(path, header.model_dump_json() + "\n")
            return cls(path, header, {}, checkpoint_every)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {path}: {exc.strerror}") from None

    @classmethod
    def resume(cls, path: Path, chain: Chain, checkpoint_every: int = CHECKPOINT_EVERY) -> JournalWriter:
        header, entries, valid = _read(path)
        if (header.chain_id, header.genesis) != (chain.chain_id, genesis_of(chain)):
            raise JournalError(
                f"{path} was written against another chain (chain id {header.chain_id}, genesis "
                f"{header.genesis[:12]}...): the node restarted? replay without --resume"
            )
        for entry in entries.values():  # the same genesis (a node restarted within the second) is not enough
            if entry.run is not None and not entry.undone and entry.head is not None and not _holds(chain, entry.head):
                raise _lost(path, chain, entry.head)  # a finished file's blocks are gone (an unfinished one's: below)
        try:
            os.truncate(path, valid)  # a line torn by a crash goes, so that the next one starts a line
            return cls(path, header, entries, checkpoint_every)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {path}: {exc.strerror}") from None

    def close(self) -> None:
        os.close(self._fd)

    # --- what a replay asks ---------------------------------------------------------------------------------
    def entry(self, scenario: Path) -> JournalEntry | None:
        entry = self.entries.get(str(scenario))
        if entry is not None and entry.sha256 != file_digest(scenario):
            raise JournalError(f"{scenario} changed since the journal was written: replay without --resume")
        return entry

    def order(self, loaded: list[LoadedScenario]) -> list[LoadedScenario]:
        """The files of a resumed replay: the journaled ones in the order they ran, then the others."""
        by_name = {str(item.path): item for item in loaded}
        missing = [name for name in self.entries if name not in by_name]
        if missing:
            raise JournalError(
                f"{self.path} also covers {', '.join(missing)}: give every journaled file again, or replay "
                "without --resume"
            )
        return [by_name[name] for name in self.entries] + [i for i in loaded if str(i.path) not in self.entries]

    # --- what a replay tells --------------------------------------------------------------------------------
    def start(self, scenario: Path, snapshot: Any, chain: Chain, shift: int = 0) -> None:
        """A file starts, its dates moved forward by `shift` seconds."""
        self._append(
            Start(
                file=str(scenario),
                sha256=file_digest(scenario),
                shift=shift,
                snapshot=snapshot,
                head=chain.head(),
            )
        )

    def starting(self, scenario: Path, chain: Chain) -> None:
        """Before a step or the deployment: it is under way, with a snapshot before the deployment and, every
        `checkpoint_every` steps, a checkpoint, to undo it with should it be cut short."""
        entry = self.entries[str(scenario)]
        due = (
            entry.deployments is None
            or entry.checkpoint is None
            or len(entry.steps) - entry.checkpoint.steps >= self.checkpoint_every
        )
        head = chain.head()
        self._append(Starting(file=str(scenario), snapshot=chain.snapshot() if due else None, head=head))

    def deployed(self, scenario: Path, run: ScenarioRun, state: dict[str, list[Any]], chain: Chain) -> None:
        self._append(
            Deployed(
                file=str(scenario),
                deployments=run.deployments,
                deployment_gas=run.deployment_gas,
                state=state,
                head=chain.head(),
            )
        )

    def step(self, scenario: Path, record: StepRecord, state: dict[str, list[Any]], chain: Chain) -> None:
        """A confirmed step; one run again after a rewind must be the one journaled before."""
        entry = self.entries[str(scenario)]
        if entry.redo:
            journaled, redone = (
                _RECORD.dump_python(entry.redo[0], mode="json"),
                _RECORD.dump_python(record, mode="json"),
            )
            if redone != journaled:
                fields = ", ".join(key for key in journaled if journaled[key] != redone.get(key))
                raise JournalError(
                    f"{scenario}:{record.line}: step {len(entry.steps) + 1} ({record.action}), run again after "
                    f"reverting to the checkpoint of {self.path}, differs from the journal in {fields}: the replay "
                    "is not deterministic here, so it cannot resume exactly; replay without --resume"
                )
        # Not fsync'd on its own (the module's docstring): the next line's fsync covers it.
        self._append(Stepped(file=str(scenario), record=record, state=state, head=chain.head()), durable=False)

    def finished(self, scenario: Path, run: ScenarioRun) -> None:
        self._append(Finished(file=str(scenario), run=run))

    # --- undoing --------------------------------------------------------------------------------------------
    def undo_in_flight(self, scenario: Path, chain: Chain) -> None:
        """Revert whatever the step (or deployment) under way when the replay stopped had sent, then check that
        the node is where the journal left it. A step is undone by reverting to the last checkpoint: the steps
        confirmed since are then to be run again (`resume_point`)."""
        entry = self.entries[str(scenario)]
        in_flight = entry.in_flight
        if in_flight is not None:
            chain.mine_left_pending()
            if entry.deployments is None:  # the deployment, undone by the snapshot taken before it
                self._revert(chain, in_flight.snapshot, in_flight.head, in_flight.head)
                self._append(InFlightUndone(file=str(scenario), head=in_flight.head))
            else:
                # Even if nothing of the step was mined: a revert done before a crash may have used the checkpoint.
                checkpoint = entry.checkpoint
                if checkpoint is None:
                    raise JournalError(f"{self.path}: no checkpoint before {scenario}'s step under way to undo it with")
                self._revert(chain, checkpoint.snapshot, in_flight.head, checkpoint.head)
                rewound = Rewound(
                    file=str(scenario), snapshot=chain.snapshot(), head=checkpoint.head, steps=checkpoint.steps
                )
                self._append(rewound)
        if entry.head is not None and chain.head() != entry.head:
            if _holds(chain, entry.head):
                raise JournalError(
                    f"the node moved past block {entry.head[0]}, where {self.path} left it: something else sent it "
                    "transactions? replay without --resume"
                )
            raise _lost(self.path, chain, entry.head)

    def undo(self, scenario: Path, chain: Chain) -> None:
        """Revert a finished file to the snapshot taken before it (once; a resume does it if the replay stopped
        before)."""
        entry = self.entries[str(scenario)]
        if entry.undone:
            return
        if entry.snapshot is None or entry.start_head is None:
            raise JournalError(f"{self.path}: no snapshot before {scenario} to undo it with: replay without --resume")
        self._revert(chain, entry.snapshot, entry.head or entry.start_head, entry.start_head)
        self._append(Undone(file=str(scenario), head=entry.start_head))

    def _revert(self, chain: Chain, snapshot: Any, expected: Head, target: Head) -> None:
        """Revert to `snapshot`, taken at `target`, on a node last seen at `expected` (a descendant of `target`,
        or `target` itself if the revert was done before the replay stopped)."""
        current = chain.head()
        if current == target:  # nothing was mined since, or the revert happened before a crash
            with suppress(RpcError):  # used up by that revert: the node is where the snapshot would put it
                chain.revert(snapshot)
            return
        if not _holds(chain, expected):
            raise _lost(self.path, chain, expected)
        try:
            chain.revert(snapshot)
        except RpcError:
            raise JournalError(
                f"the node no longer has snapshot {snapshot} that {self.path} recorded (something else reverted "
                "it?): replay without --resume"
            ) from None

    def compact(self) -> None:
        """Rewrite the journal as one line per file (at the end of a replay); a finished file's steps are in its
        run."""
        lines = [self.header.model_dump_json()]
        lines += [
            Entry(file=name, entry=entry.model_copy(update={"steps": []}) if entry.run else entry).model_dump_json()
            for name, entry in self.entries.items()
        ]
        try:
            write_atomic(self.path, "\n".join(lines) + "\n")
            os.close(self._fd)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc.strerror}") from None

    def _append(self, line: _FileLine, durable: bool = True) -> None:
        """Write a line and make it durable (with what was written before it), then apply it; on a disk error the
        file is cut back to its last whole line (a torn one is dropped on read anyway) and the replay stops, to be
        resumed once fixed."""
        data = line.model_dump_json().encode() + b"\n"
        try:
            size = os.lseek(self._fd, 0, os.SEEK_END)
            try:
                written = 0
                while written < len(data):
                    written += os.write(self._fd, data[written:])
                if durable:
                    os.fsync(self._fd)
            except OSError:
                with suppress(OSError):  # else the torn line stays last, and a read drops it
                    os.ftruncate(self._fd, size)
                raise
        except OSError as exc:
            raise JournalError(
                f"cannot write the journal {self.path}: {exc.strerror}; the replay stopped: fix that, then run the "
                "same command with --resume"
            ) from None
        _apply(self.entries, line)


def _holds(chain: Chain, head: Head) -> bool:
    """Whether the node's chain has block `head` (it may have more above it)."""
    if chain.block_number < head[0]:
        return False
    return "0x" + bytes(chain.w3.eth.get_block(head[0])["hash"]).hex() == head[1]


def _apply(entries: dict[str, JournalEntry], line: _FileLine) -> None:
    if isinstance(line, Start):
        entries[line.file] = JournalEntry(
            sha256=line.sha256, shift=line.shift, snapshot=line.snapshot, start_head=line.head, head=line.head
        )
        return
    if isinstance(line, Entry):
        entries[line.file] = line.entry
        return
    entry = entries[line.file]
    if isinstance(line, Starting):
        entry.in_flight = InFlight(snapshot=line.snapshot, head=line.head)
        if line.snapshot is not None and entry.deployments is not None:
            counts = {name: len(items) for name, items in entry.driver_state.items()}
            entry.checkpoint = Checkpoint(snapshot=line.snapshot, head=line.head, steps=len(entry.steps), state=counts)
    elif isinstance(line, Deployed):
        entry.deployments, entry.deployment_gas, entry.in_flight, entry.head = (
            line.deployments,
            line.deployment_gas,
            None,
            line.head,
        )
        _add_state(entry, line.state)
    elif isinstance(line, Stepped):
        entry.steps.append(line.record)
        entry.redo = entry.redo[1:]
        entry.in_flight, entry.head = None, line.head
        _add_state(entry, line.state)
    elif isinstance(line, InFlightUndone):
        entry.in_flight, entry.head = None, line.head
    elif isinstance(line, Rewound):
        if entry.checkpoint is None or entry.checkpoint.steps != line.steps:
            raise ValueError(f"rewound to step {line.steps}, where {line.file} has no checkpoint")
        counts = entry.checkpoint.state
        entry.redo = entry.steps[line.steps :] + entry.redo
        entry.steps = entry.steps[: line.steps]
        entry.driver_state = {name: items[: counts.get(name, 0)] for name, items in entry.driver_state.items()}
        entry.checkpoint = Checkpoint(snapshot=line.snapshot, head=line.head, steps=line.steps, state=counts)
        entry.in_flight, entry.head = None, line.head
    elif isinstance(line, Finished):
        entry.run = line.run
    elif isinstance(line, Undone):
        entry.undone, entry.head = True, line.head


def _add_state(entry: JournalEntry, state: dict[str, list[Any]]) -> None:
    for name, items in state.items():
        entry.driver_state.setdefault(name, []).extend(items)


def read_journal(path: Path) -> dict[str, JournalEntry]:
    """What a journal holds, by file (a line torn by a crash left out)."""
    return _read(path)[1]


def _read(path: Path) -> tuple[Header, dict[str, JournalEntry], int]:
    """The header, the entries, and how many bytes of whole lines the file holds."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise JournalError(f"no journal at {path} to resume from: replay without --resume") from None
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror}") from None
    lines = raw.split(b"\n")
    # Every line ends with a newline: what follows the last one is a line torn by a crash (or nothing).
    complete, valid = lines[:-1], len(raw) - len(lines[-1])
    if not complete:
        raise JournalError(f"{path}: empty or torn before its first line; replay without --resume")
    try:
        header = Header.model_validate_json(complete[0])
    except ValidationError:
        raise JournalError(
            f"{path}:1: not a replay journal of format {JOURNAL_FORMAT}; replay without --resume"
        ) from None
    entries: dict[str, JournalEntry] = {}
    for number, text in enumerate(complete[1:], start=2):
        try:
            line = _EVENT.validate_json(text)
            if not isinstance(line, Start | Entry) and line.file not in entries:
                raise ValueError(f"{line.event} of {line.file}, which has not started")
            _apply(entries, line)
        except (ValidationError, ValueError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise JournalError(
                f"{path}:{number}: not a replay journal line ({detail}); replay without --resume"
            ) from None
    return header, entries, valid


def resume_point(entry: JournalEntry) -> ResumePoint | None:
    """Where a file's replay picks up, or None if its deployment was not journaled (it is run again)."""
    if entry.deployments is None:
        return None
    return ResumePoint(entry.deployments, entry.deployment_gas, list(entry.steps), dict(entry.driver_state))
