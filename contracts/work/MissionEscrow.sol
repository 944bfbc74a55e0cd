// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ZeroAddress, ZeroAmount} from "../common/Errors.sol";
import {PullLedger} from "../common/PullLedger.sol";

/// @title MissionEscrow
/// @notice On-demand work (S4 UC6): a firm posts a mission of up to 10 milestones paid in the euro stablecoin and
/// escrows the total; a freelancer accepts; each milestone is paid on approval, or to the freelancer once the
/// firm stays silent past the approval timeout after a submission; a dispute is split by an arbiter, or 50/50 when
/// no arbiter rules within ARBITER_TIMEOUT.
/// @dev Every payment is credited to a pull balance (`credits`) and withdrawn by its owner. A platform fee (bps,
/// snapshotted per mission at posting) is taken from each amount released to the freelancer and credited to the
/// treasury. Invariant: token balance == unsettled milestone amounts + sum of credits.
/// Every waiting milestone has a `deadline` and one party acts before it, after which the other side may move:
/// - Submitted: the firm approves, rejects or disputes before it (submission + approval timeout); then anyone
///   releases it to the freelancer.
/// - Rejected: the freelancer resubmits or disputes before it (rejection + RESPONSE_WINDOW); then the firm may
///   reclaim it (the rejection stands).
/// - Disputed: the arbiter rules before it (opening + ARBITER_TIMEOUT); then anyone applies the default split.
/// Milestones never delivered (Pending) are reclaimed by the firm once the freelancer abandoned the mission, or was
/// idle for INACTIVITY_TIMEOUT since the ball was last in its court (accept, submit, or a decision on its work)
/// while nothing of its waits for the firm or the arbiter.
contract MissionEscrow is AccessControl {
    using SafeERC20 for IERC20;

    /// @notice Role allowed to settle disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice Maximum milestones per mission.
    uint256 public constant MAX_MILESTONES = 10;
    /// @notice Cap of the platform fee, in basis points (10 %).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Longest approval timeout a mission may set.
    uint32 public constant MAX_APPROVAL_TIMEOUT = 90 days;
    /// @notice After this long without freelancer activity the firm may reclaim unstarted milestones.
    uint64 public constant INACTIVITY_TIMEOUT = 60 days;
    /// @notice Time the freelancer has after a rejection to resubmit or dispute.
    uint64 public constant RESPONSE_WINDOW = 14 days;
    /// @notice Time the arbiter has to rule on a dispute; afterwards anyone applies DEFAULT_FREELANCER_BPS.
    uint64 public constant ARBITER_TIMEOUT = 30 days;
    /// @notice The freelancer's share of a dispute no arbiter ruled on in time: half, so that neither party (nor
    /// a platform that stalls) gains from an absent arbiter.
    uint16 public constant DEFAULT_FREELANCER_BPS = 5_000;
    uint256 private constant BPS = 10_000;

    enum MissionStatus {
        None,
        Open,
        Active,
        Cancelled,
        Closed
    }

    enum MilestoneStatus {
        Pending,
        Submitted,
        Rejected,
        Disputed,
        Paid,
        Refunded,
        Split
    }

    struct Mission {
        // slot 0
        address firm;
        uint64 acceptBy;
        uint8 milestoneCount;
        uint8 settledCount;
        MissionStatus status;
        bool abandoned;
        // slot 1
        address freelancer; // the named freelancer while open (zero: anyone), then the accepting one
        uint32 approvalTimeout;
        uint64 lastActivity;
        // slot 2
        uint96 total;
        uint96 paid; // released to the freelancer, fee included
        uint16 feeBps;
        // slot 3
        uint96 refunded;
    }

    /// @dev One slot: 12 + 1 + 8 + 8 bytes.
    struct Milestone {
        uint96 amount;
        MilestoneStatus status;
        uint64 submittedAt;
        uint64 deadline; // end of the waiting party's window (Submitted: firm, Rejected: freelancer, Disputed: arbiter)
    }

    /// @notice The payment token (the euro stablecoin).
    IERC20 public immutable token;
    /// @notice Receives the platform fee (pull balance).
    address public treasury;
    /// @notice Platform fee applied to missions posted from now on, in basis points.
    uint16 public feeBps;
    /// @notice Number of missions posted; ids start at 1.
    uint256 public missionCount;
    /// @notice Pull balance of each account, in token units.
    mapping(address account => uint256 amount) public credits;

    mapping(uint256 missionId => Mission) private _missions;
    mapping(uint256 missionId => mapping(uint256 index => Milestone)) private _milestones;

    event MissionPosted(
        uint256 indexed missionId,
        address indexed firm,
        address indexed freelancer,
        uint256 total,
        bytes32 descriptionHash
    );
    event MissionAccepted(uint256 indexed missionId, address indexed freelancer);
    event MissionCancelled(uint256 indexed missionId, uint256 refund);
    event MissionAbandoned(uint256 indexed missionId, address indexed freelancer);
    event MissionClosed(uint256 indexed missionId, uint256 paid, uint256 refunded);
    event MilestoneSubmitted(uint256 indexed missionId, uint256 indexed milestone, bytes32 deliverableHash);
    event MilestoneApproved(uint256 indexed missionId, uint256 indexed milestone);
    event MilestoneRejected(uint256 indexed missionId, uint256 indexed milestone, bytes32 reasonHash);
    event MilestoneReleased(uint256 indexed missionId, uint256 indexed milestone, address indexed caller);
    event MilestoneRefunded(uint256 indexed missionId, uint256 indexed milestone, uint256 amount);
    event DisputeOpened(uint256 indexed missionId, uint256 indexed milestone, address indexed party, bytes32 reason);
    event DisputeResolved(
        uint256 indexed missionId,
        uint256 indexed milestone,
        uint16 freelancerBps,
        uint256 toFreelancer,
        uint256 toFirm
    );
    event DisputeLapsed(uint256 indexed missionId, uint256 indexed milestone, address indexed caller);
    event Paid(uint256 indexed missionId, uint256 indexed milestone, address indexed freelancer, uint256 net, uint256 fee);
    event CreditWithdrawn(address indexed account, uint256 amount);
    event FeeChanged(uint16 feeBps);
    event TreasuryChanged(address indexed treasury);

    error FeeTooHigh(uint256 feeBps);
    error BadMilestoneCount(uint256 count);
    error AmountTooLarge();
    error AcceptanceDeadlinePassed(uint64 acceptBy);
    error BadApprovalTimeout(uint32 timeout);
    error UnknownMilestone(uint256 missionId, uint256 milestone);
    error WrongMissionStatus(uint256 missionId, MissionStatus status);
    error WrongMilestoneStatus(uint256 missionId, uint256 milestone, MilestoneStatus status);
    error NotFirm(address caller);
    error NotFreelancer(address caller);
    error NotParty(address caller);
    error NotNamedFreelancer(address caller, address named);
    error FirmCannotAccept();
    error TimeoutNotReached(uint256 releasableAt);
    error TimeoutReached(uint256 releasableAt);
    error BpsTooHigh(uint256 bps);
    error NotReclaimable(uint256 missionId);
    error DeadlinePassed(uint256 deadline);
    error DeadlineNotReached(uint256 deadline);
    error ArbiterIsParty(address arbiter);

    /// @notice Deploy the escrow.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (grants ARBITER_ROLE, sets fee and treasury).
    /// @param token_ The payment token.
    /// @param treasury_ Receiver of the platform fee.
    /// @param feeBps_ Initial platform fee, in basis points (at most MAX_FEE_BPS).
    constructor(address admin, IERC20 token_, address treasury_, uint16 feeBps_) {
        if (admin == address(0) || address(token_) == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_);
        token = token_;
        treasury = treasury_;
        feeBps = feeBps_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit TreasuryChanged(treasury_);
        emit FeeChanged(feeBps_);
    }

    // --- admin -----------------------------------------------------------------------------------------------

    /// @notice Set the platform fee for missions posted from now on.
    /// @param newFeeBps The fee in basis points (at most MAX_FEE_BPS).
    function setFee(uint16 newFeeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newFeeBps > MAX_FEE_BPS) revert FeeTooHigh(newFeeBps);
        feeBps = newFeeBps;
        emit FeeChanged(newFeeBps);
    }

    /// @notice Set the receiver of future platform fees.
    /// @param newTreasury The new treasury (not zero).
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        treasury = newTreasury;
        emit TreasuryChanged(newTreasury);
    }

    // --- firm ------------------------------------------------------------------------------------------------

    /// @notice Post a mission and escrow its total (the caller must have approved it).
    /// @param descriptionHash Hash of the off-chain mission description (emitted only).
    /// @param amounts Amount of each milestone, in token units (1 to MAX_MILESTONES, none zero).
    /// @param acceptBy Last second at which the mission can be accepted.
    /// @param approvalTimeout Seconds the firm has to approve or reject a submission before anyone may release it.
    /// @param freelancer The only freelancer who may accept, or zero for anyone.
    /// @return missionId The new mission's id.
    function postMission(
        bytes32 descriptionHash,
        uint96[] calldata amounts,
        uint64 acceptBy,
        uint32 approvalTimeout,
        address freelancer
    ) external returns (uint256 missionId) {
        uint256 count = amounts.length;
        if (count == 0 || count > MAX_MILESTONES) revert BadMilestoneCount(count);
        if (acceptBy < block.timestamp) revert AcceptanceDeadlinePassed(acceptBy);
        if (approvalTimeout == 0 || approvalTimeout > MAX_APPROVAL_TIMEOUT) revert BadApprovalTimeout(approvalTimeout);
        if (freelancer == msg.sender) revert FirmCannotAccept();

        missionId = ++missionCount;
        uint96 total = _storeMilestones(missionId, amounts);
        _missions[missionId] = Mission({
            firm: msg.sender,
            acceptBy: acceptBy,
            milestoneCount: uint8(count),
            settledCount: 0,
            status: MissionStatus.Open,
            abandoned: false,
            freelancer: freelancer,
            approvalTimeout: approvalTimeout,
            lastActivity: 0,
            total: total,
            paid: 0,
            feeBps: feeBps,
            refunded: 0
        });
        emit MissionPosted(missionId, msg.sender, freelancer, total, descriptionHash);
        token.safeTransferFrom(msg.sender, address(this), total);
    }

    /// @notice Cancel a mission nobody accepted; the whole escrow is credited back to the firm.
    /// @param missionId The mission.
    function cancelMission(uint256 missionId) external {
        Mission storage m = _missions[missionId];
        if (m.firm != msg.sender) revert NotFirm(msg.sender);
        if (m.status != MissionStatus.Open) revert WrongMissionStatus(missionId, m.status);
        uint96 total = m.total;
        m.status = MissionStatus.Cancelled;
        m.refunded = total;
        m.settledCount = m.milestoneCount;
        credits[msg.sender] += total;
        emit MissionCancelled(missionId, total);
    }

    /// @notice Approve a submitted milestone: its amount (less the fee) is credited to the freelancer.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    function approveMilestone(uint256 missionId, uint256 milestone) external {
        Mission storage m = _missions[missionId];
        if (m.firm != msg.sender) revert NotFirm(msg.sender);
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        _requireMilestone(ms, missionId, milestone, MilestoneStatus.Submitted);
        ms.status = MilestoneStatus.Paid;
        emit MilestoneApproved(missionId, milestone);
        _release(m, missionId, milestone, ms.amount);
    }

    /// @notice Reject a submitted milestone before its approval timeout; the freelancer then has RESPONSE_WINDOW
    /// to resubmit or dispute.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    /// @param reasonHash Hash of the off-chain reason.
    function rejectMilestone(uint256 missionId, uint256 milestone, bytes32 reasonHash) external {
        Mission storage m = _missions[missionId];
        if (m.firm != msg.sender) revert NotFirm(msg.sender);
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        _requireMilestone(ms, missionId, milestone, MilestoneStatus.Submitted);
        uint256 releasableAt = ms.deadline;
        if (block.timestamp >= releasableAt) revert TimeoutReached(releasableAt);
        ms.status = MilestoneStatus.Rejected;
        ms.deadline = uint64(block.timestamp + RESPONSE_WINDOW);
        m.lastActivity = uint64(block.timestamp); // the ball is in the freelancer's court again
        emit MilestoneRejected(missionId, milestone, reasonHash);
    }

    /// @notice Refund the milestones the freelancer no longer has a claim to: every rejected one whose response
    /// window passed without a resubmission or dispute, and every never-submitted one once the freelancer abandoned
    /// the mission, or was idle for INACTIVITY_TIMEOUT with nothing awaiting the firm or the arbiter.
    /// @param missionId The mission.
    function reclaimUnstarted(uint256 missionId) external {
        Mission storage m = _missions[missionId];
        if (m.firm != msg.sender) revert NotFirm(msg.sender);
        if (m.status != MissionStatus.Active) revert WrongMissionStatus(missionId, m.status);
        uint256 count = m.milestoneCount;
        mapping(uint256 => Milestone) storage all = _milestones[missionId];
        bool unstarted = m.abandoned || _idle(m, all, count);
        uint256 refund = 0;
        uint256 settled = 0;
        for (uint256 i; i < count; ++i) {
            Milestone storage ms = all[i];
            MilestoneStatus s = ms.status;
            if (
                (s == MilestoneStatus.Pending && unstarted)
                    || (s == MilestoneStatus.Rejected && block.timestamp >= ms.deadline)
            ) {
                ms.status = MilestoneStatus.Refunded;
                refund += ms.amount;
                ++settled;
                emit MilestoneRefunded(missionId, i, ms.amount);
            }
        }
        if (settled == 0) revert NotReclaimable(missionId);
        m.refunded += uint96(refund);
        credits[msg.sender] += refund;
        _settle(m, missionId, settled);
    }

    // --- freelancer ------------------------------------------------------------------------------------------

    /// @notice Accept an open mission (the named freelancer, or anyone if none was named) before its deadline.
    /// @param missionId The mission.
    function acceptMission(uint256 missionId) external {
        Mission storage m = _missions[missionId];
        if (m.status != MissionStatus.Open) revert WrongMissionStatus(missionId, m.status);
        if (block.timestamp > m.acceptBy) revert AcceptanceDeadlinePassed(m.acceptBy);
        if (msg.sender == m.firm) revert FirmCannotAccept();
        address named = m.freelancer;
        if (named != address(0) && named != msg.sender) revert NotNamedFreelancer(msg.sender, named);
        m.freelancer = msg.sender;
        m.status = MissionStatus.Active;
        m.lastActivity = uint64(block.timestamp);
        emit MissionAccepted(missionId, msg.sender);
    }

    /// @notice Submit a milestone's deliverable, or resubmit it within RESPONSE_WINDOW of a rejection; starts the
    /// approval timeout.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    /// @param deliverableHash Hash of the off-chain deliverable.
    function submitMilestone(uint256 missionId, uint256 milestone, bytes32 deliverableHash) external {
        Mission storage m = _missions[missionId];
        _requireFreelancer(m, missionId);
        if (m.abandoned) revert WrongMissionStatus(missionId, m.status);
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        MilestoneStatus s = ms.status;
        if (s == MilestoneStatus.Rejected) {
            if (block.timestamp >= ms.deadline) revert DeadlinePassed(ms.deadline);
        } else if (s != MilestoneStatus.Pending) {
            revert WrongMilestoneStatus(missionId, milestone, s);
        }
        ms.status = MilestoneStatus.Submitted;
        ms.submittedAt = uint64(block.timestamp);
        ms.deadline = uint64(block.timestamp + m.approvalTimeout);
        m.lastActivity = uint64(block.timestamp);
        emit MilestoneSubmitted(missionId, milestone, deliverableHash);
    }

    /// @notice Give up the mission: the firm may then reclaim the milestones never submitted (submitted, rejected
    /// and disputed ones keep their course).
    /// @param missionId The mission.
    function abandonMission(uint256 missionId) external {
        Mission storage m = _missions[missionId];
        _requireFreelancer(m, missionId);
        if (m.abandoned) revert WrongMissionStatus(missionId, m.status);
        m.abandoned = true;
        emit MissionAbandoned(missionId, msg.sender);
    }

    // --- anyone ----------------------------------------------------------------------------------------------

    /// @notice Release a submitted milestone to the freelancer once the firm let the approval timeout pass.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    function releaseAfterTimeout(uint256 missionId, uint256 milestone) external {
        Mission storage m = _missions[missionId];
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        _requireMilestone(ms, missionId, milestone, MilestoneStatus.Submitted);
        uint256 releasableAt = ms.deadline;
        if (block.timestamp < releasableAt) revert TimeoutNotReached(releasableAt);
        ms.status = MilestoneStatus.Paid;
        emit MilestoneReleased(missionId, milestone, msg.sender);
        _release(m, missionId, milestone, ms.amount);
    }

    // --- dispute ---------------------------------------------------------------------------------------------

    /// @notice Open a dispute, which freezes the milestone until the arbiter rules (or ARBITER_TIMEOUT passes). Each
    /// party disputes the other's move inside its own window: the firm a submission within the approval window
    /// (afterwards it is due to the freelancer), the freelancer a rejection within its response window. Neither
    /// can freeze its own move to pre-empt the other's answer.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    /// @param reasonHash Hash of the off-chain statement.
    function openDispute(uint256 missionId, uint256 milestone, bytes32 reasonHash) external {
        Mission storage m = _missions[missionId];
        if (msg.sender != m.firm && msg.sender != m.freelancer) revert NotParty(msg.sender);
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        MilestoneStatus s = ms.status;
        if (s == MilestoneStatus.Rejected) {
            if (msg.sender != m.freelancer) revert NotFreelancer(msg.sender);
        } else if (s == MilestoneStatus.Submitted) {
            if (msg.sender != m.firm) revert NotFirm(msg.sender);
        } else {
            revert WrongMilestoneStatus(missionId, milestone, s);
        }
        uint256 deadline = ms.deadline;
        if (block.timestamp >= deadline) revert DeadlinePassed(deadline);
        ms.status = MilestoneStatus.Disputed;
        ms.deadline = uint64(block.timestamp + ARBITER_TIMEOUT);
        emit DisputeOpened(missionId, milestone, msg.sender, reasonHash);
    }

    /// @notice Settle a dispute before its deadline: `freelancerBps` of the milestone goes to the freelancer (less
    /// the fee), the rest back to the firm. An arbiter who is the mission's firm or freelancer may not rule.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    /// @param freelancerBps The freelancer's share in basis points (0 to 10000).
    function resolveDispute(uint256 missionId, uint256 milestone, uint16 freelancerBps)
        external
        onlyRole(ARBITER_ROLE)
    {
        if (freelancerBps > BPS) revert BpsTooHigh(freelancerBps);
        Mission storage m = _missions[missionId];
        if (msg.sender == m.firm || msg.sender == m.freelancer) revert ArbiterIsParty(msg.sender);
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        _requireMilestone(ms, missionId, milestone, MilestoneStatus.Disputed);
        if (block.timestamp >= ms.deadline) revert DeadlinePassed(ms.deadline);
        _split(m, ms, missionId, milestone, freelancerBps);
    }

    /// @notice Settle a dispute no arbiter ruled on before its deadline: DEFAULT_FREELANCER_BPS of the milestone to
    /// the freelancer (less the fee), the rest to the firm. Anyone may call it.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    function settleLapsedDispute(uint256 missionId, uint256 milestone) external {
        Mission storage m = _missions[missionId];
        Milestone storage ms = _milestoneOf(m, missionId, milestone);
        _requireMilestone(ms, missionId, milestone, MilestoneStatus.Disputed);
        if (block.timestamp < ms.deadline) revert DeadlineNotReached(ms.deadline);
        emit DisputeLapsed(missionId, milestone, msg.sender);
        _split(m, ms, missionId, milestone, DEFAULT_FREELANCER_BPS);
    }

    // --- money -----------------------------------------------------------------------------------------------

    /// @notice Withdraw the caller's whole pull balance.
    /// @return amount The amount transferred.
    function withdraw() external returns (uint256 amount) {
        amount = PullLedger.takeAll(credits);
        emit CreditWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice A mission's record.
    /// @param missionId The mission.
    /// @return The mission (firm, acceptBy, milestoneCount, settledCount, status, abandoned, freelancer,
    /// approvalTimeout, lastActivity, total, paid, feeBps, refunded).
    function missionOf(uint256 missionId) external view returns (Mission memory) {
        return _missions[missionId];
    }

    /// @notice A milestone's record.
    /// @param missionId The mission.
    /// @param milestone The milestone index (0-based).
    /// @return The milestone (amount, status, submittedAt, deadline of the waiting party's window).
    function milestoneOf(uint256 missionId, uint256 milestone) external view returns (Milestone memory) {
        Mission storage m = _missions[missionId];
        return _milestoneOf(m, missionId, milestone);
    }

    // --- internals -------------------------------------------------------------------------------------------

    function _milestoneOf(Mission storage m, uint256 missionId, uint256 milestone)
        private
        view
        returns (Milestone storage)
    {
        if (milestone >= m.milestoneCount) revert UnknownMilestone(missionId, milestone);
        return _milestones[missionId][milestone];
    }

    function _storeMilestones(uint256 missionId, uint96[] calldata amounts) private returns (uint96) {
        uint256 total = 0;
        uint256 count = amounts.length;
        mapping(uint256 => Milestone) storage ms = _milestones[missionId];
        for (uint256 i; i < count; ++i) {
            uint96 amount = amounts[i];
            if (amount == 0) revert ZeroAmount();
            total += amount;
            ms[i].amount = amount;
        }
        if (total > type(uint96).max) revert AmountTooLarge();
        return uint96(total);
    }

    function _requireMilestone(Milestone storage ms, uint256 missionId, uint256 milestone, MilestoneStatus want)
        private
        view
    {
        if (ms.status != want) revert WrongMilestoneStatus(missionId, milestone, ms.status);
    }

    function _requireFreelancer(Mission storage m, uint256 missionId) private view {
        if (m.status != MissionStatus.Active) revert WrongMissionStatus(missionId, m.status);
        if (msg.sender != m.freelancer) revert NotFreelancer(msg.sender);
    }

    /// @dev Whether the freelancer has been idle for INACTIVITY_TIMEOUT with none of its work awaiting the firm
    /// (submitted) or the arbiter (disputed): waiting on others is not inactivity.
    function _idle(Mission storage m, mapping(uint256 => Milestone) storage all, uint256 count)
        private
        view
        returns (bool)
    {
        if (block.timestamp < uint256(m.lastActivity) + INACTIVITY_TIMEOUT) return false;
        for (uint256 i; i < count; ++i) {
            MilestoneStatus s = all[i].status;
            if (s == MilestoneStatus.Submitted || s == MilestoneStatus.Disputed) return false;
        }
        return true;
    }

    /// @dev Split a disputed milestone: `freelancerBps` to the freelancer (less the fee, rounded down), the rest to
    /// the firm.
    function _split(Mission storage m, Milestone storage ms, uint256 missionId, uint256 milestone, uint16 freelancerBps)
        private
    {
        uint96 amount = ms.amount;
        uint96 toFreelancer = uint96((uint256(amount) * freelancerBps) / BPS);
        uint96 toFirm = amount - toFreelancer;
        ms.status = MilestoneStatus.Split;
        emit DisputeResolved(missionId, milestone, freelancerBps, toFreelancer, toFirm);
        if (toFirm != 0) {
            m.refunded += toFirm;
            credits[m.firm] += toFirm;
        }
        _release(m, missionId, milestone, toFreelancer);
    }

    /// @dev Credit `gross` (less the mission's fee) to the freelancer and settle the milestone. A decision on the
    /// freelancer's work restarts its inactivity clock.
    function _release(Mission storage m, uint256 missionId, uint256 milestone, uint96 gross) private {
        m.lastActivity = uint64(block.timestamp);
        if (gross != 0) {
            uint96 fee = uint96((uint256(gross) * m.feeBps) / BPS);
            uint96 net = gross - fee;
            address freelancer = m.freelancer;
            m.paid += gross;
            credits[freelancer] += net;
            if (fee != 0) credits[treasury] += fee;
            emit Paid(missionId, milestone, freelancer, net, fee);
        }
        _settle(m, missionId, 1);
    }

    function _settle(Mission storage m, uint256 missionId, uint256 settled) private {
        uint8 done = m.settledCount + uint8(settled);
        m.settledCount = done;
        if (done == m.milestoneCount) {
            m.status = MissionStatus.Closed;
            emit MissionClosed(missionId, m.paid, m.refunded);
        }
    }
}
