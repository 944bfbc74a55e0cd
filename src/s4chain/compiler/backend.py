"""The solc executable s4chain drives: a native solc when one is available, else solc-js from node_modules
through the `solc-js` wrapper beside this file. Both are driven by py-solc-x through the same call."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError

from s4chain.compiler.diagnostics import CompilerNotFoundError
from s4chain.compiler.settings import SOLC_VERSION
from s4chain.files import write_json_atomic
from s4chain.project import Project

SOLC_JS_WRAPPER = Path(__file__).with_name("solc-js")


@dataclass(frozen=True)
class SolcBackend:
    kind: str  # "native" or "solc-js"
    executable: Path
    version: str  # the full version string, e.g. 0.8.37+commit.f401782d.Emscripten.clang


def _native_candidates() -> list[Path]:
    explicit = os.environ.get("S4CHAIN_SOLC")
    if explicit:
        return [Path(explicit)]
    try:
        return [Path(solcx.install.get_executable(SOLC_VERSION))]
    except Exception:  # py-solc-x raises several types when the version is not installed
        return []


def _cached_version(project: Project, executable: Path, fingerprint_files: list[Path]) -> str:
    """`solc --version`, remembered per executable, since starting solc-js costs a fraction of a second."""
    cache_file = project.build_dir / "cache" / "compiler-versions.json"
    stats = [f.stat() for f in fingerprint_files]
    key = "|".join(f"{f}:{s.st_mtime_ns}:{s.st_size}" for f, s in zip(fingerprint_files, stats, strict=True))
    try:
        known = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict) or not isinstance(known.get(key, ""), str):  # damaged: ask solc again
        known = {}
    if key not in known:
        known[key] = _run_version(executable)
        write_json_atomic(cache_file, known)
    return str(known[key])


def _run_version(executable: Path) -> str:
    try:
        return str(solcx.wrapper.get_version_str_from_solc_binary(executable))
    except (OSError, SolcError, subprocess.CalledProcessError) as exc:
        raise CompilerNotFoundError(f"{executable} --version failed: {exc}") from exc


def select_backend(project: Project) -> SolcBackend:
    """A native solc if `S4CHAIN_SOLC` names one or py-solc-x has the pinned version; solc-js otherwise."""
    for candidate in _native_candidates():
        if not candidate.is_file():
            raise CompilerNotFoundError(f"S4CHAIN_SOLC={candidate}: no such file")
        return SolcBackend("native", candidate, _cached_version(project, candidate, [candidate]))
    solc_package = project.node_modules / "solc" / "package.json"
    if not solc_package.is_file():
        # `npm ci` only helps where a package.json says to install solc.
        manifest = project.root / "package.json"
        install = (
            f"run `npm ci` in {project.root}"
            if manifest.is_file() and '"solc"' in manifest.read_text(encoding="utf-8", errors="replace")
            else f"run `npm install solc@{SOLC_VERSION} @openzeppelin/contracts` in {project.root} "
            "(or `s4chain init`, which writes a package.json with both)"
        )
        raise CompilerNotFoundError(
            f"no solc found: {install} to install solc-js into node_modules, or set S4CHAIN_SOLC to a solc binary"
        )
    version = _cached_version(project, SOLC_JS_WRAPPER, [SOLC_JS_WRAPPER, solc_package])
    return SolcBackend("solc-js", SOLC_JS_WRAPPER, version)


def run_standard_json(backend: SolcBackend, project: Project, standard_input: dict[str, Any]) -> dict[str, Any]:
    """Run `solc --standard-json` and return its parsed output (which may hold compile errors)."""
    # The solc-js wrapper finds the `solc` module through this variable, whatever the working directory.
    os.environ.setdefault("S4CHAIN_NODE_MODULES", str(project.node_modules))
    try:
        stdout, _stderr, _cmd, _proc = solcx.wrapper.solc_wrapper(
            solc_binary=backend.executable,
            stdin=json.dumps(standard_input),
            standard_json=True,
            base_path=str(project.root),
            include_path=str(project.node_modules),
            allow_paths=str(project.root),
        )
    except SolcError as exc:
        raise CompilerNotFoundError(f"{backend.executable} failed: {exc}") from exc
    # Anything a wrapper prints before the JSON (solcjs's SMT notice, say) is not part of the output.
    start = stdout.find("{")
    if start < 0:
        raise CompilerNotFoundError(f"{backend.executable} printed no JSON: {stdout[:200]!r}")
    result: dict[str, Any] = json.loads(stdout[start:])
    return result
