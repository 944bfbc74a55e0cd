"""The report's charts, drawn by matplotlib as inline SVG: gas per use case and per step for every scenario,
and one chart per kind of contract set where a picture says more than the timeline (the sale's raise against
its goal and cap, ...)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display here; this backend only writes files
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

BLUE, RED, GREY, GREEN = "#3b6fd4", "#b3261e", "#6b7280", "#19734a"
DAY = 86_400
EURO = Decimal(10) ** 6


def svg(figure: Figure) -> str:
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


def gas_per_use_case(scenarios: list[dict[str, Any]]) -> str:
    totals: dict[str, int] = defaultdict(int)
    for scenario in scenarios:
        totals[scenario["use_case"]] += scenario["summary"]["gas"]
    figure, axis = plt.subplots(figsize=(6, 2.6))
    names = sorted(totals)
    axis.barh(names, [totals[n] / 1e6 for n in names], color=BLUE)
    axis.set_xlabel("gas used (millions), deployments included")
    axis.set_title("Gas per use case")
    return svg(figure)


def gas_per_step(scenario: dict[str, Any]) -> str:
    steps = scenario["steps"]
    figure, axis = plt.subplots(figsize=(8, 2.4))
    colours = [RED if s["outcome"] != "ok" else BLUE for s in steps]
    axis.bar(range(1, len(steps) + 1), [s["gas_used"] / 1000 for s in steps], color=colours)
    axis.set_xlabel("step")
    axis.set_ylabel("gas (thousands)")
    axis.set_title("Gas per step (red: failed expectation)")
    return svg(figure)


def _days(scenario: dict[str, Any], timestamp: int) -> float:
    return (timestamp - scenario["steps"][0]["at"]) / DAY if scenario["steps"] else 0.0


def sale_raise(scenario: dict[str, Any], set_name: str) -> str | None:
    """The amount raised over time (purchases up, revocations down) against the goal and the hard cap."""
    sale = scenario["deployments"][set_name].get("TokenSale")
    state = scenario["final_states"].get(set_name, {})
    points = [(0.0, Decimal(0))]
    raised = Decimal(0)
    for step in scenario["steps"]:
        for event in step["events"]:
            if event["address"] != sale or event["name"] not in ("TokensPurchased", "PurchaseRevoked"):
                continue
            amount = Decimal(event["args"]["eurValue"]) / EURO
            raised += amount if event["name"] == "TokensPurchased" else -amount
            points.append((_days(scenario, step["at"]), raised))
    if len(points) == 1:
        return None
    figure, axis = plt.subplots(figsize=(8, 3))
    axis.step([p[0] for p in points], [float(p[1]) for p in points], where="post", color=BLUE, label="raised")
    for key, colour, label in (("goal", GREEN, "goal (soft cap)"), ("hard_cap", RED, "hard cap")):
        if key in state:
            axis.axhline(float(state[key]), color=colour, linestyle="--", label=label)
    axis.set_xlabel("days since the scenario's start")
    axis.set_ylabel("EUR")
    axis.set_title("The sale's raise over time")
    axis.legend(loc="upper left")
    return svg(figure)


SET_CHARTS: dict[str, list[Callable[[dict[str, Any], str], str | None]]] = {
    "ico": [sale_raise],
}


def set_charts(scenario: dict[str, Any]) -> list[str]:
    """The charts of every contract set of a scenario, by the set's driver."""
    drawn = []
    for set_name, driver in scenario.get("drivers", {}).items():
        for chart in SET_CHARTS.get(driver, []):
            picture = chart(scenario, set_name)
            if picture:
                drawn.append(picture)
    return drawn
