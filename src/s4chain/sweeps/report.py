"""A sweep's report page: each outcome against each swept parameter (the mean across seeds and the other
parameters, with a band from the lowest to the highest seed's mean), a heatmap for the first two, and the runs
whose expectations failed, each with the one command that replays it alone."""

from __future__ import annotations

import html
import shlex
import statistics
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from s4chain.files import write_atomic
from s4chain.reports.charts import plt, svg  # its pyplot, with the file-only backend chosen

MAX_FAILED_SHOWN = 200


def replay_command(path: str, row: dict[str, Any], parameters: Sequence[str]) -> str:
    """The command that replays one row alone (its parameters and seed)."""
    options = " ".join(f"--param {shlex.quote(f'{name}={row[name]}')}" for name in parameters if name in row)
    return f"s4chain replay {shlex.quote(path)} {options} --seed {row['seed']}".replace("  ", " ")


def _numeric(values: list[Any]) -> list[float] | None:
    if not values or any(v is None or not isinstance(v, int | float | bool) for v in values):
        return None
    return [float(v) for v in values]


def line_chart(rows: list[dict[str, Any]], parameter: str, outcome: str) -> str | None:
    """The outcome's mean per value of the parameter (over seeds and the other parameters), with a band from the
    lowest to the highest seed's mean: how far one seed's story strays from the average."""
    per_seed: dict[float, dict[Any, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        x, y = row.get(parameter), row.get(outcome)
        if isinstance(x, int | float) and isinstance(y, int | float):
            per_seed[float(x)][row.get("seed")].append(float(y))
    if len(per_seed) < 2:
        return None
    xs = sorted(per_seed)
    figure, axes = plt.subplots(figsize=(5.2, 3.2))
    if len(xs) > 25:  # sampled, not gridded: every run is a point
        points = [(x, y) for x in xs for values in per_seed[x].values() for y in values]
        axes.scatter([x for x, _ in points], [y for _, y in points], s=8, alpha=0.6)
    else:
        seed_means = {x: [statistics.fmean(values) for values in per_seed[x].values()] for x in xs}
        means = [statistics.fmean(seed_means[x]) for x in xs]
        lows, highs = [min(seed_means[x]) for x in xs], [max(seed_means[x]) for x in xs]
        axes.fill_between(xs, lows, highs, alpha=0.25, label="range across seeds")
        axes.plot(xs, means, marker="o", label="mean")
        axes.legend(fontsize=8)
    axes.set_xlabel(parameter)
    axes.set_ylabel(outcome)
    axes.set_title(f"{outcome} vs {parameter}", fontsize=10)
    axes.grid(alpha=0.3)
    return svg(figure)


def heatmap(rows: list[dict[str, Any]], first: str, second: str, outcome: str) -> str | None:
    """The outcome's mean for each pair of values of two gridded parameters."""
    cells: dict[tuple[float, float], list[float]] = defaultdict(list)
    for row in rows:
        x, y, z = row.get(first), row.get(second), row.get(outcome)
        if all(isinstance(v, int | float) for v in (x, y, z)):
            cells[(float(x), float(y))].append(float(z))  # type: ignore[arg-type]
    xs, ys = sorted({x for x, _ in cells}), sorted({y for _, y in cells})
    if len(xs) < 2 or len(ys) < 2 or len(xs) * len(ys) > 2_500:
        return None
    grid = [[statistics.fmean(cells[(x, y)]) if (x, y) in cells else float("nan") for x in xs] for y in ys]
    figure, axes = plt.subplots(figsize=(5.2, 3.6))
    image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    axes.set_xticks(range(len(xs)), [f"{x:g}" for x in xs], fontsize=7, rotation=45)
    axes.set_yticks(range(len(ys)), [f"{y:g}" for y in ys], fontsize=7)
    axes.set_xlabel(first)
    axes.set_ylabel(second)
    axes.set_title(f"mean {outcome}", fontsize=10)
    figure.colorbar(image, ax=axes)
    return svg(figure)


def write_sweep_report(
    path: Path,
    *,
    title: str,
    scenario_file: str,
    rows: list[dict[str, Any]],
    swept: Sequence[str],
    parameters: Sequence[str],
    outcomes: Sequence[str],
    results_file: Path,
) -> None:
    """The report page at `path` (self-contained HTML, charts as inline SVG)."""
    passed = sum(1 for row in rows if row.get("passed"))
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(rows)} runs of <code>{html.escape(scenario_file)}</code>, {passed} with every expectation held. "
        f"Results: <code>{html.escape(str(results_file))}</code> (Parquet, one row per run).</p>",
    ]
    charted = [name for name in outcomes if _numeric([row.get(name) for row in rows])]
    for outcome in charted:
        charts = [line_chart(rows, parameter, outcome) for parameter in swept]
        if len(swept) >= 2:
            charts.append(heatmap(rows, swept[0], swept[1], outcome))
        drawn = [chart for chart in charts if chart]
        if drawn:
            parts.append(f"<h2>{html.escape(outcome)}</h2><div class='charts'>{''.join(drawn)}</div>")
    failed = [row for row in rows if not row.get("passed")]
    parts.append(f"<h2>Runs whose expectations failed ({len(failed)})</h2>")
    if failed:
        parts.append("<table><tr><th>run</th><th>what failed</th><th>replay it alone</th></tr>")
        for row in failed[:MAX_FAILED_SHOWN]:
            problem = row.get("error") or row.get("first_failure") or ""
            command = replay_command(scenario_file, row, parameters)
            parts.append(
                f"<tr><td>{html.escape(str(row['run_id']))}</td><td>{html.escape(str(problem))}</td>"
                f"<td><code>{html.escape(command)}</code></td></tr>"
            )
        parts.append("</table>")
        if len(failed) > MAX_FAILED_SHOWN:
            parts.append(f"<p>... and {len(failed) - MAX_FAILED_SHOWN} more (see the results file).</p>")
    else:
        parts.append("<p>None.</p>")
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1200px}.charts{display:flex;flex-wrap:wrap;gap:1em}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px;text-align:left}"
        ".charts svg{max-width:560px;height:auto}"
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, page)


STUDIES_DIR = Path("studies")  # a project's studies: <name>/scenario.yaml and README.md
STUDIES_REPORTS = Path("reports") / "studies"  # `make study`'s pages: <name>/report.html, and index.html


def study_pages(root: Path) -> list[tuple[str, Path]]:
    """(title, report page) of each study of the project at `root` swept so far: the list the demo report links
    to (a study's title is its README's first heading)."""
    pages = []
    for readme in sorted((root / STUDIES_DIR).glob("*/README.md")):
        page = root / STUDIES_REPORTS / readme.parent.name / "report.html"
        if page.is_file():
            pages.append((readme.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip(), page))
    return pages


def write_study_index(path: Path, studies: Sequence[tuple[str, Path]]) -> None:
    """The list of study pages (title, report page), linked from `path`: what the demo report links to."""
    items = "".join(
        f"<li><a href='{html.escape(str(page.relative_to(path.parent)))}'>{html.escape(title)}</a></li>"
        for title, page in studies
    )
    write_atomic(
        path,
        "<!doctype html><html><head><meta charset='utf-8'><title>Studies</title></head>"
        f"<body><h1>Studies: the S4 hypotheses swept</h1><ul>{items}</ul></body></html>",
    )
