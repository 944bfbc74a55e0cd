"""Where a project's contracts, build output and node toolchain live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from s4chain.errors import S4ChainError


class ProjectNotFoundError(S4ChainError):
    """No `contracts/` folder in the working directory or any parent."""


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def contracts_dir(self) -> Path:
        return self.root / "contracts"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @classmethod
    def discover(cls, start: Path | None = None) -> Project:
        """The nearest folder at or above `start` (default: the working directory) holding `contracts/`."""
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "contracts").is_dir():
                return cls(folder)
        raise ProjectNotFoundError(f"no contracts/ folder in {here} or any parent")
