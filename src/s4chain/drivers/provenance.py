"""UC4's provenance indexer: a lot's upstream history rebuilt from `SupplyChain`'s logs alone (lots it was made or
packed from, their events with the EPCIS classification, the custody chain and the CO2e)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from s4chain.chain import DecodedEvent
from s4chain.drivers import epcis
from s4chain.drivers.supply_codec import MG_PER_KG, from_text32
from s4chain.drivers.supply_models import CustodyStep, LotState, Provenance, ProvenanceEvent


def index_provenance(
    lot_id: int, logs: Sequence[DecodedEvent], documents: dict[bytes, dict[str, Any]], state: LotState
) -> Provenance:
    """Everything upstream of `lot_id` in `logs` (the contract's events in chain order); `documents` are the EPCIS
    events the driver holds by hash (an event is `document_verified` when its document is there and verifies),
    `state` the lot's current state (its CO2e and flags)."""
    made_from: dict[int, list[int]] = {}  # transformation output -> inputs
    contents: dict[int, list[int]] = {}  # pallet -> lots ever packed in it
    intervals: dict[int, list[tuple[int, tuple[int, int], tuple[int, int] | None]]] = {}  # lot -> pallets
    for event in logs:
        args = event.args
        position = (event.block_number, event.log_index)
        if event.name == "LotsTransformed":
            first = int(args["firstOutput"])
            for j in range(int(args["outputCount"])):
                made_from[first + j] = [int(i) for i in args["inputs"]]
        elif event.name == "LotsAggregated":
            pallet = int(args["palletId"])
            contents[pallet] = [int(i) for i in args["lotIds"]]
            for child in contents[pallet]:
                intervals.setdefault(child, []).append((pallet, position, None))
        elif event.name == "PalletDisaggregated":
            for child in args["lotIds"]:
                spans = intervals[int(child)]
                pallet, start, _ = spans[-1]
                spans[-1] = (pallet, start, position)

    upstream: set[int] = set()
    stack = [lot_id]
    while stack:
        current = stack.pop()
        if current in upstream:
            continue
        upstream.add(current)
        stack.extend(made_from.get(current, []))
        stack.extend(contents.get(current, []))

    def concerns(event: DecodedEvent) -> int | None:
        """The upstream lot an event is about, if any (directly, or through a pallet holding it)."""
        args = event.args
        ids: list[int] = []
        if "lotId" in args:
            ids = [int(args["lotId"])]
        elif event.name in ("LotsAggregated", "PalletDisaggregated"):
            ids = [int(args["palletId"]), *[int(i) for i in args["lotIds"]]]
        elif event.name == "LotsTransformed":
            first = int(args["firstOutput"])
            ids = [*[int(i) for i in args["inputs"]], *range(first, first + int(args["outputCount"]))]
        position = (event.block_number, event.log_index)
        for candidate in ids:
            if candidate in upstream:
                return candidate
        if len(ids) == 1:  # an event on a pallet while an upstream lot was packed in it
            for lot in upstream:
                for pallet, start, end in intervals.get(lot, []):
                    if pallet == ids[0] and start < position and (end is None or position < end):
                        return lot
        return None

    events: list[ProvenanceEvent] = []
    custody: list[CustodyStep] = []
    shipped: dict[int, DecodedEvent] = {}
    legs_mg = 0
    producers: list[str] = []
    for event in logs:
        if event.name == "LotShipped":
            shipped[int(event.args["lotId"])] = event
        if event.name not in epcis.EVENT_KINDS:
            continue
        about = concerns(event)
        if about is None:
            continue
        epcis_type, step, disposition = epcis.EVENT_KINDS[event.name]
        args = dict(event.args)
        if event.name == "LotShipped" and args["isReturn"]:
            disposition = "returned"
        doc_hash = bytes(args["docHash"])
        known = documents.get(doc_hash)
        events.append(
            ProvenanceEvent(
                name=event.name,
                lot_id=about,
                epcis_type=epcis_type,
                biz_step=epcis.bizstep_uri(step),
                disposition=epcis.disposition_uri(disposition) if disposition else None,
                block_number=event.block_number,
                log_index=event.log_index,
                transaction_hash=event.transaction_hash,
                doc_hash="0x" + doc_hash.hex(),
                document_verified=known is not None and epcis.verify_event(known, doc_hash),
                args={k: ("0x" + bytes(v).hex() if isinstance(v, bytes) else v) for k, v in args.items()},
            )
        )
        if event.name == "LegRecorded":
            legs_mg += int(args["co2Mg"])
        if event.name in ("LotCommissioned", "LotsTransformed") and args["by"] not in producers:
            producers.append(args["by"])
        if event.name == "LotReceived":
            ship = shipped.get(int(args["lotId"]))
            po = from_text32(ship.args["poRef"]) if ship is not None else ""
            custody.append(
                CustodyStep(
                    lot_id=int(args["lotId"]),
                    sender=args["from"],
                    receiver=args["to"],
                    po=po or None,
                    is_return=bool(ship.args["isReturn"]) if ship is not None else False,
                    block_number=event.block_number,
                )
            )
    return Provenance(
        lot_id=lot_id,
        lots=sorted(upstream),
        events=events,
        custody=custody,
        producers=producers,
        total_co2_kg=state.co2_kg,
        legs_co2_kg=Decimal(legs_mg) / MG_PER_KG,
        recalled=state.recalled,
        non_conformant=state.non_conformant,
    )
