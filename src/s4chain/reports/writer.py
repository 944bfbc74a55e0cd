"""Writing a replay's report files atomically: `<name>.html` and `<name>.json` side by side."""

from __future__ import annotations

import json
from pathlib import Path

from s4chain.files import write_atomic
from s4chain.reports.data import report_data
from s4chain.reports.html import render_html
from s4chain.scenarios.engine import ScenarioRun


def write_report(runs: list[ScenarioRun], html_path: Path) -> Path:
    """Write the HTML report and its JSON twin; returns the JSON path."""
    data = report_data(runs)
    json_path = html_path.with_suffix(".json")
    # Both are rendered before either is written, so a failure leaves no half-written pair.
    page = render_html(data)
    text = json.dumps(data, indent=2, default=str) + "\n"
    write_atomic(json_path, text)
    write_atomic(html_path, page)
    return json_path
