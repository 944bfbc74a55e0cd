"""Every `s4chain` command, in an empty folder and in a project of one's own (contracts/MyToken.sol importing
OpenZeppelin, with an S4 scenario copied in), with missing and odd arguments: each ends with its documented exit
code and a clear message, never a traceback. Most run in-process (typer's runner sees the same output and exit
code); the ones a user meets first run as real processes too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

from s4chain.chain.anvil import free_port
from s4chain.cli import exits
from s4chain.cli.exits import exit_codes
from s4chain.cli.main import app
from s4chain.compiler import SOLC_VERSION, ArtifactStore
from s4chain.project import Project

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "04-cold-chain-farm-to-shelf.yaml"
MY_TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract MyToken is ERC20 {
    constructor() ERC20("My Token", "MY") {
        _mint(msg.sender, 1_000_000 ether);
    }
}
"""
COMMANDS = [command.name or "" for command in app.registered_commands]  # a command added later is walked too
DEAD_RPC = f"http://127.0.0.1:{free_port()}"  # nothing listens there
TERMINAL = Console(stderr=True, force_terminal=True, width=200)


def run(folder: Path, *args: str) -> Result:
    """`s4chain ARGS` in `folder`, in this process."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        os.chdir(here)


def no_traceback(result: Result | subprocess.CompletedProcess[str], code: int, *phrases: str) -> str:
    """The stderr of a run that ended with `code`, said `phrases` and printed no traceback nor internal error;
    a refusal (exit 2) is one `error:` line, or typer's usage box for a bad option."""
    stderr = result.stderr
    exit_code = result.exit_code if isinstance(result, Result) else result.returncode
    text = f"{result.stdout}{stderr}"
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]
    assert exit_code == code, f"exit {exit_code}, not {code}:\n{text[-3000:]}"
    if code == 2 and "Usage:" not in stderr:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for phrase in phrases:
        assert phrase in text, text[-3000:]
    return stderr


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty")


@pytest.fixture(scope="module")
def own_project(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> tuple[Path, Result]:
    """A project of one's own, node_modules linked from this repository, with its first (cold) compile."""
    root = tmp_path_factory.mktemp("mytoken")
    (root / "contracts").mkdir()
    (root / "contracts" / "MyToken.sol").write_text(MY_TOKEN)
    (root / "scenarios").mkdir()
    shutil.copy(SCENARIO, root / "scenarios" / SCENARIO.name)
    (root / "node_modules").symlink_to(s4_project.node_modules)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exits, "err", TERMINAL)  # progress is for a person at a terminal
        cold = run(root, "compile")
    return root, cold


@pytest.fixture
def project(own_project: tuple[Path, Result]) -> Path:
    return own_project[0]


def test_version_and_short_help(empty: Path) -> None:
    from importlib.metadata import version

    assert run(empty, "--version").stdout == f"s4chain {version('s4chain')}\n"
    assert {"compile", "node", "replay", "demo", "deploy"} <= set(COMMANDS)
    for command in COMMANDS:
        result = run(empty, command, "-h")
        no_traceback(result, 0)
        assert result.stdout == run(empty, command, "--help").stdout
        assert "Usage: s4chain " + command in result.stdout


def test_compile_progress_when_cold_quiet_when_warm(own_project: tuple[Path, Result]) -> None:
    root, cold = own_project
    stderr = no_traceback(cold, 0, "1 source file(s) compiled")
    assert f"compiling 1 source file(s) with solc {SOLC_VERSION}" in stderr
    assert "contracts/MyToken.sol" in stderr and "solc finished in" in stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exits, "err", TERMINAL)
        warm = run(root, "compile")
    assert no_traceback(warm, 0, "1 from cache") == ""


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("compile",), "no contracts/ folder"),
        (("compile", "--project", "nowhere"), "no contracts/ folder"),
        (("deploy",), "no contracts/ folder"),
        (("deploy", "--rpc", DEAD_RPC), "no contracts/ folder"),
        (("replay",), "Missing argument"),
        (("replay", "x.yaml"), "no contracts/ folder"),
        (("replay", "--use-deployments", "x.yaml"), "no contracts/ folder"),
        (("demo",), "no contracts/ folder"),
        (("node", "--port", "0"), "--port"),
        (("node", "--accounts", "many"), "--accounts"),
        (("node", "--fork-block-number", "5"), "--fork-block-number needs --fork-url"),
        (("node", "--load-state", "missing.json"), "missing.json"),
        (("node", "--project", "."), "no contracts/ folder"),
        (("nonsense",), "No such command"),
        (("compile", "--nonsense"), "No such option"),
    ],
)
def test_empty_folder(empty: Path, args: tuple[str, ...], phrase: str) -> None:
    no_traceback(run(empty, *args), 2, phrase)


NEEDS_S4 = "need contracts this project does not have"


@pytest.mark.parametrize(
    ("args", "phrases"),
    [
        (("deploy",), (NEEDS_S4, "EuroStablecoin", "this project compiles MyToken", "known sets: ico, tokens")),
        (("deploy", "--only", "supply"), ("set(s) supply " + NEEDS_S4, "(SupplyChain)")),
        (("deploy", "--rpc", DEAD_RPC), (NEEDS_S4,)),
        (("deploy", "--only", "nope"), ("unknown contract set(s) nope",)),
        (("deploy", "--params", "missing.yaml"), ("missing.yaml",)),
        (("deploy", "--param", "ico.goal"), ("ico.goal",)),
        (("replay", f"scenarios/{SCENARIO.name}"), ("driver supply) needs contracts", "(SupplyChain)")),
        (("replay", "scenarios"), ("needs contracts",)),
        (("replay", "missing.yaml"), ("missing.yaml",)),
        (("replay", "--resume", f"scenarios/{SCENARIO.name}"), ("--resume needs --rpc",)),
        (("replay", "--rpc", DEAD_RPC, f"scenarios/{SCENARIO.name}"), ("needs contracts",)),
        (("replay", "--report", "out.json", f"scenarios/{SCENARIO.name}"), ("out.json",)),
        (("demo",), ("needs contracts",)),
    ],
)
def test_own_project(project: Path, args: tuple[str, ...], phrases: tuple[str, ...]) -> None:
    no_traceback(run(project, *args), 2, *phrases)


def test_compile_without_solc_says_what_to_install(empty: Path) -> None:
    root = empty / "fresh"
    (root / "contracts").mkdir(parents=True, exist_ok=True)
    (root / "contracts" / "Plain.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Plain {}\n"
    )
    no_traceback(run(root, "compile"), 2, f"npm install solc@{SOLC_VERSION} @openzeppelin/contracts")


def test_an_import_of_a_package_not_installed_names_the_package(empty: Path) -> None:
    root = empty / "fresh"
    (root / "contracts").mkdir(parents=True, exist_ok=True)
    (root / "contracts" / "MyToken.sol").write_text(MY_TOKEN)
    result = run(root, "compile")
    text = f"{result.stdout}{result.stderr}"
    assert result.exit_code == 2 and "Traceback" not in text, text
    assert "install its package: `npm install @openzeppelin/contracts`" in " ".join(text.split())


def test_deploy_to_a_dead_node_in_the_s4_project(s4_project: Project, compiled: ArtifactStore) -> None:
    result = run(s4_project.root, "deploy", "--only", "tokens", "--rpc", DEAD_RPC)
    no_traceback(result, 2, f"no JSON-RPC node answers at {DEAD_RPC}")


@pytest.mark.parametrize(
    ("where", "args", "code", "phrase"),
    [
        ("empty", ("--version",), 0, "s4chain "),
        ("empty", ("compile",), 2, "no contracts/ folder"),
        ("project", ("deploy",), 2, NEEDS_S4),
        ("project", ("replay", f"scenarios/{SCENARIO.name}"), 2, "needs contracts"),
    ],
)
def test_as_a_process(where: str, args: tuple[str, ...], code: int, phrase: str, empty: Path, project: Path) -> None:
    folder = empty if where == "empty" else project
    result = subprocess.run(
        [sys.executable, "-m", "s4chain.cli", *args], capture_output=True, text=True, check=False, cwd=folder
    )
    no_traceback(result, code, phrase)


def test_node_without_any_anvil(empty: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(empty))  # no anvil on it, and no node_modules here
    no_traceback(run(empty, "node"), 2, "anvil not found", "npm install @foundry-rs/anvil")


def test_an_aborted_prompt_is_exit_2_not_1() -> None:
    """typer's Abort (Ctrl-C or end of input at deploy's password prompt) would exit 1, which says a deploy
    failed once started; nothing was sent."""

    def prompt() -> None:
        raise typer.Abort

    with pytest.raises(typer.Exit) as stopped:
        exit_codes(prompt)()
    assert stopped.value.exit_code == 2


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory, s4_project: Project) -> Path:
    """A project made by `s4chain init` (node_modules linked from this repository), an S4 scenario copied in."""
    root = tmp_path_factory.mktemp("initialised")
    no_traceback(run(root, "init"), 0)
    (root / "node_modules").symlink_to(s4_project.node_modules)
    shutil.copy(SCENARIO, root / "scenarios" / SCENARIO.name)
    return root


@pytest.mark.parametrize(
    ("args", "code", "phrases"),
    [
        (("init",), 2, ("nothing written",)),
        (("compile",), 0, ("1 contract(s) in build/artifacts",)),
        (("deploy",), 0, ("token    MyToken", "1 contract(s) deployed")),
        (("deploy", "--only", "ico"), 2, (NEEDS_S4, "sets that can deploy here: token")),
        (("deploy", "--rpc", DEAD_RPC), 2, (f"no JSON-RPC node answers at {DEAD_RPC}",)),
        (("deploy", "--scenario", "scenarios/token.yaml"), 0, ("token/token MyToken",)),
        (("replay", "scenarios/token.yaml"), 0, ("My token changes hands",)),
        (("replay", "scenarios"), 2, ("needs contracts",)),
        (("replay", "--rpc", DEAD_RPC, "scenarios/token.yaml"), 2, (f"no JSON-RPC node answers at {DEAD_RPC}",)),
        (("demo",), 2, ("needs contracts",)),
    ],
)
def test_a_project_made_by_init(initialised: Path, args: tuple[str, ...], code: int, phrases: tuple[str, ...]) -> None:
    no_traceback(run(initialised, *args), code, *phrases)
