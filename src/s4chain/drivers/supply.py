"""UC4 driver: supply-chain traceability on the GS1 EPCIS 2.0 model (`contracts/supply/SupplyChain.sol`).

Every action writes the EPCIS 2.0 event of what happens (see `s4chain.drivers.epcis`), keeps it off chain in
`driver.events_by_hash`, and sends its canonical hash with the transaction. `provenance(lot_id)` rebuilds a
lot's history (every upstream event, the custody chain, the CO2e) from the chain's logs alone, and tells which
of those events the driver holds a verified document for.

Documents are written before their transaction is sent (the hash goes into it), so their `eventTime` is the
time of the latest block when the action is taken, not the (later) timestamp of the block that records it; lot
identifiers are `urn:s4chain:lot:<chainId>:<contract>:<lotId>` and parties `urn:s4chain:party:<address>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from eth_account.signers.local import LocalAccount

from s4chain.chain import Chain, Contract, DecodedEvent, TxResult
from s4chain.drivers import epcis
from s4chain.drivers.events import events_of
from s4chain.drivers.provenance import index_provenance

# The encoders and read models live in their own modules; this one keeps the driver and re-exports them, so
# `from s4chain.drivers.supply import LotSpec` (and the rest) keeps working.
from s4chain.drivers.supply_codec import (
    INT16_MAX,
    INT16_MIN,
    MG_PER_KG,
    MODES,
    ROLES,
    STATUSES,
    Mode,
    Role,
    centi_celsius,
    from_text32,
    text32,
    unit8,
)
from s4chain.drivers.supply_models import (
    CustodyStep,
    LotSpec,
    LotState,
    Provenance,
    ProvenanceEvent,
    SupplyParams,
    SupplyState,
)
from s4chain.drivers.usecase import Contracts, Roles, UseCase

__all__ = [
    "INT16_MAX",
    "INT16_MIN",
    "MG_PER_KG",
    "MODES",
    "ROLES",
    "STATUSES",
    "CustodyStep",
    "LotSpec",
    "LotState",
    "Mode",
    "Provenance",
    "ProvenanceEvent",
    "Role",
    "SupplyChainDriver",
    "SupplyParams",
    "SupplyState",
    "centi_celsius",
    "from_text32",
    "text32",
    "unit8",
]


class SupplyChainDriver:
    """The deployed `SupplyChain` contract, with one method per EPCIS business step."""

    def __init__(self, chain: Chain, contract: Contract) -> None:
        self.chain = chain
        self.contract = contract
        self.events_by_hash: dict[bytes, dict[str, Any]] = {}  # the off-chain EPCIS events, by docHash
        self._meta: dict[int, dict[str, Any]] = {}  # LotCreated args by lot id

    # --- deployment -----------------------------------------------------------------------------------------
    @classmethod
    def deploy(cls, chain: Chain, params: SupplyParams, admin: LocalAccount | None = None) -> SupplyChainDriver:
        """Deploy `SupplyChain` with `admin` as role admin and apply the intensity overrides of `params`."""
        admin = admin or chain.accounts[0]
        contract = chain.deploy("SupplyChain", admin, sender=admin)
        driver = cls(chain, contract)
        for mode, grams in params.intensities.items():
            driver.set_intensity(admin, mode=mode, grams_per_tonne_km=grams)
        return driver

    def contracts(self) -> dict[str, Contract]:
        """The deployed contracts by name."""
        return {"SupplyChain": self.contract}

    @classmethod
    def attach(cls, chain: Chain, contracts: Contracts, params: SupplyParams, roles: Roles) -> SupplyChainDriver:
        """The driver over a deployed `SupplyChain` (its EPCIS documents are those made from now on)."""
        return cls(chain, contracts["SupplyChain"])

    # --- helpers --------------------------------------------------------------------------------------------
    def uri(self, lot_id: int) -> str:
        """The EPCIS identifier of a lot or pallet."""
        return epcis.lot_uri(self.chain.chain_id, self.contract.address, lot_id)

    def _now(self) -> int:
        return self.chain.timestamp

    def _seal(self, event: dict[str, Any]) -> bytes:
        sealed, digest = epcis.with_event_id(event)
        self.events_by_hash[digest] = sealed
        return digest

    def _remember(self, result: TxResult) -> TxResult:
        for event in result.events_named("LotCreated"):
            self._meta[int(event.args["lotId"])] = dict(event.args)
        return result

    def _lot_meta(self, lot_id: int) -> dict[str, Any]:
        if lot_id not in self._meta:
            for event in self._logs():
                if event.name == "LotCreated":
                    self._meta[int(event.args["lotId"])] = dict(event.args)
        if lot_id not in self._meta:
            raise KeyError(f"lot {lot_id} does not exist")
        return self._meta[lot_id]

    def _quantity(self, lot_id: int) -> dict[str, Any]:
        meta = self._lot_meta(lot_id)
        return epcis.quantity_element(self.uri(lot_id), int(meta["quantity"]), from_text32(meta["unit"]))

    def _what(self, lot_id: int) -> dict[str, Any]:
        """epcList for pallets, quantityList for lots (class-level identifiers)."""
        if self.contract.getLot(lot_id).kind == 1:  # kind Pallet
            return {"epcs": [self.uri(lot_id)]}
        return {"epcs": [], "quantities": [self._quantity(lot_id)]}

    def _logs(self) -> Sequence[DecodedEvent]:
        return events_of(self.chain, self.contract)

    @staticmethod
    def created_lots(result: TxResult) -> list[int]:
        """The ids of the lots (or pallet) a transaction created."""
        return [int(event.args["lotId"]) for event in result.events_named("LotCreated")]

    # --- admin ----------------------------------------------------------------------------------------------
    def grant_party(self, admin: LocalAccount, *, party: LocalAccount | str, role: Role) -> TxResult:
        """Grant a party role (supplier, manufacturer, carrier, warehouse, retailer, auditor, sensor)."""
        role_id = getattr(self.contract, ROLES[role])()
        return self.contract.grantRole(role_id, party, sender=admin)

    def revoke_party(self, admin: LocalAccount, *, party: LocalAccount | str, role: Role) -> TxResult:
        """Revoke a party role."""
        role_id = getattr(self.contract, ROLES[role])()
        return self.contract.revokeRole(role_id, party, sender=admin)

    def set_intensity(self, admin: LocalAccount, *, mode: Mode, grams_per_tonne_km: int) -> TxResult:
        """Set the CO2e intensity (gCO2e per tonne-km) of a transport mode."""
        return self.contract.setIntensity(MODES.index(mode), grams_per_tonne_km, sender=admin)

    # --- EPCIS business steps -------------------------------------------------------------------------------
    def commission(
        self,
        actor: LocalAccount,
        *,
        product: str,
        quantity: int,
        mass_kg: int,
        unit: str = "KGM",
        origin: str = "",
        temp_min: Decimal | None = None,
        temp_max: Decimal | None = None,
    ) -> TxResult:
        """Commission a lot (ObjectEvent ADD, commissioning); its id is `created_lots(result)[0]`."""
        spec = LotSpec(
            product=product,
            quantity=quantity,
            unit=unit,
            origin=origin,
            mass_kg=mass_kg,
            temp_min=temp_min,
            temp_max=temp_max,
        )
        lot_id = int(self.contract.nextLotId())
        ilmd: dict[str, Any] = {"s4:product": product, "s4:massKg": mass_kg}
        if temp_min is not None or temp_max is not None:
            ilmd["s4:temperatureRange"] = {
                "minCelsius": None if temp_min is None else str(temp_min),
                "maxCelsius": None if temp_max is None else str(temp_max),
            }
        event = epcis.object_event(
            timestamp=self._now(),
            action="ADD",
            step="commissioning",
            disposition="active",
            quantities=[epcis.quantity_element(self.uri(lot_id), quantity, unit)],
            location=origin or None,
            ilmd=ilmd,
        )
        return self._remember(self.contract.commission(spec.to_abi(), self._seal(event), sender=actor))

    def aggregate(self, actor: LocalAccount, *, lot_ids: list[int]) -> TxResult:
        """Pack lots into a new pallet (AggregationEvent ADD, packing); its id is `created_lots(result)[0]`."""
        pallet_id = int(self.contract.nextLotId())
        event = epcis.aggregation_event(
            timestamp=self._now(),
            action="ADD",
            step="packing",
            disposition="container_closed",
            parent=self.uri(pallet_id),
            children=[self.uri(i) for i in lot_ids],
        )
        return self._remember(self.contract.aggregate(lot_ids, self._seal(event), sender=actor))

    def disaggregate(self, actor: LocalAccount, *, pallet_id: int) -> TxResult:
        """Unpack a pallet (AggregationEvent DELETE, unpacking)."""
        return self.contract.disaggregate(pallet_id, self._unpacking(pallet_id, "active"), sender=actor)

    def _unpacking(self, pallet_id: int, disposition: str | None) -> bytes:
        """The sealed AggregationEvent DELETE (unpacking) of a pallet and what it holds."""
        event = epcis.aggregation_event(
            timestamp=self._now(),
            action="DELETE",
            step="unpacking",
            disposition=disposition,
            parent=self.uri(pallet_id),
            children=[self.uri(int(i)) for i in self.contract.contentsOf(pallet_id)],
        )
        return self._seal(event)

    def transform(
        self, actor: LocalAccount, *, inputs: list[int], outputs: list[LotSpec | dict[str, Any]], location: str = ""
    ) -> TxResult:
        """Transform input lots into output lots (TransformationEvent); outputs are `created_lots(result)`."""
        specs = [spec if isinstance(spec, LotSpec) else LotSpec(**spec) for spec in outputs]
        first = int(self.contract.nextLotId())
        event = epcis.transformation_event(
            timestamp=self._now(),
            transformation_id=f"{self.uri(first)}:transformation",
            inputs=[self._quantity(i) for i in inputs],
            outputs=[
                epcis.quantity_element(self.uri(first + j), spec.quantity, spec.unit) for j, spec in enumerate(specs)
            ],
            location=location or None,
            ilmd={"s4:outputs": [{"product": s.product, "massKg": s.mass_kg} for s in specs]},
        )
        abi_outputs = [spec.to_abi() for spec in specs]
        return self._remember(self.contract.transform(inputs, abi_outputs, self._seal(event), sender=actor))

    def _transaction(
        self, lot_id: int, action: str, step: str, disposition: str | None, po: str | None, source: str, to: str
    ) -> bytes:
        """The sealed TransactionEvent of one lot, now: its EPCIS action, business step and disposition, the
        purchase order, the parties it goes from and to."""
        event = epcis.transaction_event(
            timestamp=self._now(),
            action=action,
            step=step,
            disposition=disposition,
            epcs=[self.uri(lot_id)],
            po=po,
            source=source,
            destination=to,
        )
        return self._seal(event)

    def ship(self, actor: LocalAccount, *, lot_id: int, receiver: LocalAccount | str, po: str) -> TxResult:
        """Ship a lot to `receiver` under purchase order `po` (TransactionEvent ADD, shipping)."""
        to = receiver if isinstance(receiver, str) else receiver.address
        sealed = self._transaction(lot_id, "ADD", "shipping", "in_transit", po, actor.address, to)
        return self.contract.ship(lot_id, to, text32(po), sealed, sender=actor)

    def receive(self, actor: LocalAccount, *, lot_id: int) -> TxResult:
        """Confirm receipt of a lot shipped to `actor` (TransactionEvent OBSERVE, receiving)."""
        state = self.contract.getLot(lot_id)
        po = next(
            (
                from_text32(e.args["poRef"]) or None
                for e in reversed(self._logs())
                if e.name == "LotShipped" and int(e.args["lotId"]) == lot_id
            ),
            None,
        )
        sealed = self._transaction(lot_id, "OBSERVE", "receiving", "in_progress", po, state.holder, actor.address)
        return self.contract.confirmReceipt(lot_id, sealed, sender=actor)

    def cancel_shipment(self, actor: LocalAccount, *, lot_id: int) -> TxResult:
        """Cancel an unconfirmed shipment (TransactionEvent DELETE, void_shipping): the receiver refusing it, or
        the sender or an auditor once `SHIPMENT_TIMEOUT` has passed. The lot is active again with its sender."""
        state = self.contract.getLot(lot_id)
        sealed = self._transaction(lot_id, "DELETE", "void_shipping", None, None, state.holder, state.pendingReceiver)
        return self.contract.cancelShipment(lot_id, sealed, sender=actor)

    def record_leg(self, actor: LocalAccount, *, lot_id: int, mode: Mode, distance_km: int, mass_kg: int) -> TxResult:
        """Record a transport leg and its CO2e (ObjectEvent OBSERVE, transporting)."""
        event = epcis.object_event(
            timestamp=self._now(),
            action="OBSERVE",
            step="transporting",
            **self._what(lot_id),
            extra={"s4:transportLeg": {"mode": mode, "distanceKm": distance_km, "massKg": mass_kg}},
        )
        return self.contract.recordLeg(lot_id, MODES.index(mode), distance_km, mass_kg, self._seal(event), sender=actor)

    def post_reading(self, actor: LocalAccount, *, lot_id: int, celsius: Decimal | int | str) -> TxResult:
        """Post a temperature reading from a registered sensor (ObjectEvent OBSERVE, sensor_reporting)."""
        centi = centi_celsius(celsius, 0)
        sensor_element = {
            "sensorMetadata": {"deviceID": epcis.party_uri(actor.address)},
            "sensorReport": [{"type": "gs1:Temperature", "value": centi / 100, "uom": "CEL"}],
        }
        event = epcis.object_event(
            timestamp=self._now(),
            action="OBSERVE",
            step="sensor_reporting",
            **self._what(lot_id),
            sensor_elements=[sensor_element],
        )
        return self.contract.postReading(lot_id, centi, self._seal(event), sender=actor)

    def recall(self, actor: LocalAccount, *, lot_id: int, reason: str = "") -> TxResult:
        """Recall a lot and everything made from it downstream (ObjectEvent OBSERVE, disposition recalled)."""
        event = epcis.object_event(
            timestamp=self._now(),
            action="OBSERVE",
            step="holding",
            disposition="recalled",
            **self._what(lot_id),
            extra={"s4:recall": {"reason": reason, "propagation": "downstream"}},
        )
        return self.contract.recall(lot_id, self._seal(event), sender=actor)

    def continue_recall(self, actor: LocalAccount, *, lot_id: int) -> TxResult:
        """Mark the next page of a recall that stopped with `RecallPending` (anyone may); `lot_id` is the lot the
        recall started from. `pending_recall(lot_id)` is empty once the recall is complete."""
        event = epcis.object_event(
            timestamp=self._now(),
            action="OBSERVE",
            step="holding",
            disposition="recalled",
            epcs=[self.uri(int(i)) for i in self.contract.pendingRecall(lot_id)],
            extra={"s4:recall": {"root": self.uri(lot_id), "propagation": "downstream"}},
        )
        return self.contract.continueRecall(lot_id, self._seal(event), sender=actor)

    def release_pallet(self, actor: LocalAccount, *, pallet_id: int) -> TxResult:
        """Unpack a recalled pallet after inspection (an auditor; AggregationEvent DELETE, unpacking): recalled
        lots stay recalled, their packing mates are released."""
        return self.contract.releasePallet(pallet_id, self._unpacking(pallet_id, None), sender=actor)

    def return_lot(self, actor: LocalAccount, *, lot_id: int, receiver: LocalAccount | str) -> TxResult:
        """Ship a recalled lot back to `receiver` (TransactionEvent ADD, shipping, disposition returned)."""
        to = receiver if isinstance(receiver, str) else receiver.address
        sealed = self._transaction(lot_id, "ADD", "shipping", "returned", None, actor.address, to)
        return self.contract.returnLot(lot_id, to, sealed, sender=actor)

    def destroy(self, actor: LocalAccount, *, lot_id: int) -> TxResult:
        """Destroy a lot or pallet (ObjectEvent DELETE, destroying)."""
        event = epcis.object_event(
            timestamp=self._now(), action="DELETE", step="destroying", disposition="destroyed", **self._what(lot_id)
        )
        return self.contract.destroy(lot_id, self._seal(event), sender=actor)

    # --- reads ----------------------------------------------------------------------------------------------
    def lot(self, lot_id: int) -> LotState:
        """What the chain stores about a lot."""
        raw = self.contract.getLot(lot_id)
        status = STATUSES[raw.status]
        return LotState(
            lot_id=lot_id,
            holder=raw.holder,
            custodian=self.contract.custodianOf(lot_id),
            container=int(raw.container) if status == "aggregated" else 0,
            shipped_at=int(raw.container) if status == "in_transit" else None,
            status=status,
            disposition=epcis.DISPOSITIONS[raw.disposition],
            kind="pallet" if raw.kind == 1 else "lot",
            recalled=bool(raw.flags & 1),
            non_conformant=bool(raw.flags & 2),
            pending_receiver=None if int(raw.pendingReceiver, 16) == 0 else raw.pendingReceiver,
            mass_kg=int(raw.massKg),
            temp_min=None if raw.tempMin == INT16_MIN else Decimal(raw.tempMin) / 100,
            temp_max=None if raw.tempMax == INT16_MAX else Decimal(raw.tempMax) / 100,
            producer=raw.producer,
            quantity=int(raw.quantity),
            co2_kg=Decimal(int(self.contract.co2Of(lot_id))) / MG_PER_KG,
            outputs=list(range(int(raw.firstOutput), int(raw.firstOutput) + int(raw.outputCount))),
        )

    def pending_recall(self, lot_id: int) -> list[int]:
        """The recalled lots whose downstream the recall started at `lot_id` has not marked yet."""
        return [int(i) for i in self.contract.pendingRecall(lot_id)]

    def state(self) -> SupplyState:
        """Every lot and pallet, and the transport intensities."""
        count = int(self.contract.nextLotId()) - 1
        return SupplyState(
            lot_count=count,
            intensities={mode: int(self.contract.intensity(i)) for i, mode in enumerate(MODES)},
            lots=[self.lot(i) for i in range(1, count + 1)],
        )

    # --- off-chain state (journaled by a replay on a node, restored on --resume) ----------------------------
    def export_state(self, start: int = 0) -> list[Any]:
        """The EPCIS events the driver sealed, from the `start`-th on, in the order it sealed them."""
        return list(islice(self.events_by_hash.values(), start, None))

    def restore_state(self, items: list[Any]) -> None:
        """Take back EPCIS events `export_state` gave (the chain holds only their hashes)."""
        for event in items:
            self.events_by_hash[epcis.event_hash(event)] = event

    def document(self, doc_hash: bytes) -> dict[str, Any]:
        """The EPCISDocument holding the event the driver sent with `doc_hash`."""
        return epcis.epcis_document([self.events_by_hash[bytes(doc_hash)]], created=self._now())

    def verify_document(self, document: dict[str, Any]) -> bool:
        """Whether every event of an EPCIS document (or a bare event) is anchored on chain: its canonical hash
        is the `docHash` of an event of this contract."""
        anchored = {bytes(e.args["docHash"]) for e in self._logs() if "docHash" in e.args}
        return all(
            epcis.event_hash(event) in anchored and epcis.verify_event(event, epcis.event_hash(event))
            for event in epcis.document_events(document)
        )

    def provenance(self, lot_id: int) -> Provenance:
        """Everything upstream of a lot, rebuilt from the chain's events: the lot and the lots it was made or
        packed from (recursively), every event on them (and on their pallets while packed), the custody chain
        and the CO2e."""
        return index_provenance(lot_id, self._logs(), self.events_by_hash, self.lot(lot_id))


USE_CASE = UseCase(
    code="UC4",
    name="supply",
    driver=SupplyChainDriver,
    contracts=("SupplyChain",),
    charts=("s4chain.reports.charts:provenance_graph", "s4chain.reports.charts:co2_per_leg"),
    amounts={"co2Mg": "=kg CO2e:6", "massKg": "=kg", "distanceKm": "=km"},
    state_units={
        "co2_kg": "=kg CO2e",
        "intensities": "=g CO2e/t·km",
        "temp_min": "=°C",
        "temp_max": "=°C",
        "shipped_at": "date",
    },
    outcomes=(
        ("lots", "state.lot_count"),
        ("recalled_lots", "sum(1 for lot in state.lots if lot.recalled and lot.kind == 'lot')"),
        ("recalled_volume", "sum(lot.quantity for lot in state.lots if lot.recalled and lot.kind == 'lot')"),
    ),
)
