"""The solc executables s4chain drives, and which one compiles which source unit.

Every compiler a project has is a candidate: the native solc its `[compiler] solc` (or `S4CHAIN_SOLC`) names, the
versions py-solc-x installed, and each solc-js in node_modules: `solc`, and npm aliases beside it such as
`solc-0.8.20` (`npm install solc-0.8.20@npm:solc@0.8.20`). A unit compiles with the project's `[compiler] version`
when its pragmas (its own and its imports') allow it, else with the newest candidate they allow, as Foundry and
Hardhat pick; a native solc wins over solc-js of the same version. solc-js runs through the `solc-js` wrapper beside
this file, so that py-solc-x drives both kinds through the same call.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from semantic_version import NpmSpec, Version
from solcx.exceptions import SolcError

from s4chain.compiler.diagnostics import CompilerNotFoundError
from s4chain.compiler.sources import SourceFile
from s4chain.config import DEFAULT_SOLC_VERSION
from s4chain.files import write_json_atomic
from s4chain.project import Project

SOLC_JS_WRAPPER = Path(__file__).with_name("solc-js")


@dataclass(frozen=True)
class Candidate:
    """A compiler the project has, before it is run: what its files say it is."""

    version: Version
    kind: str  # "native" or "solc-js"
    executable: Path
    module: Path | None = None  # solc-js: its npm package folder

    def __str__(self) -> str:
        where = f"node_modules/{self.module.name}" if self.module else str(self.executable)
        return f"{self.kind} {self.version} ({where})"


@dataclass(frozen=True)
class SolcBackend:
    kind: str  # "native" or "solc-js"
    executable: Path
    version: str  # the full version string, e.g. 0.8.37+commit.f401782d.Emscripten.clang
    module: Path | None = None  # solc-js: the npm package folder it loads


class PragmaError(CompilerNotFoundError):
    """No installed compiler satisfies a unit's pragmas."""


def _native(project: Project) -> list[Candidate]:
    from_environment = os.environ.get("S4CHAIN_SOLC")
    configured = project.config.compiler.solc
    if from_environment or configured:
        # S4CHAIN_SOLC is relative to the working directory, the project file's path to the project root.
        path, source = (
            (Path(from_environment), f"S4CHAIN_SOLC={from_environment}")
            if from_environment
            else (project.root / str(configured), f"{project.config_file}: compiler.solc = {configured!r}")
        )
        if not path.is_file():
            raise CompilerNotFoundError(f"{source}: no such file")
        version = Version.coerce(_cached_version(project, path, [path]).split("+")[0]).truncate()
        return [Candidate(version, "native", path)]
    try:
        installed = solcx.get_installed_solc_versions()
    except Exception:  # py-solc-x raises several types when its folder is missing or unreadable
        return []
    return [Candidate(Version(str(v)), "native", Path(solcx.install.get_executable(v))) for v in installed]


def _solc_js(project: Project) -> list[Candidate]:
    """`solc` and every npm alias of it (`solc-<anything>` whose package is named solc) in node_modules."""
    found = []
    try:
        folders = [p for p in project.node_modules.iterdir() if p.name == "solc" or p.name.startswith("solc-")]
    except OSError:
        return []
    for folder in folders:
        try:
            package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            if package.get("name") == "solc":
                found.append(Candidate(Version(package["version"]), "solc-js", SOLC_JS_WRAPPER, folder))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not an installed solc-js
    return found


def candidates(project: Project) -> list[Candidate]:
    """The project's compilers, best first: newest version, native before solc-js."""
    found = _native(project) + _solc_js(project)
    return sorted(found, key=lambda c: (c.version, c.kind == "native"), reverse=True)


@functools.cache
def _spec(pragma: str) -> NpmSpec:
    """A pragma's version range, parsed once per process (OpenZeppelin's few pragmas recur in every closure)."""
    return NpmSpec(pragma)


@functools.cache
def _allows(pragma: str, version: Version) -> bool:
    return version in _spec(pragma)


def choose(project: Project, found: list[Candidate], closure: list[SourceFile], unit: str) -> Candidate:
    """The compiler of `unit` (whose sources, imports included, are `closure`)."""
    pragmas: dict[str, str] = {}  # unit name -> its pragma
    for source in closure:
        if source.pragma is not None:
            try:
                _spec(source.pragma)
            except ValueError as exc:
                unreadable = f"cannot read `pragma solidity {source.pragma};` ({exc})"
                raise PragmaError(f"{source.unit_name}: {unreadable}") from exc
            pragmas[source.unit_name] = source.pragma
    distinct = set(pragmas.values())
    allowed = [c for c in found if all(_allows(p, c.version) for p in distinct)]
    preferred = project.config.compiler.version
    for candidate in allowed:
        if str(candidate.version) == preferred:
            return candidate
    if allowed:
        return allowed[0]
    if not found:
        raise CompilerNotFoundError(_nothing_installed(project))
    unmet = {n: p for n, p in pragmas.items() if not any(_allows(p, c.version) for c in found)} or pragmas
    shown = "; ".join(f"{name}: {pragma}" for name, pragma in unmet.items())
    wanted = _suggested(_spec(next(iter(unmet.values()))))
    raise PragmaError(
        f"{unit}: no installed compiler satisfies the pragma ({shown}); installed: {', '.join(map(str, found))}. "
        f"Add one, e.g. `npm install solc-{wanted}@npm:solc@{wanted}` in {project.root}"
    )


def _suggested(spec: NpmSpec) -> str:
    """A version to install for a pragma: the lowest one it names that it allows."""
    named = [Version(v) for v in re.findall(r"\d+\.\d+\.\d+", str(spec))]
    return str(min((v for v in named if v in spec), default=DEFAULT_SOLC_VERSION))


def check_preferred_installed(project: Project, found: list[Candidate]) -> None:
    """A `[compiler] version` the project file names explicitly must be installed (the default need not be)."""
    compiler = project.config.compiler
    if "version" not in compiler.model_fields_set or compiler.version == "auto":
        return
    if not any(str(c.version) == compiler.version for c in found):
        raise CompilerNotFoundError(
            f"{project.config_file}: compiler.version = {compiler.version!r} is not installed; add it with "
            f"`npm install solc-{compiler.version}@npm:solc@{compiler.version}` in {project.root}"
        )


def _nothing_installed(project: Project) -> str:
    if (project.root / "package.json").is_file():
        return f"no solc found: run `npm install` in {project.root} (its package.json should list solc)"
    install = f"npm install solc@{DEFAULT_SOLC_VERSION} @openzeppelin/contracts"
    return (
        f"no solc found in {project.node_modules}: run `{install}` in {project.root} (OpenZeppelin where the "
        "contracts import it), or `s4chain init` for a project with everything it needs, or set S4CHAIN_SOLC to a "
        "solc binary"
    )


@contextmanager
def _environment(project: Project, module: Path | None) -> Iterator[None]:
    """The variables the solc-js wrapper reads, set for the calls inside: which solc module it loads."""
    wanted = {"S4CHAIN_NODE_MODULES": str(project.node_modules), "S4CHAIN_SOLC_MODULE": str(module or "")}
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def backend_of(project: Project, candidate: Candidate) -> SolcBackend:
    """The candidate with its full version string (`solc --version`, remembered per executable and module)."""
    fingerprint = [candidate.executable] + ([candidate.module / "package.json"] if candidate.module else [])
    with _environment(project, candidate.module):
        version = _cached_version(project, candidate.executable, fingerprint)
    return SolcBackend(candidate.kind, candidate.executable, version, candidate.module)


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


def run_standard_json(backend: SolcBackend, project: Project, standard_input: dict[str, Any]) -> dict[str, Any]:
    """Run `solc --standard-json` and return its parsed output (which may hold compile errors)."""
    try:
        with _environment(project, backend.module):
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
