"""Writing a replay's report files atomically, as a pair: `<name>.html` and `<name>.json` side by side."""

from __future__ import annotations

import json
from pathlib import Path

from s4chain.errors import S4ChainError
from s4chain.files import check_writable, write_all_atomic
from s4chain.reports.data import report_data
from s4chain.reports.html import render_html
from s4chain.scenarios.engine import ScenarioRun


class ReportPathError(S4ChainError):
    """The report cannot be written where it was asked for."""


def report_paths(html_path: Path) -> tuple[Path, Path]:
    """The HTML report and its JSON twin beside it (same name, `.json`)."""
    if html_path.suffix.lower() == ".json":
        raise ReportPathError(
            f"--report {html_path}: give the HTML report's name, e.g. {html_path.with_suffix('.html')}; its JSON "
            f"data is written beside it as {html_path}"
        )
    return html_path, html_path.with_suffix(".json")


def _unwritable(html_path: Path, exc: OSError) -> ReportPathError:
    where = f" ({exc.filename})" if exc.filename not in (None, str(html_path)) else ""
    return ReportPathError(f"cannot write the report at {html_path}: {exc.strerror or exc}{where}")


def check_report_path(html_path: Path) -> None:
    """Raise ReportPathError now, before a replay, if its report could not be written where asked."""
    try:
        for path in report_paths(html_path):
            check_writable(path)
    except OSError as exc:
        raise _unwritable(html_path, exc) from None


def write_report(runs: list[ScenarioRun], html_path: Path, studies: list[dict[str, str]] | None = None) -> Path:
    """Write the HTML report and its JSON twin; returns the JSON path. `studies`: links to study pages
    (`{"title": ..., "href": ...}`), listed in the report's Studies section."""
    html_path, json_path = report_paths(html_path)
    data = report_data(runs, studies)
    page = render_html(data)
    text = json.dumps(data, indent=2, default=str) + "\n"
    try:
        write_all_atomic({json_path: text, html_path: page})  # both, or (on an error) neither changes
    except OSError as exc:
        raise _unwritable(html_path, exc) from None
    return json_path
