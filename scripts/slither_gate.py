"""Slither quality gate: static analysis of every contract, compared with a triage file, plus ERC conformance.

What it does, in order (see docs/quality.md):

1. Writes a solc standard-JSON input with every `*.sol` under the contracts folder (recursively; Slither's own
   directory mode only globs the top folder) and the settings s4chain compiles with (evmVersion prague,
   optimizer 200 runs), and compiles it ONCE with crytic-compile through the solc-js wrapper
   (`src/s4chain/compiler/solc-js`), exporting crytic-compile's "standard" format.
2. Runs `slither` on that export (`--include-paths` the contracts folder, so only results wholly inside
   node_modules are dropped), and slither-check-erc's checks on it for every deployable contract whose ABI is an
   ERC-20 (plus ERC-2612 when it has `permit`) or an ERC-721, in parallel.
3. Compares the findings with the triage file (default `slither-triage.yaml` in the project root):
   - a High or Medium finding always fails the gate (it may be listed under `must_fix:`, which documents it but
     does not accept it);
   - a Low / Informational / Optimization finding must be listed under `accepted:` (or `must_fix:`);
   - an ERC conformance error (missing required function or event, wrong return type, not view, event not
     emitted, event parameter not indexed) always fails; advisory ERC notes (optional function missing, ERC-20
     approval race) must be listed under `erc:`;
   - triage entries that match nothing are reported as stale (a warning, not a failure).

A finding is identified by its detector (`check`) and `where`: the canonical name of its first element without
any line number (`Contract.function(types)`, `Contract.function(types).localVar`, `Contract.Event(types)`,
`Contract.stateVar`, `Contract`, or `pragma` for the project-wide pragma finding), so the triage survives line
shifts. An entry may add `detail`, a substring the finding's description must contain, to pick one of several
findings with the same check and place.

The export is cached with s4chain's compilations (PROJECT/build/cache), under the compiler's content key
(`s4chain.compiler.compile.content_key`) of every source file it reads, OpenZeppelin included, the settings and the
toolchain: reused while none of them changed (--no-cache compiles anyway).

Usage: .venv/bin/python scripts/slither_gate.py [--project DIR] [--contracts DIR] [--triage FILE] [--no-erc]
                                                [--no-cache] [--stubs] [--json-report FILE]
Exit status: 0 pass, 1 findings that fail the gate, 2 the gate could not run (setup, compilation, tool error).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s4chain.compiler.compile import cache_dir, content_key
from s4chain.compiler.diagnostics import CompilerError
from s4chain.compiler.settings import DEFAULT_SETTINGS
from s4chain.compiler.sources import SourceGraph
from s4chain.project import Project

REPO = Path(__file__).resolve().parents[1]
WRAPPER = REPO / "src" / "s4chain" / "compiler" / "solc-js"
DEFAULT_VENV = REPO / ".venv-slither"

# What the export holds: crytic-compile's "standard" format needs the ASTs besides the compiler's usual outputs.
SLITHER_OUTPUTS = {"*": {"*": ["abi", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}}

BLOCKING_IMPACTS = ("High", "Medium")
ACCEPTABLE_IMPACTS = ("Low", "Informational", "Optimization")
IMPACT_ORDER = {"High": 0, "Medium": 1, "Low": 2, "Informational": 3, "Optimization": 4}

# slither-check-erc result keys that are conformance errors (never acceptable); the others are advisory.
ERC_ERRORS = {
    "incorrect_return_type",
    "should_be_view",
    "should_be_constant",
    "missing_event",
    "missing_event_emmited",
    "missing_event_index",
}
ERC20_FUNCTIONS = {"totalSupply()", "balanceOf(address)", "transfer(address,uint256)", "allowance(address,address)"}
ERC20_FUNCTIONS |= {"approve(address,uint256)", "transferFrom(address,address,uint256)"}
ERC721_FUNCTIONS = {"ownerOf(uint256)", "safeTransferFrom(address,address,uint256)", "setApprovalForAll(address,bool)"}
ERC721_FUNCTIONS |= {"getApproved(uint256)", "isApprovedForAll(address,address)", "balanceOf(address)"}
ERC2612_FUNCTIONS = {"permit(address,address,uint256,uint256,uint8,bytes32,bytes32)", "nonces(address)"}


class GateError(Exception):
    """The gate could not run; the message says why and what to do."""


@dataclass
class Finding:
    check: str
    impact: str
    confidence: str
    where: str
    description: str
    file: str
    line: int
    source: str = "slither"  # or "erc"

    def one_line(self) -> str:
        text = " ".join(self.description.split())
        if len(text) > 400:
            text = text[:397] + "..."
        return f"{self.file}:{self.line}: [{self.impact}] {self.check}: {text}"


@dataclass
class TriageEntry:
    section: str  # accepted | must_fix | erc
    check: str
    where: str
    impact: str
    reason: str
    detail: str | None = None
    fix: str | None = None
    matched: list[Finding] = field(default_factory=list)

    def matches(self, finding: Finding) -> bool:
        if finding.check != self.check or finding.where != self.where:
            return False
        return self.detail is None or self.detail in finding.description

    def label(self) -> str:
        detail = f" [{self.detail}]" if self.detail else ""
        return f"{self.section}: {self.check} @ {self.where}{detail}"


@dataclass
class Outcome:
    failures: list[tuple[Finding, str]] = field(default_factory=list)
    passed: list[tuple[Finding, TriageEntry]] = field(default_factory=list)
    stale: list[TriageEntry] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------------------
# Running the tools


def _tools(venv: Path) -> dict[str, Path]:
    tools = {name: venv / "bin" / name for name in ("slither", "slither-check-erc", "crytic-compile")}
    missing = [name for name, path in tools.items() if not os.access(path, os.X_OK)]
    if missing:
        raise GateError(
            f"Slither is not installed in {venv} (missing {', '.join(missing)}). Run `make setup`, which creates "
            "the Slither tool venv (.venv-slither)."
        )
    return tools


def _node_modules(project: Path) -> Path:
    for candidate in (project / "node_modules", REPO / "node_modules"):
        if (candidate / "solc" / "package.json").is_file():
            return candidate
    raise GateError(f"solc-js (npm `solc`) is not in {project / 'node_modules'}: run `make setup` (npm ci).")


def _sources(project: Path, contracts: Path) -> list[str]:
    try:
        contracts.resolve().relative_to(project.resolve())
    except ValueError as error:
        raise GateError(f"the contracts folder {contracts} is not inside the project {project}") from error
    if not contracts.is_dir():
        raise GateError(f"no contracts folder {contracts}")
    found = sorted(p.resolve().relative_to(project.resolve()).as_posix() for p in contracts.rglob("*.sol"))
    if not found:
        raise GateError(f"no .sol file under {contracts}")
    return found


def standard_json_input(units: Iterable[str]) -> dict[str, Any]:
    """The solc input crytic-compile sends through the wrapper: s4chain's settings plus what Slither needs."""
    settings = {**DEFAULT_SETTINGS.to_solc(), "remappings": [], "outputSelection": SLITHER_OUTPUTS}
    return {"language": "Solidity", "sources": {u: {"urls": [u]} for u in units}, "settings": settings}


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _tail_error(output: str) -> str:
    """The useful end of a tool's output: its last exception message, without the traceback."""
    lines = [line for line in output.strip().splitlines() if line.strip() and not line.startswith("INFO:")]
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"^[\w.]+(Error|Exception|Compilation)\b.*:", lines[index]):
            return "\n".join(lines[index:])
    return "\n".join(lines[-15:])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def toolchain_id(tools: dict[str, Path], node_modules: Path) -> str:
    """What compiles the export, as the compiler identity in its cache key: the wrapper, solc-js, crytic-compile."""
    venv_lib = tools["crytic-compile"].parent.parent / "lib"
    material = [
        _sha256(WRAPPER),
        _sha256(node_modules / "solc" / "package.json"),
        *sorted(p.name for p in venv_lib.glob("python*/site-packages/crytic_compile-*.dist-info")),
    ]
    return "\0".join(material)


def export_key(project: Path, units: list[str], toolchain: str) -> str:
    """The compiler's content key of the export: every unit and every file it imports, as they are on disk now."""
    graph = SourceGraph(Project(project))
    try:
        read = {source.unit_name: source for unit in units for source in graph.closure(unit)}
    except CompilerError as error:
        raise GateError(f"compilation failed:\n{error}") from error
    return content_key(toolchain, DEFAULT_SETTINGS, [read[name] for name in sorted(read)], SLITHER_OUTPUTS)


def cached_export_path(project: Path, key: str) -> Path:
    # crytic-compile's "standard" platform (which slither picks for a target) wants the name to end in _export.json
    return cache_dir(Project(project)) / f"{key}.slither_export.json"


def store_export(export: Path, cached: Path) -> None:
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        shutil.copyfile(export, partial)
        os.replace(partial, cached)
    except OSError as error:  # a cache that cannot be written only costs time
        print(f"warning: cannot cache the compilation in {cached.parent}: {error}", file=sys.stderr)


def compile_export(tools: dict[str, Path], project: Path, units: list[str], work: Path, env: dict[str, str]) -> Path:
    input_path = work / "s4chain-input.json"
    input_path.write_text(json.dumps(standard_json_input(units), indent=1), encoding="utf-8")
    export_dir = work / "export"
    cmd = [str(tools["crytic-compile"]), str(input_path), "--compile-force-framework", "solc-json"]
    cmd += ["--solc", str(WRAPPER), "--export-format", "standard", "--export-dir", str(export_dir)]
    result = _run(cmd, project, env)
    exported = sorted(export_dir.glob("*.json")) if export_dir.is_dir() else []
    if result.returncode != 0 or len(exported) != 1:
        raise GateError("compilation failed:\n" + _tail_error(result.stdout + result.stderr))
    # crytic-compile's "standard" platform (which slither picks for a target) wants the name to end in _export.json
    target = work / "s4chain_export.json"
    exported[0].rename(target)
    return target


def include_pattern(contracts: Path) -> str:
    """The --include-paths regex for the contracts folder.

    Not `--filter-paths node_modules`: that drops a result when ANY of its elements is in node_modules, e.g. a
    reentrancy in our function that writes a state variable inherited from OpenZeppelin. --include-paths keeps a
    result when any element is in our contracts, and drops only results wholly inside dependencies. Slither strips
    leading/trailing "/" and "." from the pattern and searches it in absolute paths, hence the trailing ".*".
    """
    return re.escape(contracts.resolve().as_posix()) + "/.*"


def compile_stable(
    tools: dict[str, Path], project: Path, units: list[str], work: Path, env: dict[str, str], toolchain: str
) -> tuple[Path, str]:
    """Compile, again if a contract changed while solc ran (this checkout is shared with people editing it): the
    export must match the files on disk, which Slither reads for source text. Returns the export and the content
    key of the sources it was compiled from."""
    for _ in range(3):
        before = export_key(project, units, toolchain)
        export = compile_export(tools, project, units, work, env)
        if export_key(project, units, toolchain) == before:
            return export, before
        export.unlink()
        print("slither gate: a contract changed during compilation; compiling again", file=sys.stderr)
    raise GateError("the contracts keep changing during compilation; run the gate again once the edits settle")


def run_slither(
    tools: dict[str, Path], export: Path, contracts: Path, project: Path, work: Path, env: dict[str, str]
) -> list[dict]:
    out = work / "slither.json"
    cmd = [str(tools["slither"]), str(export), "--include-paths", include_pattern(contracts), "--json", str(out)]
    cmd += ["--disable-color"]
    result = _run(cmd, project, env)
    if not out.is_file():
        message = _tail_error(result.stdout + result.stderr)
        if "falls outside the cached source" in message:
            message = "a contract changed after it was compiled; run the gate again.\n" + message
        raise GateError("slither failed:\n" + message)
    data = json.loads(out.read_text(encoding="utf-8"))
    if not data.get("success"):
        raise GateError(f"slither failed: {data.get('error')}")
    detectors: list[dict] = data.get("results", {}).get("detectors", [])
    return detectors


def erc_targets(export: Path, contracts_prefix: str) -> list[tuple[str, str]]:
    """(contract, ERC) for every deployable contract under the contracts folder whose ABI is a token's."""
    data = json.loads(export.read_text(encoding="utf-8"))
    targets: list[tuple[str, str]] = []
    for unit in data.get("compilation_units", {}).values():
        for filename, source_unit in sorted(unit.get("source_units", {}).items()):
            if not filename.startswith(contracts_prefix):
                continue
            for name, info in sorted(source_unit.get("contracts", {}).items()):
                if not info.get("bin"):
                    continue  # interface, abstract contract or library
                functions = {
                    f"{item['name']}({','.join(_abi_type(i) for i in item.get('inputs', []))})"
                    for item in info.get("abi", [])
                    if item.get("type") == "function"
                }
                if functions >= ERC721_FUNCTIONS:
                    targets.append((name, "ERC721"))
                elif functions >= ERC20_FUNCTIONS:
                    targets.append((name, "ERC20"))
                    if functions >= ERC2612_FUNCTIONS:
                        targets.append((name, "ERC2612"))
    return targets


def _abi_type(item: dict[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item.get("components", [])) + ")" + kind[len("tuple") :]
    return kind


# slither-check-erc parses the whole project for each (contract, ERC) pair, about 4 s of CPU each. This runs the
# same checks (`slither.tools.erc_conformance`: generic_erc_checks plus the ERC's additional checks) for all
# pairs on one parse, in the Slither venv. argv: export, output file, then contract:ERC pairs.
ERC_HELPER = """
import json, logging, sys
from collections import defaultdict
from slither import Slither
from slither.utils.erc import ERCS
from slither.tools.erc_conformance.__main__ import ADDITIONAL_CHECKS, generic_erc_checks
logging.getLogger("Slither-conformance").setLevel(logging.WARNING)
slither = Slither(sys.argv[1])
report = []
for pair in sys.argv[3:]:
    name, erc = pair.split(":")
    found = slither.get_contract_from_name(name)
    if len(found) != 1:
        report.append({"contract": name, "erc": erc, "error": "contract not found", "results": {}})
        continue
    ret = defaultdict(list)
    functions, events = ERCS[erc]
    generic_erc_checks(found[0], functions, events, ret)
    if erc in ADDITIONAL_CHECKS:
        ADDITIONAL_CHECKS[erc](found[0], ret)
    report.append({"contract": name, "erc": erc, "error": None, "results": dict(ret)})
with open(sys.argv[2], "w", encoding="utf-8") as out:
    json.dump(report, out)
"""


def run_check_erc(
    tools: dict[str, Path], export: Path, targets: list[tuple[str, str]], project: Path, work: Path, env: dict[str, str]
) -> list[tuple[str, str, dict[str, list]]]:
    """slither-check-erc's checks for every (contract, ERC) pair, on one parse of the export."""
    if not targets:
        return []
    out = work / "erc.json"
    python = tools["slither"].parent / "python"
    cmd = [str(python), "-c", ERC_HELPER, str(export), str(out), *(f"{c}:{e}" for c, e in targets)]
    result = _run(cmd, project, env)
    if result.returncode != 0 or not out.is_file():
        raise GateError("ERC conformance check failed:\n" + _tail_error(result.stdout + result.stderr))
    report = json.loads(out.read_text(encoding="utf-8"))
    errors = [f"{r['contract']} ({r['erc']}): {r['error']}" for r in report if r["error"]]
    if errors:
        raise GateError("ERC conformance check failed: " + "; ".join(errors))
    return [(r["contract"], r["erc"], r["results"]) for r in report]


# ----------------------------------------------------------------------------------------------------------------
# Findings


def canonical(element: dict[str, Any]) -> str:
    """A line-free name: Contract, Contract.f(types), Contract.f(types).local, Contract.Event(types), ..."""
    kind = element.get("type")
    if kind == "pragma":  # project-wide (e.g. several pragma versions): the first version listed is no key
        return "pragma"
    fields = element.get("type_specific_fields", {}) or {}
    parent = fields.get("parent")
    if kind == "node":
        return canonical(parent) if parent else element.get("name", "?")
    own = fields.get("signature") or element.get("name", "?")
    if kind in ("contract", None) or not parent:
        return str(own)
    return f"{canonical(parent)}.{own}"


def _location(elements: list[dict[str, Any]]) -> tuple[str, int]:
    """Where to point: the first statement (node) of the finding, else its first element."""
    chosen = next((e for e in elements if e.get("type") == "node"), elements[0] if elements else {})
    mapping = chosen.get("source_mapping", {}) or {}
    lines = mapping.get("lines") or [0]
    return str(mapping.get("filename_relative", "?")), int(lines[0])


def detector_findings(results: list[dict[str, Any]]) -> list[Finding]:
    findings = []
    for result in results:
        elements = result.get("elements", [])
        file, line = _location(elements)
        findings.append(
            Finding(
                check=result["check"],
                impact=result["impact"],
                confidence=result.get("confidence", ""),
                where=canonical(elements[0]) if elements else "?",
                description=result.get("description", "").strip(),
                file=file,
                line=line,
            )
        )
    return sorted(findings, key=lambda f: (IMPACT_ORDER.get(f.impact, 9), f.check, f.where, f.description))


def erc_findings(contract: str, erc: str, results: dict[str, list]) -> list[Finding]:
    findings = []
    for key, items in sorted(results.items()):
        for item in items:
            required = (item.get("additional_fields") or {}).get("required", True)
            advisory = key not in ERC_ERRORS and not (key == "missing_function" and required)
            file, line = _location(item.get("elements", []))
            findings.append(
                Finding(
                    check=f"{erc}:{key}",
                    impact="Informational" if advisory else "High",
                    confidence="",
                    where=contract,
                    description=item.get("description", "").strip(),
                    file=file,
                    line=line,
                    source="erc",
                )
            )
    return findings


# ----------------------------------------------------------------------------------------------------------------
# Triage


def load_triage(path: Path | None) -> list[TriageEntry]:
    if path is None or not path.is_file():
        return []
    try:
        import yaml
    except ImportError as error:
        raise GateError("PyYAML is missing: run the gate with .venv/bin/python (see `make setup`)") from error
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise GateError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise GateError(f"{path}: expected a mapping with accepted:, must_fix: and erc: lists")
    unknown = set(data) - {"version", "accepted", "must_fix", "erc"}
    if unknown:
        raise GateError(f"{path}: unknown sections {sorted(unknown)}")
    entries = []
    for section in ("accepted", "must_fix", "erc"):
        for index, raw in enumerate(data.get(section) or [], start=1):
            where = f"{path.name}: {section}[{index}]"
            if not isinstance(raw, dict):
                raise GateError(f"{where}: expected a mapping")
            required = ("check", "where", "impact", "reason") if section != "erc" else ("check", "contract", "reason")
            missing = [key for key in required if not str(raw.get(key) or "").strip()]
            if missing:
                raise GateError(f"{where}: missing {', '.join(missing)}")
            entry = TriageEntry(
                section=section,
                check=str(raw["check"]),
                where=str(raw.get("where") or raw.get("contract")),
                impact=str(raw.get("impact") or "Informational"),
                reason=" ".join(str(raw["reason"]).split()),
                detail=str(raw["detail"]) if raw.get("detail") is not None else None,
                fix=" ".join(str(raw["fix"]).split()) if raw.get("fix") else None,
            )
            if section == "accepted" and entry.impact not in ACCEPTABLE_IMPACTS:
                raise GateError(
                    f"{where}: {entry.impact} findings cannot be accepted (zero High/Medium allowed): "
                    "fix the contract, or list it under must_fix until it is fixed"
                )
            if section == "must_fix" and not entry.fix:
                raise GateError(f"{where}: a must_fix entry needs `fix:` (how to fix it)")
            entries.append(entry)
    return entries


def judge(findings: list[Finding], entries: list[TriageEntry]) -> Outcome:
    outcome = Outcome()
    for finding in findings:
        pool = [e for e in entries if (e.section == "erc") == (finding.source == "erc")]
        entry = next((e for e in pool if e.matches(finding)), None)
        if entry is not None:
            entry.matched.append(finding)
        if finding.source == "erc" and finding.impact == "High":
            outcome.failures.append((finding, "ERC conformance error"))
        elif entry is None:
            outcome.failures.append((finding, "not triaged"))
        elif entry.section == "must_fix":
            outcome.failures.append((finding, f"must fix: {entry.fix}"))
        elif finding.source == "slither" and entry.impact != finding.impact:
            outcome.failures.append((finding, f"triaged as {entry.impact}, reported as {finding.impact}: re-triage"))
        elif finding.impact in BLOCKING_IMPACTS:
            outcome.failures.append((finding, f"{finding.impact} impact: fix it"))
        else:
            outcome.passed.append((finding, entry))
    outcome.stale = [e for e in entries if not e.matched]
    return outcome


def triage_stub(finding: Finding) -> str:
    """A YAML entry to paste into the triage file (reason left for the human)."""
    lines = [f"  - check: {finding.check}", f"    where: {json.dumps(finding.where)}"]
    if finding.source == "slither":
        lines.append(f"    impact: {finding.impact}")
    lines.append("    reason: TODO")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", type=Path, default=REPO, help="project root (default: this repository)")
    parser.add_argument("--contracts", type=Path, help="contracts folder (default: PROJECT/contracts)")
    parser.add_argument("--triage", type=Path, help="triage file (default: PROJECT/slither-triage.yaml)")
    parser.add_argument("--slither-venv", type=Path, default=Path(os.environ.get("S4CHAIN_SLITHER_VENV", DEFAULT_VENV)))
    parser.add_argument("--no-erc", action="store_true", help="skip slither-check-erc")
    parser.add_argument("--no-cache", action="store_true", help="compile even if the cached export is current")
    parser.add_argument("--json-report", type=Path, help="also write the outcome as JSON to this file")
    parser.add_argument("--stubs", action="store_true", help="print a triage-file stub for each untriaged finding")
    args = parser.parse_args(argv)

    project: Path = args.project.resolve()
    contracts: Path = (args.contracts if args.contracts else project / "contracts").resolve()
    triage_path: Path = (args.triage or project / "slither-triage.yaml").resolve()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        if shutil.which("node") is None:
            raise GateError("node is not on PATH (solc-js needs Node.js)")
        tools = _tools(args.slither_venv)
        if args.triage and not triage_path.is_file():
            raise GateError(f"no triage file {triage_path}")
        entries = load_triage(triage_path)
        units = _sources(project, contracts)
        env = dict(os.environ, S4CHAIN_NODE_MODULES=str(_node_modules(project)))
        with tempfile.TemporaryDirectory(prefix="slither-gate-") as tmp:
            work = Path(tmp)
            mark = time.perf_counter()
            toolchain = toolchain_id(tools, Path(env["S4CHAIN_NODE_MODULES"]))
            export = cached_export_path(project, export_key(project, units, toolchain))
            if args.no_cache or not export.is_file():
                export, key = compile_stable(tools, project, units, work, env, toolchain)
                store_export(export, cached_export_path(project, key))
                timings["compile"] = time.perf_counter() - mark
            else:
                timings["compile (cached)"] = time.perf_counter() - mark
            targets = [] if args.no_erc else erc_targets(export, contracts.relative_to(project).as_posix() + "/")
            mark = time.perf_counter()
            with ThreadPoolExecutor(max_workers=2) as pool:  # two processes, one per core
                slither_job = pool.submit(run_slither, tools, export, contracts, project, work, env)
                erc_job = pool.submit(run_check_erc, tools, export, targets, project, work, env)
                detector_results = slither_job.result()
                erc_results = erc_job.result()
            timings["slither + check-erc"] = time.perf_counter() - mark
    except GateError as error:
        print(f"slither gate: cannot run: {error}", file=sys.stderr)
        return 2

    findings = detector_findings(detector_results)
    for contract, erc, results in erc_results:
        findings += erc_findings(contract, erc, results)
    outcome = judge(findings, entries)
    timings["total"] = time.perf_counter() - started

    print(f"slither gate: {len(units)} source files under {contracts.relative_to(project).as_posix()}/")
    checked = ", ".join(f"{contract} ({erc})" for contract, erc in targets) or "none"
    print(f"ERC conformance checked: {checked}")
    counts: dict[str, int] = {}
    for finding in findings:
        if finding.source == "slither":
            counts[finding.impact] = counts.get(finding.impact, 0) + 1
    summary = ", ".join(f"{counts[i]} {i}" for i in sorted(counts, key=lambda i: IMPACT_ORDER.get(i, 9))) or "none"
    print(f"findings: {summary}; {len(outcome.passed)} triaged and accepted, {len(outcome.failures)} failing")
    for entry in outcome.stale:
        print(f"warning: stale triage entry (no longer found): {entry.label()}")
    if outcome.failures:
        print()
        for finding, why in outcome.failures:
            print(f"{finding.one_line()}\n    -> {why}")
        untriaged = [finding for finding, why in outcome.failures if why == "not triaged"]
        if args.stubs and untriaged:
            print("\n# triage stubs for untriaged findings:")
            for finding in untriaged:
                print(triage_stub(finding))
    print("timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()))
    if args.json_report:
        report = {
            "passed": not outcome.failures,
            "failures": [{"finding": vars(f), "why": why} for f, why in outcome.failures],
            "accepted": [{"finding": vars(f), "entry": e.label()} for f, e in outcome.passed],
            "stale": [e.label() for e in outcome.stale],
            "timings": timings,
        }
        args.json_report.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("slither gate: " + ("FAILED" if outcome.failures else "passed"))
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
