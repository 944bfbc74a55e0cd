"""A hypothesis state machine over SupplyChain, checked against a Python model after every step.

Besides the honest parties, hostile ones act at random: an outsider with no role, a second manufacturer (`maker2`)
recalling what it did not make, parties cancelling or releasing what is not theirs, a sensor posting readings on
any lot, a carrier claiming more mass or distance than there is.

Invariants: custody is continuous (each handover's sender is the current holder, and custody is with exactly one
party); transformations never create matter (outputs weigh at most their inputs, and live mass never exceeds
commissioned mass); nothing happens to a destroyed lot; no lot's CO2e ever decreases and the legs' CO2e is
conserved through splits and unpacking; non-conformance is never lost (what is made from or packed with a
non-conformant lot is non-conformant); every lot keeps a way out (its holder can destroy it, a shipment's receiver
can refuse it, a packed lot's pallet can be unpacked by its holder or, recalled, by an auditor).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from s4chain.chain import ContractRevert
from s4chain.testing.stateful import run_machine

NONE, ACTIVE, IN_TRANSIT, AGGREGATED, CONSUMED, DISAGGREGATED, DESTROYED = range(7)
INTENSITY = [62, 22, 31, 16, 602]
DOC = b"\x11" * 32
TIMEOUT = 14 * 86_400
MAX_LEG_KM = 50_000
RANGE = (-100, 800)  # every lot here: -1 to 8 degrees C


@dataclass
class LotModel:
    holder: str
    mass: int
    kind: int = 0  # 1: pallet
    status: int = ACTIVE
    pending: str | None = None
    container: int = 0
    co2: int = 0
    recalled: bool = False
    nc: bool = False  # non-conformant
    producer: str = ""
    shipped_at: int = 0
    contents: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)


@pytest.mark.slow
def test_supply_state_machine(w):
    sc = w.sc
    custody = [w.supplier, w.maker, w.carrier, w.warehouse, w.retailer, w.maker2]
    everyone = [*custody, w.outsider]
    hostile = st.sampled_from([w.outsider, w.maker2, w.auditor, w.carrier])
    by_address = {a.address: a for a in everyone}
    actor = st.sampled_from(custody)
    lot_id = st.integers(min_value=0, max_value=1000)  # an index into the existing lots (or a missing one)
    honest = st.booleans()  # act as the party the model says should act (else a random one)

    class SupplyMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.lots: dict[int, LotModel] = {}
            self.seen_co2: dict[int, int] = {}
            self.commissioned_mass = 0
            self.legs_co2 = 0
            self.destroyed_ids: set[int] = set()
            self.touched: set[int] = set()

        # -- helpers ----------------------------------------------------------------------------------------
        def attempt(self, expected_ok: bool, send):
            """Send; the chain must agree with the model on whether it goes through."""
            try:
                result = send()
            except ContractRevert as exc:
                assert not expected_ok, f"unexpected revert {exc}"
                return None
            assert expected_ok, "the contract accepted what the model refuses"
            return result

        def usable(self, i: int, who) -> bool:
            lot = self.lots.get(i)
            return lot is not None and lot.status == ACTIVE and lot.holder == who.address and not lot.recalled

        def pick(self, k: int) -> int:
            """An existing lot most of the time, a missing one sometimes."""
            ids = sorted(self.lots)
            return ids[k % len(ids)] if ids and k % 10 else 1000 + k

        def pick_where(self, k: int, honest: bool, wanted) -> int:
            """When honest, a lot the rule can apply to (if any); otherwise any lot or a missing one."""
            if honest:
                ids = [i for i in sorted(self.lots) if wanted(self.lots[i])]
                if ids:
                    return ids[k % len(ids)]
            return self.pick(k)

        def any(self, wanted) -> bool:
            return any(wanted(m) for m in self.lots.values())

        def party(self, address: str | None, fallback):
            return by_address.get(address or "", fallback)

        def new_id(self) -> int:
            return int(sc.nextLotId())

        def next_time(self) -> int:
            """Pin the next block one second on, so that the model knows the time a transaction lands at."""
            at = w.chain.timestamp + 1
            w.chain.set_next_block_timestamp(at)
            return at

        def unpack(self, i: int, holder: str) -> None:
            pallet = self.lots[i]
            shared = 0
            for k, child_id in enumerate(pallet.contents):
                child = self.lots[child_id]
                last = k == len(pallet.contents) - 1
                share = pallet.co2 - shared if last else pallet.co2 * child.mass // pallet.mass
                shared += share
                child.co2 += share
                child.nc = child.nc or pallet.nc
                child.status, child.container, child.holder = ACTIVE, 0, holder
            pallet.status = DISAGGREGATED
            self.touched.update([i, *pallet.contents])
            pallet.contents = []  # as on chain: an empty pallet recalls nothing more

        # -- rules --------------------------------------------------------------------------------------------
        @initialize(masses=st.lists(st.integers(1, 5000), min_size=4, max_size=4))
        def stock(self, masses):
            """Start with two lots at the supplier and two at the manufacturer."""
            for who, mass in zip([w.supplier, w.supplier, w.maker, w.maker], masses, strict=True):
                self.commission(who, mass)

        @precondition(lambda self: len(self.lots) < 10)
        @rule(
            who=st.sampled_from([w.supplier, w.maker, w.supplier, w.maker, w.maker2, w.carrier, w.outsider]),
            mass=st.integers(1, 5000),
        )
        def commission(self, who, mass):
            ok = who in (w.supplier, w.maker, w.maker2)
            i = self.new_id()
            spec = (b"P".ljust(32, b"\0"), mass, b"KGM".ljust(8, b"\0"), b"\0" * 32, mass, *RANGE)
            if self.attempt(ok, lambda: sc.commission(spec, DOC, sender=who)):
                self.lots[i] = LotModel(holder=who.address, mass=mass, producer=who.address)
                self.commissioned_mass += mass
                self.touched.add(i)

        @precondition(lambda self: self.any(lambda m: m.status == ACTIVE and not m.recalled))
        @rule(k=lot_id, h=honest, sender=actor, receiver=st.sampled_from([w.carrier, w.carrier, *everyone]))
        def ship(self, k, h, sender, receiver):
            i = self.pick_where(k, h, lambda m: m.status == ACTIVE and not m.recalled)
            lot = self.lots.get(i)
            if h and lot is not None:
                sender = self.party(lot.holder, sender)
            ok = self.usable(i, sender) and receiver != sender and receiver != w.outsider
            holder_before = sc.getLot(i).holder.lower()
            result = self.attempt(ok, lambda: sc.ship(i, receiver, b"\0" * 32, DOC, sender=sender))
            if result:
                shipped = result.event("LotShipped")
                assert shipped.args["from"].lower() == holder_before == lot.holder.lower()  # custody continuity
                lot.status, lot.pending, lot.shipped_at = IN_TRANSIT, receiver.address, result.timestamp
                self.touched.add(i)
                if k % 2:  # often confirmed at once (the receive rule covers the rest)
                    self.receive(k, True, receiver, i)

        @precondition(lambda self: self.any(lambda m: m.status == IN_TRANSIT))
        @rule(k=lot_id, h=honest, who=actor)
        def receive(self, k, h, who, i=None):
            i = i if i is not None else self.pick_where(k, h, lambda m: m.status == IN_TRANSIT)
            lot = self.lots.get(i)
            if h and lot is not None:
                who = self.party(lot.pending, who)
            ok = lot is not None and lot.status == IN_TRANSIT and lot.pending == who.address
            result = self.attempt(ok, lambda: sc.confirmReceipt(i, DOC, sender=who))
            if result:
                assert result.event("LotReceived").args["from"] == lot.holder
                lot.status, lot.holder, lot.pending = ACTIVE, who.address, None
                self.touched.add(i)

        @precondition(
            lambda self: self.any(lambda m: w.carrier.address in (m.holder, m.pending) and m.status < AGGREGATED)
        )
        @rule(
            k=lot_id,
            h=honest,
            mode=st.integers(0, 4),
            km=st.one_of(st.integers(0, 3000), st.just(MAX_LEG_KM), st.just(MAX_LEG_KM + 1)),
            kg=st.integers(1, 6000),
        )
        def record_leg(self, k, h, mode, km, kg):
            """A carrier, honest or claiming more mass or distance than there is."""
            i = self.pick_where(k, h, lambda m: w.carrier.address in (m.holder, m.pending) and m.status < AGGREGATED)
            lot = self.lots.get(i)
            ok = (
                lot is not None
                and lot.status in (ACTIVE, IN_TRANSIT)
                and not lot.recalled
                and w.carrier.address in (lot.holder, lot.pending)
                and 0 < km <= MAX_LEG_KM
                and kg <= lot.mass
            )
            if self.attempt(ok, lambda: sc.recordLeg(i, mode, km, kg, DOC, sender=w.carrier)):
                lot.co2 += INTENSITY[mode] * km * kg
                self.legs_co2 += INTENSITY[mode] * km * kg
                self.touched.add(i)

        @precondition(
            lambda self: self.any(lambda m: m.status == ACTIVE and m.holder == w.maker.address and m.kind == 0)
        )
        @rule(
            ks=st.lists(lot_id, min_size=1, max_size=3), masses=st.lists(st.integers(1, 3000), min_size=1, max_size=3)
        )
        def transform(self, ks, masses):
            maker_can = lambda m: m.status == ACTIVE and m.holder == w.maker.address and m.kind == 0  # noqa: E731
            inputs = [self.pick_where(k, k % 3 != 0, maker_can) for k in ks]
            distinct = len(set(inputs)) == len(inputs)
            held = all(self.usable(i, w.maker) and self.lots[i].kind == 0 for i in inputs)
            mass_in = sum(self.lots[i].mass for i in inputs) if held else 0
            if held and ks[0] % 2:  # mostly a mass balance that holds; sometimes too much output
                masses = [max(1, mass_in * m // (3000 * len(masses))) for m in masses]
            ok = distinct and held and sum(masses) <= mass_in
            first = self.new_id()
            outputs = [(b"O".ljust(32, b"\0"), m, b"KGM".ljust(8, b"\0"), b"\0" * 32, m, *RANGE) for m in masses]
            if self.attempt(ok, lambda: sc.transform(inputs, outputs, DOC, sender=w.maker)):
                assert sum(masses) <= mass_in  # matter is not created
                co2_in = sum(self.lots[i].co2 for i in inputs)
                nc = any(self.lots[i].nc for i in inputs)
                given = 0
                for j, m in enumerate(masses):
                    share = co2_in - given if j == len(masses) - 1 else co2_in * m // sum(masses)
                    given += share
                    self.lots[first + j] = LotModel(
                        holder=w.maker.address, mass=m, co2=share, nc=nc, producer=w.maker.address
                    )
                for i in inputs:
                    self.lots[i].status = CONSUMED
                    self.lots[i].outputs = list(range(first, first + len(masses)))
                self.touched.update([*inputs, *range(first, first + len(masses))])

        @precondition(lambda self: self.any(lambda m: m.status == ACTIVE and m.kind == 0))
        @rule(h=honest, who=actor, ks=st.lists(lot_id, min_size=1, max_size=3))
        def aggregate(self, h, who, ks):
            ids = list(dict.fromkeys(self.pick_where(k, h, lambda m: m.status == ACTIVE and m.kind == 0) for k in ks))
            if h and ids[0] in self.lots:
                who = self.party(self.lots[ids[0]].holder, who)
            ok = all(self.usable(i, who) and self.lots[i].kind == 0 for i in ids)
            pallet = self.new_id()
            if self.attempt(ok, lambda: sc.aggregate(ids, DOC, sender=who)):
                mass = sum(self.lots[i].mass for i in ids)
                nc = any(self.lots[i].nc for i in ids)
                self.lots[pallet] = LotModel(holder=who.address, mass=mass, kind=1, nc=nc, producer=who.address)
                self.lots[pallet].contents = list(ids)
                for i in ids:
                    self.lots[i].status, self.lots[i].container = AGGREGATED, pallet
                self.touched.update([pallet, *ids])

        @precondition(lambda self: self.any(lambda m: m.status == ACTIVE and m.kind == 1))
        @rule(k=lot_id, h=honest, who=actor)
        def disaggregate(self, k, h, who):
            i = self.pick_where(k, h, lambda m: m.kind == 1 and m.status == ACTIVE)
            if h and i in self.lots:
                who = self.party(self.lots[i].holder, who)
            ok = self.usable(i, who) and self.lots[i].kind == 1
            if self.attempt(ok, lambda: sc.disaggregate(i, DOC, sender=who)):
                self.unpack(i, who.address)

        @precondition(lambda self: self.any(lambda m: not m.recalled and m.status != DESTROYED))
        @rule(k=lot_id, who=st.sampled_from([w.auditor, w.auditor, w.maker, w.maker2, w.supplier, w.outsider]))
        def recall(self, k, who):
            """Auditors recall any lot, a manufacturer only the lots (not pallets) it made."""
            i = self.pick(k) if k % 3 == 0 else 2000 + k  # recalls freeze lots: mostly try missing ones
            lot = self.lots.get(i)
            may = who == w.auditor or (
                who in (w.maker, w.maker2) and lot is not None and lot.producer == who.address and lot.kind == 0
            )
            ok = lot is not None and not lot.recalled and lot.status != DESTROYED and may
            if self.attempt(ok, lambda: sc.recall(i, DOC, sender=who)):
                queue = [i, *(lot.contents if lot.kind == 1 else [])]
                marked: list[int] = []
                while queue:
                    j = queue.pop(0)
                    m = self.lots[j]
                    if m.recalled or m.status == DESTROYED:
                        continue
                    m.recalled = True
                    marked.append(j)
                    if m.status == AGGREGATED:
                        queue.append(m.container)
                    elif m.status == CONSUMED:
                        queue.extend(m.outputs)
                self.touched.update(marked)

        @precondition(lambda self: self.any(lambda m: m.recalled and m.status == ACTIVE))
        @rule(k=lot_id, h=honest, who=actor, receiver=actor)
        def return_lot(self, k, h, who, receiver):
            i = self.pick_where(k, h, lambda m: m.recalled and m.status == ACTIVE)
            lot = self.lots.get(i)
            if h and lot is not None:
                who = self.party(lot.holder, who)
            ok = (
                lot is not None
                and lot.status == ACTIVE
                and lot.holder == who.address
                and lot.recalled
                and receiver != who
            )
            if self.attempt(ok, lambda: sc.returnLot(i, receiver, DOC, sender=who)):
                lot.status, lot.pending = IN_TRANSIT, receiver.address
                self.touched.add(i)

        @precondition(lambda self: self.any(lambda m: m.status == ACTIVE))
        @rule(k=lot_id, h=honest, who=actor)
        def destroy(self, k, h, who):
            i = self.pick(k)
            lot = self.lots.get(i)
            if h and k % 3 == 0 and lot is not None:  # destruction ends a lot's story: not too often
                who = self.party(lot.holder, who)
            ok = lot is not None and lot.status == ACTIVE and lot.holder == who.address
            if self.attempt(ok, lambda: sc.destroy(i, DOC, sender=who)):
                for j in [i, *lot.contents]:
                    self.lots[j].status, self.lots[j].holder = DESTROYED, who.address
                    self.destroyed_ids.add(j)
                self.touched.update([i, *lot.contents])

        @rule(days=st.sampled_from([1, 7, 15]))
        def time_passes(self, days):
            w.chain.set_next_block_timestamp(w.chain.timestamp + days * 86_400)
            w.chain.mine()

        @precondition(lambda self: self.any(lambda m: m.status == IN_TRANSIT))
        @rule(k=lot_id, h=honest, who=st.sampled_from([*custody, w.auditor, w.outsider]))
        def cancel_shipment(self, k, h, who):
            """The receiver refuses at once; the sender or an auditor cancels after the timeout; nobody else."""
            i = self.pick_where(k, h, lambda m: m.status == IN_TRANSIT)
            lot = self.lots.get(i)
            now = self.next_time()
            ok = (
                lot is not None
                and lot.status == IN_TRANSIT
                and (
                    who.address == lot.pending
                    or ((who.address == lot.holder or who == w.auditor) and now >= lot.shipped_at + TIMEOUT)
                )
            )
            if self.attempt(ok, lambda: sc.cancelShipment(i, DOC, sender=who)):
                lot.status, lot.pending = ACTIVE, None
                self.touched.add(i)

        @precondition(lambda self: self.any(lambda m: m.kind == 1 and m.status == ACTIVE))
        @rule(k=lot_id, h=honest, who=st.sampled_from([w.auditor, w.auditor, *custody, w.outsider]))
        def release_pallet(self, k, h, who):
            """Only an auditor unpacks a recalled pallet (its holder may not)."""
            i = self.pick_where(k, h, lambda m: m.kind == 1 and m.status == ACTIVE and m.recalled)
            lot = self.lots.get(i)
            ok = who == w.auditor and lot is not None and lot.kind == 1 and lot.status == ACTIVE and lot.recalled
            if self.attempt(ok, lambda: sc.releasePallet(i, DOC, sender=who)):
                self.unpack(i, lot.holder)

        @rule(k=lot_id, who=hostile, celsius=st.integers(-200, 900))
        def post_reading(self, k, who, celsius):
            """Registered sensors post on any live lot; a reading out of range marks it for good."""
            who = w.sensor if k % 2 else who
            i = self.pick(k)
            lot = self.lots.get(i)
            ok = (
                who == w.sensor
                and lot is not None
                and lot.status in (ACTIVE, IN_TRANSIT, AGGREGATED)
                and not lot.recalled
            )
            if self.attempt(ok, lambda: sc.postReading(i, celsius, DOC, sender=who)):
                if not RANGE[0] <= celsius <= RANGE[1]:
                    lot.nc = True
                    if lot.status == AGGREGATED:  # and its pallet, as packing it warm would have
                        self.lots[lot.container].nc = True
                        self.touched.add(lot.container)
                self.touched.add(i)

        @rule(k=lot_id, who=hostile)
        def continue_recall(self, k, who):
            """The lots here never make a recall wider than a page: there is never anything to continue."""
            self.attempt(False, lambda: sc.continueRecall(self.pick(k), DOC, sender=who))

        @precondition(lambda self: bool(self.destroyed_ids))
        @rule(k=lot_id)
        def poke_destroyed(self, k):
            """Every kind of event on a destroyed lot is refused."""
            if not self.destroyed_ids:
                return
            i = sorted(self.destroyed_ids)[k % len(self.destroyed_ids)]
            holder = self.lots[i].holder
            who = next(a for a in custody if a.address == holder)
            attempts = (
                lambda: sc.ship(i, w.retailer if who != w.retailer else w.maker, b"\0" * 32, DOC, sender=who),
                lambda: sc.destroy(i, DOC, sender=who),
                lambda: sc.recordLeg(i, 0, 1, 1, DOC, sender=w.carrier),
                lambda: sc.postReading(i, 0, DOC, sender=w.sensor),
                lambda: sc.recall(i, DOC, sender=w.auditor),
                lambda: sc.confirmReceipt(i, DOC, sender=who),
                lambda: sc.aggregate([i], DOC, sender=who),
                lambda: sc.transform([i], [(b"\0" * 32, 1, b"\0" * 8, b"\0" * 32, 1, 0, 0)], DOC, sender=w.maker),
                lambda: sc.returnLot(i, w.maker if who != w.maker else w.retailer, DOC, sender=who),
            )
            self.attempt(False, attempts[k % len(attempts)])
            assert sc.getLot(i).status == DESTROYED

        # -- invariants ---------------------------------------------------------------------------------------
        @invariant()
        def chain_matches_model(self):
            for i in self.touched:
                lot = self.lots[i]
                raw = sc.getLot(i)
                assert raw.status == lot.status, (i, raw, lot)
                assert raw.holder.lower() == lot.holder.lower(), (i, raw, lot)  # exactly one holder, the model's
                assert bool(raw.flags & 1) == lot.recalled, (i, raw, lot)
                assert int(raw.co2Mg) == lot.co2, (i, raw, lot)
                assert bool(raw.flags & 2) == lot.nc, (i, raw, lot)  # non-conformance is carried, never lost
                assert int(raw.co2Mg) >= self.seen_co2.get(i, 0)  # CO2e never decreases
                self.seen_co2[i] = int(raw.co2Mg)
                assert self.way_out(i, raw), (i, raw, lot)
            self.touched.clear()

        def way_out(self, i: int, raw) -> bool:
            """Whether the lot's party can move it on now (checked by a call): a holder destroys, a receiver
            refuses, a packed lot's pallet is unpacked (or released by an auditor when recalled)."""
            try:
                if raw.status == ACTIVE:
                    sc.destroy.call(i, DOC, sender=by_address[raw.holder])
                elif raw.status == IN_TRANSIT:
                    sc.cancelShipment.call(i, DOC, sender=by_address[raw.pendingReceiver])
                elif raw.status == AGGREGATED:
                    pallet = sc.getLot(raw.container)
                    if pallet.status == IN_TRANSIT:
                        return self.way_out(raw.container, pallet)
                    keeper = by_address[pallet.holder]
                    if pallet.flags & 1:
                        sc.releasePallet.call(raw.container, DOC, sender=w.auditor)
                    else:
                        sc.disaggregate.call(raw.container, DOC, sender=keeper)
            except ContractRevert:
                return False
            return True

        @invariant()
        def co2_is_conserved(self):
            """Splits and unpacking share the legs' CO2e out to the milligram: none is lost or made."""
            held = sum(m.co2 for m in self.lots.values() if m.status not in (CONSUMED, DISAGGREGATED))
            assert held == self.legs_co2

        @invariant()
        def matter_is_not_created(self):
            live = sum(
                m.mass for m in self.lots.values() if m.kind == 0 and m.status in (ACTIVE, IN_TRANSIT, AGGREGATED)
            )
            assert live <= self.commissioned_mass

    examples = int(os.environ.get("S4_SUPPLY_EXAMPLES", "15"))
    run_machine(SupplyMachine, examples=examples, steps=25)
