"""The compiler settings s4chain pins, so that every backend and every chain runs the same bytecode."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

SOLC_VERSION = "0.8.37"
# solc 0.8.37 defaults to osaka, which py-evm 0.12 cannot run; prague is the newest fork that both
# py-evm and anvil execute.
EVM_VERSION = "prague"

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

    def to_solc(self) -> dict[str, Any]:
        return {
            "evmVersion": self.evm_version,
            "optimizer": {"enabled": self.optimizer_enabled, "runs": self.optimizer_runs},
            "viaIR": self.via_ir,
        }


DEFAULT_SETTINGS = CompilerSettings()
