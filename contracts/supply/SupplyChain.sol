// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Disposition, LotStatus, TransportMode, LotKind, LotSpec, Lot} from "./SupplyTypes.sol";
import {ZeroAmount} from "../common/Errors.sol";

/// @title Supply-chain traceability on the GS1 EPCIS 2.0 model
/// @notice Lots are commissioned, packed into pallets and unpacked, transformed into new lots, handed over between
///         parties in two steps (ship, then the receiver confirms), carried over transport legs whose CO2e is
///         computed on chain, watched by cold-chain sensors, recalled with everything made from them, returned or
///         destroyed. Each event carries the sha256 of its full EPCIS 2.0 JSON document, kept off chain, so that
///         anyone can check a document against the chain.
/// @dev Storage keeps only what the rules need (custody, status, disposition, quantity, mass, CO2, links);
///      product, unit, origin, purchase orders, readings and transport details are emitted in events.
///      Quantities of matter are conserved by mass: the outputs of a transformation weigh at most its inputs.
contract SupplyChain is AccessControl {
    // --- roles -----------------------------------------------------------------------------------------------

    /// @notice Raw-material suppliers: commission lots.
    bytes32 public constant SUPPLIER_ROLE = keccak256("SUPPLIER_ROLE");
    /// @notice Manufacturers: commission and transform lots, recall the lots they produced.
    bytes32 public constant MANUFACTURER_ROLE = keccak256("MANUFACTURER_ROLE");
    /// @notice Carriers: hold custody and record transport legs.
    bytes32 public constant CARRIER_ROLE = keccak256("CARRIER_ROLE");
    /// @notice Warehouses: hold custody, pack and unpack pallets.
    bytes32 public constant WAREHOUSE_ROLE = keccak256("WAREHOUSE_ROLE");
    /// @notice Retailers: hold custody.
    bytes32 public constant RETAILER_ROLE = keccak256("RETAILER_ROLE");
    /// @notice Auditors: recall any lot, cancel overdue shipments, release the lots of a recalled pallet.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");
    /// @notice Registered cold-chain sensors: post temperature readings.
    bytes32 public constant SENSOR_ROLE = keccak256("SENSOR_ROLE");

    uint8 internal constant BIT_SUPPLIER = 1;
    uint8 internal constant BIT_MANUFACTURER = 2;
    uint8 internal constant BIT_CARRIER = 4;
    uint8 internal constant BIT_WAREHOUSE = 8;
    uint8 internal constant BIT_RETAILER = 16;
    uint8 internal constant BIT_AUDITOR = 32;
    uint8 internal constant BIT_SENSOR = 64;
    /// @dev Roles that may hold custody of goods.
    uint8 internal constant CUSTODY_BITS = BIT_SUPPLIER | BIT_MANUFACTURER | BIT_CARRIER | BIT_WAREHOUSE | BIT_RETAILER;

    // --- bounds (every loop is bounded by one of these) ------------------------------------------------------

    /// @notice Most lots in one pallet.
    uint256 public constant MAX_PALLET_SIZE = 32;
    /// @notice Most inputs of one transformation.
    uint256 public constant MAX_INPUTS = 8;
    /// @notice Most outputs of one transformation.
    uint256 public constant MAX_OUTPUTS = 8;
    /// @notice Most lots one `recall` or `continueRecall` call marks. A wider recall stops there (RecallPending)
    ///         and anyone completes it with `continueRecall`, page by page: a recall of any size completes.
    uint256 public constant MAX_RECALL_LOTS = 128;
    /// @notice After this long unconfirmed, a shipment may be cancelled by its sender or an auditor.
    uint256 public constant SHIPMENT_TIMEOUT = 14 days;
    /// @notice Longest transport leg, in kilometres (longer than any sea route between two ports).
    uint32 public constant MAX_LEG_KM = 50_000;
    /// @notice Most CO2e a leg may bring a lot to, in milligrams (1e21 tonnes: far beyond any real figure). It
    ///         keeps every sum of shares (transformation, unpacking) far inside uint128.
    uint128 public constant MAX_LOT_CO2_MG = 1e30;

    uint8 internal constant FLAG_RECALLED = 1;
    uint8 internal constant FLAG_NON_CONFORMANT = 2;

    // --- state -----------------------------------------------------------------------------------------------

    mapping(uint64 lotId => Lot) internal _lots;
    mapping(uint64 palletId => uint64[]) internal _contents;
    /// @dev Recalled lots whose downstream is not yet all marked, by the lot the recall started from.
    mapping(uint64 root => uint64[]) internal _recallQueue;
    mapping(address account => uint8) internal _partyBits;
    /// @notice gCO2e per tonne-km of each transport mode.
    mapping(TransportMode mode => uint32) public intensity;
    /// @notice The id the next lot (or pallet) will get; ids start at 1.
    uint64 public nextLotId = 1;

    // --- events (one per EPCIS event; `docHash` is the sha256 of its EPCIS document) -------------------------

    /// @notice A new lot exists (commissioned, or made by a transformation, or a new pallet).
    event LotCreated(
        uint64 indexed lotId,
        address indexed producer,
        bytes32 indexed product,
        uint96 quantity,
        bytes8 unit,
        bytes32 origin,
        uint64 massKg,
        int16 tempMin,
        int16 tempMax,
        uint128 co2Mg
    );
    /// @notice EPCIS ObjectEvent ADD, bizStep commissioning.
    event LotCommissioned(uint64 indexed lotId, address indexed by, bytes32 docHash);
    /// @notice EPCIS AggregationEvent ADD, bizStep packing.
    event LotsAggregated(uint64 indexed palletId, address indexed by, uint64[] lotIds, bytes32 docHash);
    /// @notice EPCIS AggregationEvent DELETE, bizStep unpacking.
    event PalletDisaggregated(uint64 indexed palletId, address indexed by, uint64[] lotIds, bytes32 docHash);
    /// @notice EPCIS TransformationEvent; outputs are [firstOutput, firstOutput + outputCount).
    event LotsTransformed(
        uint64 indexed firstOutput, address indexed by, uint64[] inputs, uint8 outputCount, bytes32 docHash
    );
    /// @notice EPCIS TransactionEvent ADD, bizStep shipping (a return when `isReturn`).
    event LotShipped(
        uint64 indexed lotId, address indexed from, address indexed to, bytes32 poRef, bool isReturn, bytes32 docHash
    );
    /// @notice EPCIS TransactionEvent OBSERVE, bizStep receiving: custody moves to `to`.
    event LotReceived(uint64 indexed lotId, address indexed from, address indexed to, bytes32 docHash);
    /// @notice EPCIS TransactionEvent DELETE, bizStep void_shipping: the shipment from `from` to `to` is
    ///         cancelled by `by` (the receiver refusing it, or the sender or an auditor after the timeout).
    event ShipmentCancelled(
        uint64 indexed lotId, address indexed from, address indexed to, address by, bytes32 docHash
    );
    /// @notice EPCIS ObjectEvent OBSERVE, bizStep transporting: a transport leg and its CO2e.
    event LegRecorded(
        uint64 indexed lotId,
        address indexed carrier,
        TransportMode mode,
        uint32 distanceKm,
        uint64 massKg,
        uint128 co2Mg,
        uint128 totalCo2Mg,
        bytes32 docHash
    );
    /// @notice EPCIS ObjectEvent OBSERVE, bizStep sensor_reporting: a temperature reading.
    event ReadingPosted(
        uint64 indexed lotId, address indexed sensor, int16 centiCelsius, bool inRange, bytes32 docHash
    );
    /// @notice The disposition of a lot changed outside its own step (non-conformance).
    event DispositionChanged(uint64 indexed lotId, Disposition disposition);
    /// @notice EPCIS ObjectEvent OBSERVE, disposition recalled; `root` is the lot the recall started from.
    event LotRecalled(uint64 indexed lotId, uint64 indexed root, address indexed by, bytes32 docHash);
    /// @notice A recall stopped after MAX_RECALL_LOTS lots: `remaining` recalled lots wait to have their
    ///         downstream marked, which `continueRecall(root)` does.
    event RecallPending(uint64 indexed root, uint256 remaining);
    /// @notice EPCIS ObjectEvent DELETE, bizStep destroying.
    event LotDestroyed(uint64 indexed lotId, address indexed by, bytes32 docHash);
    /// @notice The admin set the CO2e intensity of a transport mode.
    event IntensitySet(TransportMode indexed mode, uint32 gramsPerTonneKm);

    // --- errors ----------------------------------------------------------------------------------------------

    error Unauthorized(address account);
    error UnknownLot(uint64 lotId);
    error NotHolder(uint64 lotId, address account, address holder);
    error WrongStatus(uint64 lotId, LotStatus status);
    error LotIsRecalled(uint64 lotId);
    error LotNotRecalled(uint64 lotId);
    error NotReceiver(uint64 lotId, address account, address receiver);
    error NotCustodyParty(address account);
    error SelfShipment();
    error NotAPallet(uint64 lotId);
    error PalletsDoNotNest(uint64 lotId);
    error BadCount(uint256 count, uint256 max);
    error BadTemperatureRange(int16 tempMin, int16 tempMax);
    error MassNotConserved(uint256 outputKg, uint256 inputKg);
    error AlreadyRecalled(uint64 lotId);
    error NoRecallPending(uint64 root);
    error ShipmentNotExpired(uint64 lotId, uint256 cancellableAt);
    error LegTooLong(uint32 distanceKm, uint32 max);
    error MassExceedsLot(uint64 massKg, uint64 lotMassKg);
    error Co2TooHigh(uint256 co2Mg, uint128 max);

    /// @notice Deploy with `admin` as the only role admin; transport intensities start at GLEC-like defaults.
    /// @param admin the account that grants and revokes party roles and sets intensities
    /// @dev Default intensities, gCO2e per tonne-km, well-to-wheel, rounded: road 62 (articulated truck, average
    ///      load), rail 22 (European mix of electric and diesel), inland waterway 31 (motor barge), sea 16 (container
    ///      ship, average), air 602 (long-haul freighter). They are illustrative values of the order of the GLEC
    ///      Framework v3 / ISO 14083 default intensities, not a certified data set: the admin sets real ones.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setIntensity(TransportMode.Road, 62);
        _setIntensity(TransportMode.Rail, 22);
        _setIntensity(TransportMode.InlandWaterway, 31);
        _setIntensity(TransportMode.Sea, 16);
        _setIntensity(TransportMode.Air, 602);
    }

    // --- admin -----------------------------------------------------------------------------------------------

    /// @notice Set the CO2e intensity of a transport mode (admin only).
    /// @param mode the transport mode
    /// @param gramsPerTonneKm gCO2e per tonne-km
    function setIntensity(TransportMode mode, uint32 gramsPerTonneKm) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setIntensity(mode, gramsPerTonneKm);
    }

    // --- commissioning, aggregation, transformation ----------------------------------------------------------

    /// @notice Commission a new lot, held by the caller (supplier or manufacturer).
    /// @param spec what the lot is
    /// @param docHash sha256 of the EPCIS ObjectEvent document
    /// @return lotId the new lot's id
    function commission(LotSpec calldata spec, bytes32 docHash) external returns (uint64 lotId) {
        _requireBits(BIT_SUPPLIER | BIT_MANUFACTURER);
        lotId = nextLotId++;
        _create(lotId, spec, 0, 0);
        emit LotCommissioned(lotId, msg.sender, docHash);
    }

    /// @notice Pack lots the caller holds into a new pallet, held by the caller.
    /// @dev The pallet's mass is the sum of its lots', its temperature range their intersection, and it is
    ///      non-conformant if one of them is. Transport legs of the pallet are shared out at disaggregation.
    /// @param lotIds the lots (1 to MAX_PALLET_SIZE), each active, not recalled and not a pallet
    /// @param docHash sha256 of the EPCIS AggregationEvent document
    /// @return palletId the new pallet's id
    function aggregate(uint64[] calldata lotIds, bytes32 docHash) external returns (uint64 palletId) {
        _requireBits(CUSTODY_BITS);
        uint256 n = lotIds.length;
        if (n == 0 || n > MAX_PALLET_SIZE) revert BadCount(n, MAX_PALLET_SIZE);
        palletId = nextLotId++;
        uint64 mass = 0;
        int16 tempMin = type(int16).min;
        int16 tempMax = type(int16).max;
        uint8 flags = 0;
        for (uint256 i; i < n; ++i) {
            Lot storage lot = _takeInput(lotIds[i], LotStatus.Aggregated);
            lot.container = palletId;
            mass += lot.massKg;
            if (lot.tempMin > tempMin) tempMin = lot.tempMin;
            if (lot.tempMax < tempMax) tempMax = lot.tempMax;
            flags |= lot.flags & FLAG_NON_CONFORMANT;
        }
        _contents[palletId] = lotIds;
        Lot storage pallet = _lots[palletId];
        pallet.holder = msg.sender;
        pallet.status = LotStatus.Active;
        pallet.kind = LotKind.Pallet;
        pallet.flags = flags;
        pallet.disposition = _restingDisposition(flags, LotKind.Pallet);
        pallet.massKg = mass;
        pallet.tempMin = tempMin;
        pallet.tempMax = tempMax;
        pallet.producer = msg.sender;
        pallet.quantity = uint96(n);
        emit LotCreated(palletId, msg.sender, bytes32(0), uint96(n), bytes8("H87"), bytes32(0), mass, tempMin, tempMax, 0);
        emit LotsAggregated(palletId, msg.sender, lotIds, docHash);
    }

    /// @notice Unpack a pallet the caller holds: its lots become active, held by the caller, and take their
    ///         share (by mass) of the CO2e of the pallet's transport legs and its non-conformance.
    /// @param palletId the pallet (not recalled: see `releasePallet`)
    /// @param docHash sha256 of the EPCIS AggregationEvent (DELETE) document
    function disaggregate(uint64 palletId, bytes32 docHash) external {
        Lot storage pallet = _usableLot(palletId);
        if (pallet.kind != LotKind.Pallet) revert NotAPallet(palletId);
        _unpack(pallet, palletId, docHash);
    }

    /// @notice Unpack a recalled pallet after inspection (auditors only). Its lots go to the pallet's holder as
    ///         `disaggregate` would give them: those recalled stay recalled and can each be returned to their
    ///         own producer; the others, packed with a recalled lot but not made from it, are released.
    /// @dev A recalled pallet is quarantined as a whole, so its holder cannot unpack it: a lot packed with a
    ///      recalled one may have been contaminated by it, and its holder is the party that would sell it. That
    ///      judgment is the auditor's, who recalls any packing mate found affected before releasing the rest.
    /// @param palletId the recalled pallet, active (not in transit)
    /// @param docHash sha256 of the EPCIS AggregationEvent (DELETE) document
    function releasePallet(uint64 palletId, bytes32 docHash) external {
        _requireBits(BIT_AUDITOR);
        Lot storage pallet = _lots[palletId];
        LotStatus status = pallet.status;
        if (status == LotStatus.None) revert UnknownLot(palletId);
        if (status != LotStatus.Active) revert WrongStatus(palletId, status);
        if (pallet.kind != LotKind.Pallet) revert NotAPallet(palletId);
        if (pallet.flags & FLAG_RECALLED == 0) revert LotNotRecalled(palletId);
        _unpack(pallet, palletId, docHash);
    }

    /// @notice Transform lots the caller holds into new lots (manufacturer only). The inputs are consumed; the
    ///         outputs are held by the caller, linked to the inputs, and inherit the inputs' CO2e in proportion to
    ///         their mass, and their non-conformance: what is made from a non-conformant lot is non-conformant.
    ///         The outputs weigh at most the inputs (the rest is waste).
    /// @param inputs the input lots (1 to MAX_INPUTS), each active, not recalled and not a pallet
    /// @param outputs the output lots (1 to MAX_OUTPUTS)
    /// @param docHash sha256 of the EPCIS TransformationEvent document
    /// @return firstOutput the id of the first output; the others follow it
    function transform(uint64[] calldata inputs, LotSpec[] calldata outputs, bytes32 docHash)
        external
        returns (uint64 firstOutput)
    {
        _requireBits(BIT_MANUFACTURER);
        uint256 nIn = inputs.length;
        uint256 nOut = outputs.length;
        if (nIn == 0 || nIn > MAX_INPUTS) revert BadCount(nIn, MAX_INPUTS);
        if (nOut == 0 || nOut > MAX_OUTPUTS) revert BadCount(nOut, MAX_OUTPUTS);
        firstOutput = nextLotId;
        nextLotId = firstOutput + uint64(nOut);
        uint256 massIn = 0;
        uint256 co2In = 0;
        uint8 flags = 0;
        for (uint256 i; i < nIn; ++i) {
            Lot storage lot = _takeInput(inputs[i], LotStatus.Consumed);
            lot.disposition = Disposition.Inactive;
            lot.firstOutput = firstOutput;
            lot.outputCount = uint8(nOut);
            massIn += lot.massKg;
            co2In += lot.co2Mg;
            flags |= lot.flags & FLAG_NON_CONFORMANT;
        }
        uint256 massOut = 0;
        for (uint256 j; j < nOut; ++j) {
            uint64 mass = outputs[j].massKg;
            if (mass == 0) revert ZeroAmount();
            massOut += mass;
        }
        if (massOut > massIn) revert MassNotConserved(massOut, massIn);
        uint256 given = 0;
        for (uint256 j; j < nOut; ++j) {
            uint256 share = j + 1 == nOut ? co2In - given : (co2In * outputs[j].massKg) / massOut;
            given += share;
            // safe cast: no leg takes a lot past MAX_LOT_CO2_MG; 3.4e8 such lots would have to be merged into one
            _create(firstOutput + uint64(j), outputs[j], uint128(share), flags);
        }
        emit LotsTransformed(firstOutput, msg.sender, inputs, uint8(nOut), docHash);
    }

    // --- custody ---------------------------------------------------------------------------------------------

    /// @notice Ship a lot (or pallet) the caller holds to `receiver`, who must confirm with `confirmReceipt`.
    ///         Custody stays with the caller until then; a lot in transit cannot be shipped again.
    /// @param lotId the lot
    /// @param receiver a custody party (supplier, manufacturer, carrier, warehouse or retailer)
    /// @param poRef the purchase order (EPCIS bizTransaction of type po), e.g. a hash of its URI
    /// @param docHash sha256 of the EPCIS TransactionEvent document
    function ship(uint64 lotId, address receiver, bytes32 poRef, bytes32 docHash) external {
        _ship(lotId, receiver, poRef, docHash, false);
    }

    /// @notice Ship a recalled lot the caller holds back to `receiver` (who confirms with `confirmReceipt`).
    /// @param lotId the recalled lot
    /// @param receiver a custody party, usually its manufacturer
    /// @param docHash sha256 of the EPCIS TransactionEvent document (disposition returned)
    function returnLot(uint64 lotId, address receiver, bytes32 docHash) external {
        _ship(lotId, receiver, bytes32(0), docHash, true);
    }

    /// @notice Confirm receipt of a lot shipped to the caller: custody moves to the caller.
    /// @dev A shipment already on its way when its lot is recalled may still be confirmed, so that custody lands
    ///      with a party that can return or destroy it.
    /// @param lotId the lot
    /// @param docHash sha256 of the EPCIS TransactionEvent (receiving) document
    function confirmReceipt(uint64 lotId, bytes32 docHash) external {
        Lot storage lot = _lots[lotId];
        if (lot.status != LotStatus.InTransit) revert WrongStatus(lotId, lot.status);
        address receiver = lot.pendingReceiver;
        if (receiver != msg.sender) revert NotReceiver(lotId, msg.sender, receiver);
        address from = lot.holder;
        uint8 flags = lot.flags;
        lot.holder = msg.sender;
        lot.status = LotStatus.Active;
        lot.container = 0;
        if (flags & FLAG_RECALLED != 0) {
            if (lot.disposition != Disposition.Returned) lot.disposition = Disposition.Recalled;
        } else {
            lot.disposition = flags & FLAG_NON_CONFORMANT != 0 ? Disposition.NonConformant : Disposition.InProgress;
        }
        lot.pendingReceiver = address(0);
        emit LotReceived(lotId, from, msg.sender, docHash);
    }

    /// @notice Cancel a shipment that has not been confirmed: the lot is active again with its sender, who never
    ///         lost custody. The receiver may refuse a shipment at any time; its sender or an auditor may cancel
    ///         it once SHIPMENT_TIMEOUT has passed since shipping, so that no lot (recalled or not) stays in
    ///         transit for good because its receiver never answers.
    /// @param lotId the lot in transit
    /// @param docHash sha256 of the EPCIS TransactionEvent (void_shipping) document
    function cancelShipment(uint64 lotId, bytes32 docHash) external {
        Lot storage lot = _lots[lotId];
        LotStatus status = lot.status;
        if (status == LotStatus.None) revert UnknownLot(lotId);
        if (status != LotStatus.InTransit) revert WrongStatus(lotId, status);
        address sender = lot.holder;
        address receiver = lot.pendingReceiver;
        if (msg.sender != receiver) {
            if (msg.sender != sender && _partyBits[msg.sender] & BIT_AUDITOR == 0) revert Unauthorized(msg.sender);
            uint256 cancellableAt = uint256(lot.container) + SHIPMENT_TIMEOUT;
            if (block.timestamp < cancellableAt) revert ShipmentNotExpired(lotId, cancellableAt);
        }
        lot.status = LotStatus.Active;
        lot.container = 0;
        lot.pendingReceiver = address(0);
        lot.disposition = _restingDisposition(lot.flags, lot.kind);
        emit ShipmentCancelled(lotId, sender, receiver, msg.sender, docHash);
    }

    // --- transport and cold chain ----------------------------------------------------------------------------

    /// @notice Record a transport leg of a lot the caller (a carrier) holds or is about to receive; its CO2e,
    ///         intensity(mode) x distance x mass, is added to the lot.
    /// @param lotId the lot or pallet carried
    /// @param mode the transport mode
    /// @param distanceKm distance in kilometres (1 to MAX_LEG_KM)
    /// @param massKg mass carried in kilograms (1 to the lot's mass: a carrier cannot load a lot with more)
    /// @param docHash sha256 of the EPCIS ObjectEvent (transporting) document
    /// @return co2Mg CO2e of the leg, in milligrams (g/t.km x km x kg = mg)
    function recordLeg(uint64 lotId, TransportMode mode, uint32 distanceKm, uint64 massKg, bytes32 docHash)
        external
        returns (uint128 co2Mg)
    {
        _requireBits(BIT_CARRIER);
        Lot storage lot = _lots[lotId];
        LotStatus status = lot.status;
        if (status != LotStatus.Active && status != LotStatus.InTransit) revert WrongStatus(lotId, status);
        if (lot.flags & FLAG_RECALLED != 0) revert LotIsRecalled(lotId);
        if (lot.holder != msg.sender && lot.pendingReceiver != msg.sender) {
            revert NotHolder(lotId, msg.sender, lot.holder);
        }
        if (distanceKm == 0 || massKg == 0) revert ZeroAmount();
        if (distanceKm > MAX_LEG_KM) revert LegTooLong(distanceKm, MAX_LEG_KM);
        if (massKg > lot.massKg) revert MassExceedsLot(massKg, lot.massKg);
        co2Mg = uint128(intensity[mode]) * distanceKm * massKg;
        uint256 total = uint256(lot.co2Mg) + co2Mg;
        if (total > MAX_LOT_CO2_MG) revert Co2TooHigh(total, MAX_LOT_CO2_MG);
        lot.co2Mg = uint128(total);
        emit LegRecorded(lotId, msg.sender, mode, distanceKm, massKg, co2Mg, uint128(total), docHash);
    }

    /// @notice Post a temperature reading of a lot (registered sensors only). A reading outside the lot's range
    ///         makes it non-conformant for good, and the pallet it is packed in: a pallet is non-conformant if one
    ///         of its lots is, whether the lot became so before or after packing.
    /// @param lotId the lot or pallet (active, in transit, or packed in a pallet; not recalled)
    /// @param centiCelsius the temperature in hundredths of a degree Celsius
    /// @param docHash sha256 of the EPCIS ObjectEvent (sensor_reporting) document
    /// @return inRange whether the reading is inside the lot's range
    function postReading(uint64 lotId, int16 centiCelsius, bytes32 docHash) external returns (bool inRange) {
        _requireBits(BIT_SENSOR);
        Lot storage lot = _lots[lotId];
        LotStatus status = lot.status;
        if (status != LotStatus.Active && status != LotStatus.InTransit && status != LotStatus.Aggregated) {
            revert WrongStatus(lotId, status);
        }
        if (lot.flags & FLAG_RECALLED != 0) revert LotIsRecalled(lotId);
        inRange = centiCelsius >= lot.tempMin && centiCelsius <= lot.tempMax;
        emit ReadingPosted(lotId, msg.sender, centiCelsius, inRange, docHash);
        if (!inRange) {
            _markNonConformant(lot, lotId);
            if (status == LotStatus.Aggregated) {
                uint64 palletId = lot.container;
                _markNonConformant(_lots[palletId], palletId);
            }
        }
    }

    // --- recall, destruction ---------------------------------------------------------------------------------

    /// @notice Recall a lot and every lot derived from it downstream: the outputs of the transformation that
    ///         consumed it (recursively) and the pallet it is packed in; recalling a pallet also recalls its
    ///         contents. Auditors may recall any lot, a manufacturer the lots (not pallets) it produced. A recalled
    ///         lot accepts only return or destruction (and, for a pallet, an auditor's `releasePallet`).
    /// @dev Breadth-first; destroyed lots are skipped. After MAX_RECALL_LOTS lots it stops with RecallPending and
    ///      `continueRecall` goes on from there, so no downstream party can make a recall fail by making it large.
    /// @param lotId the lot to recall
    /// @param docHash sha256 of the EPCIS ObjectEvent (disposition recalled) document
    /// @return count how many lots were marked recalled by this call
    function recall(uint64 lotId, bytes32 docHash) external returns (uint256 count) {
        Lot storage root = _lots[lotId];
        LotStatus status = root.status;
        if (status == LotStatus.None) revert UnknownLot(lotId);
        uint8 bits = _partyBits[msg.sender];
        if (
            bits & BIT_AUDITOR == 0
                && (bits & BIT_MANUFACTURER == 0 || root.producer != msg.sender || root.kind == LotKind.Pallet)
        ) {
            revert Unauthorized(msg.sender);
        }
        if (root.flags & FLAG_RECALLED != 0) revert AlreadyRecalled(lotId);
        if (status == LotStatus.Destroyed) revert WrongStatus(lotId, status);
        uint64[] memory queue = new uint64[](1 + MAX_PALLET_SIZE + MAX_RECALL_LOTS);
        _markRecalled(root, lotId, lotId, docHash);
        queue[0] = lotId;
        count = 1;
        if (root.kind == LotKind.Pallet) {
            uint64[] storage contents = _contents[lotId];
            uint256 n = contents.length;
            for (uint256 i; i < n; ++i) {
                uint64 id = contents[i];
                Lot storage inner = _lots[id];
                if (_recallable(inner)) {
                    _markRecalled(inner, id, lotId, docHash);
                    queue[count++] = id;
                }
            }
        }
        count = _propagate(queue, count, count, 0, lotId, docHash);
    }

    /// @notice Go on with a recall that stopped after MAX_RECALL_LOTS lots (RecallPending): mark up to
    ///         MAX_RECALL_LOTS more lots downstream. Anyone may call it: it only carries out a recall that an
    ///         auditor or the producer has decided.
    /// @dev Takes at most MAX_RECALL_LOTS waiting lots off the end of the stored queue, so that a call's cost stays
    ///      bounded however wide the waiting front of a recall grows.
    /// @param root the lot the recall started from
    /// @param docHash sha256 of the EPCIS ObjectEvent (disposition recalled) document of this page
    /// @return count how many lots were marked recalled by this call
    function continueRecall(uint64 root, bytes32 docHash) external returns (uint256 count) {
        uint64[] storage stored = _recallQueue[root];
        uint256 n = stored.length;
        if (n == 0) revert NoRecallPending(root);
        uint256 take = n < MAX_RECALL_LOTS ? n : MAX_RECALL_LOTS;
        uint64[] memory queue = new uint64[](take + MAX_RECALL_LOTS);
        for (uint256 i; i < take; ++i) {
            queue[i] = stored[n - 1 - i];
            stored.pop();
        }
        count = _propagate(queue, take, 0, n - take, root, docHash);
    }

    /// @notice Destroy a lot (or a pallet with its contents) the caller holds; nothing can happen to it after.
    /// @param lotId the lot or pallet, active (not in transit, not packed)
    /// @param docHash sha256 of the EPCIS ObjectEvent (destroying) document
    function destroy(uint64 lotId, bytes32 docHash) external {
        Lot storage lot = _lots[lotId];
        _requireHolderActive(lot, lotId);
        lot.status = LotStatus.Destroyed;
        lot.disposition = Disposition.Destroyed;
        emit LotDestroyed(lotId, msg.sender, docHash);
        if (lot.kind == LotKind.Pallet) {
            uint64[] memory contents = _contents[lotId];
            uint256 n = contents.length;
            for (uint256 i; i < n; ++i) {
                Lot storage inner = _lots[contents[i]];
                inner.status = LotStatus.Destroyed;
                inner.disposition = Disposition.Destroyed;
                inner.holder = msg.sender;
                emit LotDestroyed(contents[i], msg.sender, docHash);
            }
            delete _contents[lotId];
        }
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice Everything stored about a lot.
    /// @param lotId the lot
    /// @return the lot (all zero if it does not exist)
    function getLot(uint64 lotId) external view returns (Lot memory) {
        return _lots[lotId];
    }

    /// @notice Who has custody of a lot: its holder, or its pallet's holder while it is packed.
    /// @param lotId the lot
    /// @return the custodian
    function custodianOf(uint64 lotId) external view returns (address) {
        Lot storage lot_ = _lots[lotId];
        return lot_.status == LotStatus.Aggregated ? _lots[lot_.container].holder : lot_.holder;
    }

    /// @notice CO2e attributed to a lot so far: its own, plus its mass share of its pallet's legs while packed.
    /// @param lotId the lot
    /// @return milligrams CO2e
    function co2Of(uint64 lotId) external view returns (uint256) {
        Lot storage lot_ = _lots[lotId];
        uint256 co2 = lot_.co2Mg;
        if (lot_.status == LotStatus.Aggregated) {
            Lot storage pallet = _lots[lot_.container];
            co2 += (uint256(pallet.co2Mg) * lot_.massKg) / pallet.massKg;
        }
        return co2;
    }

    /// @notice The lots packed in a pallet.
    /// @param palletId the pallet
    /// @return its lots (empty once disaggregated or destroyed)
    function contentsOf(uint64 palletId) external view returns (uint64[] memory) {
        return _contents[palletId];
    }

    /// @notice Whether a lot is recalled.
    /// @param lotId the lot
    /// @return true once recalled
    function isRecalled(uint64 lotId) external view returns (bool) {
        return _lots[lotId].flags & FLAG_RECALLED != 0;
    }

    /// @notice The recalled lots whose downstream a recall has not marked yet (see `continueRecall`).
    /// @param root the lot the recall started from
    /// @return the lots still to expand (empty once the recall is complete)
    function pendingRecall(uint64 root) external view returns (uint64[] memory) {
        return _recallQueue[root];
    }

    /// @notice Whether a lot is non-conformant (a cold-chain reading out of range).
    /// @param lotId the lot
    /// @return true once non-conformant
    function isNonConformant(uint64 lotId) external view returns (bool) {
        return _lots[lotId].flags & FLAG_NON_CONFORMANT != 0;
    }

    /// @notice The party roles of an account as bits: 1 supplier, 2 manufacturer, 4 carrier, 8 warehouse,
    ///         16 retailer, 32 auditor, 64 sensor.
    /// @param account the account
    /// @return its role bits
    function partyBits(address account) external view returns (uint8) {
        return _partyBits[account];
    }

    // --- internals -------------------------------------------------------------------------------------------

    /// @dev A lot going into a pallet or a transformation: usable and not itself a pallet; it takes `status`.
    function _takeInput(uint64 id, LotStatus status) private returns (Lot storage lot) {
        lot = _usableLot(id);
        if (lot.kind == LotKind.Pallet) revert PalletsDoNotNest(id);
        lot.status = status;
    }

    function _setIntensity(TransportMode mode, uint32 gramsPerTonneKm) internal {
        intensity[mode] = gramsPerTonneKm;
        emit IntensitySet(mode, gramsPerTonneKm);
    }

    function _requireBits(uint8 bits) internal view {
        if (_partyBits[msg.sender] & bits == 0) revert Unauthorized(msg.sender);
    }

    function _requireHolderActive(Lot storage lot_, uint64 lotId) internal view {
        LotStatus status = lot_.status;
        if (status == LotStatus.None) revert UnknownLot(lotId);
        if (status != LotStatus.Active) revert WrongStatus(lotId, status);
        if (lot_.holder != msg.sender) revert NotHolder(lotId, msg.sender, lot_.holder);
    }

    /// @dev An active lot the caller holds and that is not recalled.
    function _usableLot(uint64 lotId) internal view returns (Lot storage lot_) {
        lot_ = _lots[lotId];
        _requireHolderActive(lot_, lotId);
        if (lot_.flags & FLAG_RECALLED != 0) revert LotIsRecalled(lotId);
    }

    /// @dev A new lot held by the caller; `flags` carries the non-conformance of what it is made from.
    function _create(uint64 lotId, LotSpec calldata spec, uint128 co2Mg, uint8 flags) internal {
        if (spec.quantity == 0 || spec.massKg == 0) revert ZeroAmount();
        if (spec.tempMin > spec.tempMax) revert BadTemperatureRange(spec.tempMin, spec.tempMax);
        Lot storage lot_ = _lots[lotId];
        lot_.holder = msg.sender;
        lot_.status = LotStatus.Active;
        Disposition disposition = _restingDisposition(flags, LotKind.Lot);
        lot_.disposition = disposition;
        lot_.flags = flags;
        lot_.massKg = spec.massKg;
        lot_.tempMin = spec.tempMin;
        lot_.tempMax = spec.tempMax;
        lot_.producer = msg.sender;
        lot_.quantity = spec.quantity;
        lot_.co2Mg = co2Mg;
        emit LotCreated(
            lotId,
            msg.sender,
            spec.product,
            spec.quantity,
            spec.unit,
            spec.origin,
            spec.massKg,
            spec.tempMin,
            spec.tempMax,
            co2Mg
        );
        if (flags != 0) emit DispositionChanged(lotId, disposition);
    }

    function _ship(uint64 lotId, address receiver, bytes32 poRef, bytes32 docHash, bool isReturn) internal {
        Lot storage lot_ = _lots[lotId];
        _requireHolderActive(lot_, lotId);
        uint8 flags = lot_.flags;
        if (isReturn) {
            if (flags & FLAG_RECALLED == 0) revert LotNotRecalled(lotId);
        } else if (flags & FLAG_RECALLED != 0) {
            revert LotIsRecalled(lotId);
        }
        if (receiver == msg.sender) revert SelfShipment();
        if (_partyBits[receiver] & CUSTODY_BITS == 0) revert NotCustodyParty(receiver);
        lot_.status = LotStatus.InTransit;
        if (isReturn) {
            lot_.disposition = Disposition.Returned;
        } else {
            lot_.disposition = flags & FLAG_NON_CONFORMANT != 0 ? Disposition.NonConformant : Disposition.InTransit;
        }
        lot_.pendingReceiver = receiver;
        lot_.container = uint64(block.timestamp); // in the slot written anyway: the timeout costs no new slot
        emit LotShipped(lotId, msg.sender, receiver, poRef, isReturn, docHash);
    }

    /// @dev What a lot at rest shows: recalled, else non-conformant, else active (container_closed: a pallet).
    function _restingDisposition(uint8 flags, LotKind kind) internal pure returns (Disposition) {
        if (flags & FLAG_RECALLED != 0) return Disposition.Recalled;
        if (flags & FLAG_NON_CONFORMANT != 0) return Disposition.NonConformant;
        return kind == LotKind.Pallet ? Disposition.ContainerClosed : Disposition.Active;
    }

    /// @dev Unpack an active pallet: its lots go to the pallet's holder, each with its share (by mass) of the
    ///      pallet's CO2e (the last one takes the remainder) and the pallet's non-conformance; a recalled lot stays
    ///      recalled, the pallet's own recall mark does not spread.
    function _unpack(Lot storage pallet, uint64 palletId, bytes32 docHash) internal {
        uint64[] memory lotIds = _contents[palletId];
        uint256 n = lotIds.length;
        address holder = pallet.holder;
        uint128 palletCo2 = pallet.co2Mg;
        uint64 palletMass = pallet.massKg;
        uint8 nonConformant = pallet.flags & FLAG_NON_CONFORMANT;
        uint128 shared = 0;
        for (uint256 i; i < n; ++i) {
            Lot storage lot_ = _lots[lotIds[i]];
            uint128 share = i + 1 == n ? palletCo2 - shared : uint128((uint256(palletCo2) * lot_.massKg) / palletMass);
            shared += share;
            lot_.co2Mg += share;
            lot_.status = LotStatus.Active;
            lot_.container = 0;
            lot_.holder = holder;
            uint8 flags = lot_.flags | nonConformant;
            lot_.flags = flags;
            lot_.disposition = _restingDisposition(flags, LotKind.Lot);
        }
        pallet.status = LotStatus.Disaggregated;
        pallet.disposition = Disposition.Inactive;
        delete _contents[palletId];
        emit PalletDisaggregated(palletId, msg.sender, lotIds, docHash);
    }

    /// @dev Mark a lot non-conformant for good; a recalled one (a pallet holding a lot just found warm) keeps
    ///      showing recalled, so only a changed disposition is announced.
    function _markNonConformant(Lot storage lot_, uint64 lotId) internal {
        uint8 flags = lot_.flags;
        if (flags & FLAG_NON_CONFORMANT != 0) return;
        lot_.flags = flags | FLAG_NON_CONFORMANT;
        if (flags & FLAG_RECALLED == 0) {
            lot_.disposition = Disposition.NonConformant;
            emit DispositionChanged(lotId, Disposition.NonConformant);
        }
    }

    /// @dev A lot a recall still has to mark: not yet recalled, not destroyed.
    function _recallable(Lot storage lot_) internal view returns (bool) {
        return lot_.flags & FLAG_RECALLED == 0 && lot_.status != LotStatus.Destroyed;
    }

    function _markRecalled(Lot storage lot_, uint64 lotId, uint64 root, bytes32 docHash) internal {
        lot_.flags |= FLAG_RECALLED;
        LotStatus status = lot_.status;
        if (status != LotStatus.Consumed && status != LotStatus.Disaggregated) {
            lot_.disposition = Disposition.Recalled;
        }
        emit LotRecalled(lotId, root, msg.sender, docHash);
    }

    /// @dev Breadth-first from the recalled lots queue[0..count): marks what lies directly downstream of each
    ///      (its pallet while packed, the outputs of the transformation that consumed it) and queues it, until
    ///      `marked` reaches MAX_RECALL_LOTS. The lots not fully expanded then that have anything downstream are
    ///      kept in _recallQueue[root] (leaves are dropped, so that each later page marks a full page).
    ///      Their links cannot change meanwhile: a recalled lot is neither packed nor transformed again.
    ///      `waiting` is how many lots the stored queue still holds (no storage read when nothing is left over).
    /// @return how many lots this call has marked
    function _propagate(
        uint64[] memory queue,
        uint256 count,
        uint256 marked,
        uint256 waiting,
        uint64 root,
        bytes32 docHash
    ) internal returns (uint256) {
        uint256 head;
        for (; head < count; ++head) {
            Lot storage lot_ = _lots[queue[head]];
            LotStatus status = lot_.status;
            uint64 next = 0; // [next, end): what lies directly downstream (nothing for a lot at rest)
            uint64 end = 0;
            if (status == LotStatus.Aggregated) {
                next = lot_.container;
                end = next + 1;
            } else if (status == LotStatus.Consumed) {
                next = lot_.firstOutput;
                end = next + lot_.outputCount;
            }
            for (; next < end; ++next) {
                Lot storage child = _lots[next];
                if (!_recallable(child)) continue;
                if (marked == MAX_RECALL_LOTS) break;
                _markRecalled(child, next, root, docHash);
                queue[count++] = next;
                ++marked;
            }
            if (next < end) break; // the page is full: this lot and the rest of the queue wait
        }
        for (uint256 i = head; i < count; ++i) {
            uint64 id = queue[i];
            LotStatus status = _lots[id].status; // warm: it was just marked or read
            if (status == LotStatus.Aggregated || status == LotStatus.Consumed) {
                _recallQueue[root].push(id); // not a leaf: something downstream may still need marking
                ++waiting;
            }
        }
        if (waiting != 0) emit RecallPending(root, waiting);
        return marked;
    }

    function _bitOf(bytes32 role) internal pure returns (uint8) {
        if (role == SUPPLIER_ROLE) return BIT_SUPPLIER;
        if (role == MANUFACTURER_ROLE) return BIT_MANUFACTURER;
        if (role == CARRIER_ROLE) return BIT_CARRIER;
        if (role == WAREHOUSE_ROLE) return BIT_WAREHOUSE;
        if (role == RETAILER_ROLE) return BIT_RETAILER;
        if (role == AUDITOR_ROLE) return BIT_AUDITOR;
        if (role == SENSOR_ROLE) return BIT_SENSOR;
        return 0;
    }

    /// @dev Keeps the party role bits in step with AccessControl (one storage read per role check).
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted) _partyBits[account] |= _bitOf(role);
    }

    /// @dev Keeps the party role bits in step with AccessControl.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked) _partyBits[account] &= ~_bitOf(role);
    }
}
