"""UC4 off-chain side: EPCIS 2.0 documents, their canonical hash anchored on chain, and provenance."""

from __future__ import annotations

import copy
import hashlib
import json
from decimal import Decimal

from s4chain.drivers import epcis
from s4chain.drivers.supply import SupplyChainDriver

D = Decimal


def _doc_of(w, result):
    """The EPCIS event the driver sent with a transaction (via the docHash the chain logged)."""
    hashes = {bytes(e.args["docHash"]) for e in result.events if "docHash" in e.args}
    assert len(hashes) == 1
    return w.driver.events_by_hash[hashes.pop()]


# --- canonical hash ------------------------------------------------------------------------------------------------


def test_canonical_form_is_sorted_compact_utf8_without_event_id_and_record_time():
    event = {"z": [{"b": 2, "a": 1}], "a": "é", "eventID": "ignored", "recordTime": "ignored", "n": -3}
    expected = '{"a":"é","n":-3,"z":[{"a":1,"b":2}]}'.encode()
    assert epcis.canonical_bytes(event) == expected
    assert epcis.event_hash(event) == hashlib.sha256(expected).digest()
    reordered = {"n": -3, "a": "é", "z": [{"a": 1, "b": 2}]}
    assert epcis.event_hash(reordered) == epcis.event_hash(event)
    assert epcis.event_hash({**reordered, "n": -4}) != epcis.event_hash(event)


def test_event_id_names_the_hash_and_verification_checks_both():
    sealed, digest = epcis.with_event_id({"type": "ObjectEvent", "action": "ADD"})
    assert sealed["eventID"] == f"ni:///sha-256;{digest.hex()}?ver=s4chain-json-1"
    assert epcis.verify_event(sealed, digest)
    assert not epcis.verify_event({**sealed, "action": "DELETE"}, digest)
    assert not epcis.verify_event({**sealed, "eventID": "ni:///sha-256;00?ver=s4chain-json-1"}, digest)


# --- documents of each step ----------------------------------------------------------------------------------------


def test_each_step_writes_the_epcis_event_whose_hash_is_on_chain(w):
    d = w.driver
    result = d.commission(w.supplier, product="COCOA", quantity=500, unit="KGM", origin="9506000000001", mass_kg=510,
                          temp_min=D(2), temp_max=D(8))  # fmt: skip
    lot = d.created_lots(result)[0]
    doc = _doc_of(w, result)
    assert (doc["type"], doc["action"]) == ("ObjectEvent", "ADD")
    assert doc["bizStep"] == "urn:epcglobal:cbv:bizstep:commissioning"
    assert doc["disposition"] == "urn:epcglobal:cbv:disp:active"
    assert doc["quantityList"] == [{"epcClass": d.uri(lot), "quantity": 500, "uom": "KGM"}]
    assert doc["bizLocation"] == {"id": "https://id.gs1.org/414/9506000000001"}
    assert doc["ilmd"]["s4:temperatureRange"] == {"minCelsius": "2", "maxCelsius": "8"}

    doc = _doc_of(w, d.ship(w.supplier, lot_id=lot, receiver=w.maker, po="PO-77"))
    assert (doc["type"], doc["action"], doc["bizStep"]) == (
        "TransactionEvent", "ADD", "urn:epcglobal:cbv:bizstep:shipping",
    )  # fmt: skip
    assert doc["bizTransactionList"] == [{"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "PO-77"}]
    assert doc["sourceList"][0] == {
        "type": "urn:epcglobal:cbv:sdt:owning_party",
        "source": epcis.party_uri(w.supplier.address),
    }
    assert doc["destinationList"][0]["destination"] == epcis.party_uri(w.maker.address)
    doc = _doc_of(w, d.receive(w.maker, lot_id=lot))
    assert (doc["action"], doc["bizStep"], doc["bizTransactionList"][0]["bizTransaction"]) == (
        "OBSERVE", "urn:epcglobal:cbv:bizstep:receiving", "PO-77",
    )  # fmt: skip

    doc = _doc_of(w, d.post_reading(w.sensor, lot_id=lot, celsius="4.25"))
    assert doc["bizStep"] == "urn:epcglobal:cbv:bizstep:sensor_reporting"
    assert doc["sensorElementList"][0]["sensorReport"] == [{"type": "gs1:Temperature", "value": 4.25, "uom": "CEL"}]

    other = w.commission(w.maker, mass_kg=100)
    result = d.aggregate(w.maker, lot_ids=[lot, other])
    pallet = d.created_lots(result)[0]
    doc = _doc_of(w, result)
    assert (doc["type"], doc["action"], doc["parentID"], doc["childEPCs"]) == (
        "AggregationEvent", "ADD", d.uri(pallet), [d.uri(lot), d.uri(other)],
    )  # fmt: skip
    doc = _doc_of(w, d.disaggregate(w.maker, pallet_id=pallet))
    assert (doc["type"], doc["action"], doc["bizStep"]) == (
        "AggregationEvent", "DELETE", "urn:epcglobal:cbv:bizstep:unpacking",
    )  # fmt: skip

    result = d.transform(
        w.maker, inputs=[lot, other], outputs=[{"product": "BAR", "quantity": 9, "unit": "H87", "mass_kg": 600}]
    )
    out = d.created_lots(result)[0]
    doc = _doc_of(w, result)
    assert doc["type"] == "TransformationEvent"
    assert doc["inputQuantityList"] == [
        {"epcClass": d.uri(lot), "quantity": 500, "uom": "KGM"},
        {"epcClass": d.uri(other), "quantity": 1000, "uom": "KGM"},
    ]
    assert doc["outputQuantityList"] == [{"epcClass": d.uri(out), "quantity": 9, "uom": "H87"}]

    doc = _doc_of(w, d.recall(w.maker, lot_id=out, reason="foreign body"))
    assert doc["disposition"] == "urn:epcglobal:cbv:disp:recalled"
    assert doc["s4:recall"]["reason"] == "foreign body"
    doc = _doc_of(w, d.destroy(w.maker, lot_id=out))
    assert (doc["action"], doc["bizStep"], doc["disposition"]) == (
        "DELETE", "urn:epcglobal:cbv:bizstep:destroying", "urn:epcglobal:cbv:disp:destroyed",
    )  # fmt: skip
    for digest, event in d.events_by_hash.items():
        assert epcis.verify_event(event, digest)


def test_anyone_can_check_a_document_against_the_chain(w):
    lot = w.commission()
    result = w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-9")
    digest = bytes(result.event("LotShipped").args["docHash"])
    document = json.loads(json.dumps(w.driver.document(digest)))  # as received by a third party
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    stranger = SupplyChainDriver(w.chain, w.chain.at("SupplyChain", w.sc.address))  # holds no documents
    assert stranger.verify_document(document)
    tampered = copy.deepcopy(document)
    tampered["epcisBody"]["eventList"][0]["bizTransactionList"][0]["bizTransaction"] = "PO-10"
    assert not stranger.verify_document(tampered)
    never_sent = epcis.object_event(timestamp=0, action="OBSERVE", step="inspecting", epcs=[w.driver.uri(lot)])
    assert not stranger.verify_document(never_sent)


# --- provenance ------------------------------------------------------------------------------------------------------


def test_provenance_gathers_upstream_events_custody_and_co2(w):
    d = w.driver
    cocoa = w.commission(product="COCOA", mass_kg=1000, temp_min=D(10), temp_max=D(25))
    sugar = w.commission(product="SUGAR", mass_kg=500)
    unrelated = w.commission(product="SALT", mass_kg=10)
    w.hand_over(cocoa, w.supplier, w.carrier, po="PO-C")
    d.record_leg(w.carrier, lot_id=cocoa, mode="sea", distance_km=6000, mass_kg=1000)
    w.hand_over(cocoa, w.carrier, w.maker, po="PO-C2")
    w.hand_over(sugar, w.supplier, w.maker, po="PO-S")
    d.post_reading(w.sensor, lot_id=cocoa, celsius="30")  # a breach, on record
    [bar] = w.transform([cocoa, sugar], [1200])
    filler = w.commission(w.maker, mass_kg=800)
    [pallet] = d.created_lots(d.aggregate(w.maker, lot_ids=[bar, filler]))
    w.hand_over(pallet, w.maker, w.carrier, po="PO-P")
    d.record_leg(w.carrier, lot_id=pallet, mode="rail", distance_km=500, mass_kg=2000)
    w.hand_over(pallet, w.carrier, w.warehouse, po="PO-P2")
    d.disaggregate(w.warehouse, pallet_id=pallet)
    w.hand_over(bar, w.warehouse, w.retailer, po="PO-R")
    w.hand_over(unrelated, w.supplier, w.carrier, po="PO-U")
    d.record_leg(w.carrier, lot_id=unrelated, mode="air", distance_km=100, mass_kg=10)
    w.hand_over(filler, w.warehouse, w.retailer, po="PO-F")  # after the pallet: not in the bar's history

    p = d.provenance(bar)
    assert p.lots == sorted([cocoa, sugar, bar])
    assert unrelated not in {e.lot_id for e in p.events}
    names = [e.name for e in p.events]
    assert names.count("LotCommissioned") == 2 and names.count("LotsTransformed") == 1
    assert names.count("LegRecorded") == 2  # cocoa's sea leg and the pallet's rail leg while the bar was in it
    assert "LotsAggregated" in names and "PalletDisaggregated" in names
    assert "ReadingPosted" in names
    assert all(e.document_verified for e in p.events)
    assert [(e.block_number, e.log_index) for e in p.events] == sorted((e.block_number, e.log_index) for e in p.events)
    assert [c.po for c in p.custody] == ["PO-C", "PO-C2", "PO-S", "PO-P", "PO-P2", "PO-R"]
    assert p.custody[-1].receiver == w.retailer.address
    last_receiver: dict[int, str] = {}
    for step in p.custody:  # continuity per lot: each sender is who received it last
        assert step.sender != step.receiver
        if step.lot_id in last_receiver:
            assert step.sender == last_receiver[step.lot_id]
        last_receiver[step.lot_id] = step.receiver
    assert [c.lot_id for c in p.custody] == [cocoa, cocoa, sugar, pallet, pallet, bar]
    sea = 16 * 6000 * 1000
    rail = 22 * 500 * 2000
    assert p.legs_co2_kg == D(sea + rail) / 1_000_000
    assert p.total_co2_kg == D(int(w.sc.co2Of(bar))) / 1_000_000
    assert int(w.sc.co2Of(bar)) == sea + rail * 1200 // 2000  # all of cocoa's leg, its mass share of the rail leg
    assert p.producers == [w.supplier.address, w.maker.address]
    assert not p.recalled and p.non_conformant  # the breach was on an input: what is made from it carries it
    bizsteps = {e.biz_step for e in p.events}
    assert "urn:epcglobal:cbv:bizstep:transporting" in bizsteps


def test_provenance_of_a_pallet_includes_its_contents(w):
    a = w.commission()
    b = w.commission()
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    w.driver.recall(w.auditor, lot_id=pallet)
    p = w.driver.provenance(pallet)
    assert p.lots == [a, b, pallet]
    assert p.recalled
    assert sum(e.name == "LotRecalled" for e in p.events) == 3


def test_cancellation_release_and_continued_recall_write_their_epcis_events(w):
    d = w.driver
    lot = w.commission()
    d.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1")
    doc = _doc_of(w, d.cancel_shipment(w.carrier, lot_id=lot))
    assert (doc["type"], doc["action"], doc["bizStep"]) == (
        "TransactionEvent", "DELETE", "urn:epcglobal:cbv:bizstep:void_shipping",
    )  # fmt: skip
    assert doc["destinationList"][0]["destination"] == epcis.party_uri(w.carrier.address)
    events = d.provenance(lot).events
    assert [e.biz_step for e in events if e.name == "ShipmentCancelled"] == ["urn:epcglobal:cbv:bizstep:void_shipping"]
    assert all(e.document_verified for e in events)

    mate = w.commission()
    [pallet] = d.created_lots(d.aggregate(w.supplier, lot_ids=[lot, mate]))
    d.recall(w.auditor, lot_id=lot)
    doc = _doc_of(w, d.release_pallet(w.auditor, pallet_id=pallet))
    assert (doc["type"], doc["action"], doc["childEPCs"]) == ("AggregationEvent", "DELETE", [d.uri(lot), d.uri(mate)])

    root = w.commission(w.maker, mass_kg=10_000)  # 1 + 8 + 64 + 64 lots: wider than a page
    for parent in w.transform([root], [1000] * 8):
        for child in w.transform([parent], [100] * 8):
            if child % 2 == 0:
                w.transform([child], [10, 10])
    d.recall(w.auditor, lot_id=root)
    waiting = d.pending_recall(root)
    assert waiting
    doc = _doc_of(w, d.continue_recall(w.outsider, lot_id=root))
    assert doc["disposition"] == "urn:epcglobal:cbv:disp:recalled"
    assert doc["epcList"] == [d.uri(i) for i in waiting]
    assert doc["s4:recall"] == {"root": d.uri(root), "propagation": "downstream"}
