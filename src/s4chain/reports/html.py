"""One self-contained HTML page per replay: no script, font or picture is fetched from anywhere; the charts
are SVG drawn by matplotlib and written inline."""

from __future__ import annotations

import html
import io
import json
from collections import defaultdict
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here; this backend only writes files
import matplotlib.pyplot as plt

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433;max-width:1200px}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:2px solid #dfe3ea;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:1rem 0}
th,td{border:1px solid #dfe3ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9}.ok{color:#19734a;font-weight:600}.failed{color:#b3261e;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}.ev{font-family:monospace;font-size:.75rem;color:#445}
.chart svg{max-width:100%;height:auto}
"""


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    # No metadata: it would carry the drawing date, so two runs of the same replay would differ.
    figure.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        metadata={"Date": None, "Creator": None, "Type": None, "Format": None},
    )
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def gas_per_use_case_chart(scenarios: list[dict[str, Any]]) -> str:
    totals: dict[str, int] = defaultdict(int)
    for scenario in scenarios:
        totals[scenario["use_case"]] += scenario["summary"]["gas"]
    figure, axis = plt.subplots(figsize=(6, 2.6))
    names = sorted(totals)
    axis.barh(names, [totals[n] / 1e6 for n in names], color="#3b6fd4")
    axis.set_xlabel("gas used (millions), deployments included")
    axis.set_title("Gas per use case")
    return _svg(figure)


def gas_per_step_chart(scenario: dict[str, Any]) -> str:
    steps = scenario["steps"]
    figure, axis = plt.subplots(figsize=(8, 2.4))
    colours = ["#b3261e" if s["outcome"] != "ok" else "#3b6fd4" for s in steps]
    axis.bar(range(1, len(steps) + 1), [s["gas_used"] / 1000 for s in steps], color=colours)
    axis.set_xlabel("step")
    axis.set_ylabel("gas (thousands)")
    axis.set_title("Gas per step (red: failed expectation)")
    return _svg(figure)


def _events(step: dict[str, Any]) -> str:
    parts = []
    for event in step["events"]:
        args = ", ".join(f"{k}={v}" for k, v in event["args"].items())
        parts.append(f"{html.escape(event['name'])}({html.escape(args)})")
    return "<br>".join(parts)


def _scenario_section(scenario: dict[str, Any]) -> str:
    summary = scenario["summary"]
    rows = []
    for number, step in enumerate(scenario["steps"], 1):
        outcome = step["outcome"]
        detail = html.escape(step["problem"] or (f"reverted as expected: {step['revert']}" if step["revert"] else ""))
        rows.append(
            f"<tr><td class=num>{number}</td><td class=num>{step['line']}</td><td>{step['at']}</td>"
            f"<td>{html.escape(step['actor'])}</td><td>{html.escape(step['action'])}"
            f"{'<br><i>' + html.escape(step['note']) + '</i>' if step['note'] else ''}</td>"
            f"<td class=num>{step['gas_used']:,}</td><td class={outcome}>{outcome}<br>{detail}</td>"
            f"<td class=ev>{_events(step)}</td></tr>"
        )
    deployed = "".join(
        f"<li>{html.escape(name)}: "
        + ", ".join(f"{html.escape(k)} <code>{v}</code>" for k, v in addresses.items())
        + "</li>"
        for name, addresses in scenario["deployments"].items()
    )
    return f"""
<h2>{html.escape(scenario["name"])} <small>({html.escape(scenario["use_case"])})</small></h2>
<p>{html.escape(scenario["description"])}</p>
<p>{summary["steps"]} steps, {summary["transactions"]} transactions, {summary["gas"]:,} gas,
<span class="{"failed" if summary["failures"] else "ok"}">{summary["failures"]} failure(s)</span>,
{summary["seconds"]} s on the {html.escape(scenario["backend"])} chain (id {scenario["chain_id"]}).</p>
<ul>{deployed}</ul>
<div class=chart>{gas_per_step_chart(scenario)}</div>
<table><tr><th>#</th><th>line</th><th>time</th><th>actor</th><th>action</th><th>gas</th><th>outcome</th>
<th>events</th></tr>{"".join(rows)}</table>"""


def render_html(data: dict[str, Any]) -> str:
    scenarios = data["scenarios"]
    overview = "".join(
        f"<tr><td>{html.escape(s['name'])}</td><td>{s['use_case']}</td><td class=num>{s['summary']['steps']}</td>"
        f"<td class=num>{s['summary']['transactions']}</td><td class=num>{s['summary']['gas']:,}</td>"
        f"<td class=num>{s['summary']['failures']}</td><td class=num>{s['summary']['seconds']}</td></tr>"
        for s in scenarios
    )
    sections = "".join(_scenario_section(s) for s in scenarios)
    embedded = html.escape(json.dumps(data, default=str))
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><title>s4chain replay report</title><style>{STYLE}</style></head>
<body><h1>s4chain replay report</h1>
<table><tr><th>scenario</th><th>use case</th><th>steps</th><th>transactions</th><th>gas</th><th>failures</th>
<th>seconds</th></tr>{overview}</table>
<div class=chart>{gas_per_use_case_chart(scenarios) if scenarios else ""}</div>
{sections}
<script type="application/json" id="report-data">{embedded}</script>
</body></html>
"""
