"""The notary's chart in the replay report: documents notarised over time, by author."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import matplotlib.pyplot as plt

from s4chain.reports.charts import DAY, svg


def documents_over_time(scenario: dict[str, Any], set_name: str) -> str | None:
    """One step line per author: how many documents they had notarised by each day of the scenario."""
    notary = scenario["deployments"][set_name]["Notary"]
    series: dict[str, list[tuple[float, int]]] = defaultdict(lambda: [(0.0, 0)])
    for step in scenario["steps"]:
        for event in step["events"]:
            if event["address"] == notary and event["name"] == "Notarised":
                author = scenario["names"].get(event["args"]["author"], event["args"]["author"])
                points = series[author]
                points.append(((step["at"] - scenario["start"]) / DAY, points[-1][1] + 1))
    if not series:
        return None
    figure, axis = plt.subplots(figsize=(8, 2.6))
    for author, points in sorted(series.items()):
        axis.step([p[0] for p in points], [p[1] for p in points], where="post", label=author)
    axis.set_xlabel("days since the scenario's start")
    axis.set_ylabel("documents")
    axis.set_title("Documents notarised over time")
    axis.legend(loc="upper left")
    return svg(figure)
