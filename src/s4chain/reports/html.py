"""One self-contained HTML page per replay: no script, font or picture is fetched from anywhere; the charts
are SVG drawn by matplotlib and written inline.

The page reads from the top: what made it, a table of contents, the failures (or that there were none), then one
section per story whose first screen says what happened (its summary and its use case's chart); the long
tables (steps with their events and transactions, the final state, the contracts) are folded away."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from s4chain.reports.charts import gas_per_step, gas_per_use_case, story_charts
from s4chain.reports.labels import Labels, short

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2433;max-width:1200px}
h1{font-size:1.6rem;margin-bottom:.2rem}.meta{color:#6b7280;font-size:.85rem;margin-top:0}
h2{margin-top:2.5rem;border-bottom:2px solid #dfe3ea;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.6rem 0}
th,td{border:1px solid #dfe3ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9}.ok{color:#19734a;font-weight:600}.failed{color:#b3261e;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}.ev{font-family:monospace;font-size:.75rem;color:#445}
.chart svg{max-width:100%;height:auto;max-height:640px}.chart{display:flex;flex-wrap:wrap;gap:1rem}
.ev{overflow-wrap:anywhere;max-width:34rem}.who{color:#3b6fd4}.role{color:#7c3aed}.amt{color:#19734a}
table.state{width:auto;min-width:40%}
nav ol{columns:2;font-size:.95rem}details{margin:.4rem 0}summary{cursor:pointer;font-weight:600;color:#374151}
.story-summary{font-size:1.02rem}.failures li{margin:.3rem 0}code{font-size:.8rem}
pre.trace{background:#f8f8fa;border:1px solid #dfe3ea;padding:.5rem;overflow-x:auto;font-size:.75rem}
"""
SHOWN_FAILURES = 3  # failed steps listed open at the top of a story


def _anchor(index: int) -> str:
    return f"story-{index + 1}"


def _when(timestamp: int, start: int) -> str:
    try:
        moment = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):  # beyond the year 9999: the report is written all the same
        moment = f"unix time {timestamp}"
    elapsed = timestamp - start
    days, rest = divmod(elapsed, 86_400)
    return f"{moment}<br><small>+{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}</small>"


def _value(step: Mapping[str, Any]) -> str:
    """What a read step returned (a provenance, a statement), folded away."""
    if step["value"] is None:
        return ""
    shown = html.escape(json.dumps(step["value"], indent=1, default=str))
    return f"<details><summary>result</summary><pre>{shown}</pre></details>"


def _console(step: Mapping[str, Any]) -> str:
    """The console.log lines the step's contracts printed."""
    return "".join(f"<pre class=console>{html.escape(text)}</pre>" for text in step.get("console") or [])


def _deployment_console(scenario: Mapping[str, Any]) -> str:
    """The console.log lines the contracts printed while they were deployed (before the first step), folded away."""
    lines = scenario.get("deployment_console") or []
    if not lines:
        return ""
    return (
        f"<details class=deployment-console><summary>console.log during the deployment ({len(lines)})</summary>"
        f"{_console({'console': lines})}</details>"
    )


def _trace(step: Mapping[str, Any]) -> str:
    """A step's call trace (a failed step's, every step's with `replay --trace`), folded away."""
    trace = step.get("trace")
    if not trace:
        return ""
    return (
        f"<details class=trace><summary>call trace</summary><pre class=trace>{html.escape(str(trace))}</pre></details>"
    )


def _transactions(step: Mapping[str, Any]) -> str:
    return "<br>".join(f"<code title={h}>{html.escape(short(h))}</code>" for h in step["transactions"])


def _detail(step: Mapping[str, Any]) -> str:
    return html.escape(step["problem"] or (f"reverted as expected: {step['revert']}" if step["revert"] else ""))


def _step_rows(scenario: Mapping[str, Any], labels: Labels) -> str:
    rows = []
    for number, step in enumerate(scenario["steps"], 1):
        outcome = step["outcome"]
        events = "<br>".join(labels.event(e) for e in step["events"])
        note = f"<br><i>{html.escape(step['note'])}</i>" if step["note"] else ""
        rows.append(
            f"<tr id={_anchor(scenario['_index'])}-step-{number}><td class=num>{number}</td>"
            f"<td class=num>{step['line']}</td><td>{_when(step['at'], scenario['start'])}</td>"
            f"<td>{html.escape(step['actor'])}</td><td>{html.escape(step['action'])}{note}</td>"
            f"<td class=num>{step['gas_used']:,}</td>"
            f"<td class={outcome}>{outcome}<br>{_detail(step)}{_console(step)}{_trace(step)}</td>"
            f"<td class=ev>{events}{_value(step)}</td><td>{_transactions(step)}</td></tr>"
        )
    return "".join(rows)


def _final_state(scenario: Mapping[str, Any], labels: Labels) -> str:
    """Each set's state at the end (the driver's `state()`, in its domain units), one row per field: amounts with
    their units, times as dates (`Labels.state`)."""
    return "".join(
        f"<h4>{html.escape(set_name)}</h4>{labels.state(set_name, state)}"
        for set_name, state in scenario["final_states"].items()
    )


def _contracts(scenario: Mapping[str, Any]) -> str:
    return "".join(
        f"<li>{html.escape(name)} ({html.escape(scenario['drivers'].get(name, ''))}): "
        + ", ".join(f"{html.escape(k)} <code>{v}</code>" for k, v in addresses.items())
        + "</li>"
        for name, addresses in scenario["deployments"].items()
    )


def _status(summary: Mapping[str, Any]) -> str:
    failures = summary["failures"]
    return f"<span class=failed>{failures} failed</span>" if failures else "<span class=ok>passed</span>"


def _failed_steps(scenario: Mapping[str, Any], traces: bool = True) -> list[str]:
    """Each failed step linked to its row, with its call trace (folded) unless `traces` is false."""
    anchor = _anchor(scenario["_index"])
    return [
        f"<li><a href=#{anchor}-step-{number}>step {number}</a> (line {step['line']}, {html.escape(step['actor'])}: "
        f"<code>{html.escape(step['action'])}</code>): {_detail(step)}{_trace(step) if traces else ''}</li>"
        for number, step in enumerate(scenario["steps"], 1)
        if step["outcome"] != "ok"
    ]


def _story(scenario: dict[str, Any]) -> str:
    summary = scenario["summary"]
    labels = Labels.of(scenario)
    failed = _failed_steps(scenario)
    # The first few failures open, the rest folded: the story's chart stays on its first screen.
    more = (
        f"<details><summary>{len(failed) - SHOWN_FAILURES} more</summary><ol class=failures "
        f"start={SHOWN_FAILURES + 1}>{''.join(failed[SHOWN_FAILURES:])}</ol></details>"
        if len(failed) > SHOWN_FAILURES
        else ""
    )
    failures = (
        f"<details open><summary class=failed>Failed steps ({len(failed)})</summary><ol class=failures>"
        f"{''.join(failed[:SHOWN_FAILURES])}</ol>{more}</details>"
        if failed
        else ""
    )
    transactions = sum(len(s["transactions"]) for s in scenario["steps"])
    return f"""
<section class=story id={_anchor(scenario["_index"])}>
<h2>{html.escape(scenario["name"])} <small>({html.escape(scenario["use_case"])})</small> {_status(summary)}</h2>
<p class=story-summary>{html.escape(scenario["description"])}</p>
<p class=facts>{summary["steps"]} steps, {summary["transactions"]} transactions, {summary["gas"]:,} gas,
<span class="{"failed" if summary["failures"] else "ok"}">{summary["failures"]} failure(s)</span>,
{summary["seconds"]} s on the {html.escape(scenario["backend"])} chain (id {scenario["chain_id"]}).
{_shifted(scenario)}</p>
{failures}
<div class=chart>{"".join(story_charts(scenario))}</div>
<details class=steps><summary>Steps ({len(scenario["steps"])}): time, actor, action, gas, outcome, events and
{transactions} transaction hash(es)</summary>
<table><tr><th>#</th><th>line</th><th>time</th><th>actor</th><th>action</th><th>gas</th><th>outcome</th>
<th>events</th><th>transactions</th></tr>{_step_rows(scenario, labels)}</table></details>
{_deployment_console(scenario)}
<details class=final-state><summary>Final state</summary>{_final_state(scenario, labels) or "<p>none recorded</p>"}
</details>
<details><summary>Gas per step</summary><div class=chart>{gas_per_step(scenario)}</div></details>
<details><summary>Contracts</summary><ul>{_contracts(scenario)}</ul></details>
</section>"""


def _shifted(scenario: Mapping[str, Any]) -> str:
    shift = int(scenario.get("time_shift", 0))
    if not shift:
        return ""
    return (
        f" <strong>Dates shifted</strong> {shift // 86_400:,} days {shift % 86_400:,} s forward from the file's "
        "(--shift-time): the times shown are the shifted ones."
    )


def _header(meta: Mapping[str, Any]) -> str:
    if not meta:
        return ""
    compilers = ", ".join(f"solc {v}" for v in meta.get("compilers", [])) or "no compiler recorded"
    commit = meta.get("commit")
    modified = " (with uncommitted changes)" if commit and commit.endswith("+") else ""
    shown = f"commit <code title={commit}>{html.escape(commit[:12])}</code>{modified}" if commit else "no git commit"
    return (
        f"<p class=meta>s4chain {html.escape(str(meta.get('s4chain')))} · {shown} · {html.escape(compilers)} · "
        f"generated {html.escape(str(meta.get('generated')))}</p>"
    )


def _contents(scenarios: list[dict[str, Any]], studies: list[Mapping[str, str]]) -> str:
    stories = "".join(
        f"<li><a href=#{_anchor(s['_index'])}>{html.escape(s['name'])}</a> ({html.escape(s['use_case'])}) "
        f"{_status(s['summary'])}</li>"
        for s in scenarios
    )
    studies_entry = "<li><a href=#studies>Studies</a></li>" if studies else ""
    return (
        "<nav id=contents><h2>Contents</h2><ol><li><a href=#summary>Summary and failures</a></li>"
        f"{stories}{studies_entry}</ol></nav>"
    )


def _summary(scenarios: list[dict[str, Any]]) -> str:
    """Failures first: every failed step of every story, linked to its row; else that everything passed."""
    failed = [
        f"<li><a href=#{_anchor(s['_index'])}>{html.escape(s['name'])}</a>"
        f"<ol>{''.join(_failed_steps(s, traces=False))}</ol></li>"
        for s in scenarios
        if s["summary"]["failures"]
    ]
    steps = sum(s["summary"]["steps"] for s in scenarios)
    headline = (
        f"<p class=failed>{sum(s['summary']['failures'] for s in scenarios)} failed step(s) in {len(failed)} of "
        f"{len(scenarios)} scenario(s):</p><ul class=failures>{''.join(failed)}</ul>"
        if failed
        else f"<p class=ok>All {len(scenarios)} scenario(s) passed: {steps} steps, every expectation met.</p>"
    )
    overview = "".join(
        f"<tr><td><a href=#{_anchor(s['_index'])}>{html.escape(s['name'])}</a></td>"
        f"<td>{html.escape(s['use_case'])}</td><td>{_status(s['summary'])}</td>"
        f"<td class=num>{s['summary']['steps']}</td><td class=num>{s['summary']['transactions']}</td>"
        f"<td class=num>{s['summary']['gas']:,}</td><td class=num>{s['summary']['seconds']}</td></tr>"
        for s in scenarios
    )
    return f"""<section id=summary><h2>Summary and failures</h2>{headline}
<table><tr><th>scenario</th><th>use case</th><th>outcome</th><th>steps</th><th>transactions</th><th>gas</th>
<th>seconds</th></tr>{overview}</table>
<details><summary>Gas per use case</summary><div class=chart>{gas_per_use_case(scenarios) if scenarios else ""}
</div></details></section>"""


def _studies(studies: list[Mapping[str, str]]) -> str:
    if not studies:
        return ""
    links = "".join(
        f'<li><a href="{html.escape(s["href"], quote=True)}">{html.escape(s.get("title") or s["href"])}</a></li>'
        for s in studies
    )
    return f"<section id=studies><h2>Studies</h2><ul>{links}</ul></section>"


def render_html(data: dict[str, Any]) -> str:
    # Failing stories first: what needs a look comes before what went as planned.
    scenarios = sorted(
        ({**s, "_index": i} for i, s in enumerate(data["scenarios"])), key=lambda s: not s["summary"]["failures"]
    )
    studies = data.get("studies") or []
    embedded = html.escape(json.dumps(data, default=str))
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><meta name=viewport content="width=device-width">
<title>s4chain replay report</title><style>{STYLE}</style></head>
<body><header><h1>s4chain replay report</h1>{_header(data.get("meta", {}))}</header>
{_contents(scenarios, studies)}
{_summary(scenarios)}
{"".join(_story(s) for s in scenarios)}
{_studies(studies)}
<script type="application/json" id="report-data">{embedded}</script>
</body></html>
"""
