// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MachineRegistry} from "./MachineRegistry.sol";

/// @title MachineLeaseBase
/// @notice What every layer of {MachineLease} shares: the lease token (ERC-721), the plan and lease records, the
///         ledgers, and the checks and expiry rules the layers all use.
/// @dev Abstract: composed by {MachineLeaseTokens} (ERC-4907/ERC-5643), {MachineLeaseSupport} (fault tickets and
///      SLA) and {MachineLease} (plans, lifecycle, billing, withdrawals), the way OpenZeppelin composes extensions.
abstract contract MachineLeaseBase is ERC721 {
    /// @notice Life cycle of a lease.
    enum Status {
        None,
        Active, // paid up
        Late, // a bill is unpaid, grace period running
        Suspended, // grace period over without payment: use right cleared
        Ended, // final period billed (or terminated): awaiting settlement
        Settled // deposit applied and refunded
    }

    /// @notice Terms of a plan, in stablecoin units and seconds.
    struct PlanTerms {
        uint96 periodFee; // fee per billing period
        uint96 hourlyFee; // fee per metered machine-hour
        uint96 deposit; // escrowed at subscription
        uint96 slaCredit; // credited for a ticket not closed within the SLA
        uint32 period; // billing period length
        uint32 minTerm; // minimum lease duration
        uint32 notice; // notice period
        uint32 grace; // grace period after a bill before suspension (< period)
        uint32 sla; // time to close a fault ticket
    }

    /// @dev Three storage slots; billing reads the first two.
    struct Plan {
        address lessor;
        uint96 periodFee;
        uint96 hourlyFee;
        uint96 slaCredit;
        uint32 period;
        uint32 grace;
        uint96 deposit;
        uint32 minTerm;
        uint32 notice;
        uint32 sla;
        bool active;
    }

    /// @dev Four storage slots; billing writes two of them (three with an SLA credit). Amounts are uint64
    ///      stablecoin units (up to 1.8e13 euros), checked with SafeCast where they enter; times are uint40 where
    ///      packing needs it (good until the year 36812).
    struct Lease {
        uint32 planId;
        uint32 machineId;
        uint40 nextBillAt; // end of the period billed next
        uint64 hoursAtLastBill;
        Status status;
        uint40 endAt; // 0 until notice is given; then a period boundary
        uint40 lateSince; // scheduled time of the oldest unpaid bill
        uint64 balance; // prepaid
        uint64 outstanding; // billed, not credited, not paid
        uint64 billed;
        uint64 paid;
        uint64 credits; // SLA credits applied to bills
        uint64 pendingCredit; // SLA credits not applied yet
        uint64 deposit;
        uint64 openTicket;
        address user; // ERC-4907 user
        uint40 userCap; // expiry set by the lessee for its user
        uint40 startedAt;
    }

    /// @notice The payment currency (the euro stablecoin).
    IERC20 public immutable currency;
    /// @notice The digital twins.
    MachineRegistry public immutable registry;

    mapping(uint256 planId => Plan) internal _plans;
    mapping(uint256 leaseId => Lease) internal _leases;
    /// @notice The running (not yet settled) lease of a machine, 0 if none.
    mapping(uint256 machineId => uint256 leaseId) public leaseOfMachine;
    /// @notice Earnings a lessor can withdraw.
    mapping(address lessor => uint256) public earningsOf;
    /// @notice Deposits and prepaid balances a lessee can withdraw after settlement.
    mapping(address lessee => uint256) public refundOf;
    uint256 internal _planCount;
    uint256 internal _leaseCount;

    error UnknownLease(uint256 leaseId);
    error LeaseNotRunning(uint256 leaseId, Status status);
    error NotLessee(uint256 leaseId, address caller);
    error NotLessor(uint256 leaseId, address caller);

    /// @param currency_ The stablecoin fees and deposits are paid in.
    /// @param registry_ The machine registry.
    constructor(IERC20 currency_, MachineRegistry registry_) ERC721("S4 Machine Lease", "S4LEASE") {
        currency = currency_;
        registry = registry_;
    }

    // --- internals -------------------------------------------------------------------------------------------

    function _runningLease(uint256 leaseId) internal view returns (Lease storage l) {
        l = _leases[leaseId];
        Status status = l.status;
        if (status == Status.None) revert UnknownLease(leaseId);
        if (status != Status.Active && status != Status.Late && status != Status.Suspended) {
            revert LeaseNotRunning(leaseId, status);
        }
    }

    function _expires(Lease storage l, uint32 grace) internal view returns (uint64 e) {
        Status status = l.status;
        uint64 endAt = l.endAt;
        if (status == Status.Active) e = l.nextBillAt + grace;
        else if (status == Status.Late || status == Status.Suspended) e = l.lateSince + grace;
        else return endAt;
        if (endAt != 0 && e > endAt) e = endAt;
    }

    /// @dev SLA credits saturate at 64 bits rather than revert or wrap (credits beyond any debt lapse anyway).
    function _capped(uint256 amount) internal pure returns (uint64) {
        return amount > type(uint64).max ? type(uint64).max : uint64(amount);
    }
}
