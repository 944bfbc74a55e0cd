"""One self-contained HTML page per replay: no script, font or picture is fetched from anywhere; the charts
are SVG drawn by matplotlib and written inline."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any

from s4chain.reports.charts import gas_per_step, gas_per_use_case, set_charts

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433;max-width:1200px}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:2px solid #dfe3ea;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:1rem 0}
th,td{border:1px solid #dfe3ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9}.ok{color:#19734a;font-weight:600}.failed{color:#b3261e;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}.ev{font-family:monospace;font-size:.75rem;color:#445}
.chart svg{max-width:100%;height:auto}
.ev{overflow-wrap:anywhere;max-width:34rem}.who{color:#3b6fd4}
"""


def _named(value: Any, names: dict[str, str]) -> str:
    """An address as the actor or contract it is in the scenario; anything else as it is."""
    if isinstance(value, str) and value in names:
        return f"<span class=who title={value}>{html.escape(names[value])}</span>"
    return html.escape(str(value))


def _events(step: dict[str, Any], names: dict[str, str]) -> str:
    parts = []
    for event in step["events"]:
        args = ", ".join(f"{html.escape(k)}={_named(v, names)}" for k, v in event["args"].items())
        parts.append(f"{_named(event['address'], names)}.{html.escape(event['name'])}({args})")
    return "<br>".join(parts)


def _value(step: dict[str, Any]) -> str:
    """What a read step returned (a provenance, a statement), folded away."""
    if step["value"] is None:
        return ""
    shown = html.escape(json.dumps(step["value"], indent=1, default=str))
    return f"<details><summary>result</summary><pre>{shown}</pre></details>"


def _when(timestamp: int, start: int) -> str:
    try:
        moment = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):  # beyond the year 9999: the report is written all the same
        moment = f"unix time {timestamp}"
    elapsed = timestamp - start
    days, rest = divmod(elapsed, 86_400)
    return f"{moment}<br><small>+{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}</small>"


def _scenario_section(scenario: dict[str, Any]) -> str:
    summary = scenario["summary"]
    rows = []
    for number, step in enumerate(scenario["steps"], 1):
        outcome = step["outcome"]
        detail = html.escape(step["problem"] or (f"reverted as expected: {step['revert']}" if step["revert"] else ""))
        logged = "".join(f"<pre>{html.escape(text)}</pre>" for text in (step.get("console") or []))
        if step.get("trace"):  # a failed step's call traces (every step's with `replay --trace`)
            logged += f"<details><summary>call trace</summary><pre>{html.escape(step['trace'])}</pre></details>"
        rows.append(
            f"<tr><td class=num>{number}</td><td class=num>{step['line']}</td>"
            f"<td>{_when(step['at'], scenario['start'])}</td>"
            f"<td>{html.escape(step['actor'])}</td><td>{html.escape(step['action'])}"
            f"{'<br><i>' + html.escape(step['note']) + '</i>' if step['note'] else ''}</td>"
            f"<td class=num>{step['gas_used']:,}</td><td class={outcome}>{outcome}<br>{detail}{logged}</td>"
            f"<td class=ev>{_events(step, scenario['names'])}{_value(step)}</td></tr>"
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
{summary["seconds"]} s on the {html.escape(scenario["backend"])} chain (id {scenario["chain_id"]}).
{_shifted(scenario)}</p>
<ul>{deployed}</ul>
<div class=chart>{"".join(set_charts(scenario))}{gas_per_step(scenario)}</div>
<table><tr><th>#</th><th>line</th><th>time</th><th>actor</th><th>action</th><th>gas</th><th>outcome</th>
<th>events</th></tr>{"".join(rows)}</table>"""


def _shifted(scenario: dict[str, Any]) -> str:
    shift = int(scenario.get("time_shift", 0))
    if not shift:
        return ""
    return (
        f" <strong>Dates shifted</strong> {shift // 86_400:,} days {shift % 86_400:,} s forward from the file's "
        "(--shift-time): the times shown are the shifted ones."
    )


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
<div class=chart>{gas_per_use_case(scenarios) if scenarios else ""}</div>
{sections}
<script type="application/json" id="report-data">{embedded}</script>
</body></html>
"""
