"""Compiling Solidity: source discovery and imports, the solc backends, the cache and the artifacts."""

from s4chain.compiler.artifacts import Artifact, ArtifactNotFoundError, ArtifactStore, CorruptArtifactError
from s4chain.compiler.compile import CompileResult, compile_project
from s4chain.compiler.diagnostics import CompilerError, CompilerNotFoundError, Diagnostic
from s4chain.compiler.settings import DEFAULT_SETTINGS, EVM_VERSION, SOLC_VERSION, CompilerSettings

__all__ = [
    "DEFAULT_SETTINGS",
    "EVM_VERSION",
    "SOLC_VERSION",
    "Artifact",
    "ArtifactNotFoundError",
    "ArtifactStore",
    "CompileResult",
    "CompilerError",
    "CompilerNotFoundError",
    "CompilerSettings",
    "CorruptArtifactError",
    "Diagnostic",
    "compile_project",
]
