// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MachineRegistry} from "./MachineRegistry.sol";
import {MachineLeaseBase} from "./MachineLeaseBase.sol";
import {MachineLeaseSupport} from "./MachineLeaseSupport.sol";
import {MachineLeaseTokens} from "./MachineLeaseTokens.sol";
import {ZeroAddress, ZeroAmount} from "../common/Errors.sol";
import {PullLedger} from "../common/PullLedger.sol";

/// @title MachineLease
/// @notice Machines as a service: a lessee subscribes to a lessor's plan for one machine of the
///         {MachineRegistry}, escrows a deposit, prepays a balance and is billed every period the plan's fee plus
///         the metered hours of use. Late payment opens a grace period, then suspension (use right cleared), then
///         reinstatement once paid. Fault tickets carry a maintenance SLA: a ticket not closed in time credits the
///         lessee at the next billing. After notice (and the minimum term) the lease ends and the deposit comes
///         back, minus anything still owed. Every payment out is pulled.
/// @dev Design choice: the LEASE is the ERC-721 of subscriptions. Each lease is a non-transferable token minted to
///      the lessee, implementing ERC-5643 (`expiresAt` = the end of the paid use right, `cancelSubscription` = give
///      notice, `renewSubscription` = revoke the notice) and ERC-4907 (`userOf` = who may operate the machine).
///      The twin in the registry stays with its owner, the lessor, who has no power over the lease token: only the
///      lessee sets the user, and only non-payment (after the grace period) or the end of the lease clears it.
///      Accounting per lease: `paid + outstanding == billed - credits`, always.
///      One fault ticket may be open per lease at a time, which keeps SLA checks O(1) in billing.
///      Billing is permissionless (keepers): it only follows the plan's terms and the twin's signed counter, read
///      as of the end of the billed window (readings count when they were taken, not when they were relayed) and
///      never more hours than the window has. While a lease runs, this contract holds the twin in custody: its
///      meter changes only with the lessee's consent ({approveDevice}), and billed windows are sealed.
///      A lease's earnings go to the lessor of its plan for the whole lease, even if the twin changes hands
///      meanwhile; a new owner's plans apply from the next lease.
///      Layers: {MachineLeaseBase} (the records and shared rules), {MachineLeaseTokens} (ERC-4907/ERC-5643) and
///      {MachineLeaseSupport} (fault tickets, SLA); this contract adds plans, the lifecycle, billing and withdrawals.
contract MachineLease is MachineLeaseTokens, MachineLeaseSupport, AccessControl {
    using SafeERC20 for IERC20;

    /// @notice Publishes plans (and thereby leases out the machines it owns in the registry).
    bytes32 public constant LESSOR_ROLE = keccak256("LESSOR_ROLE");

    /// @notice A plan was published.
    event PlanPublished(uint256 indexed planId, address indexed lessor, PlanTerms terms);
    /// @notice A plan no longer takes subscriptions.
    event PlanRetired(uint256 indexed planId);
    /// @notice A lessee subscribed; the deposit is escrowed.
    event Subscribed(
        uint256 indexed leaseId, uint256 indexed machineId, uint256 indexed planId, address lessee, uint256 deposit
    );
    /// @notice Someone added to a lease's prepaid balance.
    event ToppedUp(uint256 indexed leaseId, address indexed payer, uint256 amount);
    /// @notice A period was billed.
    event Billed(uint256 indexed leaseId, uint64 periodEnd, uint64 hoursBilled, uint256 charge, uint256 outstanding);
    /// @notice SLA credits were deducted from what is owed.
    event CreditApplied(uint256 indexed leaseId, uint256 amount);
    /// @notice An amount owed was paid from the prepaid balance.
    event Paid(uint256 indexed leaseId, uint256 amount, uint256 outstanding);
    /// @notice The lease went into its grace period.
    event PaymentLate(uint256 indexed leaseId, uint64 graceEnds);
    /// @notice The grace period ended unpaid: the use right is cleared.
    event Suspended(uint256 indexed leaseId);
    /// @notice Everything owed was paid: the use right is back.
    event Reinstated(uint256 indexed leaseId);
    /// @notice The lease ended (final period billed, or terminated while suspended).
    event LeaseEnded(uint256 indexed leaseId, uint64 endAt, bool terminated);
    /// @notice The deposit was applied to what is owed and the rest made withdrawable.
    event LeaseSettled(uint256 indexed leaseId, uint256 fromDeposit, uint256 refund, uint256 unpaid);
    /// @notice An overpayment on a settled lease became refundable.
    event RefundCredited(uint256 indexed leaseId, address indexed lessee, uint256 amount);
    /// @notice A lessor withdrew its earnings.
    event EarningsWithdrawn(address indexed lessor, uint256 amount);
    /// @notice A lessee withdrew its refund.
    event RefundWithdrawn(address indexed lessee, uint256 amount);

    error InvalidTerms();
    error UnknownPlan(uint256 planId);
    error PlanNotActive(uint256 planId);
    error NotPlanLessor(uint256 planId, address caller);
    error NotMachineOwner(uint256 machineId, address lessor);
    error MachineAlreadyLeased(uint256 machineId, uint256 leaseId);
    error LeaseNotEnded(uint256 leaseId, Status status);
    error BillingNotDue(uint256 leaseId, uint64 dueAt);
    error GraceNotOver(uint256 leaseId, uint64 graceEnds);
    error NotLate(uint256 leaseId);
    error NotSuspended(uint256 leaseId);
    error DeviceMismatch(uint256 machineId, address device);

    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants LESSOR_ROLE).
    /// @param currency_ The stablecoin fees and deposits are paid in.
    /// @param registry_ The machine registry (this contract needs its MAINTAINER_ROLE to log closed tickets).
    constructor(address admin, IERC20 currency_, MachineRegistry registry_) MachineLeaseBase(currency_, registry_) {
        if (admin == address(0) || address(currency_) == address(0) || address(registry_) == address(0)) {
            revert ZeroAddress();
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // --- plans -----------------------------------------------------------------------------------------------

    /// @notice Publish a plan; the caller becomes its lessor.
    /// @param terms Fees, deposit, credit (stablecoin units) and durations (seconds); `grace` must be shorter than
    ///        `period`, `period` and `sla` non-zero.
    /// @return planId The new plan's id.
    function publishPlan(PlanTerms calldata terms) external onlyRole(LESSOR_ROLE) returns (uint256 planId) {
        if (terms.period == 0 || terms.grace >= terms.period || terms.sla == 0) revert InvalidTerms();
        uint256 maxAmount = type(uint64).max;
        if (
            terms.periodFee > maxAmount || terms.hourlyFee > maxAmount || terms.deposit > maxAmount
                || terms.slaCredit > maxAmount
        ) revert InvalidTerms();
        planId = ++_planCount;
        _plans[planId] = Plan({
            lessor: msg.sender,
            periodFee: terms.periodFee,
            hourlyFee: terms.hourlyFee,
            deposit: terms.deposit,
            period: terms.period,
            minTerm: terms.minTerm,
            slaCredit: terms.slaCredit,
            notice: terms.notice,
            grace: terms.grace,
            sla: terms.sla,
            active: true
        });
        emit PlanPublished(planId, msg.sender, terms);
    }

    /// @notice Stop new subscriptions to a plan (running leases keep it).
    /// @param planId The plan.
    function retirePlan(uint256 planId) external {
        Plan storage p = _plans[planId];
        if (p.lessor == address(0)) revert UnknownPlan(planId);
        if (p.lessor != msg.sender) revert NotPlanLessor(planId, msg.sender);
        if (!p.active) revert PlanNotActive(planId);
        p.active = false;
        emit PlanRetired(planId);
    }

    // --- lessee ----------------------------------------------------------------------------------------------

    /// @notice Lease `machineId` under `planId`: escrows the plan's deposit (approve it first) and mints the lease
    ///         token to the caller, who becomes its user until the end of the first period plus the grace period.
    ///         The twin goes into this contract's custody: its meter is then fixed until the lessee consents.
    /// @param machineId The machine, owned in the registry by the plan's lessor and not leased.
    /// @param planId An active plan.
    /// @param device The meter the lessee accepts: the machine's bound device (a rebinding just before is refused).
    /// @return leaseId The new lease (token id).
    function subscribe(uint256 machineId, uint256 planId, address device) external returns (uint256 leaseId) {
        Plan storage p = _plans[planId];
        if (p.lessor == address(0)) revert UnknownPlan(planId);
        if (!p.active) revert PlanNotActive(planId);
        if (registry.ownerOf(machineId) != p.lessor) revert NotMachineOwner(machineId, p.lessor);
        if (registry.deviceOf(machineId) != device) revert DeviceMismatch(machineId, device);
        uint256 running = leaseOfMachine[machineId];
        if (running != 0) revert MachineAlreadyLeased(machineId, running);
        leaseId = ++_leaseCount;
        uint64 deposit = SafeCast.toUint64(p.deposit);
        uint64 nextBillAt = uint64(block.timestamp) + p.period;
        Lease storage l = _leases[leaseId];
        l.planId = SafeCast.toUint32(planId);
        l.machineId = SafeCast.toUint32(machineId);
        l.startedAt = uint40(block.timestamp);
        l.nextBillAt = uint40(nextBillAt);
        l.status = Status.Active;
        // The immutable registry is this project's and takeCustody makes no external call:
        // slither-disable-next-line reentrancy-no-eth,reentrancy-benign,reentrancy-events
        l.hoursAtLastBill = registry.takeCustody(machineId);
        l.user = msg.sender;
        l.userCap = type(uint40).max;
        l.deposit = deposit;
        leaseOfMachine[machineId] = leaseId;
        _mint(msg.sender, leaseId);
        uint64 expires = nextBillAt + p.grace;
        emit Subscribed(leaseId, machineId, planId, msg.sender, deposit);
        emit UpdateUser(leaseId, msg.sender, expires);
        emit SubscriptionUpdate(leaseId, expires);
        if (deposit != 0) currency.safeTransferFrom(msg.sender, address(this), deposit);
    }

    /// @notice Add to a lease's prepaid balance (approve first); anything owed is paid at once, which reinstates a
    ///         late or suspended lease when nothing is left owing. A settled lease takes payments only while a debt
    ///         the deposit did not cover remains; any excess becomes refundable to the lessee.
    /// @param leaseId The lease.
    /// @param amount Stablecoin units.
    function topUp(uint256 leaseId, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Lease storage l = _leases[leaseId];
        Status status = l.status;
        if (status == Status.None) revert UnknownLease(leaseId);
        if (status == Status.Settled && l.outstanding == 0) revert LeaseNotRunning(leaseId, status);
        l.balance += SafeCast.toUint64(amount);
        emit ToppedUp(leaseId, msg.sender, amount);
        Plan storage p = _plans[l.planId];
        _collect(leaseId, l, p.lessor);
        if (status == Status.Settled) {
            uint256 rest = l.balance;
            if (rest != 0) {
                l.balance = 0;
                address lessee = _ownerOf(leaseId);
                refundOf[lessee] += rest;
                emit RefundCredited(leaseId, lessee, rest);
            }
        } else if (l.outstanding == 0 && (status == Status.Late || status == Status.Suspended)) {
            _reinstate(leaseId, l, p.grace);
        }
        currency.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Consent to the device a manufacturer proposed for the leased machine (its lessee): the registry
    ///         binds it. Without this consent the meter of a leased machine cannot change.
    /// @param leaseId The running lease.
    /// @param device The proposed device (as in the registry's {MachineRegistry-proposedDeviceOf}).
    function approveDevice(uint256 leaseId, address device) external {
        Lease storage l = _runningLease(leaseId);
        if (ownerOf(leaseId) != msg.sender) revert NotLessee(leaseId, msg.sender);
        registry.acceptDevice(l.machineId, device);
    }

    // --- keeper ----------------------------------------------------------------------------------------------

    /// @notice Bill the period ending at `nextBillAt` (anyone, once that time is reached): the plan's fee plus the
    ///         hours metered since the last bill, minus SLA credits, paid from the prepaid balance. An unpaid bill
    ///         starts the grace period; a bill arriving after an unpaid grace period suspends first. The bill at
    ///         the notice's end date is the last one and ends the lease.
    /// @param leaseId The lease.
    /// @return charge The gross amount billed.
    function runBilling(uint256 leaseId) external returns (uint256 charge) {
        Lease storage l = _leases[leaseId];
        Status status = l.status;
        if (status == Status.None) revert UnknownLease(leaseId);
        if (status == Status.Ended || status == Status.Settled) revert LeaseNotRunning(leaseId, status);
        uint64 due = l.nextBillAt;
        if (block.timestamp < due) revert BillingNotDue(leaseId, due);
        Plan storage p = _plans[l.planId];
        uint32 grace = p.grace;
        if (status == Status.Late && block.timestamp >= uint256(l.lateSince) + grace) {
            _suspend(leaseId, l);
            status = Status.Suspended;
        }
        uint256 owed;
        (charge, owed) = _bill(leaseId, l, p, due, p.periodFee);
        l.nextBillAt = uint40(due + p.period);
        _afterBilling(leaseId, l, status, due, owed, grace);
    }

    /// @notice Suspend a lease whose grace period ended unpaid (anyone): the use right is cleared.
    /// @param leaseId The lease.
    function suspend(uint256 leaseId) external {
        Lease storage l = _leases[leaseId];
        if (l.status != Status.Late) revert NotLate(leaseId);
        uint64 graceEnds = l.lateSince + _plans[l.planId].grace;
        if (block.timestamp < graceEnds) revert GraceNotOver(leaseId, graceEnds);
        _suspend(leaseId, l);
    }

    /// @notice End a suspended lease early (its lessor): the current period's fee is not billed, but the hours
    ///         metered up to now are (those of the grace period included); settle next.
    /// @param leaseId The lease.
    function terminate(uint256 leaseId) external {
        Lease storage l = _leases[leaseId];
        if (l.status == Status.None) revert UnknownLease(leaseId);
        Plan storage p = _plans[l.planId];
        if (p.lessor != msg.sender) revert NotLessor(leaseId, msg.sender);
        if (l.status != Status.Suspended) revert NotSuspended(leaseId);
        _bill(leaseId, l, p, uint64(block.timestamp), 0);
        l.status = Status.Ended;
        l.endAt = uint40(block.timestamp);
        emit LeaseEnded(leaseId, uint64(block.timestamp), true);
        emit SubscriptionUpdate(leaseId, uint64(block.timestamp));
    }

    /// @notice Settle an ended lease (anyone): SLA credits not applied yet reduce what is still owed, the deposit
    ///         pays the rest, what is left of it and the prepaid balance become withdrawable by the lessee, and the
    ///         machine is free to lease again. Credits beyond what is owed lapse.
    /// @param leaseId The lease.
    function settle(uint256 leaseId) external {
        Lease storage l = _leases[leaseId];
        if (l.status != Status.Ended) revert LeaseNotEnded(leaseId, l.status);
        uint256 deposit = l.deposit;
        uint256 owed = l.outstanding;
        uint256 pendingCredit = l.pendingCredit;
        if (pendingCredit != 0) {
            uint256 credit = pendingCredit < owed ? pendingCredit : owed;
            owed -= credit;
            l.credits += uint64(credit);
            l.pendingCredit = 0;
            if (credit != 0) emit CreditApplied(leaseId, credit);
        }
        uint256 take = deposit < owed ? deposit : owed;
        uint256 refund = deposit - take + l.balance;
        l.status = Status.Settled;
        l.deposit = 0;
        l.balance = 0;
        l.outstanding = uint64(owed - take);
        l.paid += uint64(take);
        if (take != 0) earningsOf[_plans[l.planId].lessor] += take;
        address lessee = _ownerOf(leaseId);
        if (refund != 0) refundOf[lessee] += refund;
        uint256 machineId = l.machineId;
        delete leaseOfMachine[machineId];
        emit LeaseSettled(leaseId, take, refund, owed - take);
        registry.releaseCustody(machineId);
    }

    // --- withdrawals -----------------------------------------------------------------------------------------

    /// @notice Withdraw the caller's earnings as a lessor.
    /// @return amount Stablecoin units sent.
    function withdrawEarnings() external returns (uint256 amount) {
        amount = PullLedger.takeAll(earningsOf);
        emit EarningsWithdrawn(msg.sender, amount);
        currency.safeTransfer(msg.sender, amount);
    }

    /// @notice Withdraw the caller's refunded deposits and prepaid balances.
    /// @return amount Stablecoin units sent.
    function withdrawRefund() external returns (uint256 amount) {
        amount = PullLedger.takeAll(refundOf);
        emit RefundWithdrawn(msg.sender, amount);
        currency.safeTransfer(msg.sender, amount);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice A plan.
    /// @param planId The plan.
    /// @return The plan's lessor, terms and whether it takes subscriptions.
    function planOf(uint256 planId) external view returns (Plan memory) {
        return _plans[planId];
    }

    /// @notice A lease's full record.
    /// @param leaseId The lease.
    /// @return The lease.
    function leaseOf(uint256 leaseId) external view returns (Lease memory) {
        return _leases[leaseId];
    }

    /// @notice ERC-165: ERC-721, ERC-4907, ERC-5643 and AccessControl.
    /// @param interfaceId The interface id.
    /// @return True if supported.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, MachineLeaseTokens, AccessControl)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    // --- internals -------------------------------------------------------------------------------------------

    /// @dev The token layer's rule (lease tokens are mint only), resolved as OpenZeppelin composes extensions.
    function _update(address to, uint256 tokenId, address auth)
        internal
        override(ERC721, MachineLeaseTokens)
        returns (address)
    {
        return super._update(to, tokenId, auth);
    }

    /// @dev Bills the window from the last bill to `until`: `fee` plus the hours metered as of `until` (sealed in
    ///      the registry), never more hours than the window has (rounded up). The charge is capped so that `billed`
    ///      fits its 64 bits: absurd terms or counters can never make billing revert.
    function _bill(uint256 leaseId, Lease storage l, Plan storage p, uint64 until, uint256 fee)
        private
        returns (uint256 charge, uint256 owed)
    {
        // The immutable registry is this project's and meter makes no external call:
        // slither-disable-next-line reentrancy-no-eth,reentrancy-benign,reentrancy-events
        uint64 hoursNow = registry.meter(l.machineId, until);
        uint64 hoursBilled = hoursNow - l.hoursAtLastBill;
        uint256 windowHours = Math.ceilDiv(until - (l.nextBillAt - p.period), 1 hours);
        if (hoursBilled > windowHours) hoursBilled = uint64(windowHours);
        l.hoursAtLastBill = hoursNow;
        charge = Math.min(fee + uint256(hoursBilled) * p.hourlyFee, type(uint64).max - l.billed);
        owed = _charge(leaseId, l, p, charge);
        emit Billed(leaseId, until, hoursBilled, charge, owed);
    }

    /// @dev Books a charge: applies pending SLA credits, pays from the prepaid balance; returns what is still owed.
    function _charge(uint256 leaseId, Lease storage l, Plan storage p, uint256 charge) private returns (uint256 owed) {
        uint256 pendingCredit = _capped(l.pendingCredit + _slaCredit(leaseId, l.openTicket, p.slaCredit));
        owed = l.outstanding + charge;
        uint256 credit = pendingCredit < owed ? pendingCredit : owed;
        owed -= credit;
        uint256 balance = l.balance;
        uint256 pay = balance < owed ? balance : owed;
        owed -= pay;
        l.balance = uint64(balance - pay);
        l.outstanding = uint64(owed);
        l.billed += uint64(charge); // capped by _bill
        l.paid += uint64(pay);
        if (credit != 0 || pendingCredit != l.pendingCredit) {
            l.credits += uint64(credit);
            l.pendingCredit = uint64(pendingCredit - credit);
        }
        if (pay != 0) earningsOf[p.lessor] += pay;
        if (credit != 0) emit CreditApplied(leaseId, credit);
        if (pay != 0) emit Paid(leaseId, pay, owed);
    }

    function _collect(uint256 leaseId, Lease storage l, address lessor) private {
        uint256 owed = l.outstanding;
        if (owed == 0) return;
        uint256 balance = l.balance;
        uint256 pay = balance < owed ? balance : owed;
        if (pay == 0) return;
        l.balance = uint64(balance - pay);
        l.outstanding = uint64(owed - pay);
        l.paid += uint64(pay);
        earningsOf[lessor] += pay;
        emit Paid(leaseId, pay, owed - pay);
    }

    function _afterBilling(uint256 leaseId, Lease storage l, Status status, uint64 due, uint256 owed, uint32 grace)
        private
    {
        // slither-disable-next-line incorrect-equality (an amount owed, not a balance or a time)
        bool paidUp = owed == 0;
        if (l.endAt != 0 && due >= l.endAt) {
            l.status = Status.Ended;
            emit LeaseEnded(leaseId, due, false);
            if (status != Status.Suspended) emit UpdateUser(leaseId, address(0), 0);
            emit SubscriptionUpdate(leaseId, due);
        } else if (paidUp) {
            if (status == Status.Suspended) {
                _reinstate(leaseId, l, grace);
            } else {
                if (status == Status.Late) {
                    l.status = Status.Active;
                    emit Reinstated(leaseId);
                }
                _emitUseRight(leaseId, l, _expires(l, grace));
            }
        } else if (status == Status.Active) {
            l.status = Status.Late;
            l.lateSince = uint40(due);
            emit PaymentLate(leaseId, due + grace);
        }
    }

    function _suspend(uint256 leaseId, Lease storage l) private {
        l.status = Status.Suspended;
        l.user = address(0);
        l.userCap = 0;
        emit Suspended(leaseId);
        emit UpdateUser(leaseId, address(0), 0);
    }

    function _reinstate(uint256 leaseId, Lease storage l, uint32 grace) private {
        Status status = l.status;
        l.status = Status.Active;
        if (status == Status.Suspended) {
            l.user = _ownerOf(leaseId);
            l.userCap = type(uint40).max;
        }
        emit Reinstated(leaseId);
        _emitUseRight(leaseId, l, _expires(l, grace));
    }

}
