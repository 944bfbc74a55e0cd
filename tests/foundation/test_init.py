"""`s4chain init`: the skeleton it writes works as it is (its pytest passes, its scenario replays), pins what this
repository runs on, and init never overwrites a file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s4chain.cli.init import skeleton
from s4chain.project import Project

CLI = [sys.executable, "-m", "s4chain.cli"]


def _init(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "init", str(folder)], capture_output=True, text=True)


@pytest.fixture
def made(tmp_path: Path, s4_project: Project) -> Path:
    """A project made by `s4chain init`, with this repository's node_modules standing in for `npm install` (which
    would take minutes offline)."""
    folder = tmp_path / "my-contracts"
    result = _init(folder)
    assert result.returncode == 0, result.stderr
    (folder / "node_modules").symlink_to(s4_project.node_modules)
    return folder


def test_init_writes_the_whole_skeleton(made: Path) -> None:
    written = sorted(
        p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file() and "node_modules" not in p.parts
    )
    assert written == [
        ".gitignore",
        "README.md",
        "contracts/MyToken.sol",
        "package.json",
        "s4chain.toml",
        "scenarios/token.yaml",
        "tests/test_token.py",
    ]
    readme = (made / "README.md").read_text()
    assert "    pytest " in readme and "    s4chain replay scenarios/token.yaml" in readme
    project = Project.discover(made / "tests")
    assert project.root == made.resolve() and project.config_file == made.resolve() / "s4chain.toml"
    assert project.config.sets["token"] == {
        "driver": "contract",
        "contract": "MyToken",
        "params": {"name": "My Token", "symbol": "MTK", "initialSupply": "1000000 MTK"},
    }


def test_the_skeleton_pins_what_this_repository_runs_on(made: Path, s4_project: Project) -> None:
    ours = json.loads((s4_project.root / "package.json").read_text())["dependencies"]
    theirs = json.loads((made / "package.json").read_text())["dependencies"]
    assert theirs == {name: ours[name] for name in ("solc", "@openzeppelin/contracts", "@foundry-rs/anvil")}
    assert json.loads((made / "package.json").read_text())["name"] == "my-contracts"


@pytest.mark.slow  # processes in a new project: its cold compile, its own pytest, replay and deploy
def test_the_skeleton_s_pytest_passes(made: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=made, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    assert (made / "build" / "artifacts" / "contracts" / "MyToken.sol" / "MyToken.json").is_file()


@pytest.mark.slow  # processes in a new project: its cold compile, its own pytest, replay and deploy
def test_the_skeleton_s_scenario_replays_and_its_declared_set_deploys(made: Path) -> None:
    result = subprocess.run([*CLI, "replay", "scenarios/token.yaml"], cwd=made, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((made / "reports" / "replay.json").read_text())
    assert [(run["summary"]["steps"], run["summary"]["failures"]) for run in report["scenarios"]] == [(4, 0)]
    # Without --only, deploy takes the sets the project file declares, not the six S4 ones it cannot build.
    deployed = subprocess.run([*CLI, "deploy"], cwd=made, capture_output=True, text=True)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "token    MyToken" in deployed.stdout and "1 contract(s) deployed" in deployed.stdout


def test_init_never_overwrites_a_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "MyToken.sol").write_text("// mine\n")
    result = _init(tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "already has contracts/MyToken.sol, README.md: nothing written" in " ".join(result.stderr.split())
    assert (tmp_path / "README.md").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["MyToken.sol", "README.md", "contracts"]


def test_init_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run([*CLI, "init"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert set(skeleton(tmp_path)) == {p for p in tmp_path.rglob("*") if p.is_file()}
    assert "next: npm install && pytest && s4chain replay scenarios/token.yaml" in result.stdout
