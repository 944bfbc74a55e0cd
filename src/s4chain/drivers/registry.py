"""The use cases s4chain knows: each `UseCase` registered under the entry-point group `s4chain.use_cases`. The six
built-ins are declared in s4chain's own pyproject.toml; any installed package may add one the same way:

    [project.entry-points."s4chain.use_cases"]
    notary = "s4_notary:USE_CASE"

The entry point's name is the use case's name (a scenario set's `driver`)."""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from s4chain.drivers.usecase import Driver, UseCase
from s4chain.errors import S4ChainError

GROUP = "s4chain.use_cases"


class UnknownDriverError(S4ChainError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


class UseCaseLoadError(S4ChainError):
    """An entry point of the group that does not load, is not a `UseCase`, or clashes with another."""


def _describe(entry: EntryPoint) -> str:
    package = f" (package {entry.dist.name})" if entry.dist is not None else ""
    return f"entry point {entry.name} = {entry.value}{package} of group {GROUP}"


def _code_order(use_case: UseCase) -> list[str | int]:
    """UC2 before UC10: the digits of a code compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", use_case.code)]


@cache
def use_cases() -> dict[str, UseCase]:
    """Every registered use case by name, in the order of their codes (loaded once; `use_cases.cache_clear()`
    makes the next call look again)."""
    found: dict[str, tuple[UseCase, EntryPoint]] = {}
    by_code: dict[str, EntryPoint] = {}
    for entry in entry_points(group=GROUP):
        try:
            declared = entry.load()
        except Exception as exc:  # whatever a package's import raises, the message names the entry point
            raise UseCaseLoadError(f"{_describe(entry)} failed to load: {type(exc).__name__}: {exc}") from exc
        if not isinstance(declared, UseCase):
            raise UseCaseLoadError(f"{_describe(entry)} is a {type(declared).__name__}, not a UseCase")
        if declared.name != entry.name:
            message = f"{_describe(entry)} declares use case {declared.name!r}: name the entry point after it"
            raise UseCaseLoadError(message)
        if declared.name in found:
            other = _describe(found[declared.name][1])
            raise UseCaseLoadError(f"{_describe(entry)} declares use case {declared.name!r} again (after {other})")
        if declared.code in by_code:
            other = _describe(by_code[declared.code])
            raise UseCaseLoadError(f"{_describe(entry)} declares code {declared.code} again (after {other})")
        found[declared.name] = (declared, entry)
        by_code[declared.code] = entry
    if not found:
        raise UseCaseLoadError(
            f"no use case is registered under the entry-point group {GROUP}: s4chain's installation is out of date "
            "(run `make setup`, or `pip install -e .` in the repository)"
        )
    return {name: use_case for name, (use_case, _) in sorted(found.items(), key=lambda item: _code_order(item[1][0]))}


def known() -> str:
    """The registered use cases, for messages: `ico (UC1), tokens (UC2), ...`."""
    return ", ".join(f"{name} ({use_case.code})" for name, use_case in use_cases().items())


def use_case(name: str) -> UseCase:
    """The use case a scenario set's `driver` (or a deployment record's) names."""
    registered = use_cases()
    if name not in registered:
        raise UnknownDriverError(f"unknown driver {name!r} (known: {known()})")
    return registered[name]


def driver_class(name: str) -> type[Driver]:
    return use_case(name).driver


def main_contract(name: str) -> str:
    """The contract a set's bare `@name` refers to."""
    return use_case(name).main_contract
