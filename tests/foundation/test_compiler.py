"""The compiler: every contract of the project, the cache, artifacts, and errors as file:line:col."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.scenarios.conftest import run_cli

from s4chain.compiler import (
    EVM_VERSION,
    ArtifactStore,
    CompilerError,
    CompilerNotFoundError,
    CorruptArtifactError,
    compile_project,
)
from s4chain.compiler.backend import SOLC_JS_WRAPPER
from s4chain.project import Project

GOOD = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Helper} from "./lib/Helper.sol";
contract Coin is ERC20 {
    constructor() ERC20("Coin", "C") { _mint(msg.sender, Helper.supply()); }
}
"""
HELPER = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
library Helper { function supply() internal pure returns (uint256) { return 1000; } }
"""
BROKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Coin {
    function f() external pure returns (uint256) {
        return undefinedName;
    }
}
"""


def _make_project(root: Path, s4_project: Project) -> Project:
    (root / "contracts" / "lib").mkdir(parents=True)
    (root / "contracts" / "Coin.sol").write_text(GOOD)
    (root / "contracts" / "lib" / "Helper.sol").write_text(HELPER)
    (root / "node_modules").symlink_to(s4_project.node_modules)
    return Project(root)


@pytest.fixture
def project(tmp_path: Path, s4_project: Project) -> Project:
    """A project never compiled: for the tests of what a compile does."""
    return _make_project(tmp_path, s4_project)


@pytest.fixture(scope="module")
def _compiled_once(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> Project:
    template = _make_project(tmp_path_factory.mktemp("compiled"), s4_project)
    compile_project(template)
    return template


@pytest.fixture
def compiled_project(tmp_path: Path, _compiled_once: Project) -> Project:
    """A copy of a project compiled once per module (its build/ as the compile left it, mtimes kept): the tests of
    damaged caches and artifacts start from it rather than from a cold solc-js compile each."""
    shutil.copytree(_compiled_once.root, tmp_path / "p", symlinks=True)
    return Project(tmp_path / "p")


def test_every_project_contract_compiles(compiled: ArtifactStore) -> None:
    names = {artifact.contract_name for artifact in compiled}
    assert "EuroStablecoin" in names
    for artifact in compiled:
        assert artifact.compiler.settings["evmVersion"] == EVM_VERSION
        assert artifact.compiler.settings["optimizer"] == {"enabled": True, "runs": 200}


def test_artifacts_are_plain_json_with_everything_a_tool_needs(compiled_project: Project) -> None:
    path = compiled_project.build_dir / "artifacts" / "contracts" / "Coin.sol" / "Coin.json"
    data = json.loads(path.read_text())
    for key in (
        "abi",
        "bytecode",
        "deployedBytecode",
        "sourceHash",
        "compiler",
        "contractName",
        "sourceName",
    ):
        assert key in data
    assert data["bytecode"].startswith("0x") and len(data["bytecode"]) > 1000
    assert data["compiler"]["version"].startswith("0.8.37")
    assert data["compiler"]["settings"]["evmVersion"] == "prague"


def test_cache_hit_and_invalidation_by_import(project: Project) -> None:
    first = compile_project(project)
    assert sorted(first.compiled_units) == ["contracts/Coin.sol", "contracts/lib/Helper.sol"]
    warm = compile_project(project)
    assert warm.compiled_units == [] and len(warm.cached_units) == 2
    # Changing an imported file recompiles what imports it, and nothing else.
    (project.contracts_dir / "lib" / "Helper.sol").write_text(HELPER.replace("1000", "2000"))
    changed = compile_project(project)
    assert sorted(changed.compiled_units) == ["contracts/Coin.sol", "contracts/lib/Helper.sol"]
    # Going back to the old content finds it in the content-addressed cache.
    (project.contracts_dir / "lib" / "Helper.sol").write_text(HELPER)
    assert compile_project(project).compiled_units == []


def test_deleted_source_loses_its_artifacts(compiled_project: Project) -> None:
    (compiled_project.contracts_dir / "Coin.sol").unlink()
    store = compile_project(compiled_project).store
    assert "Coin" not in {a.contract_name for a in store}
    assert not (compiled_project.build_dir / "artifacts" / "contracts" / "Coin.sol").exists()


def test_compile_error_names_file_line_and_column_and_keeps_last_good(compiled_project: Project) -> None:
    artifact = compiled_project.build_dir / "artifacts" / "contracts" / "Coin.sol" / "Coin.json"
    good = artifact.read_bytes()
    (compiled_project.contracts_dir / "Coin.sol").write_text(BROKEN)
    with pytest.raises(CompilerError) as caught:
        compile_project(compiled_project)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("contracts/Coin.sol", 5, 16)
    assert "undefinedName" in diagnostic.message
    assert str(diagnostic).startswith("contracts/Coin.sol:5:16: error: DeclarationError: Undeclared identifier")
    assert artifact.read_bytes() == good


def test_missing_import_is_reported_at_the_import(project: Project) -> None:
    (project.contracts_dir / "Coin.sol").write_text(GOOD.replace("./lib/Helper.sol", "./lib/Nowhere.sol"))
    with pytest.raises(CompilerError) as caught:
        compile_project(project)
    assert str(caught.value).startswith("contracts/Coin.sol:4:")
    assert 'import "./lib/Nowhere.sol" not found' in str(caught.value)


def test_cli_exit_codes_and_error_format(project: Project) -> None:
    command = ("compile", "--project", project.root)  # in-process: the exit code and the streams of a process
    ok = run_cli(*command)
    assert ok.returncode == 0, ok.stderr
    assert "2 source file(s) compiled" in ok.stdout
    (project.contracts_dir / "Coin.sol").write_text(BROKEN)
    broken = run_cli(*command)
    assert broken.returncode == 2  # broken contracts are bad input
    assert "contracts/Coin.sol:5:16: error:" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_damaged_cache_entry_compiles_again(compiled_project: Project) -> None:
    for entry in (compiled_project.build_dir / "cache").glob("*.json"):
        if entry.name not in ("compiler-versions.json", "artifacts-index.json"):
            entry.write_text('{"truncated": ')
    again = compile_project(compiled_project)
    assert sorted(again.compiled_units) == ["contracts/Coin.sol", "contracts/lib/Helper.sol"]
    assert again.store.get("Coin").is_deployable


def test_corrupt_artifact_file_names_file_and_field(compiled_project: Project) -> None:
    artifact = compiled_project.build_dir / "artifacts" / "contracts" / "Coin.sol" / "Coin.json"
    data = json.loads(artifact.read_text())
    del data["abi"]
    artifact.write_text(json.dumps(data))
    with pytest.raises(
        CorruptArtifactError, match=r"Coin\.json: not a valid s4chain artifact \(field abi: Field required\)"
    ):
        ArtifactStore.load(compiled_project.build_dir / "artifacts")
    artifact.write_text("{")
    with pytest.raises(CorruptArtifactError, match=r"Coin\.json: not a valid s4chain artifact"):
        ArtifactStore.load(compiled_project.build_dir / "artifacts")


def test_s4chain_solc_selects_a_native_compiler(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # No native solc can be downloaded here; the solc-compatible wrapper stands in for one, so the native path
    # (py-solc-x driving whatever S4CHAIN_SOLC names) runs for real.
    monkeypatch.setenv("S4CHAIN_SOLC", str(SOLC_JS_WRAPPER))
    result = compile_project(project)
    assert result.backend is not None and result.backend.kind == "native"
    assert result.backend.executable == SOLC_JS_WRAPPER
    assert result.store.get("Coin").is_deployable


def test_s4chain_solc_naming_nothing_is_a_clear_error(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S4CHAIN_SOLC", "/nowhere/solc")
    with pytest.raises(CompilerNotFoundError, match="S4CHAIN_SOLC=/nowhere/solc: no such file"):
        compile_project(project)


def _coin_artifact(project: Project) -> Path:
    return project.build_dir / "artifacts" / "contracts" / "Coin.sol" / "Coin.json"


@pytest.mark.parametrize("force", [False, True], ids=["compile", "force"])
def test_truncated_artifact_is_repaired(compiled_project: Project, force: bool) -> None:
    artifact = _coin_artifact(compiled_project)
    whole = artifact.read_text()
    artifact.write_text(whole[: len(whole) // 2])
    with pytest.raises(CorruptArtifactError, match="run `s4chain compile`"):
        ArtifactStore.load(compiled_project.build_dir / "artifacts")
    result = compile_project(compiled_project, force=force)
    assert artifact.read_text() == whole
    assert ArtifactStore.load(compiled_project.build_dir / "artifacts").get("Coin").is_deployable
    if not force:
        assert result.repaired == [artifact] and result.compiled_units == []


def test_cache_entry_replaced_by_an_empty_list_compiles_again(compiled_project: Project) -> None:
    entries = [e for e in (compiled_project.build_dir / "cache").glob("*.json") if e.name not in BOOKKEEPING]
    for entry in entries:
        entry.write_text("[]")
    again = compile_project(compiled_project)
    assert sorted(again.compiled_units) == ["contracts/Coin.sol", "contracts/lib/Helper.sol"]
    assert sorted(again.repaired) == sorted(entries)
    assert again.store.get("Coin").is_deployable
    assert ArtifactStore.load(compiled_project.build_dir / "artifacts").get("Coin").is_deployable


BOOKKEEPING = ("compiler-versions.json", "artifacts-index.json")


@pytest.mark.parametrize("content", ["[]", '{"x": 1}', '{"contracts/Coin.sol": "abc"}', "{"])
def test_damaged_bookkeeping_files_are_rebuilt(compiled_project: Project, content: str) -> None:
    for name in BOOKKEEPING:
        (compiled_project.build_dir / "cache" / name).write_text(content)
    warm = compile_project(compiled_project)
    assert warm.compiled_units == [] and warm.store.get("Coin").is_deployable
    assert ArtifactStore.load(compiled_project.build_dir / "artifacts").get("Coin").is_deployable
    assert compile_project(compiled_project).repaired == []


def test_cli_says_what_it_repaired(compiled_project: Project) -> None:
    artifact = _coin_artifact(compiled_project)
    artifact.write_text("{")
    result = run_cli("compile", "--project", compiled_project.root)
    assert result.returncode == 0, result.stderr
    assert f"{artifact}: damaged, written again" in result.stderr.replace("\n", "")
