"""docs/threat-model.md: every family has its section, and every test it names as the proof of a rule exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "threat-model.md"
REFERENCE = re.compile(r"((?:tests/)?[\w/]*test_\w+\.py)::(\w+)")


def _test_file(name: str) -> Path | None:
    if "/" in name:
        path = REPO / name
        return path if path.is_file() else None
    matches = list((REPO / "tests").rglob(name))
    return matches[0] if len(matches) == 1 else None


def test_every_family_has_a_section():
    headings = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("## UC")]
    assert [h.split(":")[0] for h in headings] == ["## UC1", "## UC2", "## UC3", "## UC4", "## UC5", "## UC6"]


def test_every_named_test_exists():
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) > 100  # the six families name their proofs
    missing = []
    for file_name, test_name in sorted(set(references)):
        path = _test_file(file_name)
        defined = path is not None and re.search(
            rf"^\s*(?:def|class) {test_name}\b", path.read_text(encoding="utf-8"), re.MULTILINE
        )
        if not defined:
            missing.append(f"{file_name}::{test_name}")
    assert not missing, f"docs/threat-model.md names tests that do not exist: {missing}"
