"""Compile a project's contracts with a content-addressed cache.

Each source unit under the contracts folder gets a compiler (the one its pragmas allow, `backend.choose`) and a
key: the hash of that compiler's version, the project's settings and the content of the unit and of everything it
imports. Its artifacts are stored under `build/cache/<key>.json`, so nothing recompiles unless a source, an
import, a setting or the compiler changed, and going back to an earlier version of a file finds its artifacts
again. The stale units of one compiler compile together in one solc call.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s4chain.compiler.artifacts import Artifact, ArtifactStore, CompilerInfo, SourceRef, artifact_path
from s4chain.compiler.backend import (
    Candidate,
    SolcBackend,
    backend_of,
    candidates,
    check_preferred_installed,
    choose,
    run_standard_json,
)
from s4chain.compiler.diagnostics import CompilerError, Diagnostic, line_and_column
from s4chain.compiler.settings import OUTPUT_SELECTION, CompilerSettings
from s4chain.compiler.sources import SourceFile, SourceGraph
from s4chain.files import locked, sha256_hex, write_json_atomic
from s4chain.project import Project

LOCK_FILE = ".compile.lock"


@dataclass
class CompileResult:
    store: ArtifactStore
    compiled_units: list[str] = field(default_factory=list)
    cached_units: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    backend: SolcBackend | None = None  # the compiler of most units
    backends: dict[str, SolcBackend] = field(default_factory=dict)  # unit -> its compiler
    seconds: float = 0.0
    repaired: list[Path] = field(default_factory=list)  # damaged cache entries and artifacts, made again


def content_key(compiler: str, settings: CompilerSettings, sources: list[SourceFile], outputs: Any) -> str:
    """The cache key of compiling `sources` (every file solc reads, imports included, in a stable order): the
    compiler's identity, the settings, the outputs asked for and every file's content. Also keys the Slither gate's
    compilation (scripts/slither_gate.py), in the same cache folder."""
    material = {
        "compiler": compiler,
        "settings": settings.to_solc(),
        "outputs": outputs,
        "sources": [(s.unit_name, s.content_hash) for s in sources],
    }
    return sha256_hex(json.dumps(material, sort_keys=True))


def cache_dir(project: Project) -> Path:
    """Where compilations are cached by `content_key`."""
    return project.build_dir / "cache"


def _unit_key(backend: SolcBackend, settings: CompilerSettings, closure: list[SourceFile]) -> str:
    return content_key(backend.version, settings, closure, OUTPUT_SELECTION)


def _diagnostics(output: dict[str, Any], graph: SourceGraph) -> list[Diagnostic]:
    found = []
    for error in output.get("errors", []):
        location = error.get("sourceLocation") or {}
        unit = location.get("file")
        line = column = 0
        message = error.get("message", "").strip()
        if unit:
            content = graph.load(unit).content
            start, end = max(location.get("start", 0), 0), max(location.get("end", 0), 0)
            line, column = line_and_column(content, start)
            snippet = content.encode()[start:end].decode(errors="replace")
            if 0 < len(snippet) <= 60 and "\n" not in snippet:
                message = f"{message} (at `{snippet}`)"
        kind = error.get("type", "")
        if kind and kind not in ("Warning", "Info"):
            message = f"{kind}: {message}"
        found.append(
            Diagnostic(
                graph.display_path(unit) if unit else "<solc>",
                line,
                column,
                error.get("severity", "error"),
                message,
            )
        )
    return found


def _artifacts_of(
    unit: SourceFile, closure: list[SourceFile], output: dict[str, Any], key: str, compiler: CompilerInfo
) -> list[dict[str, Any]]:
    ids = output.get("sources", {})
    sources = {
        s.unit_name: SourceRef(id=ids[s.unit_name]["id"], contentHash=s.content_hash)
        for s in closure
        if isinstance(ids.get(s.unit_name, {}).get("id"), int)
    }
    entries = []
    for name, contract in sorted(output.get("contracts", {}).get(unit.unit_name, {}).items()):
        evm = contract.get("evm", {})
        artifact = Artifact(
            contractName=name,
            sourceName=unit.unit_name,
            abi=contract.get("abi", []),
            bytecode="0x" + evm.get("bytecode", {}).get("object", ""),
            deployedBytecode="0x" + evm.get("deployedBytecode", {}).get("object", ""),
            linkReferences=evm.get("bytecode", {}).get("linkReferences", {}),
            methodIdentifiers=evm.get("methodIdentifiers", {}),
            devdoc=contract.get("devdoc", {}),
            userdoc=contract.get("userdoc", {}),
            sourceHash=unit.content_hash,
            inputHash=key,
            compiler=compiler,
            sourceMap=evm.get("bytecode", {}).get("sourceMap", ""),
            deployedSourceMap=evm.get("deployedBytecode", {}).get("sourceMap", ""),
            immutableReferences=evm.get("deployedBytecode", {}).get("immutableReferences", {}),
            sources=sources,
        )
        entries.append(artifact.to_json())
    return entries


def compile_project(
    project: Project,
    settings: CompilerSettings | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> CompileResult:
    """Bring `build/artifacts` up to date with the contracts folder, with the project's settings unless `settings`
    says otherwise; raise CompilerError, writing nothing, on errors. `progress` hears a line before each solc call
    and one after (nothing when every unit comes from the cache).

    One compile at a time per project (a lock in build/): a second waits, then finds the first one's cache."""
    started = time.perf_counter()
    with locked(project.build_dir / LOCK_FILE):
        chosen = settings or CompilerSettings.of(project.config)
        result = _compile(project, chosen, force, progress or (lambda _line: None))
    result.seconds = time.perf_counter() - started
    return result


def _backends(project: Project, closures: dict[str, list[SourceFile]]) -> dict[str, SolcBackend]:
    """Each unit's compiler; each chosen compiler asked its full version once."""
    found = candidates(project)
    check_preferred_installed(project, found)
    chosen = {unit: choose(project, found, closure, unit) for unit, closure in closures.items()}
    started: dict[Candidate, SolcBackend] = {c: backend_of(project, c) for c in set(chosen.values())}
    return {unit: started[candidate] for unit, candidate in chosen.items()}


def _compile(
    project: Project, settings: CompilerSettings, force: bool, progress: Callable[[str], None]
) -> CompileResult:
    graph = SourceGraph(project)
    units = graph.project_units()
    closures = {unit: graph.closure(unit) for unit in units}
    backends = _backends(project, closures)
    settings_of = {b: settings.for_solc(b.version) for b in set(backends.values())}
    keys = {unit: _unit_key(backends[unit], settings_of[backends[unit]], closures[unit]) for unit in units}
    cache = cache_dir(project)

    result = CompileResult(store=ArtifactStore([]), backends=backends)
    if backends:
        used = list(backends.values())
        result.backend = max(set(used), key=used.count)
    by_unit: dict[str, list[Artifact]] = {}
    if not force:
        for unit in units:
            path = cache / f"{keys[unit]}.json"
            cached = _read_cache(path, unit, keys[unit])
            if cached is not None:
                by_unit[unit] = cached
            elif path.exists():
                result.repaired.append(path)
    stale = [u for u in units if u not in by_unit]

    fresh: dict[str, list[dict[str, Any]]] = {}
    errors: list[Diagnostic] = []
    for backend in sorted({backends[u] for u in stale}, key=lambda b: b.version):
        group = [u for u in stale if backends[u] == backend]
        # A cold compile of the S4 contracts takes tens of seconds with solc-js: say what is going on.
        names = ", ".join(group[:3]) + (f" and {len(group) - 3} more" if len(group) > 3 else "")
        progress(f"compiling {len(group)} source file(s) with solc {backend.version} ({backend.kind}): {names}")
        solc_started = time.perf_counter()
        output = _run(project, backend, settings_of[backend], group, closures)
        progress(f"solc finished in {time.perf_counter() - solc_started:.1f} s")
        diagnostics = _diagnostics(output, graph)
        errors.extend(d for d in diagnostics if d.severity == "error")
        result.warnings.extend(d for d in diagnostics if d.severity != "error")
        solc_settings = settings_of[backend].to_solc()
        compiler = CompilerInfo(version=backend.version, backend=backend.kind, settings=solc_settings)
        fresh.update(
            {unit: _artifacts_of(graph.load(unit), closures[unit], output, keys[unit], compiler) for unit in group}
        )
    if errors:
        raise CompilerError(errors)
    # Write the cache only once every call succeeded: a failure leaves the last good state.
    for unit, entries in fresh.items():
        write_json_atomic(cache / f"{keys[unit]}.json", {"unit": unit, "key": keys[unit], "artifacts": entries})
        by_unit[unit] = [Artifact.model_validate(e) for e in entries]

    result.compiled_units = stale
    result.cached_units = [u for u in units if u not in stale]
    result.store = _publish(project, units, keys, by_unit, result.repaired, force)
    return result


def _run(
    project: Project,
    backend: SolcBackend,
    settings: CompilerSettings,
    group: list[str],
    closures: dict[str, list[SourceFile]],
) -> dict[str, Any]:
    """One solc call compiling the units of `group` (and what they import)."""
    sources = {s.unit_name: {"content": s.content} for u in group for s in closures[u]}
    standard_input = {
        "language": "Solidity",
        "sources": sources,
        "settings": {**settings.to_solc(), "outputSelection": {u: {"*": OUTPUT_SELECTION} for u in group}},
    }
    return run_standard_json(backend, project, standard_input)


def _read_cache(path: Path, unit: str, key: str) -> list[Artifact] | None:
    """A cache entry's artifacts; None when it is missing or damaged (not this unit's entry for this key, or an
    artifact that does not validate), which makes its source compile again."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entry, dict) or entry.get("unit") != unit or entry.get("key") != key:
            return None
        artifacts = [Artifact.model_validate(item) for item in entry["artifacts"]]
    except (OSError, ValueError, TypeError, KeyError):  # pydantic's ValidationError is a ValueError
        return None
    if any(a.source_name != unit or a.input_hash != key for a in artifacts):
        return None
    return artifacts


def _read_index(path: Path) -> dict[str, dict[str, Any]]:
    """The published artifacts: unit -> its key and the size and mtime of each file written for it."""
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(index, dict):
        return {}
    return {
        unit: entry
        for unit, entry in index.items()
        if isinstance(entry, dict) and isinstance(entry.get("key"), str) and isinstance(entry.get("files"), dict)
    }


def _fingerprint(path: Path) -> list[int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns]


def _publish(
    project: Project,
    units: list[str],
    keys: dict[str, str],
    by_unit: dict[str, list[Artifact]],
    repaired: list[Path],
    force: bool,
) -> ArtifactStore:
    """Lay out `build/artifacts/<source>/<Contract>.json` for the current sources, removing any left over
    from deleted sources. A unit's artifacts are written again unless they are in place for its key, each file
    with the size and mtime it was written with (a truncated or edited artifact is repaired)."""
    artifacts_dir = project.build_dir / "artifacts"
    index_path = project.build_dir / "cache" / "artifacts-index.json"
    index = _read_index(index_path)
    changed = False
    artifacts: list[Artifact] = []
    for unit in units:
        loaded = by_unit[unit]
        artifacts.extend(loaded)
        paths = {
            artifact_path(artifacts_dir, a.source_name, a.contract_name).relative_to(artifacts_dir).as_posix(): a
            for a in loaded
        }
        published = index.get(unit, {})
        intact = published.get("key") == keys[unit] and sorted(published["files"]) == sorted(paths)
        if intact and not force:
            damaged = [name for name in paths if _fingerprint(artifacts_dir / name) != published["files"][name]]
            repaired.extend(artifacts_dir / name for name in damaged)
            intact = not damaged
        if intact and not force:
            continue
        unit_dir = artifacts_dir / unit
        if unit_dir.is_dir():
            shutil.rmtree(unit_dir)
        files = {}
        for name, artifact in paths.items():
            write_json_atomic(artifacts_dir / name, artifact.to_json())
            files[name] = _fingerprint(artifacts_dir / name)
        index[unit] = {"key": keys[unit], "files": files}
        changed = True
    for gone in set(index) - set(units):
        shutil.rmtree(artifacts_dir / gone, ignore_errors=True)
        del index[gone]
        changed = True
    if changed:
        write_json_atomic(index_path, index)
    return ArtifactStore(artifacts, (project.root, project.node_modules))
