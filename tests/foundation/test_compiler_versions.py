"""Compiler versions by pragma: each source unit compiles with the solc-js its pragmas (and its imports') allow,
several versions side by side (npm aliases such as `solc-0.8.20` in package.json), real solc-js throughout."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.scenarios.conftest import run_cli

from s4chain.compiler import ArtifactStore, CompilerNotFoundError, compile_project
from s4chain.project import Project

PINNED = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.20;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
contract Old is ERC20 {
    constructor() ERC20("Old", "OLD") { _mint(msg.sender, 1000); }
}
"""
CURRENT = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Current { function answer() external pure returns (uint256) { return 42; } }
"""


def _project(root: Path, s4_project: Project, sources: dict[str, str], toml: str | None = None) -> Project:
    (root / "contracts").mkdir(parents=True)
    for name, text in sources.items():
        (root / "contracts" / name).write_text(text)
    (root / "node_modules").symlink_to(s4_project.node_modules)
    if toml is not None:
        (root / "s4chain.toml").write_text(toml)
    return Project(root)


def test_a_file_pinned_to_0_8_20_compiles_with_it_beside_files_on_0_8_37(tmp_path: Path, s4_project: Project) -> None:
    project = _project(tmp_path, s4_project, {"Old.sol": PINNED, "Current.sol": CURRENT})
    result = compile_project(project)
    store = ArtifactStore.load(project.build_dir / "artifacts")
    assert store.get("Old").compiler.version.startswith("0.8.20+")
    assert store.get("Current").compiler.version.startswith("0.8.37+")
    assert store.get("Old").compiler.settings["evmVersion"] == "shanghai"  # the newest 0.8.20 knows
    assert store.get("Current").compiler.settings["evmVersion"] == "prague"
    assert store.get("Old").is_deployable and store.get("Current").is_deployable
    assert {u: b.version.split("+")[0] for u, b in result.backends.items()} == {
        "contracts/Current.sol": "0.8.37",
        "contracts/Old.sol": "0.8.20",
    }
    again = compile_project(project)
    assert again.compiled_units == [] and len(again.cached_units) == 2
    assert again.store.get("Old").compiler.version == store.get("Old").compiler.version


def test_a_range_takes_the_configured_version_else_the_newest(tmp_path: Path, s4_project: Project) -> None:
    """`^0.8.20` allows both: the project's `version` (0.8.37 by default); with `auto`, the newest installed."""
    wide = CURRENT.replace("^0.8.24", "^0.8.20")
    preferred = _project(tmp_path / "a", s4_project, {"Wide.sol": wide}, '[compiler]\nversion = "0.8.20"\n')
    assert compile_project(preferred).store.get("Current").compiler.version.startswith("0.8.20+")
    newest = _project(tmp_path / "b", s4_project, {"Wide.sol": wide}, '[compiler]\nversion = "auto"\n')
    assert compile_project(newest).store.get("Current").compiler.version.startswith("0.8.37+")


def test_an_import_s_pragma_counts(tmp_path: Path, s4_project: Project) -> None:
    """A file that allows 0.8.20 importing one that needs 0.8.24 or later cannot compile with 0.8.20."""
    lib = "// SPDX-License-Identifier: MIT\npragma solidity >=0.8.24;\nlibrary L { function f() internal {} }\n"
    user = '// SPDX-License-Identifier: MIT\npragma solidity >=0.8.20 <0.8.30;\nimport "./L.sol";\ncontract U {}\n'
    project = _project(tmp_path, s4_project, {"L.sol": lib, "U.sol": user})
    with pytest.raises(CompilerNotFoundError, match=r"contracts/U\.sol: no installed compiler satisfies the pragma"):
        compile_project(project)


def test_a_pragma_nothing_installed_satisfies_names_the_package_to_add(tmp_path: Path, s4_project: Project) -> None:
    old = "// SPDX-License-Identifier: MIT\npragma solidity ^0.7.6;\ncontract Ancient {}\n"
    project = _project(tmp_path, s4_project, {"Ancient.sol": old, "Current.sol": CURRENT})
    with pytest.raises(CompilerNotFoundError) as caught:
        compile_project(project)
    message = str(caught.value)
    unit = "contracts/Ancient.sol"
    assert f"{unit}: no installed compiler satisfies the pragma ({unit}: ^0.7.6)" in message
    assert "solc-js 0.8.37 (node_modules/solc)" in message and "solc-js 0.8.20 (node_modules/solc-0.8.20)" in message
    assert "`npm install solc-0.7.6@npm:solc@0.7.6`" in message
    assert not (project.build_dir / "artifacts").exists()  # Current.sol was not published half-way


def test_a_configured_version_that_is_not_installed_is_an_error(tmp_path: Path, s4_project: Project) -> None:
    project = _project(tmp_path, s4_project, {"Current.sol": CURRENT}, '[compiler]\nversion = "0.8.31"\n')
    with pytest.raises(CompilerNotFoundError, match=r"compiler\.version = '0\.8\.31' is not installed.*solc-0\.8\.31"):
        compile_project(project)


def test_no_solc_at_all_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "C.sol").write_text(CURRENT)
    result = run_cli("compile", "--project", tmp_path)  # in-process, answered as a process would
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "npm install solc@0.8.37" in result.stderr and "s4chain init" in result.stderr


@pytest.mark.parametrize(
    ("version", "asked", "used"),
    [
        ("0.8.37+commit.f401782d", "prague", "prague"),
        ("0.8.20+commit.a1b79de6", "prague", "shanghai"),
        ("0.8.20", "paris", "paris"),
        ("0.8.24", "osaka", "cancun"),
        ("0.5.0", "cancun", "constantinople"),
    ],
)
def test_an_older_solc_compiles_for_the_newest_evm_version_it_knows(version: str, asked: str, used: str) -> None:
    from s4chain.compiler import CompilerSettings

    assert CompilerSettings(evm_version=asked).for_solc(version).evm_version == used


def test_progress_names_each_compiler_it_runs(tmp_path: Path, s4_project: Project) -> None:
    old = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.20;\ncontract Old {}\n"
    project = _project(tmp_path, s4_project, {"Old.sol": old, "Current.sol": CURRENT})
    heard: list[str] = []
    compile_project(project, progress=heard.append)
    started = [line for line in heard if line.startswith("compiling")]
    assert len(started) == 2 and len([line for line in heard if line.startswith("solc finished in")]) == 2
    assert "with solc 0.8.20+" in started[0] and "contracts/Old.sol" in started[0]
    assert "with solc 0.8.37+" in started[1] and "contracts/Current.sol" in started[1]
    heard.clear()
    compile_project(project, progress=heard.append)
    assert heard == []  # all from the cache


def test_a_native_solc_named_in_the_project_file_compiles(tmp_path: Path, s4_project: Project) -> None:
    """No native solc can be downloaded here: the solc-compatible wrapper around solc-js stands in for one, driven
    by py-solc-x as a native binary (its version, 0.8.37, is the project's, so it wins over solc-js 0.8.37)."""
    from s4chain.compiler.backend import SOLC_JS_WRAPPER

    toml = f'[compiler]\nsolc = "{SOLC_JS_WRAPPER}"\n'
    project = _project(tmp_path, s4_project, {"Current.sol": CURRENT}, toml)
    result = compile_project(project)
    backend = result.backend
    assert backend is not None and (backend.kind, backend.executable) == ("native", SOLC_JS_WRAPPER)
    assert result.store.get("Current").compiler.backend == "native"


def test_a_native_solc_that_is_not_there_names_the_file_and_key(tmp_path: Path, s4_project: Project) -> None:
    project = _project(tmp_path, s4_project, {"Current.sol": CURRENT}, '[compiler]\nsolc = "bin/solc"\n')
    with pytest.raises(CompilerNotFoundError, match=r"s4chain\.toml: compiler\.solc = 'bin/solc': no such file"):
        compile_project(project)
