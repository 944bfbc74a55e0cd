"""The report's charts, drawn by matplotlib as inline SVG: gas per use case and per step for every scenario,
and for each contract set the charts its use case declares (`UseCase.charts`) where a picture says more than the
timeline (the sale's raise against its goal and cap, ...)."""

from __future__ import annotations

import importlib
import io
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")  # no display here; this backend only writes files
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from s4chain.drivers.registry import use_cases
from s4chain.errors import S4ChainError
from s4chain.reports.labels import Labels, amount, decimal_of

BLUE, RED, GREY, GREEN = "#3b6fd4", "#b3261e", "#6b7280", "#19734a"
DAY = 86_400


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
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xlabel("step")
    axis.set_ylabel("gas (thousands)")
    axis.set_title("Gas per step (red: failed expectation)")
    return svg(figure)


def _days(scenario: dict[str, Any], timestamp: int) -> float:
    """Days since the scenario's start, the same origin as the report's timeline (+Nd)."""
    return (timestamp - scenario["start"]) / DAY


def sale_raise(scenario: dict[str, Any], set_name: str) -> str | None:
    """The amount raised over time (purchases up, revocations down) against the goal and the hard cap."""
    sale = scenario["deployments"][set_name].get("TokenSale")
    state = scenario["final_states"].get(set_name, {})
    labels = Labels.of(scenario)
    points = [(0.0, Decimal(0))]
    raised = Decimal(0)
    for step in scenario["steps"]:
        for event in step["events"]:
            if event["address"] != sale or event["name"] not in ("TokensPurchased", "PurchaseRevoked"):
                continue
            amount = decimal_of(int(event["args"]["eurValue"]), labels.unit_of(event, "eurValue"))
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
    axis.set_ylabel(_unit_name(labels, set_name, "EuroStablecoin"))
    axis.set_title("The sale's raise over time")
    axis.legend(loc="upper left")
    return svg(figure)


MODES = ("road", "rail", "inland waterway", "sea", "air")
MODE_COLOURS = {"road": "#d97706", "rail": GREEN, "inland waterway": "#0891b2", "sea": BLUE, "air": RED}


def _set_events(scenario: dict[str, Any], address: str | None) -> list[tuple[int, dict[str, Any]]]:
    return [(step["at"], e) for step in scenario["steps"] for e in step["events"] if e["address"] == address]


def provenance_graph(scenario: dict[str, Any], set_name: str) -> str | None:
    """Every lot and pallet of the supply chain as a lineage graph (commissioned lots on the left, what was made
    or packed from them to the right), each transport leg's CO2 written under the lot it moved."""
    events = _set_events(scenario, scenario["deployments"][set_name].get("SupplyChain"))
    parents: dict[int, list[int]] = {}
    legs: dict[int, list[str]] = defaultdict(list)
    fates: dict[int, list[str]] = defaultdict(list)
    pallets: set[int] = set()
    for _, event in events:
        args = event["args"]
        if event["name"] == "LotCreated":
            parents.setdefault(int(args["lotId"]), [])
        elif event["name"] == "LotsTransformed":
            first = int(args["firstOutput"])
            for output in range(first, first + int(args["outputCount"])):
                parents[output] = [int(i) for i in args["inputs"]]
        elif event["name"] == "LotsAggregated":
            parents[int(args["palletId"])] = [int(i) for i in args["lotIds"]]
            pallets.add(int(args["palletId"]))
        elif event["name"] == "LegRecorded":
            mode = MODES[int(args["mode"])]
            kilos = Decimal(args["co2Mg"]) / 1_000_000
            legs[int(args["lotId"])].append(f"{mode} {args['distanceKm']} km: {kilos:.2f} kg CO2")
        elif event["name"] == "LotRecalled":
            fates[int(args["lotId"])].append("recalled")
        elif event["name"] == "DispositionChanged" and "non-conformant" not in fates[int(args["lotId"])]:
            fates[int(args["lotId"])].append("non-conformant")
        elif event["name"] == "LotDestroyed":
            fates[int(args["lotId"])].append("destroyed")
    if not parents:
        return None
    depth: dict[int, int] = {}
    for lot in sorted(parents):
        depth[lot] = 1 + max((depth.get(p, 0) for p in parents[lot]), default=-1)
    columns: dict[int, list[int]] = defaultdict(list)
    for lot in sorted(parents):
        columns[depth[lot]].append(lot)
    position = {lot: (d * 3.2, -row * 1.6) for d, lots in columns.items() for row, lot in enumerate(lots)}
    colours = {"recalled": RED, "non-conformant": "#d97706", "destroyed": GREY}  # the first fate that applies
    height = max(len(lots) for lots in columns.values())
    figure, axis = plt.subplots(figsize=(2.8 + 2.6 * len(columns), 1.2 + 1.25 * height))
    for lot, sources in parents.items():
        for source in sources:
            (x1, y1), (x2, y2) = position[source], position[lot]
            axis.annotate(
                "", xy=(x2 - 0.95, y2), xytext=(x1 + 0.95, y1), arrowprops={"arrowstyle": "->", "color": GREY}
            )
    for lot, (x, y) in position.items():
        colour = next((colours[f] for f in colours if f in fates[lot]), BLUE)
        label = f"{'pallet' if lot in pallets else 'lot'} {lot}" + "".join(f"\n{f}" for f in fates[lot])
        axis.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=8,
            color="white",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": colour, "edgecolor": colour},
        )
        for index, leg in enumerate(legs.get(lot, [])):
            axis.text(x, y - 0.45 - 0.28 * index, leg, ha="center", va="top", fontsize=6.5, color="#374151")
    axis.set_xlim(-1.6, 3.2 * (len(columns) - 1) + 1.6)
    axis.set_ylim(-1.6 * height + 0.2, 0.9)
    axis.axis("off")
    axis.set_title("Provenance: lots, what was made or packed from them, and each leg's CO2")
    return svg(figure)


def co2_per_leg(scenario: dict[str, Any], set_name: str) -> str | None:
    """Each transport leg's CO2 (intensity x distance x mass), coloured by mode."""
    events = _set_events(scenario, scenario["deployments"][set_name].get("SupplyChain"))
    legs = [e["args"] for _, e in events if e["name"] == "LegRecorded"]
    if not legs:
        return None
    figure, axis = plt.subplots(figsize=(8, 0.8 + 0.35 * len(legs)))
    labels = [f"lot {a['lotId']}: {MODES[int(a['mode'])]} {a['distanceKm']} km, {a['massKg']} kg" for a in legs]
    values = [float(Decimal(a["co2Mg"]) / 1_000_000) for a in legs]
    axis.barh(labels, values, color=[MODE_COLOURS[MODES[int(a["mode"])]] for a in legs])
    axis.invert_yaxis()
    axis.set_xlabel("kg CO2e (ISO 14083 / GLEC: g per tonne-km x km x tonnes)")
    axis.set_title("CO2 per transport leg")
    return svg(figure)


def lease_statement(scenario: dict[str, Any], set_name: str) -> str | None:
    """Each lease's account over time: billed, paid (the deposit's share at settlement included) and
    outstanding, with suspensions shaded and fault tickets marked."""
    events = _set_events(scenario, scenario["deployments"][set_name].get("MachineLease"))
    labels = Labels.of(scenario)
    leases = sorted({int(e["args"]["leaseId"]) for _, e in events if e["name"] == "Billed"})
    if not leases:
        return None
    figure, axes = plt.subplots(len(leases), 1, figsize=(8, 3 * len(leases)), squeeze=False)
    for axis, lease in zip(axes[:, 0], leases, strict=True):
        billed = paid = outstanding = Decimal(0)
        series: dict[str, list[tuple[float, float]]] = {
            "billed": [(0.0, 0.0)],
            "paid": [(0.0, 0.0)],
            "outstanding": [(0.0, 0.0)],
        }
        suspended_since: float | None = None
        for at, event in events:
            args = event["args"]
            if int(args.get("leaseId", -1)) != lease:
                continue
            day = _days(scenario, at)
            if event["name"] == "Billed":
                billed += _euros(labels, event, "charge")
                outstanding = _euros(labels, event, "outstanding")
            elif event["name"] == "Paid":
                paid += _euros(labels, event, "amount")
                outstanding = _euros(labels, event, "outstanding")
            elif event["name"] == "LeaseSettled":
                paid += _euros(labels, event, "fromDeposit")
                outstanding = _euros(labels, event, "unpaid")
            elif event["name"] == "Suspended":
                suspended_since = day
            elif event["name"] in ("Reinstated", "LeaseEnded") and suspended_since is not None:
                axis.axvspan(suspended_since, day, color=RED, alpha=0.12, label="suspended")
                suspended_since = None
            elif event["name"] == "FaultReported":
                axis.axvline(day, color="#d97706", linestyle=":", label="fault reported")
            for name, value in (("billed", billed), ("paid", paid), ("outstanding", outstanding)):
                series[name].append((day, float(value)))
        for name, colour in (("billed", BLUE), ("paid", GREEN), ("outstanding", RED)):
            points = series[name]
            axis.step([p[0] for p in points], [p[1] for p in points], where="post", color=colour, label=name)
        handles, names = axis.get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))
        axis.legend(unique.values(), unique.keys(), loc="upper left", fontsize=8)
        axis.set_ylabel(_unit_name(labels, set_name, "EuroStablecoin"))
        axis.set_title(f"Lease {lease}: the statement over time")
    axes[-1, 0].set_xlabel("days since the scenario's start")
    return svg(figure)


def _euros(labels: Labels, event: dict[str, Any], argument: str) -> Decimal:
    """An amount of the lease's stablecoin, in its own decimals (as the use case declares the argument)."""
    return decimal_of(int(event["args"][argument]), labels.unit_of(event, argument))


Chart = Callable[[dict[str, Any], str], str | None]  # (the scenario's report data, a set's name) -> SVG or None


class ChartLoadError(S4ChainError):
    """A use case's chart reference that does not name a function."""


@cache
def load_chart(reference: str) -> Chart:
    """The function a use case's `module:function` chart reference names."""
    module_name, _, name = reference.partition(":")
    try:
        chart = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ChartLoadError(f"chart {reference} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not callable(chart):
        raise ChartLoadError(f"chart {reference} is a {type(chart).__name__}, not a function")
    return cast(Chart, chart)


def set_charts(scenario: dict[str, Any]) -> list[str]:
    """The charts of every contract set of a scenario, as its driver's use case declares them."""
    registered = use_cases()
    drawn = []
    for set_name, driver in scenario.get("drivers", {}).items():
        declared = registered.get(driver)
        for reference in declared.charts if declared is not None else ():
            picture = load_chart(reference)(scenario, set_name)
            if picture:
                drawn.append(picture)
    return drawn


def story_charts(scenario: dict[str, Any]) -> list[str]:
    """The charts that tell a scenario's story: its sets' own (`set_charts`), else, for sets whose use case
    draws none (the generic `driver: contract`), each set's events per step."""
    drawn = set_charts(scenario)
    if drawn:
        return drawn
    pictures = (events_per_step(scenario, set_name) for set_name in scenario.get("drivers", {}))
    return [picture for picture in pictures if picture] or [gas_per_step(scenario)]


def events_per_step(scenario: dict[str, Any], set_name: str) -> str | None:
    """How many events of each kind the set's contracts emitted at each step: what any contract's story is
    made of, when its use case declares no chart of its own."""
    addresses = set(scenario["deployments"].get(set_name, {}).values())
    steps = scenario["steps"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(steps))
    for index, step in enumerate(steps):
        for event in step["events"]:
            if event["address"] in addresses:
                counts[event["name"]][index] += 1
    if not counts:
        return None
    figure, axis = plt.subplots(figsize=(8, 2.8))
    bottom = [0] * len(steps)
    colours = plt.get_cmap("tab10")
    for number, (name, values) in enumerate(sorted(counts.items())):
        axis.bar(range(1, len(steps) + 1), values, bottom=bottom, label=name, color=colours(number % 10))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for index, step in enumerate(steps):
        if step["outcome"] != "ok":
            axis.axvline(index + 1, color=RED, linestyle=":", label="failed step")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axis.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    axis.legend(unique.values(), unique.keys(), loc="upper left", fontsize=7, ncols=3)
    axis.set_xlabel("step")
    axis.set_ylabel("events")
    axis.set_title(f"{set_name}: events per step")
    return svg(figure)


def _stacked(title: str, rows: list[str], parts: dict[str, tuple[list[float], str]], unit: str) -> str:
    """Horizontal bars, one per row, each split into coloured parts (`name -> (values, colour)`)."""
    figure, axis = plt.subplots(figsize=(8, 1.1 + 0.5 * len(rows)))
    left = [0.0] * len(rows)
    for name, (values, colour) in parts.items():
        axis.barh(rows, values, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.invert_yaxis()
    axis.set_xlabel(unit)
    axis.set_title(title)
    axis.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return svg(figure)


def _who(labels: Labels, address: str) -> str:
    return labels.name(address) or address[:10]


def token_trades(scenario: dict[str, Any], set_name: str) -> str | None:
    """Every peer-to-peer offer: how much of what it put up was bought, taken back by its maker, or still open."""
    labels = Labels.of(scenario)
    events = _set_events_of(scenario, set_name)
    offers: dict[int, dict[str, Any]] = {}
    for _, event in events:
        args = event["args"]
        if event["name"] == "OfferCreated":
            sell, buy = labels.unit_of(event, "sellAmount"), labels.unit_of(event, "buyAmount")
            offers[int(args["offerId"])] = {
                "label": f"offer {args['offerId']} by {_who(labels, args['maker'])}: "
                f"{_shown(args['sellAmount'], sell)} for {_shown(args['buyAmount'], buy)}",
                "size": int(args["sellAmount"]),
                "sold": 0,
                "withdrawn": 0,
            }
        elif event["name"] == "OfferFilled" and int(args["offerId"]) in offers:
            offers[int(args["offerId"])]["sold"] += int(args["amount"])
        elif event["name"] == "OfferCancelled" and int(args["offerId"]) in offers:
            offers[int(args["offerId"])]["withdrawn"] += int(args["refunded"])
    if not offers:
        return None
    shown = list(offers.values())

    def share(key: str) -> list[float]:
        return [100 * o[key] / o["size"] if o["size"] else 0.0 for o in shown]

    open_share = [max(0.0, 100 - a - b) for a, b in zip(share("sold"), share("withdrawn"), strict=True)]
    return _stacked(
        "Offers: what was bought, withdrawn or left open",
        [o["label"] for o in shown],
        {"bought": (share("sold"), GREEN), "withdrawn": (share("withdrawn"), GREY), "open": (open_share, BLUE)},
        "% of the amount offered",
    )


def _shown(raw: Any, unit: tuple[str, int] | None) -> str:
    return amount(int(raw), *unit) if unit is not None else str(raw)


def _set_events_of(scenario: dict[str, Any], set_name: str) -> list[tuple[int, dict[str, Any]]]:
    addresses = set(scenario["deployments"].get(set_name, {}).values())
    return [(step["at"], e) for step in scenario["steps"] for e in step["events"] if e["address"] in addresses]


def _in_unit(labels: Labels, event: dict[str, Any], argument: str) -> float:
    return float(decimal_of(int(event["args"][argument]), labels.unit_of(event, argument)))


def _unit_name(labels: Labels, set_name: str, contract: str) -> str:
    unit = labels.units.get(labels.deployments.get(set_name, {}).get(contract, ""))
    return unit[0] if unit is not None else "raw units"


def data_sales(scenario: dict[str, Any], set_name: str) -> str | None:
    """Each data listing's sales: what its owner kept, the platform's fees, and what went back to buyers when
    consent was revoked."""
    labels = Labels.of(scenario)
    listings: dict[int, dict[str, float]] = {}
    names: dict[int, str] = {}
    for _, event in _set_events_of(scenario, set_name):
        args = event["args"]
        if event["name"] == "ListingCreated":
            listing = int(args["listingId"])
            names[listing] = f"listing {listing}: {args.get('category', '')} by {_who(labels, args['owner'])}"
            listings[listing] = {"owner": 0.0, "fees": 0.0, "refunded": 0.0}
        elif event["name"] == "AccessPurchased" and int(args["listingId"]) in listings:
            row = listings[int(args["listingId"])]
            row["owner"] += _in_unit(labels, event, "amount") - _in_unit(labels, event, "fee")
            row["fees"] += _in_unit(labels, event, "fee")
        elif event["name"] == "EscrowReleased" and int(args["listingId"]) in listings:
            row = listings[int(args["listingId"])]
            row["owner"] -= _in_unit(labels, event, "refund")
            row["refunded"] += _in_unit(labels, event, "refund")
    if not listings:
        return None
    ids = sorted(listings)
    return _stacked(
        "Data sales per listing",
        [names[i] for i in ids],
        {
            "to the owner": ([listings[i]["owner"] for i in ids], GREEN),
            "platform fees": ([listings[i]["fees"] for i in ids], GREY),
            "refunded to buyers": ([listings[i]["refunded"] for i in ids], RED),
        },
        _unit_name(labels, set_name, "EuroStablecoin"),
    )


def mission_payments(scenario: dict[str, Any], set_name: str) -> str | None:
    """Each freelance mission's escrow: paid to the freelancer, the platform's fees, refunded to the firm, and
    what is still held; rejections and disputes named beside it."""
    labels = Labels.of(scenario)
    missions: dict[int, dict[str, float]] = {}
    names: dict[int, str] = {}
    troubles: dict[int, list[str]] = defaultdict(list)
    for _, event in _set_events_of(scenario, set_name):
        args = event["args"]
        if event["name"] == "MissionPosted":
            mission = int(args["missionId"])
            names[mission] = f"mission {mission} of {_who(labels, args['firm'])}"
            missions[mission] = {"total": _in_unit(labels, event, "total"), "net": 0.0, "fee": 0.0, "refunded": 0.0}
        elif int(args.get("missionId", -1)) not in missions:
            continue
        elif event["name"] == "Paid":
            missions[int(args["missionId"])]["net"] += _in_unit(labels, event, "net")
            missions[int(args["missionId"])]["fee"] += _in_unit(labels, event, "fee")
        elif event["name"] == "MissionClosed":
            missions[int(args["missionId"])]["refunded"] += _in_unit(labels, event, "refunded")
        elif event["name"] == "MilestoneRejected":
            troubles[int(args["missionId"])].append("rejection")
        elif event["name"] == "DisputeOpened":
            troubles[int(args["missionId"])].append("dispute")
    if not missions:
        return None
    ids = sorted(missions)
    held = [
        max(0.0, missions[i]["total"] - missions[i]["net"] - missions[i]["fee"] - missions[i]["refunded"]) for i in ids
    ]
    rows = [
        names[i]
        + (f" ({', '.join(f'{troubles[i].count(t)} {t}' for t in dict.fromkeys(troubles[i]))})" if troubles[i] else "")
        for i in ids
    ]
    return _stacked(
        "Missions: where each escrow went",
        rows,
        {
            "paid to the freelancer": ([missions[i]["net"] for i in ids], GREEN),
            "platform fees": ([missions[i]["fee"] for i in ids], GREY),
            "refunded to the firm": ([missions[i]["refunded"] for i in ids], RED),
            "still in escrow": (held, BLUE),
        },
        _unit_name(labels, set_name, "EuroStablecoin"),
    )
