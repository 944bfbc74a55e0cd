"""Compiled contracts as plain JSON artifacts, one file per contract, readable by any tool."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from s4chain.errors import S4ChainError


class CompilerInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    backend: str
    settings: dict[str, Any]


class SourceRef(BaseModel):
    """A source file of the compilation, as its source maps name it: solc's id (`sources[*].id` of the standard-JSON
    output) and the hash of the content it was compiled from."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: int
    content_hash: str = Field(alias="contentHash")


class Artifact(BaseModel):
    """What one compiled contract needs to be deployed, called and decoded."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    contract_name: str = Field(alias="contractName")
    source_name: str = Field(alias="sourceName")
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str = Field(alias="deployedBytecode")
    link_references: dict[str, Any] = Field(default_factory=dict, alias="linkReferences")
    method_identifiers: dict[str, str] = Field(default_factory=dict, alias="methodIdentifiers")
    devdoc: dict[str, Any] = Field(default_factory=dict)
    userdoc: dict[str, Any] = Field(default_factory=dict)
    source_hash: str = Field(alias="sourceHash")
    input_hash: str = Field(alias="inputHash")
    compiler: CompilerInfo
    # Source maps (solc's compressed `s:l:f:j;...`) of the creation and the runtime code, and the files their `f`
    # indices name (every file the contract's unit reads, by unit name). Empty in artifacts written before s4chain
    # kept them: such a contract has no source lines and no coverage.
    source_map: str = Field(default="", alias="sourceMap")
    deployed_source_map: str = Field(default="", alias="deployedSourceMap")
    immutable_references: dict[str, list[dict[str, int]]] = Field(default_factory=dict, alias="immutableReferences")
    sources: dict[str, SourceRef] = Field(default_factory=dict)
    # Where the files of `sources` are read from (the project root, then node_modules): set by the store, not saved.
    _source_roots: tuple[Path, ...] = PrivateAttr(default=())

    @property
    def fully_qualified_name(self) -> str:
        return f"{self.source_name}:{self.contract_name}"

    @property
    def source_roots(self) -> tuple[Path, ...]:
        return self._source_roots

    @property
    def is_deployable(self) -> bool:
        return len(self.bytecode) > 2

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


class ArtifactNotFoundError(S4ChainError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class CorruptArtifactError(S4ChainError):
    """An artifact file that is not valid JSON or lacks a required field."""


def artifact_path(artifacts_dir: Path, source_name: str, contract_name: str) -> Path:
    return artifacts_dir / source_name / f"{contract_name}.json"


def load_artifact(path: Path) -> Artifact:
    try:
        return Artifact.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else None
        where = f"field {'.'.join(map(str, first['loc']))}: {first['msg']}" if first else str(exc)
        raise CorruptArtifactError(f"{path}: not a valid s4chain artifact ({where}); run `s4chain compile`") from exc


class ArtifactStore:
    """The artifacts under `build/artifacts`, looked up by contract name or `source:Name`."""

    def __init__(self, artifacts: list[Artifact], source_roots: tuple[Path, ...] = ()) -> None:
        """`source_roots`: where the artifacts' source files are read (for source lines and coverage)."""
        for artifact in artifacts:
            if source_roots and not artifact._source_roots:
                artifact._source_roots = source_roots
        self._by_qualified = {a.fully_qualified_name: a for a in artifacts}
        self._by_name: dict[str, list[Artifact]] = {}
        for artifact in artifacts:
            self._by_name.setdefault(artifact.contract_name, []).append(artifact)

    @classmethod
    def load(cls, artifacts_dir: Path, source_roots: tuple[Path, ...] = ()) -> ArtifactStore:
        return cls([load_artifact(p) for p in sorted(artifacts_dir.rglob("*.json"))], source_roots)

    def __iter__(self) -> Iterator[Artifact]:
        return iter(self._by_qualified.values())

    def __len__(self) -> int:
        return len(self._by_qualified)

    def get(self, name: str) -> Artifact:
        if name in self._by_qualified:
            return self._by_qualified[name]
        matches = self._by_name.get(name, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            options = ", ".join(a.fully_qualified_name for a in matches)
            raise ArtifactNotFoundError(f"contract name {name!r} is ambiguous: use one of {options}")
        known = ", ".join(sorted(self._by_name)) or "none"
        raise ArtifactNotFoundError(f"no compiled contract named {name!r} (known: {known})")
