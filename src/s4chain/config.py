"""A project's settings: `s4chain.toml` at its root, or the `[tool.s4chain]` table of its `pyproject.toml`.

Every key is optional; a folder without either file gets the defaults (the S4 project's settings). Unknown keys
are errors, so that a misspelt setting is never silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from s4chain.errors import S4ChainError

CONFIG_FILE = "s4chain.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_SOLC_VERSION = "0.8.37"
EvmVersion = Literal[
    "homestead",
    "tangerineWhistle",
    "spuriousDragon",
    "byzantium",
    "constantinople",
    "petersburg",
    "istanbul",
    "berlin",
    "london",
    "paris",
    "shanghai",
    "cancun",
    "prague",
    "osaka",
]
# solc 0.8.37 defaults to osaka, which py-evm 0.12 cannot run; prague is the newest fork that both py-evm and anvil
# execute.
DEFAULT_EVM_VERSION: EvmVersion = "prague"
_VERSION = re.compile(r"\d+\.\d+\.\d+")
_TOOL_TABLE = re.compile(r"^\s*\[\s*tool\s*\.\s*s4chain\s*[.\]]", re.MULTILINE)


class ProjectConfigError(S4ChainError):
    """A project file that is not TOML, or a key it may not have or a value of the wrong kind."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectSection(_Section):
    """`[project]`: where things are, relative to the project root."""

    contracts: str = "contracts"
    build: str = "build"
    remappings: tuple[str, ...] = Field(default=(), description='solc import remappings, "prefix=target"')

    @field_validator("remappings")
    @classmethod
    def _prefix_and_target(cls, remappings: tuple[str, ...]) -> tuple[str, ...]:
        for remapping in remappings:
            prefix, equals, target = remapping.partition("=")
            if not (prefix and equals and target) or ":" in prefix:
                raise ValueError(f'{remapping!r} is not "prefix=target" (e.g. "@oz/=node_modules/@openzeppelin/")')
        return remappings

    def remapping_pairs(self) -> list[tuple[str, str]]:
        """(prefix, target) with the longest prefix first, the one solc applies when several match."""
        pairs = [(r.partition("=")[0], r.partition("=")[2]) for r in self.remappings]
        return sorted(pairs, key=lambda pair: -len(pair[0]))


class CompilerSection(_Section):
    """`[compiler]`: solc and the settings that change the bytecode."""

    version: str = Field(
        default=DEFAULT_SOLC_VERSION,
        description='the solc version every file whose pragma allows it compiles with, or "auto" for the newest '
        "installed one per file",
    )
    evm_version: EvmVersion = DEFAULT_EVM_VERSION
    optimizer: bool = True
    optimizer_runs: int = Field(default=200, ge=1, le=2**32 - 1)
    via_ir: bool = False
    solc: str | None = Field(default=None, description="path of a native solc binary, relative to the project root")

    @field_validator("version")
    @classmethod
    def _version_or_auto(cls, version: str) -> str:
        if version != "auto" and not _VERSION.fullmatch(version):
            raise ValueError(f'{version!r} is neither a solc version like "0.8.37" nor "auto"')
        return version


class NodeSection(_Section):
    """`[node]`: how `s4chain node` and the `anvil` fixture start anvil."""

    port: int = Field(default=8545, ge=1, le=65535)
    accounts: int = Field(default=10, ge=1)
    balance: int = Field(default=10_000, ge=0, description="ether per dev account")
    block_time: float | None = Field(default=None, gt=0, description="seconds per block; none: a block per tx")
    fork_url: str | None = None
    fork_block_number: int | None = Field(default=None, ge=0)
    load_state: str | None = None
    dump_state: str | None = None
    keep_history: bool = False


class ProjectConfig(_Section):
    project: ProjectSection = ProjectSection()
    compiler: CompilerSection = CompilerSection()
    node: NodeSection = NodeSection()
    # `[sets.<name>]`: deploy sets, kept as raw tables (driver, contract, params, with); the deployment layer
    # checks them.
    sets: dict[str, dict[str, Any]] = Field(default_factory=dict)


def config_file(root: Path) -> Path | None:
    """The file holding `root`'s settings: its s4chain.toml, else a pyproject.toml with a [tool.s4chain] table."""
    own = root / CONFIG_FILE
    if own.is_file():
        return own
    pyproject = root / PYPROJECT
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return pyproject if _TOOL_TABLE.search(text) else None


def load_config(root: Path) -> tuple[ProjectConfig, Path | None]:
    """The settings of the project at `root` and the file they came from (None: the defaults)."""
    path = config_file(root)
    if path is None:
        return ProjectConfig(), None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectConfigError(f"{path}: cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectConfigError(f"{path}: not valid TOML: {exc}") from exc
    prefix = ""
    if path.name == PYPROJECT:
        data = data.get("tool", {}).get("s4chain", {})
        prefix = "tool.s4chain."
    try:
        return ProjectConfig.model_validate(data), path
    except ValidationError as exc:
        raise ProjectConfigError(_explain(path, prefix, exc)) from exc


def _explain(path: Path, prefix: str, exc: ValidationError) -> str:
    """One line per problem: the file, the dotted key and what was expected there."""
    lines = []
    for error in exc.errors():
        key = prefix + ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            known = _known_keys(error["loc"][:-1])
            lines.append(f"{path}: {key}: unknown key (expected one of: {', '.join(known)})")
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{path}: {key}: {message} (got {error['input']!r})")
    return "\n".join(lines)


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the table at `loc` may hold."""
    model: type[BaseModel] = ProjectConfig
    for part in loc:
        annotation = model.model_fields[str(part)].annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)
