"""The report's JSON and HTML land together: both are written to temporary files first and then renamed; when
any of it fails, neither file changes and no temporary file is left behind."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from s4chain.files import write_all_atomic
from s4chain.reports.writer import ReportPathError, write_report
from tests.reliability.test_exit_codes import _in_a_full_folder


def test_an_html_path_that_is_a_folder_leaves_no_json_behind(tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    html.mkdir()  # e.g. made after the replay's early check
    with pytest.raises(ReportPathError, match=f"cannot write the report at {html}: Is a directory"):
        write_report([], html)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no r.json, no temporary file


def test_a_failed_second_rename_puts_the_first_file_back(tmp_path: Path) -> None:
    first, second = tmp_path / "r.json", tmp_path / "r.html"
    write_all_atomic({first: "old json", second: "old html"})
    second.unlink()
    second.mkdir()  # its rename will fail, after the first one's
    with pytest.raises(IsADirectoryError) as raised:
        write_all_atomic({first: "new json", second: "new html"})
    assert raised.value.filename == str(second)
    assert first.read_text() == "old json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.json"]


def test_a_new_first_file_is_removed_when_the_pair_fails(tmp_path: Path) -> None:
    first, second = tmp_path / "r.json", tmp_path / "r.html"
    second.mkdir()
    with pytest.raises(IsADirectoryError):
        write_all_atomic({first: "new json", second: "new html"})
    assert not first.exists()


def test_a_disk_that_fills_up_mid_pair_changes_neither_file(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    # In a 16 KiB tmpfs: an old pair, then a new pair whose JSON fits and whose HTML does not.
    script = (
        "import sys; from pathlib import Path; from s4chain.files import write_all_atomic\n"
        "d = Path(sys.argv[1]); pair = lambda j, h: {d / 'r.json': j, d / 'r.html': h}\n"
        "write_all_atomic(pair('old json', 'old html'))\n"
        "try:\n"
        "    write_all_atomic(pair('new json', 'x' * 65536))\n"
        "except OSError as exc:\n"
        "    print(exc.filename, exc.strerror)\n"
        "print(sorted((p.name, p.read_text()) for p in d.iterdir()))\n"
    )
    result = _in_a_full_folder(full, [sys.executable, "-c", script, str(full)])
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        f"{full / 'r.html'} No space left on device",
        "[('r.html', 'old html'), ('r.json', 'old json')]",
    ]
