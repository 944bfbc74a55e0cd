"""The compiler settings a project pins (its s4chain.toml), so that every backend and every chain runs the same
bytecode."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from s4chain.config import DEFAULT_EVM_VERSION, DEFAULT_SOLC_VERSION, ProjectConfig

# The defaults of a project without a project file (the S4 project's own settings).
SOLC_VERSION = DEFAULT_SOLC_VERSION
EVM_VERSION = DEFAULT_EVM_VERSION

OUTPUT_SELECTION = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.linkReferences",
    "evm.deployedBytecode.object",
    "evm.methodIdentifiers",
    "devdoc",
    "userdoc",
]


class CompilerSettings(BaseModel):
    """The part of solc's standard-JSON `settings` that changes the bytecode."""

    model_config = ConfigDict(frozen=True)

    evm_version: str = EVM_VERSION
    optimizer_enabled: bool = True
    optimizer_runs: int = 200
    via_ir: bool = False
    remappings: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: ProjectConfig) -> CompilerSettings:
        """The settings a project's file asks for."""
        compiler = config.compiler
        return cls(
            evm_version=compiler.evm_version,
            optimizer_enabled=compiler.optimizer,
            optimizer_runs=compiler.optimizer_runs,
            via_ir=compiler.via_ir,
            remappings=config.project.remappings,
        )

    def to_solc(self) -> dict[str, Any]:
        solc: dict[str, Any] = {
            "evmVersion": self.evm_version,
            "optimizer": {"enabled": self.optimizer_enabled, "runs": self.optimizer_runs},
            "viaIR": self.via_ir,
        }
        if self.remappings:  # only then: the cache keys of a project without remappings stay as they were
            solc["remappings"] = list(self.remappings)
        return solc


DEFAULT_SETTINGS = CompilerSettings()
