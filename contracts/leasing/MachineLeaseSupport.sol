// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineLeaseBase} from "./MachineLeaseBase.sol";

/// @title MachineLeaseSupport
/// @notice Fault tickets and the maintenance SLA of a lease: the lessee (or the machine's device) reports a fault,
///         the lessor closes the ticket with its intervention report, and a ticket not closed in time credits the
///         lessee at the next billing. One ticket may be open per lease at a time, which keeps SLA checks O(1).
/// @dev Abstract: part of {MachineLease}.
abstract contract MachineLeaseSupport is MachineLeaseBase {
    /// @notice A fault ticket.
    struct Ticket {
        uint64 leaseId;
        uint64 openedAt;
        uint64 deadline;
        bool closed;
        bool credited;
    }

    mapping(uint256 ticketId => Ticket) private _tickets;
    uint256 private _ticketCount;

    /// @notice A fault ticket was opened.
    event FaultReported(
        uint256 indexed ticketId, uint256 indexed leaseId, address indexed reporter, bytes32 descriptionHash, uint64 deadline
    );
    /// @notice A fault ticket was closed.
    event TicketClosed(uint256 indexed ticketId, uint256 indexed leaseId, bytes32 reportHash, bool late);
    /// @notice A ticket missed its SLA: the credit is applied at the next billing.
    event SlaCreditGranted(uint256 indexed ticketId, uint256 indexed leaseId, uint256 amount);

    error NotLesseeOrDevice(uint256 leaseId, address caller);
    error TicketAlreadyOpen(uint256 leaseId, uint256 ticketId);
    error TicketNotOpen(uint256 ticketId);
    error EmptyReport();

    // --- maintenance -----------------------------------------------------------------------------------------

    /// @notice Report a fault (the lessee or the machine's bound device): opens a ticket the lessor must close
    ///         within the plan's SLA. One ticket per lease may be open at a time.
    /// @param leaseId The lease.
    /// @param descriptionHash Hash of the fault description (kept off chain).
    /// @return ticketId The new ticket.
    function reportFault(uint256 leaseId, bytes32 descriptionHash) external returns (uint256 ticketId) {
        Lease storage l = _runningLease(leaseId);
        if (msg.sender != _ownerOf(leaseId) && msg.sender != registry.deviceOf(l.machineId)) {
            revert NotLesseeOrDevice(leaseId, msg.sender);
        }
        if (l.openTicket != 0) revert TicketAlreadyOpen(leaseId, l.openTicket);
        ticketId = ++_ticketCount;
        uint64 deadline = uint64(block.timestamp) + _plans[l.planId].sla;
        _tickets[ticketId] = Ticket({
            leaseId: uint64(leaseId), openedAt: uint64(block.timestamp), deadline: deadline, closed: false, credited: false
        });
        l.openTicket = uint64(ticketId);
        emit FaultReported(ticketId, leaseId, msg.sender, descriptionHash, deadline);
    }

    /// @notice Close a ticket (the lease's lessor) with the intervention report, logged on the machine's twin.
    ///         Closing after the deadline grants the plan's SLA credit, applied at the next billing.
    /// @param ticketId The ticket.
    /// @param reportHash Hash of the intervention report (non-zero).
    function closeTicket(uint256 ticketId, bytes32 reportHash) external {
        Ticket storage t = _tickets[ticketId];
        if (t.leaseId == 0 || t.closed) revert TicketNotOpen(ticketId);
        if (reportHash == bytes32(0)) revert EmptyReport();
        uint256 leaseId = t.leaseId;
        Lease storage l = _leases[leaseId];
        Plan storage p = _plans[l.planId];
        if (p.lessor != msg.sender) revert NotLessor(leaseId, msg.sender);
        bool late = block.timestamp > t.deadline;
        t.closed = true;
        l.openTicket = 0;
        if (late && !t.credited) {
            t.credited = true;
            l.pendingCredit = _capped(uint256(l.pendingCredit) + p.slaCredit);
            emit SlaCreditGranted(ticketId, leaseId, p.slaCredit);
        }
        emit TicketClosed(ticketId, leaseId, reportHash, late);
        registry.recordMaintenance(l.machineId, reportHash, false);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice A fault ticket.
    /// @param ticketId The ticket.
    /// @return The ticket.
    function ticketOf(uint256 ticketId) external view returns (Ticket memory) {
        return _tickets[ticketId];
    }

    // --- internals -------------------------------------------------------------------------------------------

    function _slaCredit(uint256 leaseId, uint64 ticketId, uint96 amount) internal returns (uint256) {
        if (ticketId == 0) return 0;
        Ticket storage t = _tickets[ticketId];
        if (t.credited || block.timestamp <= t.deadline) return 0;
        t.credited = true;
        emit SlaCreditGranted(ticketId, leaseId, amount);
        return amount;
    }
}
