"""Mutated S4 scenario files (numbers to extremes, texts to garbage, durations, dates, actors, removed and
duplicated keys) through the real `s4chain replay`, in-process: every file ends with exit 0, 1 or 2, never a
traceback, within a time and a memory bound.

CI runs a few derandomized examples; `S4CHAIN_MUTATION_EXAMPLES=500` explores more."""

from __future__ import annotations

import os
import re
import resource
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from s4chain.cli.main import app
from s4chain.project import Project

pytestmark = pytest.mark.slow

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
EXAMPLES = int(os.environ.get("S4CHAIN_MUTATION_EXAMPLES", "5"))
SECONDS = 120  # per file: the longest S4 replay takes about 7 s here
MEMORY_BYTES = 400 * 2**20  # growth of the process's peak resident memory over the whole test

NUMBERS = [-1, 0, 1, 2**64, 2**255, 2**256, -(2**256), 10**30, 1.5, 1e300, True, None]
AMOUNTS = ["-1", "0", "1.1234567", "0.0000000000000000001", "1e400", "99999999999999999999999", "2_000"]
TIMES = ["0s", "+0s", "1s", "+1s", "99999999w", "+99999999w", "-1d", "2020-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
TEXTS = ["", "x" * 5000, "@nobody", "nobody", "0x" + "ab" * 33, "0x" + "zz" * 32, "\u202e\U0001f525\x00", "[1, 2"]
AMOUNT = re.compile(r"-?[\d_.]+\s*([A-Za-z]+)")
TIME = re.compile(r"\+?\s*(\d+\s*[smhdw]\s*)+")
Place = tuple[Any, ...]


def places(node: Any, path: Place = ()) -> Iterator[Place]:
    """Every mapping entry and list item of a loaded scenario, containers included."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield (*path, key)
        yield from places(value, (*path, key))


def variants(value: Any, actors: list[str]) -> st.SearchStrategy[Any]:
    """What a scalar may become: extremes of its own kind most of the time, garbage otherwise."""
    garbage = st.sampled_from(TEXTS) | st.text(max_size=30)
    if isinstance(value, bool | int | float):
        return st.sampled_from(NUMBERS) | st.integers() | garbage
    text = str(value)
    if (amount := AMOUNT.fullmatch(text)) is not None:
        return st.sampled_from([f"{n} {amount.group(1)}" for n in AMOUNTS]) | garbage
    if TIME.fullmatch(text) or not isinstance(value, str):  # durations, relative and absolute times
        return st.sampled_from(TIMES) | garbage
    if text.lstrip("@") in actors:
        prefix = "@" if text.startswith("@") else ""
        return st.sampled_from([prefix + a for a in actors] + [prefix + "nobody"]) | garbage
    return garbage


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, str]:
    source = draw(st.sampled_from(SCENARIOS))
    document = yaml.safe_load(source.read_text())
    actors = list(document["actors"])
    described = []
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(list(places(document))))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        kind = draw(st.sampled_from(["value"] * 6 + ["remove", "duplicate"]))
        if kind == "remove":
            del parent[key]
        elif kind == "duplicate" and isinstance(parent, list):
            parent.insert(key, parent[key])
        elif not isinstance(parent[key], dict | list):
            parent[key] = draw(variants(parent[key], actors))
        described.append(f"{kind} {'.'.join(map(str, path))}")
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    if draw(st.integers(0, 9)) == 0:  # a line written twice: a duplicated key, which YAML itself lets pass
        lines = text.splitlines(keepends=True)
        index = draw(st.integers(0, len(lines) - 1))
        lines.insert(index, lines[index])
        text = "".join(lines)
        described.append(f"line {index + 1} twice")
    return f"{source.name}: {'; '.join(described)}", text


class TookTooLong(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise TookTooLong(f"a replay took more than {SECONDS} s")


def peak_memory() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.fixture(scope="module")
def baseline_memory(compiled: object) -> int:
    return peak_memory()


@settings(
    max_examples=EXAMPLES,
    derandomize=EXAMPLES <= 20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutation=mutated_files())
def test_a_mutated_scenario_ends_with_an_exit_code(
    mutation: tuple[str, str], tmp_path: Path, s4_project: Project, baseline_memory: int
) -> None:
    what, text = mutation
    workdir = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: tmp_path is shared by all of them
    path = workdir / "mutated.yaml"
    path.write_text(text)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(SECONDS)
    try:
        result = CliRunner().invoke(
            app, ["replay", str(path), "--report", str(workdir / "report.html"), "--project", str(s4_project.root)]
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{what}: a traceback\n{result.output}") from result.exception
    assert result.exit_code in (0, 1, 2), (what, result.exit_code, result.output)
    if result.exit_code in (0, 1):
        assert (workdir / "report.html").is_file(), what
    assert peak_memory() - baseline_memory < MEMORY_BYTES, what
