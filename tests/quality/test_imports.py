"""The layers of src/s4chain: no import cycle between modules, and no import from a lower layer to a higher one.

Every import counts, wherever it stands (module level, inside a function, under `TYPE_CHECKING`): a function-level
import hides a cycle from Python's loader, not from the design.
"""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# From the bottom up. The parts in one tuple are peers: neither may import the other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("deferred",),  # third-party modules loaded on first use, installed by the package's __init__
    ("s4chain", "errors"),  # `s4chain` is the package's own __init__
    ("config",),  # the project file's settings
    ("files", "project"),
    ("inputs",),  # YAML with line marks, input-file errors, the value language
    ("compiler",),
    ("chain",),
    ("drivers",),
    ("deployment", "scenarios"),
    ("reports",),
    ("sweeps",),  # scenario sweeps: runs replays (scenarios) and draws their report (reports)
    ("testing",),
    ("cli",),
)


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted((SRC / "s4chain").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imported(module: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """The s4chain modules `module` imports, with the line: `from a.b import c` counts as `a.b.c` when that is a
    module, else as `a.b`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "s4chain" and target != module:
                yield target, node.lineno


def _graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: line}."""
    modules = _modules()
    graph: dict[str, dict[str, int]] = {}
    for module, path in modules.items():
        edges = graph.setdefault(module, {})
        for target, line in _imported(module, path, modules):
            assert target in modules, f"{path}:{line}: imports {target}, which is no module of src/s4chain"
            edges.setdefault(target, line)
    return graph


def _part(module: str) -> str:
    """The part of s4chain a module belongs to: its subpackage or top-level module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _rank(part: str) -> tuple[int, int]:
    for rank, layer in enumerate(LAYERS):
        if part in layer:
            return rank, layer.index(part)
    raise AssertionError(f"s4chain.{part} is in no layer: add it to LAYERS in {__file__}")


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return components


def test_every_part_has_a_layer() -> None:
    for module in _graph():
        _rank(_part(module))


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    shown = [" -> ".join(cycle) for cycle in cycles]
    assert not cycles, "import cycles:\n" + "\n".join(shown)


def _violations(graph: dict[str, dict[str, int]]) -> list[str]:
    """Each import from a lower layer to a higher one, or between peers, as `module:line: ...`."""
    problems = []
    for module, edges in graph.items():
        mine = _rank(_part(module))
        for target, line in edges.items():
            theirs = _rank(_part(target))
            if _part(target) == _part(module):
                continue
            if theirs[0] > mine[0]:
                problems.append(f"{module}:{line}: imports {target}, a higher layer")
            elif theirs[0] == mine[0]:
                problems.append(f"{module}:{line}: imports {target}, its peer")
    return problems


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    problems = _violations(_graph())
    assert not problems, "layer violations:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from s4chain.chain import base\n", "s4chain.chain.base"),
        ("from s4chain.chain import Chain\n", "s4chain.chain"),
        ("import s4chain.errors\n", "s4chain.errors"),
        ("def f():\n    from ..deployment.records import SetRecord\n", "s4chain.deployment.records"),
        ("from . import model\n", "s4chain.scenarios.model"),
    ],
)
def test_imports_are_read_wherever_they_stand(tmp_path: Path, source: str, expected: str) -> None:
    """The walker itself: absolute, relative and function-level imports all resolve to the module meant."""
    path = tmp_path / "engine.py"
    path.write_text(source, encoding="utf-8")
    found = {target for target, _ in _imported("s4chain.scenarios.engine", path, _modules())}
    assert found == {expected}


def test_a_cycle_and_an_upward_import_are_found() -> None:
    """The checks can fail: made-up graphs with a cycle, an upward import and an import between peers."""
    graph = {"s4chain.a": {"s4chain.b": 1}, "s4chain.b": {"s4chain.a": 1}, "s4chain.c": {}}
    assert _cycles(graph) == [["s4chain.a", "s4chain.b"]]
    layered = {
        "s4chain.chain.base": {"s4chain.scenarios.engine": 3, "s4chain.errors": 4},
        "s4chain.deployment.params": {"s4chain.scenarios.loader": 7, "s4chain.inputs.values": 8},
        "s4chain.cli.main": {"s4chain.deployment.params": 9},
    }
    assert _violations(layered) == [
        "s4chain.chain.base:3: imports s4chain.scenarios.engine, a higher layer",
        "s4chain.deployment.params:7: imports s4chain.scenarios.loader, its peer",
    ]


DEPRECATED = ("s4chain.scenarios.values", "s4chain.scenarios.yaml_lines")  # aliases kept for users' imports


def test_no_module_imports_a_deprecated_alias() -> None:
    """s4chain's own modules import the new places, so that importing s4chain warns nobody."""
    users = [f"{m}:{edges[old]}: imports {old}" for m, edges in _graph().items() for old in DEPRECATED if old in edges]
    assert not users, "\n".join(users)


@pytest.mark.parametrize(
    ("old", "name", "new"),
    [
        ("s4chain.scenarios.values", "Resolver", "s4chain.inputs.values"),
        ("s4chain.scenarios.yaml_lines", "LineMap", "s4chain.inputs.yaml_lines"),
        ("s4chain.scenarios.yaml_lines", "ScenarioFileError", "s4chain.scenarios.loader"),
    ],
)
def test_moved_modules_still_import_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, old: str, name: str, new: str
) -> None:
    monkeypatch.delitem(sys.modules, old, raising=False)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_the_old_scenario_yaml_loader_still_raises_scenario_file_errors(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from s4chain.scenarios.yaml_lines import load_yaml_with_lines
    from s4chain.scenarios.loader import ScenarioFileError

    path = tmp_path / "s.yaml"
    path.write_text("a: 1\na: 2\n")
    with pytest.raises(ScenarioFileError, match=":2: duplicate key 'a'"):
        load_yaml_with_lines(path)
