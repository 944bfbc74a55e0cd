"""UC4's read models: the deployment parameters, a lot specification, and what the driver reads back (lot state,
provenance, the whole deployment's state)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from s4chain.drivers.supply_codec import INT16_MAX, INT16_MIN, Mode, centi_celsius, text32, unit8


class SupplyParams(BaseModel):
    """Deployment parameters: transport CO2e intensities (gCO2e per tonne-km) overriding the contract's
    GLEC-like defaults, e.g. `{"rail": 17}`."""

    intensities: dict[Mode, int] = Field(default_factory=dict)


class LotSpec(BaseModel):
    """A lot to commission or to make in a transformation."""

    product: str  # GTIN or product code, at most 32 bytes
    quantity: int
    unit: str = "KGM"  # UN/CEFACT Rec. 20
    origin: str = ""  # GLN or location code, at most 32 bytes
    mass_kg: int
    temp_min: Decimal | None = None  # °C; None: no lower bound
    temp_max: Decimal | None = None  # °C; None: no upper bound

    def to_abi(self) -> tuple[Any, ...]:
        return (
            text32(self.product),
            self.quantity,
            unit8(self.unit),
            text32(self.origin),
            self.mass_kg,
            centi_celsius(self.temp_min, INT16_MIN),
            centi_celsius(self.temp_max, INT16_MAX),
        )


class LotState(BaseModel):
    """What the chain stores about a lot."""

    lot_id: int
    holder: str
    custodian: str
    container: int  # the pallet holding it while aggregated, else 0
    shipped_at: int | None  # when it was shipped, while in transit (cancellable `SHIPMENT_TIMEOUT` later)
    status: str
    disposition: str | None
    kind: Literal["lot", "pallet"]
    recalled: bool
    non_conformant: bool
    pending_receiver: str | None
    mass_kg: int
    temp_min: Decimal | None
    temp_max: Decimal | None
    producer: str
    quantity: int
    co2_kg: Decimal  # CO2e attributed so far (own + inherited + share of its pallet's legs while packed)
    outputs: list[int]  # outputs of the transformation that consumed it


class ProvenanceEvent(BaseModel):
    """One on-chain event in a lot's history, with its EPCIS classification."""

    name: str
    lot_id: int
    epcis_type: str
    biz_step: str
    disposition: str | None
    block_number: int
    log_index: int
    transaction_hash: str
    doc_hash: str
    document_verified: bool  # the driver holds a document for this hash and it verifies
    args: dict[str, Any]


class CustodyStep(BaseModel):
    """A completed handover (shipping confirmed by the receiver)."""

    lot_id: int
    sender: str
    receiver: str
    po: str | None
    is_return: bool
    block_number: int


class Provenance(BaseModel):
    """A lot's history: itself and every lot upstream of it, their events, custody chain and CO2e."""

    lot_id: int
    lots: list[int]  # the lot and every lot upstream (transformation inputs, pallet contents), sorted
    events: list[ProvenanceEvent]  # in chain order
    custody: list[CustodyStep]  # in chain order, the lot's own and its upstream lots' (and their pallets')
    producers: list[str]
    total_co2_kg: Decimal
    legs_co2_kg: Decimal  # the sum of every transport leg recorded on the lot, its ancestors and their pallets
    recalled: bool
    non_conformant: bool


class SupplyState(BaseModel):
    """Every lot and pallet of the deployment, as the chain stores them."""

    lot_count: int
    intensities: dict[str, int]  # gCO2e per tonne-km by transport mode
    lots: list[LotState]
