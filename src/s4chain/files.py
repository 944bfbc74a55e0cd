"""File helpers shared by every part that writes to disk."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any


def _naming(exc: OSError, path: Path) -> OSError:
    """`exc` about `path` rather than about the temporary file it happened on."""
    return OSError(exc.errno, exc.strerror, str(path)) if exc.errno is not None else exc


def _new_file_mode(path: Path) -> int:
    """An existing file keeps its mode; a new one gets the umask's, as `open()` would give it."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of it. An OSError
    names `path` (not the temporary file beside it)."""
    write_all_atomic({path: text})


def write_all_atomic(texts: dict[Path, str]) -> None:
    """Write several files together: every one of them is new afterwards, or (on an error) none changed.

    Each text goes to a temporary file beside its target first; only when all are written are they renamed
    into place, and a rename that fails puts back the files renamed before it. An OSError names the target."""
    temporaries: dict[Path, str] = {}
    backups: dict[Path, str | None] = {}  # target -> a hard link to its old content (None: it did not exist)
    try:
        for path, text in texts.items():
            temporaries[path] = _written_beside(path, text)
        last = len(temporaries) - 1
        for position, (path, tmp) in enumerate(temporaries.items()):
            # The last rename needs no way back: after it, nothing can fail.
            backups[path] = _linked_beside(path) if position < last else None
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _naming(exc, path) from exc
    except BaseException:
        for path, backup in backups.items():  # the failed one included: its old file is untouched anyway
            with suppress(OSError):
                if backup is not None:
                    os.replace(backup, path)
                elif not Path(temporaries[path]).exists():  # renamed into place: it was not there before
                    path.unlink()
        raise
    finally:
        for leftover in [*temporaries.values(), *(b for b in backups.values() if b is not None)]:
            Path(leftover).unlink(missing_ok=True)


def _written_beside(path: Path, text: str) -> str:
    """A temporary file in `path`'s folder holding `text`, with the mode `path` will have; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _naming(exc, path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), _new_file_mode(path))  # mkstemp makes it 0600
            handle.write(text)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from exc
        raise
    return tmp


def _linked_beside(path: Path) -> str | None:
    """A second name (a hard link) for the file at `path`, to put it back; None if there is no such file."""
    if not path.is_file():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.old")
    try:
        os.link(path, backup)
    except OSError as exc:
        raise _naming(exc, path) from exc
    return str(backup)


def write_json_atomic(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def check_writable(path: Path) -> None:
    """Raise an OSError naming `path` now if it could not be written later: its folder cannot be made or
    written to, or `path` is a folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    try:
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as exc:
        raise _naming(exc, path) from exc


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (made if missing) for the block; another process taking it
    waits. The lock goes with the process, however it ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def sha256_hex(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()
