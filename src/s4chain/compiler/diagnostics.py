"""Compiler messages in the `file:line:col: severity: message` form editors and CI logs understand."""

from __future__ import annotations

from dataclasses import dataclass

from s4chain.errors import S4ChainError


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


class CompilerError(S4ChainError):
    """The sources did not compile; `diagnostics` lists every error."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class CompilerNotFoundError(S4ChainError):
    """Neither a native solc nor solc-js from node_modules is available."""


def line_and_column(content: str, byte_offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset (solc counts bytes of UTF-8, not characters)."""
    prefix = content.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace")
    line = prefix.count("\n") + 1
    column = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return line, column
