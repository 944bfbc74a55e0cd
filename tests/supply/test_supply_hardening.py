"""UC4 hardening (issue 11): what no party may do to the lots of others, and the way out every lot keeps.

Findings 7-10 of the outside review, and the ones found walking the same kinds of attack through the contract:
non-conformance laundered by a transformation, shipments nobody confirms, recalls made too broad to complete,
recalled pallets that quarantine other producers' lots for good, a manufacturer recalling other producers' lots
by packing them, and carriers inflating a lot's CO2e until its pallet can no longer be unpacked.
"""

from __future__ import annotations

from decimal import Decimal

from s4chain.drivers.supply import STATUSES
from s4chain.testing import assert_events, reverts

D = Decimal
ZERO32 = b"\0" * 32
STATUS = {name: i for i, name in enumerate(STATUSES)}
DAY = 86_400


# --- 7. non-conformance is carried through a transformation ----------------------------------------------------


def test_what_is_made_from_non_conformant_milk_is_non_conformant(w):
    warm = w.commission(w.maker, mass_kg=500, temp_min=D(2), temp_max=D(6))
    cold = w.commission(w.maker, mass_kg=500, temp_min=D(2), temp_max=D(6))
    w.driver.post_reading(w.sensor, lot_id=warm, celsius="9.4")
    result = w.driver.transform(
        w.maker, inputs=[warm, cold], outputs=[{"product": "CHEESE", "quantity": 10, "mass_kg": 400},
                                              {"product": "WHEY", "quantity": 1, "mass_kg": 500}],
    )  # fmt: skip
    cheese, whey = w.driver.created_lots(result)
    assert_events(result, "DispositionChanged", count=2, disposition=5)
    for lot in (cheese, whey):
        state = w.driver.lot(lot)
        assert (state.non_conformant, state.disposition) == (True, "non_conformant"), lot
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[cheese]))
    assert w.driver.lot(pallet).non_conformant  # and on to whatever it is packed in
    [clean] = w.transform([w.commission(w.maker)], [10])
    assert not w.driver.lot(clean).non_conformant and w.driver.lot(clean).disposition == "active"


# --- 8. every shipment can be cancelled ---------------------------------------------------------------------------


def test_an_unconfirmed_shipment_is_cancelled_by_its_sender_after_the_timeout(w):
    lot = w.commission()
    timeout = int(w.sc.SHIPMENT_TIMEOUT())
    assert timeout == 14 * DAY
    shipped_at = w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1").timestamp
    assert (w.driver.lot(lot).shipped_at, w.driver.lot(lot).container) == (shipped_at, 0)
    with reverts("ShipmentNotExpired", lotId=lot, cancellableAt=shipped_at + timeout):
        w.driver.cancel_shipment(w.supplier, lot_id=lot)
    with reverts("Unauthorized", account=w.outsider):
        w.driver.cancel_shipment(w.outsider, lot_id=lot)
    w.chain.set_next_block_timestamp(shipped_at + timeout - 1)
    with reverts("ShipmentNotExpired"):
        w.driver.cancel_shipment(w.supplier, lot_id=lot)
    w.chain.set_next_block_timestamp(shipped_at + timeout)
    with reverts("Unauthorized", account=w.warehouse):  # another custody party, even after the timeout
        w.driver.cancel_shipment(w.warehouse, lot_id=lot)
    result = w.driver.cancel_shipment(w.supplier, lot_id=lot)
    event = assert_events(result, "ShipmentCancelled", lotId=lot, to=w.carrier, by=w.supplier)[0]
    assert event.args["from"] == w.supplier.address
    state = w.driver.lot(lot)
    assert (state.status, state.holder, state.disposition, state.pending_receiver) == (
        "active", w.supplier.address, "active", None,
    )  # fmt: skip
    with reverts("WrongStatus", lotId=lot, status=STATUS["active"]):  # the late receiver is too late
        w.driver.receive(w.carrier, lot_id=lot)
    w.hand_over(lot, w.supplier, w.warehouse)  # and the sender can ship it elsewhere


def test_the_receiver_may_refuse_a_shipment_at_once(w):
    lot = w.commission(temp_max=D(8))
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="9")
    w.driver.ship(w.supplier, lot_id=lot, receiver=w.maker, po="PO-1")
    result = w.driver.cancel_shipment(w.maker, lot_id=lot)
    assert_events(result, "ShipmentCancelled", lotId=lot, by=w.maker)
    state = w.driver.lot(lot)
    assert (state.status, state.holder, state.disposition) == ("active", w.supplier.address, "non_conformant")
    with reverts("WrongStatus", lotId=lot, status=STATUS["active"]):
        w.driver.cancel_shipment(w.supplier, lot_id=lot)
    with reverts("UnknownLot", lotId=99):
        w.sc.cancelShipment(99, ZERO32, sender=w.supplier)


def test_a_recalled_lot_nobody_receives_can_be_taken_back_and_destroyed(w):
    lot = w.commission(w.maker)
    shipped_at = w.driver.ship(w.maker, lot_id=lot, receiver=w.retailer, po="PO-1").timestamp
    w.driver.recall(w.auditor, lot_id=lot)  # the retailer now never confirms
    w.chain.set_next_block_timestamp(shipped_at + 14 * DAY)
    w.driver.cancel_shipment(w.auditor, lot_id=lot)  # an auditor may too, for a sender that does not act
    state = w.driver.lot(lot)
    assert (state.status, state.holder, state.disposition, state.recalled) == (
        "active", w.maker.address, "recalled", True,
    )  # fmt: skip
    returned_at = w.driver.return_lot(w.maker, lot_id=lot, receiver=w.supplier).timestamp
    w.chain.set_next_block_timestamp(returned_at + 14 * DAY)
    w.driver.cancel_shipment(w.maker, lot_id=lot)  # a return nobody takes back: cancelled too
    assert w.driver.lot(lot).disposition == "recalled"
    w.driver.destroy(w.maker, lot_id=lot)
    assert w.driver.lot(lot).status == "destroyed"


def test_a_cancelled_pallet_is_closed_again(w):
    a = w.commission()
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a]))
    w.driver.ship(w.supplier, lot_id=pallet, receiver=w.carrier, po="PO-1")
    w.driver.cancel_shipment(w.carrier, lot_id=pallet)
    assert w.driver.lot(pallet).disposition == "container_closed"
    assert w.driver.lot(a).custodian == w.supplier.address


# --- 9. a recall of any size completes ------------------------------------------------------------------------------


def _wide_lineage(w) -> tuple[int, list[int], list[int]]:
    """The manufacturer's lot, turned by another manufacturer into 8, 64, and 64 more lots (137 in all)."""
    root = w.commission(w.maker, mass_kg=10_000)
    w.hand_over(root, w.maker, w.maker2)
    level1 = w.transform([root], [1000] * 8, actor=w.maker2)
    level2 = [lot for parent in level1 for lot in w.transform([parent], [100] * 8, actor=w.maker2)]
    level3 = [lot for parent in level2[:8] for lot in w.transform([parent], [10] * 8, actor=w.maker2)]
    return root, level2, level3


def test_a_downstream_manufacturer_cannot_make_the_producers_recall_fail(w):
    root, _, level3 = _wide_lineage(w)
    with reverts("Unauthorized", account=w.maker):  # the producer may not recall what it did not make
        w.driver.recall(w.maker, lot_id=level3[-1])
    result = w.driver.recall(w.maker, lot_id=root)
    assert len(result.events_named("LotRecalled")) == 128 == int(w.sc.MAX_RECALL_LOTS())
    pending = assert_events(result, "RecallPending", root=root)[0].args["remaining"]
    assert pending == len(w.driver.pending_recall(root)) > 0
    unmarked = [lot for lot in level3 if not w.sc.isRecalled(lot)]
    assert len(unmarked) == 137 - 128
    # meanwhile the downstream manufacturer makes more from a lot the recall has not reached yet
    spawned = w.transform([unmarked[-1]], [4, 4], actor=w.maker2)
    result = w.driver.continue_recall(w.outsider, lot_id=root)  # anyone completes it
    marked = {int(e.args["lotId"]) for e in assert_events(result, "LotRecalled", root=root, by=w.outsider)}
    assert marked == {*unmarked, *spawned}
    assert not result.events_named("RecallPending")
    assert w.driver.pending_recall(root) == []
    assert all(w.sc.isRecalled(i) for i in range(root, int(w.sc.nextLotId())))
    with reverts("NoRecallPending", root=root):
        w.driver.continue_recall(w.outsider, lot_id=root)


def test_a_recall_exactly_one_page_wide_leaves_nothing_pending(w):
    root, level2, _ = _wide_lineage(w)
    w.driver.recall(w.auditor, lot_id=level2[0])  # 1 + 8 lots
    result = w.driver.recall(w.auditor, lot_id=root)  # the remaining 128: exactly one page
    assert len(result.events_named("LotRecalled")) == 128
    assert not result.events_named("RecallPending") and w.driver.pending_recall(root) == []
    assert all(w.sc.isRecalled(i) for i in range(root, int(w.sc.nextLotId())))


def test_a_paged_recall_reaches_the_pallets_of_lots_it_has_not_reached_yet(w):
    root, _, level3 = _wide_lineage(w)
    w.driver.recall(w.auditor, lot_id=root)
    unmarked = [lot for lot in level3 if not w.sc.isRecalled(lot)]
    mate = w.commission(w.maker2)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.maker2, lot_ids=[unmarked[0], mate]))
    w.driver.continue_recall(w.auditor, lot_id=root)
    assert w.sc.isRecalled(unmarked[0]) and w.sc.isRecalled(pallet)
    assert not w.sc.isRecalled(mate)  # quarantined with its pallet, not recalled (see releasePallet)


# --- 10. an auditor releases the packing mates of a recalled lot --------------------------------------------------


def _mixed_pallet(w) -> tuple[int, int, int]:
    """A warehouse packs the manufacturer's cheese with the supplier's butter; the cheese is then recalled."""
    cheese = w.commission(w.maker, mass_kg=300)
    butter = w.commission(w.supplier, mass_kg=100)
    w.hand_over(cheese, w.maker, w.warehouse)
    w.hand_over(butter, w.supplier, w.warehouse)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.warehouse, lot_ids=[cheese, butter]))
    w.hand_over(pallet, w.warehouse, w.carrier)
    w.driver.record_leg(w.carrier, lot_id=pallet, mode="road", distance_km=100, mass_kg=400)
    w.hand_over(pallet, w.carrier, w.retailer)
    w.driver.recall(w.maker, lot_id=cheese)
    return cheese, butter, pallet


def test_an_auditor_releases_the_lots_packed_with_a_recalled_one(w):
    cheese, butter, pallet = _mixed_pallet(w)
    assert w.driver.lot(pallet).recalled and not w.driver.lot(butter).recalled
    with reverts("LotIsRecalled", lotId=pallet):  # the holder cannot unpack a quarantined pallet itself
        w.driver.disaggregate(w.retailer, pallet_id=pallet)
    for who in (w.retailer, w.maker, w.supplier, w.outsider):
        with reverts("Unauthorized", account=who):
            w.driver.release_pallet(who, pallet_id=pallet)
    result = w.driver.release_pallet(w.auditor, pallet_id=pallet)
    assert_events(result, "PalletDisaggregated", palletId=pallet, by=w.auditor, lotIds=[cheese, butter])
    c, b, p = w.driver.lot(cheese), w.driver.lot(butter), w.driver.lot(pallet)
    assert (c.status, c.holder, c.recalled, c.disposition) == ("active", w.retailer.address, True, "recalled")
    assert (b.status, b.holder, b.recalled, b.disposition) == ("active", w.retailer.address, False, "active")
    assert (p.status, p.disposition) == ("disaggregated", "inactive")
    leg = 62 * 100 * 400
    assert int(w.sc.co2Of(cheese)) + int(w.sc.co2Of(butter)) == leg  # the pallet's legs are shared out
    w.driver.return_lot(w.retailer, lot_id=cheese, receiver=w.maker)  # each back to its own producer
    w.hand_over(butter, w.retailer, w.warehouse)  # the butter is sold on


def test_release_is_only_for_a_recalled_pallet_at_rest(w):
    cheese, _, pallet = _mixed_pallet(w)
    with reverts("WrongStatus", lotId=cheese, status=STATUS["aggregated"]):
        w.driver.release_pallet(w.auditor, pallet_id=cheese)
    loose = w.commission()
    with reverts("NotAPallet", lotId=loose):
        w.driver.release_pallet(w.auditor, pallet_id=loose)
    with reverts("UnknownLot", lotId=999):
        w.sc.releasePallet(999, ZERO32, sender=w.auditor)
    w.driver.return_lot(w.retailer, lot_id=pallet, receiver=w.warehouse)
    with reverts("WrongStatus", lotId=pallet, status=STATUS["in_transit"]):
        w.driver.release_pallet(w.auditor, pallet_id=pallet)
    a = w.commission()
    [clean] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a]))
    with reverts("LotNotRecalled", lotId=clean):  # the auditor does not unpack other people's pallets
        w.driver.release_pallet(w.auditor, pallet_id=clean)


def test_a_released_pallet_passes_its_non_conformance_on(w):
    warm = w.commission(w.maker, temp_max=D(8))
    mate = w.commission(w.maker)
    [hot] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[warm, mate]))
    w.driver.post_reading(w.sensor, lot_id=hot, celsius="12")
    w.driver.recall(w.auditor, lot_id=hot)
    w.driver.release_pallet(w.auditor, pallet_id=hot)
    for lot in (warm, mate):
        state = w.driver.lot(lot)
        assert (state.recalled, state.non_conformant, state.disposition) == (True, True, "recalled")


# --- found in review: a lot found warm after packing leaves its pallet clean -----------------------------------------


def test_a_lot_found_warm_in_its_pallet_marks_the_pallet_as_packing_it_warm_would(w):
    warm = w.commission(temp_max=D(8))
    mate = w.commission()
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[warm, mate]))
    w.driver.ship(w.supplier, lot_id=pallet, receiver=w.carrier, po="PO-1")
    result = w.driver.post_reading(w.sensor, lot_id=warm, celsius="9")
    assert {int(e.args["lotId"]) for e in assert_events(result, "DispositionChanged", count=2)} == {warm, pallet}
    state = w.driver.lot(pallet)
    assert (state.non_conformant, state.disposition) == (True, "non_conformant")  # what the receiver sees
    result = w.driver.post_reading(w.sensor, lot_id=warm, celsius="10")
    assert not result.events_named("DispositionChanged")  # already marked, both
    w.driver.receive(w.carrier, lot_id=pallet)
    w.driver.disaggregate(w.carrier, pallet_id=pallet)
    assert w.driver.lot(mate).non_conformant  # as if the lot had been packed warm


def test_a_recalled_pallet_keeps_showing_recalled_when_a_packing_mate_is_found_warm(w):
    cheese = w.commission(w.maker)
    milk = w.commission(w.maker, temp_max=D(8))
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[cheese, milk]))
    w.driver.recall(w.maker, lot_id=cheese)
    result = w.driver.post_reading(w.sensor, lot_id=milk, celsius="9")
    assert_events(result, "DispositionChanged", count=1, lotId=milk)
    state = w.driver.lot(pallet)
    assert (state.recalled, state.non_conformant, state.disposition) == (True, True, "recalled")


# --- found in review: a manufacturer recalling other producers' lots through its pallet ---------------------------


def test_a_manufacturer_cannot_recall_other_producers_lots_by_packing_them(w):
    theirs = w.commission(w.supplier)
    w.hand_over(theirs, w.supplier, w.maker)
    mine = w.commission(w.maker)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[theirs, mine]))
    assert w.driver.lot(pallet).producer == w.maker.address
    with reverts("Unauthorized", account=w.maker):
        w.driver.recall(w.maker, lot_id=pallet)
    assert not w.sc.isRecalled(theirs)
    w.driver.recall(w.maker, lot_id=mine)  # its own lot it may recall (the pallet follows)
    assert w.sc.isRecalled(pallet) and not w.sc.isRecalled(theirs)
    w.driver.recall(w.auditor, lot_id=theirs)  # an auditor may recall anything


# --- found in review: forged transport legs ---------------------------------------------------------------------------


def test_a_carrier_cannot_load_a_lot_with_more_than_it_weighs_or_go_further_than_the_earth_allows(w):
    lot = w.commission(mass_kg=1000)
    w.hand_over(lot, w.supplier, w.carrier)
    with reverts("MassExceedsLot", massKg=1001, lotMassKg=1000):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=10, mass_kg=1001)
    with reverts("LegTooLong", distanceKm=50_001, max=50_000):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="sea", distance_km=50_001, mass_kg=1000)
    w.driver.record_leg(w.carrier, lot_id=lot, mode="sea", distance_km=50_000, mass_kg=1000)  # the bounds hold


def test_a_carrier_cannot_inflate_co2_until_a_pallet_can_no_longer_be_unpacked(w):
    """Before the bound, legs of 2^127 mg on a lot and then on its pallet overflowed the lot's CO2e when the pallet
    was unpacked: the pallet could never be unpacked again."""
    half = 2**63 - 1
    a = w.commission(mass_kg=half)
    b = w.commission(mass_kg=half)
    w.driver.set_intensity(w.admin, mode="air", grams_per_tonne_km=2**32 - 1)
    w.hand_over(a, w.supplier, w.carrier)
    cap = int(w.sc.MAX_LOT_CO2_MG())
    with reverts("Co2TooHigh", max=cap):
        w.driver.record_leg(w.carrier, lot_id=a, mode="air", distance_km=50_000, mass_kg=half)
    w.driver.record_leg(w.carrier, lot_id=a, mode="air", distance_km=cap // ((2**32 - 1) * half), mass_kg=half)
    w.hand_over(a, w.carrier, w.supplier)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    w.hand_over(pallet, w.supplier, w.carrier)
    with reverts("Co2TooHigh"):
        w.driver.record_leg(w.carrier, lot_id=pallet, mode="air", distance_km=50_000, mass_kg=2 * half)
    w.driver.record_leg(
        w.carrier, lot_id=pallet, mode="air", distance_km=cap // ((2**32 - 1) * 2 * half), mass_kg=2 * half
    )
    w.driver.disaggregate(w.carrier, pallet_id=pallet)
    assert int(w.sc.co2Of(a)) + int(w.sc.co2Of(b)) <= 2 * cap


# --- liveness under the admin: a revoked party keeps a way out ------------------------------------------------------


def test_a_party_whose_roles_are_revoked_can_still_hand_on_or_destroy_its_lots(w):
    kept = w.commission()
    gone = w.commission()
    w.driver.revoke_party(w.admin, party=w.supplier, role="supplier")
    w.hand_over(kept, w.supplier, w.warehouse)
    w.driver.destroy(w.supplier, lot_id=gone)
    incoming = w.commission(w.maker)
    w.driver.ship(w.maker, lot_id=incoming, receiver=w.retailer, po="PO-1")
    w.driver.revoke_party(w.admin, party=w.retailer, role="retailer")
    w.driver.receive(w.retailer, lot_id=incoming)  # a shipment under way is still received
    assert w.driver.lot(incoming).holder == w.retailer.address


def test_a_wide_recall_completes_in_full_pages_of_bounded_cost(w):
    """Root -> 8 -> 64 -> 512 lots: every page but the last marks a full page (the leaves are not kept waiting, so
    no call is spent on them), each call costs a bounded amount of gas, and the recall completes."""
    root = w.commission(w.maker, mass_kg=100_000)
    level1 = w.transform([root], [10_000] * 8)
    level2 = [lot for parent in level1 for lot in w.transform([parent], [1000] * 8)]
    for parent in level2:
        w.transform([parent], [100] * 8)
    result = w.driver.recall(w.auditor, lot_id=root)
    marks, gas = [len(result.events_named("LotRecalled"))], [result.gas_used]
    while w.driver.pending_recall(root):
        result = w.driver.continue_recall(w.outsider, lot_id=root)
        marks, gas = [*marks, len(result.events_named("LotRecalled"))], [*gas, result.gas_used]
    assert marks == [128, 128, 128, 128, 585 - 4 * 128]  # 1 + 8 + 64 + 512 lots: full pages, then the rest
    assert all(w.sc.isRecalled(i) for i in range(root, int(w.sc.nextLotId())))
    assert max(gas) < 3_000_000, gas  # a tenth of a block
