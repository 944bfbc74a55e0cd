"""Where a project's contracts, build output, node toolchain and settings live."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from s4chain.config import ProjectConfig, config_file, load_config
from s4chain.errors import S4ChainError


class ProjectNotFoundError(S4ChainError):
    """No project file and no `contracts/` folder in the working directory or any parent."""


@dataclass(frozen=True)
class Project:
    root: Path

    @cached_property
    def _loaded(self) -> tuple[ProjectConfig, Path | None]:
        return load_config(self.root)

    @property
    def config(self) -> ProjectConfig:
        """The settings of s4chain.toml (or pyproject.toml's [tool.s4chain]); the defaults when there is none."""
        return self._loaded[0]

    @property
    def config_file(self) -> Path | None:
        return self._loaded[1]

    @property
    def contracts_dir(self) -> Path:
        return self.root / self.config.project.contracts

    @property
    def build_dir(self) -> Path:
        return self.root / self.config.project.build

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above `start` (default: the working directory) holding a project file
        (s4chain.toml, or pyproject.toml with [tool.s4chain]); without one, the nearest holding `contracts/`.
        Its settings are read now, so that a bad project file stops the command before anything runs."""
        here = (start or Path.cwd()).resolve()
        folders = (here, *here.parents)
        root = next((f for f in folders if config_file(f) is not None), None)
        if root is None:
            root = next((f for f in folders if (f / "contracts").is_dir()), None)
        if root is None:
            raise ProjectNotFoundError(
                f"no s4chain.toml and no contracts/ folder in {here} or any parent (`s4chain init` makes a project)"
            )
        project = cls(root)
        _ = project.config
        return project
