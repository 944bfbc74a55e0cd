"""UC4 rules: parties, commissioning, aggregation, transformation, custody, transport CO2e, cold chain, recall,
return and destruction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from s4chain.drivers.supply import MODES, STATUSES
from s4chain.testing import assert_events, reverts

D = Decimal
ZERO32 = b"\0" * 32
STATUS = {name: i for i, name in enumerate(STATUSES)}


# --- parties and admin ---------------------------------------------------------------------------------------


def test_only_the_admin_grants_roles_and_bits_follow_grants_and_revocations(w):
    role = w.sc.CARRIER_ROLE()
    with reverts("AccessControlUnauthorizedAccount", account=w.maker, neededRole=ZERO32):
        w.driver.grant_party(w.maker, party=w.outsider, role="carrier")
    assert w.sc.partyBits(w.outsider) == 0
    result = w.driver.grant_party(w.admin, party=w.outsider, role="carrier")
    assert_events(result, "RoleGranted", role=role, account=w.outsider)
    assert w.sc.partyBits(w.outsider) == 4
    w.driver.grant_party(w.admin, party=w.outsider, role="retailer")
    assert w.sc.partyBits(w.outsider) == 4 | 16
    w.driver.revoke_party(w.admin, party=w.outsider, role="carrier")
    assert w.sc.partyBits(w.outsider) == 16
    assert w.sc.partyBits(w.sensor) == 64


def test_revoked_supplier_can_no_longer_commission(w):
    w.commission()
    w.driver.revoke_party(w.admin, party=w.supplier, role="supplier")
    with reverts("Unauthorized", account=w.supplier):
        w.commission()


def test_default_intensities_and_only_admin_sets_them(w):
    assert [w.sc.intensity(i) for i in range(5)] == [62, 22, 31, 16, 602]
    with reverts("AccessControlUnauthorizedAccount"):
        w.driver.set_intensity(w.carrier, mode="rail", grams_per_tonne_km=1)
    result = w.driver.set_intensity(w.admin, mode="rail", grams_per_tonne_km=17)
    assert_events(result, "IntensitySet", mode=1, gramsPerTonneKm=17)
    assert w.sc.intensity(1) == 17


def test_deploy_applies_intensity_overrides(chain):
    from s4chain.drivers.supply import SupplyChainDriver, SupplyParams

    driver = SupplyChainDriver.deploy(chain, SupplyParams(intensities={"sea": 9, "air": 1100}), admin=chain.accounts[0])
    assert [driver.contract.intensity(i) for i in range(5)] == [62, 22, 31, 9, 1100]
    assert set(driver.contracts()) == {"SupplyChain"}


# --- commissioning -------------------------------------------------------------------------------------------


def test_commission_stores_what_rules_need_and_emits_the_rest(w):
    result = w.driver.commission(
        w.supplier, product="09506000134352", quantity=250, unit="KGM", origin="9506000000001", mass_kg=260,
        temp_min=D(2), temp_max=D("8.5"),
    )  # fmt: skip
    [lot_id] = w.driver.created_lots(result)
    assert lot_id == 1
    created = assert_events(result, "LotCreated", lotId=1, producer=w.supplier, quantity=250, massKg=260)[0]
    assert created.args["tempMin"] == 200 and created.args["tempMax"] == 850 and created.args["co2Mg"] == 0
    assert created.args["unit"].rstrip(b"\0") == b"KGM"
    assert created.args["origin"].rstrip(b"\0") == b"9506000000001"
    assert_events(result, "LotCommissioned", lotId=1, by=w.supplier)
    lot = w.driver.lot(1)
    assert (lot.holder, lot.status, lot.disposition, lot.quantity, lot.mass_kg) == (
        w.supplier.address, "active", "active", 250, 260,
    )  # fmt: skip
    assert (lot.temp_min, lot.temp_max, lot.producer, lot.co2_kg) == (D(2), D("8.5"), w.supplier.address, 0)
    assert w.commission(w.maker) == 2  # manufacturers commission too; ids are sequential
    assert int(w.sc.nextLotId()) == 3


@pytest.mark.parametrize("who", ["carrier", "warehouse", "retailer", "auditor", "sensor", "outsider"])
def test_only_suppliers_and_manufacturers_commission(w, who: str):
    with reverts("Unauthorized", account=getattr(w, who)):
        w.commission(getattr(w, who))


def test_commission_rejects_zero_amounts_and_an_inverted_range(w):
    with reverts("ZeroAmount"):
        w.commission(quantity=0)
    with reverts("ZeroAmount"):
        w.commission(mass_kg=0)
    with reverts("BadTemperatureRange", tempMin=500, tempMax=400):
        w.commission(temp_min=D(5), temp_max=D(4))
    w.commission(temp_min=D(4), temp_max=D(4))  # a single admissible temperature is a range


# --- aggregation -----------------------------------------------------------------------------------------------


def test_aggregate_packs_held_lots_into_a_pallet(w):
    a = w.commission(mass_kg=400, temp_min=D(2), temp_max=D(8))
    b = w.commission(mass_kg=600, temp_min=D(0), temp_max=D(6))
    result = w.driver.aggregate(w.supplier, lot_ids=[a, b])
    [pallet] = w.driver.created_lots(result)
    assert_events(result, "LotsAggregated", palletId=pallet, by=w.supplier, lotIds=[a, b])
    p = w.driver.lot(pallet)
    assert (p.kind, p.status, p.disposition, p.mass_kg, p.quantity) == ("pallet", "active", "container_closed", 1000, 2)
    assert (p.temp_min, p.temp_max) == (D(2), D(6))  # the intersection of the ranges
    assert [int(i) for i in w.sc.contentsOf(pallet)] == [a, b]
    child = w.driver.lot(a)
    assert (child.status, child.container) == ("aggregated", pallet)
    w.hand_over(pallet, w.supplier, w.warehouse)
    assert w.driver.lot(a).custodian == w.warehouse.address  # custody follows the pallet
    with reverts("WrongStatus", lotId=a, status=STATUS["aggregated"]):
        w.driver.ship(w.supplier, lot_id=a, receiver=w.maker, po="X")


def test_aggregate_rejects_foreign_nested_empty_and_oversized(w):
    mine = w.commission()
    theirs = w.commission(w.maker)
    with reverts("NotHolder", lotId=theirs, account=w.supplier, holder=w.maker):
        w.driver.aggregate(w.supplier, lot_ids=[mine, theirs])
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[mine]))
    with reverts("PalletsDoNotNest", lotId=pallet):
        w.driver.aggregate(w.supplier, lot_ids=[pallet])
    with reverts("BadCount", count=0, max=32):
        w.sc.aggregate([], ZERO32, sender=w.supplier)
    lots = [w.commission() for _ in range(33)]
    with reverts("BadCount", count=33, max=32):
        w.sc.aggregate(lots, ZERO32, sender=w.supplier)
    w.sc.aggregate(lots[:32], ZERO32, sender=w.supplier)  # the bound itself is fine
    with reverts("WrongStatus", lotId=lots[0], status=STATUS["aggregated"]):  # no lot in two pallets
        w.sc.aggregate(lots[:1], ZERO32, sender=w.supplier)
    with reverts("Unauthorized", account=w.sensor):
        w.sc.aggregate([lots[32]], ZERO32, sender=w.sensor)


def test_disaggregate_shares_pallet_legs_by_mass_and_gives_custody_to_the_pallet_holder(w):
    a = w.commission(mass_kg=300)
    b = w.commission(mass_kg=700)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    w.hand_over(pallet, w.supplier, w.carrier)
    w.driver.record_leg(w.carrier, lot_id=pallet, mode="road", distance_km=101, mass_kg=1000)
    leg = 62 * 101 * 1000
    assert int(w.sc.co2Of(a)) == leg * 300 // 1000  # the attributed share, while packed
    w.hand_over(pallet, w.carrier, w.warehouse)
    with reverts("NotHolder"):
        w.driver.disaggregate(w.supplier, pallet_id=pallet)
    result = w.driver.disaggregate(w.warehouse, pallet_id=pallet)
    assert_events(result, "PalletDisaggregated", palletId=pallet, by=w.warehouse, lotIds=[a, b])
    la, lb, lp = w.driver.lot(a), w.driver.lot(b), w.driver.lot(pallet)
    assert (la.status, la.holder, la.container, la.disposition) == ("active", w.warehouse.address, 0, "active")
    assert int(w.sc.getLot(a).co2Mg) == leg * 300 // 1000
    assert int(w.sc.getLot(b).co2Mg) == leg - leg * 300 // 1000  # the remainder: nothing lost to rounding
    assert lb.holder == w.warehouse.address
    assert (lp.status, lp.disposition) == ("disaggregated", "inactive")
    assert list(w.sc.contentsOf(pallet)) == []
    with reverts("WrongStatus", lotId=pallet, status=STATUS["disaggregated"]):
        w.driver.ship(w.warehouse, lot_id=pallet, receiver=w.retailer, po="X")
    with reverts("NotAPallet", lotId=a):
        w.sc.disaggregate(a, ZERO32, sender=w.warehouse)


def test_a_non_conformant_pallet_makes_its_lots_non_conformant(w):
    a = w.commission(temp_max=D(8))
    b = w.commission()
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    w.driver.post_reading(w.sensor, lot_id=pallet, celsius=D("8.01"))
    assert w.driver.lot(pallet).disposition == "non_conformant"
    w.driver.disaggregate(w.supplier, pallet_id=pallet)
    assert w.driver.lot(a).non_conformant and w.driver.lot(b).non_conformant
    assert w.driver.lot(b).disposition == "non_conformant"


# --- transformation --------------------------------------------------------------------------------------------


def test_transform_consumes_inputs_links_outputs_and_shares_co2_by_mass(w):
    a = w.commission(mass_kg=1000)
    b = w.commission(mass_kg=500)
    for lot in (a, b):
        w.hand_over(lot, w.supplier, w.carrier)
        w.driver.record_leg(w.carrier, lot_id=lot, mode="rail", distance_km=333, mass_kg=w.driver.lot(lot).mass_kg)
        w.hand_over(lot, w.carrier, w.maker)
    co2_in = 22 * 333 * 1500
    result = w.driver.transform(
        w.maker,
        inputs=[a, b],
        outputs=[{"product": "BAR", "quantity": 10_000, "unit": "H87", "mass_kg": 700},
                 {"product": "SHELLS", "quantity": 600, "mass_kg": 600}],
    )  # fmt: skip
    out1, out2 = w.driver.created_lots(result)
    assert_events(result, "LotsTransformed", firstOutput=out1, by=w.maker, inputs=[a, b], outputCount=2)
    for lot in (a, b):
        state = w.driver.lot(lot)
        assert (state.status, state.disposition, state.outputs) == ("consumed", "inactive", [out1, out2])
    share1 = co2_in * 700 // 1300
    assert int(w.sc.getLot(out1).co2Mg) == share1
    assert int(w.sc.getLot(out2).co2Mg) == co2_in - share1
    o = w.driver.lot(out1)
    assert (o.holder, o.producer, o.status, o.quantity, o.mass_kg) == (
        w.maker.address,
        w.maker.address,
        "active",
        10_000,
        700,
    )
    with reverts("WrongStatus", lotId=a, status=STATUS["consumed"]):
        w.transform([a], [1])


def test_transform_conserves_mass_and_checks_inputs(w):
    a = w.commission(w.maker, mass_kg=100)
    b = w.commission(w.maker, mass_kg=50)
    with reverts("MassNotConserved", outputKg=151, inputKg=150):
        w.transform([a, b], [100, 51])
    w.transform([a, b], [100, 50])  # exactly the input mass is fine
    c = w.commission(w.maker)
    with reverts("WrongStatus", lotId=c, status=STATUS["consumed"]):  # the same input twice
        w.transform([c, c], [10])
    with reverts("Unauthorized", account=w.supplier):
        w.transform([c], [10], actor=w.supplier)
    with reverts("NotHolder", lotId=c, account=w.maker2):
        w.transform([c], [10], actor=w.maker2)
    with reverts("ZeroAmount"):  # checked before any share of CO2e is computed
        w.transform([c], [0, 0])
    with reverts("BadCount", count=0, max=8):
        w.transform([], [10])
    with reverts("BadCount", count=9, max=8):
        w.transform([c], [1] * 9)
    [pallet] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[c]))
    with reverts("PalletsDoNotNest", lotId=pallet):
        w.transform([pallet], [10])


# --- custody -----------------------------------------------------------------------------------------------------


def test_custody_moves_only_when_the_receiver_confirms(w):
    lot = w.commission()
    result = w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-4711")
    shipped = assert_events(result, "LotShipped", lotId=lot, to=w.carrier, isReturn=False)[0]
    assert shipped.args["from"] == w.supplier.address
    assert shipped.args["poRef"].rstrip(b"\0") == b"PO-4711"
    state = w.driver.lot(lot)
    assert (state.holder, state.status, state.disposition, state.pending_receiver) == (
        w.supplier.address, "in_transit", "in_transit", w.carrier.address,
    )  # fmt: skip
    result = w.driver.receive(w.carrier, lot_id=lot)
    received = assert_events(result, "LotReceived", lotId=lot, to=w.carrier)[0]
    assert received.args["from"] == w.supplier.address
    state = w.driver.lot(lot)
    assert (state.holder, state.status, state.disposition, state.pending_receiver) == (
        w.carrier.address, "active", "in_progress", None,
    )  # fmt: skip


def test_a_lot_in_transit_cannot_be_shipped_again(w):
    lot = w.commission()
    w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1")
    with reverts("WrongStatus", lotId=lot, status=STATUS["in_transit"]):
        w.driver.ship(w.supplier, lot_id=lot, receiver=w.warehouse, po="PO-2")
    with reverts("WrongStatus", lotId=lot, status=STATUS["in_transit"]):
        w.driver.destroy(w.supplier, lot_id=lot)


def test_only_the_holder_ships(w):
    lot = w.commission()
    with reverts("NotHolder", lotId=lot, account=w.maker, holder=w.supplier):
        w.driver.ship(w.maker, lot_id=lot, receiver=w.carrier, po="PO-1")
    with reverts("UnknownLot", lotId=99):
        w.driver.contract.ship(99, w.carrier, ZERO32, ZERO32, sender=w.supplier)
    w.hand_over(lot, w.supplier, w.carrier)
    with reverts("NotHolder", lotId=lot, account=w.supplier, holder=w.carrier):  # the former holder
        w.driver.ship(w.supplier, lot_id=lot, receiver=w.maker, po="PO-2")


def test_only_the_named_receiver_confirms(w):
    lot = w.commission()
    w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1")
    with reverts("NotReceiver", lotId=lot, account=w.warehouse, receiver=w.carrier):
        w.driver.receive(w.warehouse, lot_id=lot)
    with reverts("NotReceiver", lotId=lot, account=w.supplier, receiver=w.carrier):
        w.driver.receive(w.supplier, lot_id=lot)
    w.driver.receive(w.carrier, lot_id=lot)
    with reverts("WrongStatus", lotId=lot, status=STATUS["active"]):  # no second confirmation
        w.driver.receive(w.carrier, lot_id=lot)


@pytest.mark.parametrize("who", ["sensor", "auditor", "outsider"])
def test_goods_go_only_to_custody_parties(w, who: str):
    lot = w.commission()
    with reverts("NotCustodyParty", account=getattr(w, who)):
        w.driver.ship(w.supplier, lot_id=lot, receiver=getattr(w, who), po="PO-1")


def test_no_shipment_to_oneself(w):
    lot = w.commission()
    with reverts("SelfShipment"):
        w.driver.ship(w.supplier, lot_id=lot, receiver=w.supplier, po="PO-1")


# --- transport legs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_leg_co2_is_intensity_times_distance_times_mass(w, mode: str):
    lot = w.commission()
    w.hand_over(lot, w.supplier, w.carrier)
    grams = int(w.sc.intensity(MODES.index(mode)))
    result = w.driver.record_leg(w.carrier, lot_id=lot, mode=mode, distance_km=1234, mass_kg=987)
    assert_events(result, "LegRecorded", lotId=lot, carrier=w.carrier, co2Mg=grams * 1234 * 987)
    result = w.driver.record_leg(w.carrier, lot_id=lot, mode=mode, distance_km=1, mass_kg=1)
    assert_events(result, "LegRecorded", co2Mg=grams, totalCo2Mg=grams * 1234 * 987 + grams)
    assert w.driver.lot(lot).co2_kg == D(grams * 1234 * 987 + grams) / 1_000_000


def test_a_new_intensity_applies_to_later_legs(w):
    lot = w.commission()
    w.hand_over(lot, w.supplier, w.carrier)
    w.driver.record_leg(w.carrier, lot_id=lot, mode="sea", distance_km=10_000, mass_kg=1000)
    w.driver.set_intensity(w.admin, mode="sea", grams_per_tonne_km=8)
    w.driver.record_leg(w.carrier, lot_id=lot, mode="sea", distance_km=10_000, mass_kg=1000)
    assert int(w.sc.co2Of(lot)) == (16 + 8) * 10_000 * 1000


def test_legs_by_the_carrier_holding_or_receiving_the_lot(w):
    lot = w.commission()
    with reverts("Unauthorized", account=w.supplier):
        w.driver.record_leg(w.supplier, lot_id=lot, mode="road", distance_km=1, mass_kg=1)
    with reverts("NotHolder", lotId=lot, account=w.carrier):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=1, mass_kg=1)
    w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1")
    w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=1, mass_kg=1)  # the pending receiver
    with reverts("ZeroAmount"):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=0, mass_kg=1)
    with reverts("ZeroAmount"):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=1, mass_kg=0)


# --- cold chain ----------------------------------------------------------------------------------------------------


def test_readings_at_the_bounds_are_in_range_and_one_outside_makes_the_lot_non_conformant(w):
    lot = w.commission(temp_min=D(2), temp_max=D(8))
    for celsius in ("2.00", "8.00", "5"):
        result = w.driver.post_reading(w.sensor, lot_id=lot, celsius=celsius)
        assert_events(result, "ReadingPosted", lotId=lot, sensor=w.sensor, inRange=True)
        assert not result.events_named("DispositionChanged")
    assert w.driver.lot(lot).disposition == "active"
    result = w.driver.post_reading(w.sensor, lot_id=lot, celsius="1.99")
    assert_events(result, "ReadingPosted", centiCelsius=199, inRange=False)
    assert_events(result, "DispositionChanged", lotId=lot, disposition=5)
    state = w.driver.lot(lot)
    assert (state.disposition, state.non_conformant) == ("non_conformant", True)
    result = w.driver.post_reading(w.sensor, lot_id=lot, celsius="8.01")
    assert_events(result, "ReadingPosted", inRange=False)
    assert not result.events_named("DispositionChanged")  # already non-conformant
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="5")
    assert w.driver.lot(lot).non_conformant  # back in range does not make it conformant again


def test_non_conformance_survives_shipping(w):
    lot = w.commission(temp_max=D(8))
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="8.01")
    w.driver.ship(w.supplier, lot_id=lot, receiver=w.carrier, po="PO-1")
    assert w.driver.lot(lot).disposition == "non_conformant"
    w.driver.receive(w.carrier, lot_id=lot)
    assert w.driver.lot(lot).disposition == "non_conformant"


def test_only_registered_sensors_post_readings_and_a_lot_without_range_is_always_conformant(w):
    lot = w.commission()
    with reverts("Unauthorized", account=w.carrier):
        w.driver.post_reading(w.carrier, lot_id=lot, celsius="4")
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="-327.68")
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="327.67")
    assert not w.driver.lot(lot).non_conformant
    with reverts("WrongStatus", lotId=99, status=0):
        w.driver.contract.postReading(99, 0, ZERO32, sender=w.sensor)


def test_a_packed_lot_takes_readings(w):
    lot = w.commission(temp_max=D(8))
    w.driver.aggregate(w.supplier, lot_ids=[lot])
    w.driver.post_reading(w.sensor, lot_id=lot, celsius="9")
    assert w.driver.lot(lot).non_conformant


# --- recall ----------------------------------------------------------------------------------------------------------


def _recall_world(w) -> dict[str, int]:
    """A -(T1 with X)-> B -(T2)-> C, D ; C packed with E into pallet P."""
    a = w.commission(w.maker, mass_kg=1000)
    x = w.commission(w.maker, mass_kg=1000)
    [b] = w.transform([a, x], [1800])
    c, d = w.transform([b], [1000, 700])
    e = w.commission(w.maker, mass_kg=10)
    [p] = w.driver.created_lots(w.driver.aggregate(w.maker, lot_ids=[c, e]))
    return {"A": a, "X": x, "B": b, "C": c, "D": d, "E": e, "P": p}


def test_recall_propagates_through_two_transformations_and_an_aggregation(w):
    ids = _recall_world(w)
    result = w.driver.recall(w.auditor, lot_id=ids["A"], reason="salmonella")
    recalled = {
        int(e.args["lotId"]) for e in assert_events(result, "LotRecalled", count=5, root=ids["A"], by=w.auditor)
    }
    assert recalled == {ids[k] for k in "ABCDP"}
    for name in "ABCDP":
        assert w.driver.lot(ids[name]).recalled, name
    assert w.driver.lot(ids["D"]).disposition == "recalled"
    assert w.driver.lot(ids["P"]).disposition == "recalled"
    assert w.driver.lot(ids["A"]).disposition == "inactive"  # consumed: still flagged, disposition unchanged
    assert not w.driver.lot(ids["X"]).recalled  # a sibling input is upstream, not downstream
    assert not w.driver.lot(ids["E"]).recalled  # packed with a recalled lot: quarantined with its pallet
    with reverts("LotIsRecalled", lotId=ids["P"]):
        w.driver.disaggregate(w.maker, pallet_id=ids["P"])


def test_recalling_a_pallet_recalls_its_contents(w):
    a = w.commission()
    b = w.commission()
    [p] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    result = w.driver.recall(w.auditor, lot_id=p)
    assert_events(result, "LotRecalled", count=3, root=p)
    assert w.driver.lot(a).recalled and w.driver.lot(b).recalled


def test_who_may_recall(w):
    mine = w.commission(w.maker)
    supplied = w.commission(w.supplier)
    with reverts("Unauthorized", account=w.maker2):  # another manufacturer's lot
        w.driver.recall(w.maker2, lot_id=mine)
    with reverts("Unauthorized", account=w.supplier):
        w.driver.recall(w.supplier, lot_id=supplied)
    with reverts("Unauthorized", account=w.maker):
        w.driver.recall(w.maker, lot_id=supplied)
    with reverts("UnknownLot", lotId=99):
        w.sc.recall(99, ZERO32, sender=w.auditor)
    w.driver.recall(w.maker, lot_id=mine)  # the producing manufacturer
    with reverts("AlreadyRecalled", lotId=mine):
        w.driver.recall(w.auditor, lot_id=mine)
    w.driver.recall(w.auditor, lot_id=supplied)


def test_a_recalled_lot_accepts_only_return_or_destruction(w):
    lot = w.commission(w.maker, temp_max=D(8))
    other = w.commission(w.maker)
    w.hand_over(lot, w.maker, w.carrier)
    w.driver.recall(w.auditor, lot_id=lot)
    with reverts("LotIsRecalled", lotId=lot):
        w.driver.ship(w.carrier, lot_id=lot, receiver=w.warehouse, po="PO-2")
    with reverts("LotIsRecalled", lotId=lot):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=1, mass_kg=1)
    with reverts("LotIsRecalled", lotId=lot):
        w.driver.post_reading(w.sensor, lot_id=lot, celsius="20")
    with reverts("LotIsRecalled", lotId=lot):
        w.driver.aggregate(w.carrier, lot_ids=[lot])
    with reverts("LotNotRecalled", lotId=other):
        w.driver.return_lot(w.maker, lot_id=other, receiver=w.warehouse)
    result = w.driver.return_lot(w.carrier, lot_id=lot, receiver=w.maker)
    assert_events(result, "LotShipped", lotId=lot, to=w.maker, isReturn=True)
    assert w.driver.lot(lot).disposition == "returned"
    w.driver.receive(w.maker, lot_id=lot)
    state = w.driver.lot(lot)
    assert (state.holder, state.disposition, state.status) == (w.maker.address, "returned", "active")
    with reverts("LotIsRecalled", lotId=lot):
        w.transform([lot], [1])
    w.driver.destroy(w.maker, lot_id=lot)
    assert w.driver.lot(lot).status == "destroyed"


def test_a_shipment_under_way_when_recalled_can_still_be_received(w):
    lot = w.commission(w.maker)
    w.driver.ship(w.maker, lot_id=lot, receiver=w.warehouse, po="PO-1")
    w.driver.recall(w.maker, lot_id=lot)
    w.driver.receive(w.warehouse, lot_id=lot)
    state = w.driver.lot(lot)
    assert (state.holder, state.disposition, state.recalled) == (w.warehouse.address, "recalled", True)


# --- destruction -----------------------------------------------------------------------------------------------------


def test_nothing_happens_to_a_destroyed_lot(w):
    lot = w.commission(temp_max=D(8))
    w.hand_over(lot, w.supplier, w.carrier)
    with reverts("NotHolder", lotId=lot, account=w.supplier):
        w.driver.destroy(w.supplier, lot_id=lot)
    result = w.driver.destroy(w.carrier, lot_id=lot)
    assert_events(result, "LotDestroyed", lotId=lot, by=w.carrier)
    assert (w.driver.lot(lot).status, w.driver.lot(lot).disposition) == ("destroyed", "destroyed")
    destroyed = STATUS["destroyed"]
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.ship(w.carrier, lot_id=lot, receiver=w.warehouse, po="PO-1")
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.record_leg(w.carrier, lot_id=lot, mode="road", distance_km=1, mass_kg=1)
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.post_reading(w.sensor, lot_id=lot, celsius="4")
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.recall(w.auditor, lot_id=lot)
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.destroy(w.carrier, lot_id=lot)
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.driver.aggregate(w.carrier, lot_ids=[lot])
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.sc.confirmReceipt(lot, ZERO32, sender=w.carrier)
    with reverts("WrongStatus", lotId=lot, status=destroyed):
        w.sc.returnLot(lot, w.maker, ZERO32, sender=w.carrier)


def test_destroying_a_pallet_destroys_its_contents(w):
    a = w.commission()
    b = w.commission()
    [p] = w.driver.created_lots(w.driver.aggregate(w.supplier, lot_ids=[a, b]))
    w.hand_over(p, w.supplier, w.warehouse)
    result = w.driver.destroy(w.warehouse, lot_id=p)
    assert {int(e.args["lotId"]) for e in assert_events(result, "LotDestroyed", count=3)} == {a, b, p}
    for lot in (a, b):
        state = w.driver.lot(lot)
        assert (state.status, state.holder) == ("destroyed", w.warehouse.address)
    with reverts("WrongStatus", lotId=a, status=STATUS["destroyed"]):
        w.driver.recall(w.auditor, lot_id=a)
