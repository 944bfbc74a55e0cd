"""Source maps in the artifacts: decompression, program counters to instructions, the artifact a running code
belongs to, files changed since the compile, old artifacts without maps, and the cache when the outputs change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s4chain.compiler import compile as compile_module
from s4chain.compiler import compile_project
from s4chain.compiler.artifacts import load_artifact
from s4chain.compiler.sourcemap import Entry, SourceIndex, decompress, instruction_offsets
from s4chain.project import Project


def test_decompress_repeats_empty_fields() -> None:
    assert decompress("1:2:0:-;:3;;4::1:i;::-1:o") == [
        Entry(1, 2, 0, "-"),
        Entry(1, 3, 0, "-"),
        Entry(1, 3, 0, "-"),
        Entry(4, 3, 1, "i"),
        Entry(4, 3, -1, "o"),
    ]
    assert decompress("") == []


def test_instruction_offsets_skip_push_data() -> None:
    code = bytes.fromhex("6001" + "7f" + "00" * 32 + "5f" + "56")  # PUSH1 1, PUSH32 0, PUSH0, JUMP
    assert instruction_offsets(code) == [0, 2, 35, 36]


@pytest.fixture
def project(tmp_path: Path, s4_project: Project) -> Project:
    (tmp_path / "contracts").mkdir()
    source = (s4_project.root / "tests/fixtures/Counter.sol").read_text()
    (tmp_path / "contracts" / "Counter.sol").write_text(source)
    (tmp_path / "node_modules").symlink_to(s4_project.node_modules)
    return Project(tmp_path)


def test_running_code_is_found_with_its_immutables_and_constructor_arguments(project: Project) -> None:
    store = compile_project(project).store
    forwarder = store.get("Forwarder")
    assert forwarder.immutable_references and forwarder.deployed_source_map and forwarder.source_map
    assert forwarder.sources["contracts/Counter.sol"].id == 0
    index = SourceIndex(store)
    deployed = bytearray.fromhex(forwarder.deployed_bytecode[2:])
    for refs in forwarder.immutable_references.values():
        for ref in refs:
            deployed[ref["start"] + ref["length"] - 1] = 0x42  # the address the constructor stored
    program = index.program(bytes(deployed), creation=False)
    assert program is not None and program.artifact.contract_name == "Forwarder"
    init = bytes.fromhex(forwarder.bytecode[2:]) + bytes(32)  # constructor arguments follow the init code
    assert index.program(init, creation=True) is not None
    assert index.program(b"\x60\x00", creation=False) is None
    constructor_line = next(
        where
        for pc in index.program(init, creation=True).offsets  # type: ignore[union-attr]
        if (where := index.locate(init, pc, creation=True)) is not None and where.line == 38
    )
    assert constructor_line.text.strip() == "counter = target;"


def test_a_file_changed_since_the_compile_gives_no_lines(project: Project) -> None:
    store = compile_project(project).store
    counter = store.get("Counter")
    code = bytes.fromhex(counter.deployed_bytecode[2:])
    pcs = instruction_offsets(code)
    assert any(SourceIndex(store).locate(code, pc) is not None for pc in pcs)
    path = project.contracts_dir / "Counter.sol"
    path.write_text("// an edit moves every line\n" + path.read_text())
    assert all(SourceIndex(store).locate(code, pc) is None for pc in pcs)


def test_artifacts_written_before_source_maps_still_load(project: Project, tmp_path: Path) -> None:
    store = compile_project(project).store
    old = store.get("Counter").to_json()
    for key in ("sourceMap", "deployedSourceMap", "immutableReferences", "sources"):
        del old[key]
    path = tmp_path / "Old.json"
    path.write_text(json.dumps(old))
    artifact = load_artifact(path)
    assert artifact.deployed_source_map == "" and artifact.sources == {}
    assert SourceIndex([artifact]).program(bytes.fromhex(artifact.deployed_bytecode[2:]), False) is None


def test_changing_the_output_selection_compiles_again(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    without_maps = [o for o in compile_module.OUTPUT_SELECTION if "sourceMap" not in o and "immutable" not in o]
    monkeypatch.setattr(compile_module, "OUTPUT_SELECTION", without_maps)
    old = compile_project(project)
    assert old.compiled_units == ["contracts/Counter.sol"]
    assert old.store.get("Counter").deployed_source_map == ""
    monkeypatch.undo()
    new = compile_project(project)
    assert new.compiled_units == ["contracts/Counter.sol"]  # the cached entry without maps is not reused
    assert new.store.get("Counter").deployed_source_map
    assert compile_project(project).cached_units == ["contracts/Counter.sol"]
