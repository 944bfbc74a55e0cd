"""The compiler settings a project pins (its s4chain.toml), so that every backend and every chain runs the same
bytecode."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from s4chain.config import DEFAULT_EVM_VERSION, DEFAULT_SOLC_VERSION, ProjectConfig

# The defaults of a project without a project file (the S4 project's own settings).
SOLC_VERSION = DEFAULT_SOLC_VERSION
EVM_VERSION = DEFAULT_EVM_VERSION

# The first solc release that knows each EVM version (as Foundry normalises it): an older solc compiles for the
# newest EVM version it knows when the project asks for a later one.
_FIRST_SOLC = {
    "osaka": (0, 8, 29),
    "prague": (0, 8, 27),
    "cancun": (0, 8, 24),
    "shanghai": (0, 8, 20),
    "paris": (0, 8, 18),
    "london": (0, 8, 7),
    "berlin": (0, 8, 5),
    "istanbul": (0, 5, 14),
    "petersburg": (0, 5, 5),
    "constantinople": (0, 4, 21),
    "byzantium": (0, 4, 21),
}
_EVM_ORDER = ["homestead", "tangerineWhistle", "spuriousDragon", *reversed(_FIRST_SOLC)]

OUTPUT_SELECTION = [
    "abi",
    "evm.bytecode.object",
    "evm.bytecode.linkReferences",
    "evm.bytecode.sourceMap",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.sourceMap",
    "evm.deployedBytecode.immutableReferences",
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

    def for_solc(self, version: str) -> CompilerSettings:
        """These settings for solc `version` ("0.8.20+commit..."): the EVM version capped at the newest it knows."""
        release = tuple(int(part) for part in version.split("+")[0].split("-")[0].split(".")[:3])
        wanted = _EVM_ORDER.index(self.evm_version)
        known = [e for e in _EVM_ORDER[: wanted + 1] if _FIRST_SOLC.get(e, (0, 0, 0)) <= release]
        return self if known[-1] == self.evm_version else self.model_copy(update={"evm_version": known[-1]})

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
