"""GS1 EPCIS 2.0 JSON documents for the supply-chain use case, and their canonical hash.

Each on-chain event of `SupplyChain` carries `docHash`, the hash of one EPCIS 2.0 event (JSON-LD) kept off
chain. This module writes those events (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent)
with CBV 2.0 business steps and dispositions as full URIs, and hashes them.

Canonical form (s4chain-json-1). The PyPI package `epcis-event-hash-generator` (GS1's reference implementation
of the CBV 2.0 event hash, whose pre-hash string is a fixed-order concatenation of the event's fields) is not a
dependency of this project, so the hash here is our own, simpler, documented canonical form:

1. take the event object (a JSON object, not the EPCISDocument wrapper, whose `creationDate` changes);
2. drop the fields that depend on the hash or on the capturing repository: `eventID` and `recordTime`;
3. serialise with keys sorted at every level, no insignificant whitespace (separators `,` and `:`), strings
   as UTF-8 (no `\\u` escaping of non-ASCII characters), numbers as integers or Python's shortest round-trip
   decimal form (the documents here only use integers and strings, except sensor values with two decimals);
4. sha256 of those bytes: the 32 bytes are the on-chain `docHash`, and the event's `eventID` is
   `ni:///sha-256;<hex>?ver=s4chain-json-1` (RFC 6920 named information, as GS1's algorithm uses).

This is close to RFC 8785 (JSON Canonicalization Scheme) for the documents written here. Anyone holding an
event can recompute the hash and compare it with the chain (`verify_event`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
HASH_VERSION = "s4chain-json-1"
S4_NAMESPACE = "https://s4chain.example/epcis/"

BIZSTEP = "urn:epcglobal:cbv:bizstep:"
DISP = "urn:epcglobal:cbv:disp:"
BTT = "urn:epcglobal:cbv:btt:"
SDT = "urn:epcglobal:cbv:sdt:"

# The on-chain Disposition enum, in order (index 0 is "no disposition").
DISPOSITIONS: tuple[str | None, ...] = (
    None,
    "active",
    "in_transit",
    "in_progress",
    "container_closed",
    "non_conformant",
    "recalled",
    "returned",
    "destroyed",
    "inactive",
)

# On-chain event -> (EPCIS event type, CBV business step, CBV disposition or None).
EVENT_KINDS: dict[str, tuple[str, str, str | None]] = {
    "LotCommissioned": ("ObjectEvent", "commissioning", "active"),
    "LotsAggregated": ("AggregationEvent", "packing", "container_closed"),
    "PalletDisaggregated": ("AggregationEvent", "unpacking", "active"),
    "LotsTransformed": ("TransformationEvent", "creating_class_instance", "active"),
    "LotShipped": ("TransactionEvent", "shipping", "in_transit"),
    "LotReceived": ("TransactionEvent", "receiving", "in_progress"),
    "ShipmentCancelled": ("TransactionEvent", "void_shipping", None),
    "LegRecorded": ("ObjectEvent", "transporting", None),
    "ReadingPosted": ("ObjectEvent", "sensor_reporting", None),
    "LotRecalled": ("ObjectEvent", "holding", "recalled"),
    "LotDestroyed": ("ObjectEvent", "destroying", "destroyed"),
}


def bizstep_uri(step: str) -> str:
    """CBV business step URI, e.g. `shipping` -> `urn:epcglobal:cbv:bizstep:shipping`."""
    return BIZSTEP + step


def disposition_uri(disposition: str) -> str:
    """CBV disposition URI, e.g. `recalled` -> `urn:epcglobal:cbv:disp:recalled`."""
    return DISP + disposition


def lot_uri(chain_id: int, contract: str, lot_id: int) -> str:
    """The identifier of a lot or pallet in EPCIS documents: unique per chain and contract."""
    return f"urn:s4chain:lot:{chain_id}:{contract.lower()}:{lot_id}"


def party_uri(address: str) -> str:
    """The identifier of a party (an account) in source and destination lists."""
    return f"urn:s4chain:party:{address.lower()}"


def location_uri(location: str) -> str:
    """A business location: a 13-digit GLN becomes a GS1 Digital Link URI, anything else an s4chain URN."""
    if location.isdigit() and len(location) == 13:
        return f"https://id.gs1.org/414/{location}"
    return f"urn:s4chain:location:{location}"


def iso_time(timestamp: int) -> str:
    """A Unix timestamp as an EPCIS eventTime (UTC, seconds)."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _base(event_type: str, timestamp: int, action: str | None, step: str, disposition: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": event_type, "eventTime": iso_time(timestamp), "eventTimeZoneOffset": "+00:00"}
    if action is not None:
        event["action"] = action
    event["bizStep"] = bizstep_uri(step)
    if disposition is not None:
        event["disposition"] = disposition_uri(disposition)
    return event


def quantity_element(epc_class: str, quantity: int, uom: str) -> dict[str, Any]:
    """An EPCIS 2.0 QuantityElement."""
    return {"epcClass": epc_class, "quantity": quantity, "uom": uom}


def object_event(
    *,
    timestamp: int,
    action: str,
    step: str,
    disposition: str | None = None,
    epcs: list[str] | None = None,
    quantities: list[dict[str, Any]] | None = None,
    location: str | None = None,
    biz_transactions: list[dict[str, str]] | None = None,
    sensor_elements: list[dict[str, Any]] | None = None,
    ilmd: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An EPCIS 2.0 ObjectEvent (commissioning, transporting, sensor_reporting, recall, destroying, ...)."""
    event = _base("ObjectEvent", timestamp, action, step, disposition)
    event["epcList"] = epcs or []
    if quantities:
        event["quantityList"] = quantities
    if location:
        event["bizLocation"] = {"id": location_uri(location)}
    if biz_transactions:
        event["bizTransactionList"] = biz_transactions
    if sensor_elements:
        event["sensorElementList"] = sensor_elements
    if ilmd:
        event["ilmd"] = ilmd
    event.update(extra or {})
    return event


def aggregation_event(
    *, timestamp: int, action: str, step: str, disposition: str | None, parent: str, children: list[str]
) -> dict[str, Any]:
    """An EPCIS 2.0 AggregationEvent: `action` ADD (packing) or DELETE (unpacking)."""
    event = _base("AggregationEvent", timestamp, action, step, disposition)
    event["parentID"] = parent
    event["childEPCs"] = children
    return event


def transaction_event(
    *,
    timestamp: int,
    action: str,
    step: str,
    disposition: str | None,
    epcs: list[str],
    po: str | None,
    source: str,
    destination: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An EPCIS 2.0 TransactionEvent linking objects to a purchase order, from `source` to `destination`."""
    event = _base("TransactionEvent", timestamp, action, step, disposition)
    event["epcList"] = epcs
    if po:
        event["bizTransactionList"] = [{"type": BTT + "po", "bizTransaction": po}]
    event["sourceList"] = [{"type": SDT + "owning_party", "source": party_uri(source)}]
    event["destinationList"] = [{"type": SDT + "owning_party", "destination": party_uri(destination)}]
    event.update(extra or {})
    return event


def transformation_event(
    *,
    timestamp: int,
    transformation_id: str,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    location: str | None = None,
    ilmd: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An EPCIS 2.0 TransformationEvent with input and output quantity lists."""
    event = _base("TransformationEvent", timestamp, None, "creating_class_instance", "active")
    event["transformationID"] = transformation_id
    event["inputQuantityList"] = inputs
    event["outputQuantityList"] = outputs
    if location:
        event["bizLocation"] = {"id": location_uri(location)}
    if ilmd:
        event["ilmd"] = ilmd
    return event


def canonical_bytes(event: dict[str, Any]) -> bytes:
    """The canonical form of an event (see the module docstring): what is hashed."""
    body = {key: value for key, value in event.items() if key not in ("eventID", "recordTime")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def event_hash(event: dict[str, Any]) -> bytes:
    """sha256 of the canonical form: the 32-byte `docHash` stored on chain."""
    return hashlib.sha256(canonical_bytes(event)).digest()


def with_event_id(event: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The event with its `eventID` (an RFC 6920 `ni:` URI of its hash) set, and that hash."""
    digest = event_hash(event)
    return {**event, "eventID": f"ni:///sha-256;{digest.hex()}?ver={HASH_VERSION}"}, digest


def verify_event(event: dict[str, Any], expected: bytes) -> bool:
    """Whether an event hashes to `expected` (and its eventID, when present, names that hash)."""
    digest = event_hash(event)
    if digest != bytes(expected):
        return False
    event_id = event.get("eventID")
    return event_id is None or event_id == f"ni:///sha-256;{digest.hex()}?ver={HASH_VERSION}"


def epcis_document(events: list[dict[str, Any]], created: int) -> dict[str, Any]:
    """An EPCISDocument (JSON-LD) holding `events`."""
    return {
        "@context": [EPCIS_CONTEXT, {"s4": S4_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": iso_time(created),
        "epcisBody": {"eventList": events},
    }


def document_events(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of an EPCISDocument (or the event itself, given a bare event)."""
    if document.get("type") == "EPCISDocument":
        return list(document["epcisBody"]["eventList"])
    return [document]
