"""A sweep's results file: one Parquet row per run (its id, seed, parameters, outcomes, failures), written whole
and atomically (a temporary file beside it, then a rename), so that an interrupted sweep leaves the rows it had
written and a rerun skips them (resume)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from s4chain.errors import S4ChainError

FIRST_COLUMNS = ("run_id", "seed", "scenario_sha256")
LAST_COLUMNS = ("passed", "failures", "first_failure", "error", "seconds")


class ResultsFileError(S4ChainError):
    """A results file that cannot be read (exit 2)."""


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise S4ChainError("sweeps need pyarrow: pip install 's4chain[sweep]'") from None
    return pyarrow


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of an earlier sweep into `path` (none when there is no file)."""
    if not path.exists():
        return []
    pa = _pyarrow()
    try:
        return list(pa.parquet.read_table(path).to_pylist())
    except (OSError, pa.ArrowException) as exc:
        raise ResultsFileError(f"{path}: not a readable results file ({exc}); move it away to start afresh") from None


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    middle = [name for name in seen if name not in FIRST_COLUMNS and name not in LAST_COLUMNS]
    return [*FIRST_COLUMNS, *middle, *(name for name in LAST_COLUMNS if name in seen)]


def _uniform(values: list[Any]) -> list[Any]:
    """A column's values as one type: whole numbers among fractions become floats, anything mixed with text
    becomes text."""
    kinds = {type(value) for value in values if value is not None}
    if kinds <= {int, float} and float in kinds:
        return [float(value) if value is not None else None for value in values]
    if len(kinds) > 1:
        return [str(value) if value is not None else None for value in values]
    return values


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """All rows into `path`, atomically, sorted by run id (so two sweeps of one plan give the same file)."""
    pa = _pyarrow()
    rows = sorted(rows, key=lambda row: str(row["run_id"]))
    columns = _columns(rows)
    table = pa.table({name: _uniform([row.get(name) for row in rows]) for name in columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pa.parquet.write_table(table, temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
