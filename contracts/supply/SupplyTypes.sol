// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Types of the EPCIS-modelled supply chain
/// @notice The on-chain subset of the GS1 EPCIS 2.0 / CBV 2.0 vocabulary that the rules need. Everything else
///         (read points, business locations, ILMD, sensor metadata) lives in the off-chain EPCIS document, whose
///         hash every event carries.

/// @notice CBV 2.0 dispositions (`urn:epcglobal:cbv:disp:<name>`), in this order.
/// @dev `None` is the zero value of a lot that does not exist.
enum Disposition {
    None,
    Active, // active
    InTransit, // in_transit
    InProgress, // in_progress
    ContainerClosed, // container_closed
    NonConformant, // non_conformant
    Recalled, // recalled
    Returned, // returned
    Destroyed, // destroyed
    Inactive // inactive
}

/// @notice Where a lot is in its life cycle (what the custody and recall rules look at).
enum LotStatus {
    None, // does not exist
    Active, // held by `holder`, may be shipped, aggregated, transformed or destroyed
    InTransit, // shipped to `pendingReceiver`, waiting for their confirmation
    Aggregated, // packed in the pallet `container`; the pallet's holder has custody
    Consumed, // input of a transformation (terminal)
    Disaggregated, // an emptied pallet (terminal)
    Destroyed // destroyed (terminal)
}

/// @notice ISO 14083 / GLEC transport modes.
enum TransportMode {
    Road,
    Rail,
    InlandWaterway,
    Sea,
    Air
}

/// @notice A lot of goods, or a pallet (an aggregation of lots; pallets do not nest).
enum LotKind {
    Lot,
    Pallet
}

/// @notice What a new lot is (commissioning, or an output of a transformation).
/// @param product GTIN or product class identifier (e.g. the 14-digit GTIN as a number, or a hash of a URI)
/// @param quantity quantity in `unit`
/// @param unit UN/CEFACT Rec. 20 unit code, left-aligned ASCII (e.g. "KGM", "H87" for pieces)
/// @param origin GLN or location identifier of the place the lot is made
/// @param massKg gross mass in kilograms: mass balance of transformations and CO2 allocation use it
/// @param tempMin lowest admissible temperature in centi-degrees Celsius (type(int16).min: no lower bound)
/// @param tempMax highest admissible temperature in centi-degrees Celsius (type(int16).max: no upper bound)
struct LotSpec {
    bytes32 product;
    uint96 quantity;
    bytes8 unit;
    bytes32 origin;
    uint64 massKg;
    int16 tempMin;
    int16 tempMax;
}

/// @notice What the rules need to know about a lot, in four storage slots.
struct Lot {
    // slot 0: custody and status
    address holder;
    uint64 container; // while Aggregated: the pallet holding it; while InTransit: when it was shipped; else 0
    LotStatus status;
    Disposition disposition;
    LotKind kind;
    uint8 flags; // FLAG_* bits of SupplyChain
    // slot 1: transit and cold chain
    address pendingReceiver;
    uint64 massKg;
    int16 tempMin;
    int16 tempMax;
    // slot 2: origin and amount
    address producer; // the party that commissioned, transformed or packed it (may recall it as manufacturer)
    uint96 quantity;
    // slot 3: footprint and downstream links
    uint128 co2Mg; // milligrams CO2e attributed to this lot (legs + inherited shares)
    uint64 firstOutput; // outputs of the transformation that consumed it: [firstOutput, firstOutput + outputCount)
    uint8 outputCount;
}
