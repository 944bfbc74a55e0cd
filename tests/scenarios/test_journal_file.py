"""The replay journal's file: one line per event, a line torn by a crash dropped on read (and cut before the
next line is appended), any other damage refused naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s4chain.chain.base import Chain
from s4chain.scenarios.engine import StepRecord
from s4chain.scenarios.journal import JournalError, JournalWriter, read_journal

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "01-sme-token-sale-succeeds.yaml"


def _journal(path: Path, chain: Chain) -> JournalWriter:
    """A journal whose file holds a header, a start, one confirmed step and a step under way (4 lines)."""
    journal = JournalWriter.fresh(path, chain)
    journal.start(SCENARIO, chain.snapshot(), chain)
    journal.step(SCENARIO, StepRecord(0, 7, 100, "platform", "sale.verify_investor", None), {"s": [{"a": 1}]}, chain)
    journal.starting(SCENARIO, chain)
    journal.close()
    return journal


def test_a_torn_last_line_is_dropped_and_cut_before_the_next(chain: Chain, tmp_path: Path) -> None:
    path = tmp_path / "run.journal.jsonl"
    _journal(path, chain)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"event":"step","file":"scen')  # a crash in the middle of a write
    entry = read_journal(path)[str(SCENARIO)]
    assert len(entry.steps) == 1 and entry.in_flight is not None
    assert entry.driver_state == {"s": [{"a": 1}]}

    resumed = JournalWriter.resume(path, chain)
    resumed.step(SCENARIO, StepRecord(1, 9, 101, "platform", "sale.fund_investor", None), {}, chain)
    resumed.close()
    lines = path.read_bytes().split(b"\n")
    assert path.read_bytes().startswith(whole) and len(lines) == 6 and lines[-1] == b""
    entry = read_journal(path)[str(SCENARIO)]
    assert [step.action for step in entry.steps] == ["sale.verify_investor", "sale.fund_investor"]
    assert entry.in_flight is None


@pytest.mark.parametrize(
    ("line", "damage"),
    [
        (3, lambda obj: {**obj, "record": {**obj["record"], "blocks": "many"}}),
        (3, lambda obj: {**obj, "head": [1]}),
        (2, lambda obj: {**obj, "sha256": None}),
        (3, lambda obj: {**obj, "file": "elsewhere.yaml"}),
        (4, lambda obj: {**obj, "event": "teleported"}),
        (1, lambda obj: {**obj, "format": 1}),
    ],
    ids=["record-field", "head", "sha256", "unknown-file", "unknown-event", "old-format"],
)
def test_valid_json_with_wrong_content_is_refused_naming_file_and_line(
    chain: Chain, tmp_path: Path, line: int, damage
) -> None:
    path = tmp_path / "run.journal.jsonl"
    _journal(path, chain)
    lines = path.read_text().splitlines()
    lines[line - 1] = json.dumps(damage(json.loads(lines[line - 1])))
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(JournalError, match=f"^{path}:{line}: "):
        read_journal(path)


def test_a_journal_of_the_old_format_or_empty_is_refused(chain: Chain, tmp_path: Path) -> None:
    path = tmp_path / "run.journal.jsonl"
    path.write_text(json.dumps({"format": 1, "chain_id": 31337, "genesis": "0x", "entries": {}}, indent=2) + "\n")
    with pytest.raises(JournalError, match=f"^{path}:1: not a replay journal of format 3"):
        read_journal(path)
    path.write_text("")
    with pytest.raises(JournalError, match="empty or torn"):
        read_journal(path)
