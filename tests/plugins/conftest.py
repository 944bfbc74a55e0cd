"""The demo package (tests/plugins/s4_demo_usecase) installed the light way: the dist-info folder `pip install`
would write (METADATA, entry_points.txt from its pyproject.toml) in a folder put on the path, where
importlib.metadata finds its entry points as it finds an installed package's."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from s4chain.drivers.registry import use_cases
from s4chain.project import Project

DEMO = Path(__file__).with_name("s4_demo_usecase")


def write_dist_info(site: Path, name: str, version: str, entry_points: dict[str, dict[str, str]]) -> Path:
    """A distribution `name` in `site`, as an installer leaves it: its metadata and its entry points."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    text = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in entries.items()) + "\n"
        for group, entries in entry_points.items()
    )
    (info / "entry_points.txt").write_text(text)
    return info


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the demo package and its dist-info, made from the package's own pyproject.toml."""
    site = tmp_path_factory.mktemp("site")
    project = tomllib.loads((DEMO / "pyproject.toml").read_text())["project"]
    write_dist_info(site, project["name"], project["version"], project["entry-points"])
    (site / "s4_notary").symlink_to(DEMO / "s4_notary")
    return site


@pytest.fixture(scope="session")
def demo_project(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo package's contracts and scenarios as a project of their own (the compiler comes from node_modules)."""
    root = tmp_path_factory.mktemp("notary-project")
    for folder in ("contracts", "scenarios"):
        shutil.copytree(DEMO / folder, root / folder)
    (root / "node_modules").symlink_to(s4_project.node_modules)
    return root


@pytest.fixture
def add_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Puts a site on sys.path for one test, the registry looking again; afterwards it sees the built-ins only."""

    def add(site: Path) -> None:
        monkeypatch.syspath_prepend(str(site))
        use_cases.cache_clear()

    yield add
    monkeypatch.undo()
    use_cases.cache_clear()
