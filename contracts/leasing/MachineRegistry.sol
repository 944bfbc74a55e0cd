// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ZeroAddress} from "../common/Errors.sol";

/// @title MachineRegistry
/// @notice The digital twins of leased machines: one ERC-721 token per machine, minted by the manufacturer, with
///         its serial, model, bound IoT device, cumulative hours of use and maintenance log.
/// @dev Usage readings are EIP-712 messages `UsageReading(uint256 machineId,uint64 counter,uint64 nonce,uint64
///      takenAt)` signed by the machine's bound device, so a keeper or the lessee can relay them. `counter` is the
///      cumulative number of hours of use and never decreases; `nonce` must be the machine's next reading nonce, so
///      a signature can be used once only; `takenAt` is when the device read its meter: readings are accepted in the
///      order they were taken, never from the future, and never at or before the machine's seal. Every accepted
///      reading is kept (one checkpoint each), so that hours are attributed to the time they were worked, not to
///      the time they were relayed ({hoursAt}). A machine works at most one hour an hour: a counter may grow by no
///      more than the hours since the previous reading (or the registration), rounded up.
///      Custody: while a machine is leased, the lease contract (a CUSTODIAN_ROLE holder) holds it in custody. Then
///      the device binding cannot change without that custodian's consent (the lessee's, in {MachineLease}), and
///      only the custodian may seal the readings of a billed window ({meter}) and release the custody. The
///      custodian needs its role only to take custody: revoking it later cannot lock a leased machine.
///      The maintenance log keeps only the latest document hash and a count on chain; every document hash is in a
///      {MaintenanceRecorded} event. The use right (ERC-4907) and the subscription (ERC-5643) live on the lease
///      tokens of {MachineLease}, not here: the twin stays with its owner.
contract MachineRegistry is ERC721, AccessControl, EIP712 {
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Mints twins and (re)binds their IoT devices.
    bytes32 public constant MANUFACTURER_ROLE = keccak256("MANUFACTURER_ROLE");
    /// @notice Records maintenance on twins (technicians; a custodian may log on the machines it holds).
    bytes32 public constant MAINTAINER_ROLE = keccak256("MAINTAINER_ROLE");
    /// @notice May take machines into custody (the lease contract).
    bytes32 public constant CUSTODIAN_ROLE = keccak256("CUSTODIAN_ROLE");
    /// @notice EIP-712 type hash of a usage reading.
    bytes32 public constant USAGE_READING_TYPEHASH =
        keccak256("UsageReading(uint256 machineId,uint64 counter,uint64 nonce,uint64 takenAt)");

    /// @notice A usage reading as signed by a device.
    /// @param machineId The twin's token id.
    /// @param counter Cumulative hours of use.
    /// @param nonce The machine's next reading nonce.
    /// @param takenAt Unix time the device read its meter.
    struct UsageReading {
        uint256 machineId;
        uint64 counter;
        uint64 nonce;
        uint64 takenAt;
    }

    /// @dev Two storage slots per machine (plus the serial and model strings, written once, and the readings).
    struct Machine {
        address device; // bound IoT device
        uint32 nonce; // next reading nonce
        uint48 sealedUntil; // readings taken at or before this time are refused (registration, billed windows)
        uint64 lastServiceHours; // hours at the last preventive maintenance
        uint32 serviceInterval; // preventive maintenance due every `serviceInterval` hours (0: none)
        uint32 maintenanceCount; // entries in the maintenance log
    }

    mapping(uint256 machineId => Machine) private _machines;
    mapping(uint256 machineId => Checkpoints.Trace208) private _readings; // takenAt -> counter
    /// @notice The contract holding a machine in custody (its running lease's contract), zero if none.
    mapping(uint256 machineId => address) public custodianOf;
    /// @notice A device a manufacturer proposed for a machine in custody, awaiting the custodian's consent.
    mapping(uint256 machineId => address) public proposedDeviceOf;
    mapping(uint256 machineId => bytes32) private _lastMaintenanceHash;
    mapping(uint256 machineId => string) private _serials;
    mapping(uint256 machineId => string) private _models;
    mapping(bytes32 serialHash => uint256 machineId) private _bySerial;
    uint256 private _nextId = 1;

    /// @notice A twin was minted.
    event MachineRegistered(
        uint256 indexed machineId, address indexed owner, string serial, string model, address device, uint32 interval
    );
    /// @notice The machine's IoT device changed.
    event DeviceBound(uint256 indexed machineId, address indexed device);
    /// @notice A manufacturer proposed another device for a machine in custody.
    event DeviceProposed(uint256 indexed machineId, address indexed device, address indexed custodian);
    /// @notice A custodian took a machine into custody.
    event CustodyTaken(uint256 indexed machineId, address indexed custodian);
    /// @notice A custodian released a machine.
    event CustodyReleased(uint256 indexed machineId, address indexed custodian);
    /// @notice Readings taken at or before `until` are no longer accepted.
    event ReadingsSealed(uint256 indexed machineId, uint64 until);
    /// @notice A signed usage reading was accepted.
    event UsageReported(
        uint256 indexed machineId, uint64 counter, uint64 nonce, uint64 takenAt, address indexed relayer
    );
    /// @notice The hours of use reached the next preventive maintenance.
    event MaintenanceDue(uint256 indexed machineId, uint64 hoursUsed, uint64 dueAtHours);
    /// @notice A maintenance document was added to the twin's log.
    event MaintenanceRecorded(
        uint256 indexed machineId, bytes32 indexed documentHash, bool preventive, uint64 hoursUsed, uint32 count
    );
    /// @notice The preventive maintenance interval changed.
    event ServiceIntervalSet(uint256 indexed machineId, uint32 interval);

    error UnknownMachine(uint256 machineId);
    error DuplicateSerial(string serial, uint256 machineId);
    error EmptySerial();
    error CounterDecreased(uint256 machineId, uint64 current, uint64 reported);
    error InvalidNonce(uint256 machineId, uint64 expected, uint64 given);
    error InvalidDeviceSignature(uint256 machineId, address signer);
    error ReadingFromFuture(uint256 machineId, uint64 takenAt);
    error StaleReading(uint256 machineId, uint64 takenAt, uint64 notAfter);
    error ImplausibleReading(uint256 machineId, uint64 counter, uint64 maxCounter);
    error EmptyDocument();
    error InCustody(uint256 machineId, address custodian);
    error NotInCustody(uint256 machineId);
    error NotCustodian(uint256 machineId, address caller);
    error NotProposed(uint256 machineId, address device);

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants the manufacturer and maintainer roles).
    constructor(address admin) ERC721("S4 Machine Twin", "S4TWIN") EIP712("S4 MachineRegistry", "1") {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // --- manufacturer ----------------------------------------------------------------------------------------

    /// @notice Mint the twin of a new machine to `owner` (the lessor).
    /// @param owner Owner of the twin.
    /// @param serial Unique serial number.
    /// @param model Model designation.
    /// @param device Address of the IoT device allowed to sign usage readings.
    /// @param serviceInterval Preventive maintenance due every this many hours (0: none).
    /// @return machineId The new token id.
    function registerMachine(
        address owner,
        string calldata serial,
        string calldata model,
        address device,
        uint32 serviceInterval
    ) external onlyRole(MANUFACTURER_ROLE) returns (uint256 machineId) {
        if (device == address(0) || owner == address(0)) revert ZeroAddress();
        if (bytes(serial).length == 0) revert EmptySerial();
        bytes32 serialHash = keccak256(bytes(serial));
        uint256 existing = _bySerial[serialHash];
        if (existing != 0) revert DuplicateSerial(serial, existing);
        machineId = _nextId++;
        _bySerial[serialHash] = machineId;
        _serials[machineId] = serial;
        _models[machineId] = model;
        _machines[machineId] = Machine({
            device: device,
            nonce: 0,
            sealedUntil: 0, // the registration checkpoint below refuses readings from before the twin existed
            lastServiceHours: 0,
            serviceInterval: serviceInterval,
            maintenanceCount: 0
        });
        // slither-disable-next-line unused-return (the first checkpoint: the counter starts at 0 at registration)
        _readings[machineId].push(uint48(block.timestamp), 0);
        emit MachineRegistered(machineId, owner, serial, model, device, serviceInterval);
        _safeMint(owner, machineId);
    }

    /// @notice Bind another IoT device to a machine not in custody (e.g. after a replacement); the reading nonce and
    ///         counter carry on. A machine in custody (leased) needs {proposeDevice} and the custodian's consent.
    /// @param machineId The twin.
    /// @param device The new device.
    function bindDevice(uint256 machineId, address device) external onlyRole(MANUFACTURER_ROLE) {
        _requireMachine(machineId);
        if (device == address(0)) revert ZeroAddress();
        address custodian = custodianOf[machineId];
        if (custodian != address(0)) revert InCustody(machineId, custodian);
        _bind(machineId, device);
    }

    /// @notice Propose another IoT device for a machine in custody; it is bound once the custodian accepts it.
    /// @param machineId The twin.
    /// @param device The new device.
    function proposeDevice(uint256 machineId, address device) external onlyRole(MANUFACTURER_ROLE) {
        _requireMachine(machineId);
        if (device == address(0)) revert ZeroAddress();
        address custodian = custodianOf[machineId];
        if (custodian == address(0)) revert NotInCustody(machineId);
        proposedDeviceOf[machineId] = device;
        emit DeviceProposed(machineId, device, custodian);
    }

    /// @notice Change the preventive maintenance interval of a machine.
    /// @param machineId The twin.
    /// @param interval Hours of use between preventive maintenances (0: none).
    function setServiceInterval(uint256 machineId, uint32 interval) external onlyRole(MANUFACTURER_ROLE) {
        _requireMachine(machineId);
        _machines[machineId].serviceInterval = interval;
        emit ServiceIntervalSet(machineId, interval);
    }

    // --- custody (the lease contract) ------------------------------------------------------------------------

    /// @notice Take a machine into custody (a CUSTODIAN_ROLE holder, when it is leased): from now on its device
    ///         changes only with the custodian's consent, and readings taken until now are sealed.
    /// @param machineId The twin, not in custody.
    /// @return hoursNow The machine's counter now (the lease's starting point).
    function takeCustody(uint256 machineId) external onlyRole(CUSTODIAN_ROLE) returns (uint64 hoursNow) {
        _requireMachine(machineId);
        address custodian = custodianOf[machineId];
        if (custodian != address(0)) revert InCustody(machineId, custodian);
        custodianOf[machineId] = msg.sender;
        emit CustodyTaken(machineId, msg.sender);
        _seal(machineId, uint64(block.timestamp));
        return uint64(_readings[machineId].latest());
    }

    /// @notice Release a machine (its custodian, when the lease is over); a pending device proposal lapses.
    /// @param machineId The twin.
    function releaseCustody(uint256 machineId) external {
        _requireCustodian(machineId);
        delete custodianOf[machineId];
        delete proposedDeviceOf[machineId];
        emit CustodyReleased(machineId, msg.sender);
    }

    /// @notice Bind the device a manufacturer proposed (the custodian, with its lessee's consent).
    /// @param machineId The twin.
    /// @param device The proposed device (must match the proposal, so a changed proposal is not accepted blindly).
    function acceptDevice(uint256 machineId, address device) external {
        _requireCustodian(machineId);
        if (device == address(0) || proposedDeviceOf[machineId] != device) revert NotProposed(machineId, device);
        delete proposedDeviceOf[machineId];
        _bind(machineId, device);
    }

    /// @notice The counter as of `until` (the last reading taken at or before it), sealing the readings up to
    ///         then (the custodian, when it bills the window ending at `until`).
    /// @param machineId The twin.
    /// @param until End of the billed window, not in the future.
    /// @return The counter at `until`.
    function meter(uint256 machineId, uint64 until) external returns (uint64) {
        _requireCustodian(machineId);
        if (until > block.timestamp) revert ReadingFromFuture(machineId, until);
        _seal(machineId, until);
        return uint64(_readings[machineId].upperLookupRecent(uint48(until)));
    }

    // --- device readings -------------------------------------------------------------------------------------

    /// @notice Record a usage reading signed by the machine's bound device; anyone may relay it. Readings are
    ///         taken in order: `takenAt` after the last accepted reading and after the seal, and not in the future.
    /// @param reading The signed reading.
    /// @param signature The device's EIP-712 signature (65 bytes).
    function reportUsage(UsageReading calldata reading, bytes calldata signature) external {
        uint256 machineId = reading.machineId;
        Machine storage m = _machines[machineId];
        address device = m.device;
        if (device == address(0)) revert UnknownMachine(machineId);
        uint64 expected = m.nonce;
        if (reading.nonce != expected) revert InvalidNonce(machineId, expected, reading.nonce);
        (uint64 previous, uint64 maxCounter) = _checkTime(machineId, m.sealedUntil, reading.takenAt);
        // slither-disable-next-line unused-return (any RecoverError yields address(0), never the bound device)
        (address signer,,) = ECDSA.tryRecover(_hashTypedDataV4(_readingHash(reading)), signature);
        if (signer != device) revert InvalidDeviceSignature(machineId, signer);
        if (reading.counter < previous) revert CounterDecreased(machineId, previous, reading.counter);
        if (reading.counter > maxCounter) revert ImplausibleReading(machineId, reading.counter, maxCounter);
        m.nonce = uint32(expected + 1);
        // slither-disable-next-line unused-return (the previous and new values are known here)
        _readings[machineId].push(uint48(reading.takenAt), reading.counter); // takenAt <= block.timestamp
        emit UsageReported(machineId, reading.counter, reading.nonce, reading.takenAt, msg.sender);
        uint32 interval = m.serviceInterval;
        if (interval != 0) {
            uint64 dueAt = m.lastServiceHours + interval;
            if (previous < dueAt && reading.counter >= dueAt) emit MaintenanceDue(machineId, reading.counter, dueAt);
        }
    }

    // --- maintenance -----------------------------------------------------------------------------------------

    /// @notice Add a maintenance document to the twin's log (a maintainer, or the machine's custodian); a
    ///         preventive one restarts the service interval.
    /// @param machineId The twin.
    /// @param documentHash Hash of the maintenance report (kept off chain).
    /// @param preventive True for the scheduled preventive maintenance, false for a repair.
    function recordMaintenance(uint256 machineId, bytes32 documentHash, bool preventive) external {
        if (custodianOf[machineId] != msg.sender) _checkRole(MAINTAINER_ROLE);
        _requireMachine(machineId);
        if (documentHash == bytes32(0)) revert EmptyDocument();
        Machine storage m = _machines[machineId];
        uint64 hoursUsed = uint64(_readings[machineId].latest());
        uint32 count = m.maintenanceCount + 1;
        m.maintenanceCount = count;
        if (preventive) m.lastServiceHours = hoursUsed;
        _lastMaintenanceHash[machineId] = documentHash;
        emit MaintenanceRecorded(machineId, documentHash, preventive, hoursUsed, count);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice Cumulative hours of use of a machine.
    /// @param machineId The twin.
    /// @return The last accepted counter.
    function hoursOf(uint256 machineId) external view returns (uint64) {
        return uint64(_readings[machineId].latest());
    }

    /// @notice The counter of a machine as of a time: that of the last accepted reading taken at or before it.
    /// @param machineId The twin.
    /// @param time Unix time.
    /// @return The counter then (0 before the first reading).
    function hoursAt(uint256 machineId, uint48 time) external view returns (uint64) {
        return uint64(_readings[machineId].upperLookupRecent(time));
    }

    /// @notice When the last accepted reading of a machine was taken, and the time up to which readings are sealed.
    /// @param machineId The twin.
    /// @return lastReadingAt Unix time of the last accepted reading (the registration's before the first one).
    /// @return sealedUntil Readings taken at or before this time are refused.
    function readingTimesOf(uint256 machineId) external view returns (uint48 lastReadingAt, uint48 sealedUntil) {
        // slither-disable-next-line unused-return (no checkpoint reads as time 0)
        (, lastReadingAt,) = _readings[machineId].latestCheckpoint();
        sealedUntil = _machines[machineId].sealedUntil;
    }

    /// @notice The IoT device bound to a machine.
    /// @param machineId The twin.
    /// @return The device address (zero for an unknown machine).
    function deviceOf(uint256 machineId) external view returns (address) {
        return _machines[machineId].device;
    }

    /// @notice The nonce the next reading of a machine must carry.
    /// @param machineId The twin.
    /// @return The next nonce.
    function nonceOf(uint256 machineId) external view returns (uint64) {
        return _machines[machineId].nonce;
    }

    /// @notice Serial number and model of a machine.
    /// @param machineId The twin.
    /// @return serial The serial number.
    /// @return model The model.
    function describe(uint256 machineId) external view returns (string memory serial, string memory model) {
        return (_serials[machineId], _models[machineId]);
    }

    /// @notice The machine with a given serial number.
    /// @param serial The serial number.
    /// @return The twin's token id (0 if none).
    function machineBySerial(string calldata serial) external view returns (uint256) {
        return _bySerial[keccak256(bytes(serial))];
    }

    /// @notice Maintenance state of a machine.
    /// @param machineId The twin.
    /// @return count Entries in the maintenance log.
    /// @return lastDocument Hash of the latest maintenance document.
    /// @return lastServiceHours Hours of use at the last preventive maintenance.
    /// @return serviceInterval Hours between preventive maintenances (0: none).
    function maintenanceOf(uint256 machineId)
        external
        view
        returns (uint32 count, bytes32 lastDocument, uint64 lastServiceHours, uint32 serviceInterval)
    {
        Machine storage m = _machines[machineId];
        return (m.maintenanceCount, _lastMaintenanceHash[machineId], m.lastServiceHours, m.serviceInterval);
    }

    /// @notice Whether the preventive maintenance of a machine is due.
    /// @param machineId The twin.
    /// @return True once the hours since the last preventive maintenance reach the interval.
    function maintenanceDue(uint256 machineId) external view returns (bool) {
        Machine storage m = _machines[machineId];
        return m.serviceInterval != 0 && _readings[machineId].latest() >= m.lastServiceHours + m.serviceInterval;
    }

    /// @notice The EIP-712 digest a device signs for a reading (for off-chain tooling and tests).
    /// @param reading The reading.
    /// @return The digest.
    function readingDigest(UsageReading calldata reading) external view returns (bytes32) {
        return _hashTypedDataV4(_readingHash(reading));
    }

    /// @notice ERC-165: ERC-721 (+ metadata) and AccessControl.
    /// @param interfaceId The interface id.
    /// @return True if supported.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _requireMachine(uint256 machineId) private view {
        if (_machines[machineId].device == address(0)) revert UnknownMachine(machineId);
    }

    function _requireCustodian(uint256 machineId) private view {
        if (custodianOf[machineId] != msg.sender) revert NotCustodian(machineId, msg.sender);
    }

    function _bind(uint256 machineId, address device) private {
        _machines[machineId].device = device;
        emit DeviceBound(machineId, device);
    }

    /// @dev Seals never move back: a window once billed stays closed.
    function _seal(uint256 machineId, uint64 until) private {
        Machine storage m = _machines[machineId];
        if (until <= m.sealedUntil) return;
        m.sealedUntil = uint48(until); // until <= block.timestamp
        emit ReadingsSealed(machineId, until);
    }

    /// @dev A reading is taken now or before, after the last accepted one and after the seal; returns the counter
    ///      of the last accepted reading and the most the new one may show (one hour an hour since then).
    function _checkTime(uint256 machineId, uint48 sealedUntil, uint64 takenAt)
        private
        view
        returns (uint64 previous, uint64 maxCounter)
    {
        if (takenAt > block.timestamp) revert ReadingFromFuture(machineId, takenAt);
        // slither-disable-next-line unused-return (a known machine has its registration checkpoint)
        (, uint48 lastAt, uint208 last) = _readings[machineId].latestCheckpoint();
        uint64 notAfter = lastAt > sealedUntil ? lastAt : sealedUntil;
        if (takenAt <= notAfter) revert StaleReading(machineId, takenAt, notAfter);
        previous = uint64(last);
        maxCounter = previous + uint64(Math.ceilDiv(takenAt - lastAt, 1 hours));
    }

    function _readingHash(UsageReading calldata r) private pure returns (bytes32) {
        return keccak256(abi.encode(USAGE_READING_TYPEHASH, r.machineId, r.counter, r.nonce, r.takenAt));
    }
}
