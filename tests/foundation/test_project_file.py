"""The project file: s4chain.toml (or pyproject.toml's [tool.s4chain]) read into checked settings, how it finds the
project root, and its errors: the file, the key and what was expected, exit 2 without a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from s4chain.compiler import EVM_VERSION, SOLC_VERSION, CompilerSettings
from s4chain.config import ProjectConfig, ProjectConfigError, load_config
from s4chain.project import Project, ProjectNotFoundError

CLI = [sys.executable, "-m", "s4chain.cli"]


def test_a_folder_without_a_file_gets_the_s4_defaults(tmp_path: Path) -> None:
    config, source = load_config(tmp_path)
    assert source is None
    assert config == ProjectConfig()
    assert (config.compiler.version, config.compiler.evm_version) == (SOLC_VERSION, EVM_VERSION)
    assert (config.project.contracts, config.project.build) == ("contracts", "build")


def test_the_s4_project_file_keeps_the_compiler_settings(s4_project: Project) -> None:
    """The repository's own s4chain.toml describes what it used before it had one: same bytecode, same gas."""
    assert s4_project.config_file == s4_project.root / "s4chain.toml"
    assert CompilerSettings.of(s4_project.config) == CompilerSettings()
    assert s4_project.config.compiler.version == SOLC_VERSION


def test_every_section_is_read(tmp_path: Path) -> None:
    (tmp_path / "s4chain.toml").write_text(
        """
[project]
contracts = "src"
build = "out"
remappings = ["@oz/=node_modules/@openzeppelin/contracts/"]
[compiler]
version = "auto"
evm_version = "cancun"
optimizer_runs = 1000
via_ir = true
[node]
port = 9545
block_time = 2
[sets.token]
driver = "contract"
contract = "MyToken"
params = {name = "My Token", initialSupply = "1000 MTK"}
""",
        encoding="utf-8",
    )
    project = Project(tmp_path)
    assert project.contracts_dir == tmp_path / "src" and project.build_dir == tmp_path / "out"
    settings = CompilerSettings.of(project.config)
    assert settings.to_solc()["evmVersion"] == "cancun" and settings.to_solc()["viaIR"] is True
    assert settings.to_solc()["remappings"] == ["@oz/=node_modules/@openzeppelin/contracts/"]
    assert (project.config.node.port, project.config.node.block_time) == (9545, 2)
    params = {"name": "My Token", "initialSupply": "1000 MTK"}
    assert project.config.sets == {"token": {"driver": "contract", "contract": "MyToken", "params": params}}


def test_pyproject_tool_table_is_a_project_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.s4chain.compiler]\noptimizer_runs = 7\n')
    (tmp_path / "deep" / "er").mkdir(parents=True)
    project = Project.discover(tmp_path / "deep" / "er")
    assert project.root == tmp_path and project.config_file == tmp_path / "pyproject.toml"
    assert project.config.compiler.optimizer_runs == 7


def test_a_pyproject_without_the_table_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ProjectNotFoundError, match="s4chain init"):
        Project.discover(tmp_path)


def test_discover_prefers_the_project_file_over_a_nearer_contracts_folder(tmp_path: Path) -> None:
    (tmp_path / "s4chain.toml").write_text('[project]\ncontracts = "sol"\n')
    (tmp_path / "work" / "contracts").mkdir(parents=True)
    assert Project.discover(tmp_path / "work").root == tmp_path


def test_discover_falls_back_on_a_contracts_folder(tmp_path: Path) -> None:
    (tmp_path / "contracts" / "sub").mkdir(parents=True)
    assert Project.discover(tmp_path / "contracts" / "sub").root == tmp_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[compiler]\noptimiser = true\n", r"compiler\.optimiser: unknown key \(expected one of: version, evm_version"),
        ("[compilr]\n", r"compilr: unknown key \(expected one of: project, compiler, node, sets\)"),
        ('[compiler]\noptimizer_runs = "many"\n', r"compiler\.optimizer_runs: Input should be a valid integer"),
        ('[compiler]\nversion = "latest"\n', r"compiler\.version: 'latest' is neither a solc version"),
        ('[compiler]\nevm_version = "frontier"\n', r"compiler\.evm_version: Input should be 'homestead'"),
        ("[node]\nport = 70000\n", r"node\.port: Input should be less than or equal to 65535 \(got 70000\)"),
        ('[project]\nremappings = ["nothing"]\n', r"project\.remappings: 'nothing' is not \"prefix=target\""),
        ("[sets]\ntoken = 3\n", r"sets\.token: Input should be a valid dictionary"),
        ("[compiler\n", r"not valid TOML: .*line 1"),
    ],
)
def test_a_bad_file_names_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "s4chain.toml").write_text(text)
    with pytest.raises(ProjectConfigError, match=rf"{tmp_path / 's4chain.toml'}: {expected}"):
        Project.discover(tmp_path)


def test_a_bad_tool_table_names_its_full_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.s4chain.node]\nblock_time = -1\n")
    with pytest.raises(ProjectConfigError, match=r"pyproject\.toml: tool\.s4chain\.node\.block_time: Input should be"):
        Project.discover(tmp_path)


def test_the_cli_reports_a_bad_file_in_one_line_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "s4chain.toml").write_text("[compiler]\noptimiser = true\n")
    result = subprocess.run([*CLI, "compile", "--project", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "s4chain.toml: compiler.optimiser: unknown key" in result.stderr


def test_the_compiler_uses_the_configured_folders_settings_and_remappings(tmp_path: Path, s4_project: Project) -> None:
    from s4chain.compiler import ArtifactStore, compile_project

    (tmp_path / "s4chain.toml").write_text(
        '[project]\ncontracts = "sol"\nbuild = "out"\nremappings = ["@oz/=@openzeppelin/contracts/"]\n'
        '[compiler]\nevm_version = "cancun"\noptimizer_runs = 50\n'
    )
    (tmp_path / "sol").mkdir()
    (tmp_path / "sol" / "C.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"
        'import {ERC20} from "@oz/token/ERC20/ERC20.sol";\n'
        'contract C is ERC20 { constructor() ERC20("C", "C") {} }\n'
    )
    (tmp_path / "node_modules").symlink_to(s4_project.node_modules)
    project = Project.discover(tmp_path)
    compile_project(project)
    store = ArtifactStore.load(tmp_path / "out" / "artifacts")
    artifact = store.get("C")
    assert artifact.source_name == "sol/C.sol" and artifact.is_deployable
    assert any(entry.get("name") == "transfer" for entry in artifact.abi)  # OpenZeppelin's, through the remapping
    assert artifact.compiler.settings["evmVersion"] == "cancun"
    assert artifact.compiler.settings["optimizer"] == {"enabled": True, "runs": 50}
    assert artifact.compiler.settings["remappings"] == ["@oz/=@openzeppelin/contracts/"]
    assert not (tmp_path / "build").exists()


@pytest.mark.anvil
def test_the_anvil_fixture_runs_the_project_s_evm_version(pytester: pytest.Pytester, s4_project: Project) -> None:
    """A project compiled for cancun gets an anvil on cancun from the plugin (it ran the pinned prague before)."""
    pytester.makefile(".toml", s4chain='[compiler]\nevm_version = "cancun"\n')
    (pytester.path / "node_modules").symlink_to(s4_project.node_modules)
    pytester.makepyfile(
        test_node="""
import requests

def test_hardfork(anvil):
    info = {"jsonrpc": "2.0", "id": 1, "method": "anvil_nodeInfo", "params": []}
    assert requests.post(anvil.url, json=info, timeout=5).json()["result"]["hardFork"] == "Cancun"
"""
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
