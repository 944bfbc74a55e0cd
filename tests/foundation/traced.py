"""Traced.sol (tests/fixtures: a Vault that books deposits in a Ledger it creates, with console.log) in a project of
its own, for the tests of traces, console lines and replays (test_trace.py, test_console.py, test_trace_replay.py)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from s4chain.compiler import compile_project
from s4chain.project import Project

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "Traced.sol"


def traced_project(root: Path, s4_project: Project) -> Project:
    """A project of Traced.sol whose compile cache holds Traced.sol already: the tests of traces, console lines
    and replays (here, test_console.py, test_trace_replay.py) make several, and need no cold solc-js run each."""
    project = _bare_traced_project(root, s4_project.node_modules)
    cache = project.build_dir / "cache"
    cache.mkdir(parents=True)
    for entry in _traced_compile_cache(s4_project.node_modules).iterdir():
        shutil.copy2(entry, cache)
    return project


def _bare_traced_project(root: Path, node_modules: Path) -> Project:
    (root / "contracts").mkdir(parents=True)
    (root / "contracts" / "Traced.sol").write_text(FIXTURE.read_text())
    (root / "node_modules").symlink_to(node_modules)
    return Project(root)


@functools.cache
def _traced_compile_cache(node_modules: Path) -> Path:
    """Traced.sol's compile cache entries (content-addressed, valid in any project), compiled once per process;
    not the bookkeeping files, which name the project's own paths."""
    scratch = Path(tempfile.mkdtemp(prefix="s4chain-traced-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    template = _bare_traced_project(scratch / "project", node_modules)
    compile_project(template)
    entries = scratch / "entries"
    entries.mkdir()
    for entry in (template.build_dir / "cache").glob("*.json"):
        if entry.name not in ("compiler-versions.json", "artifacts-index.json"):
            shutil.copy2(entry, entries)
    return entries
