// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SmeToken} from "./SmeToken.sol";
import {InvestorRegistry} from "./InvestorRegistry.sol";
import {IssuerCapLedger} from "./IssuerCapLedger.sol";
import {EtherTransferFailed, NothingToWithdraw, ZeroAmount} from "../common/Errors.sol";

/// @title TokenSale
/// @notice An SME's token sale (UC1) to investors verified by the platform, paid in the euro stablecoin or in
///         ether at a fixed rate. Soft cap (goal) and hard cap, opening and closing times (both inclusive),
///         per-investor minimum and maximum, the retail rule (beyond max(EUR 1,000, 5% of declared net worth) a
///         retail investor must have recorded a risk acknowledgment), a reflection period during which a retail
///         investor may revoke a purchase and get all of it back (Regulation (EU) 2020/1503 art. 22), the
///         issuer's 12-month offer limit (through {IssuerCapLedger}) and a white-paper hash when the hard cap
///         is EUR 1,000,000 or more (MiCA art. 4(2)).
///         After closing (and once the last reflection period is over) anyone finalises once: goal reached ->
///         the SME and the platform withdraw the proceeds and the fee, buyers claim their tokens, the team
///         allocation goes to a vesting wallet; goal missed -> every buyer pulls a full refund, once.
///         What a sale can deliver is minted to the sale itself when the ledger registers it (hard cap x rate
///         plus the team allocation), before any purchase: once it holds them, nothing the token's admin or
///         minters do (revoke the sale's minter role, mint the rest of the cap) can take away what buyers bought.
///         Finalisation burns what was not sold (all of it when the goal was missed).
/// @dev Amounts in euro are in stablecoin units (10^-6 EUR). Price: `rate` token base units (10^-18 token) per
///      euro unit, so tokens owed == contributions x rate exactly (the OpenZeppelin 2.x Crowdsale convention;
///      2 tokens per euro is a rate of 2e12). An ether payment is worth floor(wei x eurPerEth / 1e18) euro units.
///      Pause is kept in the packed state slot (one SLOAD on the buy path), with OpenZeppelin Pausable's error
///      and event names. Pause stops purchases only: revocations, finalisation, claims, refunds and withdrawals
///      stay open, so that a pause never takes away anyone's way out (an investor's, nor the SME's proceeds).
///      Times fit in 48 bits: closing time plus the reflection period (at most MAX_REFLECTION_PERIOD) included.
contract TokenSale is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The role allowed to pause and unpause (the platform).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice The role allowed to withdraw the proceeds (the SME); it is its own admin, so the platform
    ///         cannot grant it to itself.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice The role allowed to withdraw the platform fee.
    bytes32 public constant FEE_COLLECTOR_ROLE = keccak256("FEE_COLLECTOR_ROLE");

    /// @notice A retail investor may put in up to this much without an acknowledgment (EUR 1,000).
    uint256 public constant RETAIL_BASE_LIMIT = 1_000e6;
    /// @notice ... or up to this share of their declared net worth, in basis points (5%).
    uint256 public constant RETAIL_NET_WORTH_BPS = 500;
    /// @notice A hard cap from this amount on needs a white paper (MiCA art. 4(2)): EUR 1,000,000.
    uint256 public constant WHITE_PAPER_THRESHOLD = 1_000_000e6;
    /// @notice Highest platform fee: 20%.
    uint256 public constant MAX_FEE_BPS = 2_000;
    /// @notice Longest reflection period: 30 days (the law asks for 4, MiCA art. 13 for 14); a longer one
    ///         would hold every sophisticated investor's funds that much longer before finalisation.
    uint256 public constant MAX_REFLECTION_PERIOD = 30 days;

    /// @notice Everything a sale is deployed with.
    struct Config {
        IERC20 stablecoin;
        SmeToken token;
        InvestorRegistry registry;
        IssuerCapLedger ledger;
        address issuer;
        address platform;
        address teamVesting;
        uint256 rate;
        uint256 goal;
        uint256 hardCap;
        uint64 openingTime;
        uint64 closingTime;
        uint256 minPerInvestor;
        uint256 maxPerInvestor;
        uint64 reflectionPeriod;
        uint256 eurPerEth;
        uint16 feeBps;
        bytes32 whitePaperHash;
        uint256 teamAllocation;
    }

    /// @notice The sale's running state (one slot).
    struct State {
        uint128 raised;
        uint48 windowsEnd;
        bool registered;
        bool paused;
        bool finalised;
        bool successful;
    }

    /// @notice A buyer's totals and their first purchase (one slot: most buyers buy once, and a buyer's first
    ///         purchase then costs one new storage slot, not two).
    struct Position {
        uint80 contributed;
        uint16 purchaseCount;
        bool settled;
        uint72 firstEurValue;
        uint48 firstTimestamp;
        bool firstRevocable;
        bool firstRevoked;
    }

    /// @notice The ether part of a buyer's totals, and the ether of their first purchase (one slot, only written
    ///         by ether purchases).
    struct EtherPosition {
        uint96 weiPaid;
        uint80 eurValue;
        uint80 firstWei;
    }

    /// @notice One purchase (one slot); the first of each buyer lives in its {Position} (and its ether, if any,
    ///         in its {EtherPosition}), the others here.
    struct Purchase {
        uint72 eurValue;
        uint48 timestamp;
        bool revocable;
        bool revoked;
        uint112 weiPaid;
    }

    /// @notice What finalisation left for the SME and the platform to withdraw (as {payouts} reports it).
    struct Payouts {
        uint128 issuerStable;
        uint128 issuerWei;
        uint128 feeStable;
        uint128 feeWei;
    }

    /// @dev One party's payout, one storage slot: the SME's and the platform's are withdrawn the same way.
    struct Payout {
        uint128 stableAmount;
        uint128 weiAmount;
    }

    /// @notice A snapshot of the sale for readers.
    struct Status {
        uint256 raised;
        uint256 tokensSold;
        uint256 escrowedStable;
        uint256 escrowedWei;
        uint256 windowsEnd;
        bool registered;
        bool paused;
        bool finalised;
        bool successful;
    }

    /// @notice The payment stablecoin.
    IERC20 public immutable stablecoin;
    /// @notice The token sold.
    SmeToken public immutable token;
    /// @notice The platform's investor registry.
    InvestorRegistry public immutable registry;
    /// @notice The ledger enforcing the issuer's 12-month cap.
    address public immutable ledger;
    /// @notice The issuing SME.
    address public immutable issuer;
    /// @notice Receives the team allocation at a successful finalisation (a vesting wallet).
    address public immutable teamVesting;
    /// @notice Token base units per euro unit.
    uint256 public immutable rate;
    /// @notice Soft cap: the sale succeeds when raised >= goal.
    uint256 public immutable goal;
    /// @notice The most the sale may raise, in euro units.
    uint256 public immutable hardCap;
    /// @notice First second of the sale (unix seconds).
    uint64 public immutable openingTime;
    /// @notice Last second of the sale (unix seconds).
    uint64 public immutable closingTime;
    /// @notice A buyer's open contributions must reach at least this after each purchase.
    uint256 public immutable minPerInvestor;
    /// @notice A buyer's open contributions may not exceed this.
    uint256 public immutable maxPerInvestor;
    /// @notice A retail purchase made at t may be revoked until t + reflectionPeriod inclusive.
    uint64 public immutable reflectionPeriod;
    /// @notice Euro units per ether (0: ether not accepted).
    uint256 public immutable eurPerEth;
    /// @notice The platform's fee on the proceeds, in basis points.
    uint16 public immutable feeBps;
    /// @notice Hash of the crypto-asset white paper (zero when none is required).
    bytes32 public immutable whitePaperHash;
    /// @notice Tokens minted to the team vesting wallet on success, in token base units.
    uint256 public immutable teamAllocation;

    State private _state;
    uint128 private _etherWeiOpen;
    uint128 private _etherEurOpen;
    Payout private _issuerPayout;
    Payout private _feePayout;
    mapping(address buyer => Position) private _positions;
    mapping(address buyer => EtherPosition) private _etherPositions;
    mapping(address buyer => mapping(uint256 index => Purchase)) private _purchases;

    /// @notice The ledger registered the sale: purchases may start at opening time.
    event OfferRegistered(address indexed ledger);
    /// @notice `buyer` bought: purchase number `index` worth `eurValue`, paid in stablecoin or `weiPaid`.
    event TokensPurchased(address indexed buyer, uint256 indexed index, uint256 eurValue, uint256 weiPaid, uint256 tokens);
    /// @notice `buyer` revoked purchase `index` in its reflection period and got it all back.
    event PurchaseRevoked(address indexed buyer, uint256 indexed index, uint256 eurValue, uint256 weiPaid);
    /// @notice The sale was finalised.
    event SaleFinalised(address indexed caller, bool successful, uint256 raised, uint256 feeStable, uint256 feeWei);
    /// @notice `buyer` claimed their tokens.
    event TokensClaimed(address indexed buyer, uint256 tokens);
    /// @notice `buyer` pulled their refund.
    event Refunded(address indexed buyer, uint256 stableAmount, uint256 weiAmount);
    /// @notice The SME withdrew the proceeds.
    event ProceedsWithdrawn(address indexed to, uint256 stableAmount, uint256 weiAmount);
    /// @notice The platform withdrew its fee.
    event FeeWithdrawn(address indexed to, uint256 stableAmount, uint256 weiAmount);
    /// @notice The sale was paused (OpenZeppelin Pausable's event).
    event Paused(address account);
    /// @notice The sale was unpaused (OpenZeppelin Pausable's event).
    event Unpaused(address account);

    /// @notice A configuration value is out of range (`what` names it).
    error InvalidConfig(string what);
    /// @notice The hard cap needs a white-paper hash.
    error WhitePaperRequired(uint256 hardCap);
    /// @notice What is left of the token's cap (`available`: cap minus tokens already minted) cannot cover the
    ///         hard cap at this rate plus the team allocation.
    error TokenCapTooSmall(uint256 needed, uint256 available);
    /// @notice The sale is paused.
    error EnforcedPause();
    /// @notice The sale is not paused.
    error ExpectedPause();
    /// @notice The ledger has not registered the sale.
    error OfferNotRegistered();
    /// @notice Only the ledger may call this.
    error NotLedger(address caller);
    /// @notice Purchases are taken from opening to closing time inclusive.
    error SaleNotOpen(uint256 openingTime, uint256 closingTime);
    /// @notice The amount is zero.
    /// @notice The sale does not accept ether.
    error EtherNotAccepted();
    /// @notice The buyer is not verified by the platform.
    error NotVerified(address buyer);
    /// @notice The purchase would take the sale beyond its hard cap; `available` is what is left.
    error HardCapExceeded(uint256 available);
    /// @notice The buyer's open contributions would stay below the minimum.
    error BelowInvestorMinimum(uint256 minimum);
    /// @notice The buyer's open contributions would exceed the maximum; `available` is what is left.
    error InvestorMaximumExceeded(uint256 available);
    /// @notice A retail buyer beyond `limit` must first record a risk acknowledgment.
    error RiskAcknowledgmentRequired(address buyer, uint256 limit);
    /// @notice No such purchase.
    error UnknownPurchase(address buyer, uint256 index);
    /// @notice Only retail purchases can be revoked.
    error NotRevocable(uint256 index);
    /// @notice The purchase was already revoked.
    error AlreadyRevoked(uint256 index);
    /// @notice The reflection period of the purchase ended at `deadline`.
    error ReflectionPeriodOver(uint256 deadline);
    /// @notice The sale closes at `closingTime`; finalisation comes after.
    error SaleNotClosed(uint256 closingTime);
    /// @notice A reflection period runs until `until`; finalisation comes after.
    error ReflectionPeriodRunning(uint256 until);
    /// @notice The sale is already finalised.
    error AlreadyFinalised();
    /// @notice The sale is not finalised yet.
    error NotFinalised();
    /// @notice The goal was missed: no tokens.
    error GoalNotReached();
    /// @notice The goal was reached: no refunds.
    error GoalReached();
    /// @notice The buyer already claimed.
    error AlreadyClaimed(address buyer);
    /// @notice The buyer already got their refund.
    error AlreadyRefunded(address buyer);
    /// @notice The buyer has no open contribution.
    error NothingOwed(address buyer);
    /// @notice Nothing to withdraw.
    /// @notice A buyer may make at most 65,535 purchases.
    error TooManyPurchases();
    /// @notice One ether payment may not exceed 2^80 - 1 wei (about 1.2 million ether).
    error EtherAmountTooLarge(uint256 value);
    /// @notice Sending ether failed.

    /// @param c The sale's configuration (see the immutables of the same names); deployed by `c.issuer`.
    constructor(Config memory c) {
        if (c.rate == 0) revert InvalidConfig("rate");
        if (c.goal == 0 || c.goal > c.hardCap) revert InvalidConfig("goal");
        if (c.hardCap > type(uint72).max) revert InvalidConfig("hardCap");
        if (c.openingTime >= c.closingTime) revert InvalidConfig("times");
        if (c.reflectionPeriod > MAX_REFLECTION_PERIOD) revert InvalidConfig("reflectionPeriod");
        if (uint256(c.closingTime) + c.reflectionPeriod > type(uint48).max) revert InvalidConfig("times");
        if (c.maxPerInvestor == 0 || c.minPerInvestor > c.maxPerInvestor) revert InvalidConfig("perInvestor");
        if (c.feeBps > MAX_FEE_BPS) revert InvalidConfig("feeBps");
        if (c.issuer == address(0) || c.platform == address(0)) revert InvalidConfig("parties");
        // Only the issuer deploys a sale in its name: nobody can fill an SME's 12-month cap with sales it never made.
        if (c.issuer != msg.sender) revert InvalidConfig("issuer");
        if (c.teamAllocation != 0 && c.teamVesting == address(0)) revert InvalidConfig("teamVesting");
        if (c.hardCap >= WHITE_PAPER_THRESHOLD && c.whitePaperHash == bytes32(0)) {
            revert WhitePaperRequired(c.hardCap);
        }
        uint256 needed = c.hardCap * c.rate + c.teamAllocation;
        uint256 available = c.token.cap() - c.token.totalSupply();
        if (needed > available) revert TokenCapTooSmall(needed, available);
        stablecoin = c.stablecoin;
        token = c.token;
        registry = c.registry;
        ledger = address(c.ledger);
        issuer = c.issuer;
        teamVesting = c.teamVesting;
        rate = c.rate;
        goal = c.goal;
        hardCap = c.hardCap;
        openingTime = c.openingTime;
        closingTime = c.closingTime;
        minPerInvestor = c.minPerInvestor;
        maxPerInvestor = c.maxPerInvestor;
        reflectionPeriod = c.reflectionPeriod;
        eurPerEth = c.eurPerEth;
        feeBps = c.feeBps;
        whitePaperHash = c.whitePaperHash;
        teamAllocation = c.teamAllocation;
        _grantRole(DEFAULT_ADMIN_ROLE, c.platform);
        _grantRole(PAUSER_ROLE, c.platform);
        _grantRole(FEE_COLLECTOR_ROLE, c.platform);
        _grantRole(ISSUER_ROLE, c.issuer);
        _setRoleAdmin(ISSUER_ROLE, ISSUER_ROLE);
    }

    // --- registration and pause ------------------------------------------------------------------------------

    /// @notice Called by the ledger when it registers the sale; purchases need it. Mints what the sale can
    ///         deliver (hard cap x rate plus the team allocation) to the sale itself, so that what buyers buy is
    ///         theirs whatever the token's admin does later (reverts if the sale cannot mint it). A finalised sale
    ///         cannot be registered (it would hold its hard cap in the issuer's window for good).
    function onOfferRegistered() external {
        if (msg.sender != ledger) revert NotLedger(msg.sender);
        if (_state.finalised) revert AlreadyFinalised();
        _state.registered = true;
        emit OfferRegistered(msg.sender);
        token.mint(address(this), hardCap * rate + teamAllocation);
    }

    /// @notice Stop purchases (revocations, finalisation, claims, refunds and withdrawals stay open).
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_state.paused) revert EnforcedPause();
        _state.paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Lift the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_state.paused) revert ExpectedPause();
        _state.paused = false;
        emit Unpaused(msg.sender);
    }

    // --- buying and revoking ---------------------------------------------------------------------------------

    /// @notice Buy tokens for `amount` euro units of stablecoin (approve the sale first); the tokens are
    ///         claimable after a successful finalisation.
    /// @param amount The payment, in euro units (10^-6 EUR).
    /// @return index The number of this purchase among the buyer's purchases (for {revoke}).
    function buy(uint256 amount) external returns (uint256 index) {
        index = _record(msg.sender, amount, 0);
        stablecoin.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Buy in one transaction with an ERC-2612 permit of the stablecoin for `amount` (no prior approve).
    /// @dev The permit is tried, not required: if someone front-ran it, the allowance it set is used all the same.
    /// @param amount The payment, in euro units (10^-6 EUR).
    /// @param deadline The permit's deadline (unix seconds).
    /// @param v The permit signature's v.
    /// @param r The permit signature's r.
    /// @param s The permit signature's s.
    /// @return index The number of this purchase among the buyer's purchases (for {revoke}).
    function buyWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 index)
    {
        try IERC20Permit(address(stablecoin)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        index = _record(msg.sender, amount, 0);
        stablecoin.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Buy tokens with ether, worth floor(msg.value x eurPerEth / 1e18) euro units.
    /// @return index The number of this purchase among the buyer's purchases (for {revoke}).
    function buyWithEther() external payable returns (uint256 index) {
        if (eurPerEth == 0) revert EtherNotAccepted();
        if (msg.value > type(uint80).max) revert EtherAmountTooLarge(msg.value);
        uint256 eurValue = (msg.value * eurPerEth) / 1e18;
        index = _record(msg.sender, eurValue, msg.value);
        EtherPosition storage e = _etherPositions[msg.sender];
        e.weiPaid += uint96(msg.value);
        e.eurValue += uint80(eurValue);
        // slither-disable-next-line incorrect-equality,timestamp (a purchase counter, not a balance or a time)
        if (index == 0) e.firstWei = uint80(msg.value);
        _etherWeiOpen += uint128(msg.value);
        _etherEurOpen += uint128(eurValue);
    }

    function _record(address buyer, uint256 eurValue, uint256 weiPaid) private returns (uint256 index) {
        State memory s = _state;
        if (s.paused) revert EnforcedPause();
        if (!s.registered) revert OfferNotRegistered();
        if (block.timestamp < openingTime || block.timestamp > closingTime) {
            revert SaleNotOpen(openingTime, closingTime);
        }
        if (eurValue == 0) revert ZeroAmount();
        InvestorRegistry.Profile memory p = registry.profile(buyer);
        if (!p.verified) revert NotVerified(buyer);
        uint256 newRaised = s.raised + eurValue;
        if (newRaised > hardCap) revert HardCapExceeded(hardCap - s.raised);
        Position memory pos = _positions[buyer];
        uint256 before = pos.contributed;
        uint256 contributed = before + eurValue;
        if (contributed < minPerInvestor) revert BelowInvestorMinimum(minPerInvestor);
        if (contributed > maxPerInvestor) revert InvestorMaximumExceeded(maxPerInvestor - before);
        if (p.retail) {
            if (!p.acknowledged) {
                uint256 limit = retailLimit(p.netWorth);
                if (contributed > limit) revert RiskAcknowledgmentRequired(buyer, limit);
            }
            uint256 deadline = block.timestamp + reflectionPeriod;
            if (deadline > s.windowsEnd) s.windowsEnd = uint48(deadline);
        }
        index = pos.purchaseCount;
        if (index >= type(uint16).max) revert TooManyPurchases();
        pos.contributed = uint80(contributed);
        pos.purchaseCount = uint16(index + 1);
        // slither-disable-next-line incorrect-equality (a purchase counter, not a balance or a time)
        if (index == 0) {
            pos.firstEurValue = uint72(eurValue);
            pos.firstTimestamp = uint48(block.timestamp);
            pos.firstRevocable = p.retail;
        } else {
            _purchases[buyer][index] = Purchase({
                eurValue: uint72(eurValue),
                timestamp: uint48(block.timestamp),
                revocable: p.retail,
                revoked: false,
                weiPaid: uint112(weiPaid)
            });
        }
        _positions[buyer] = pos;
        s.raised = uint128(newRaised);
        _state = s;
        emit TokensPurchased(buyer, index, eurValue, weiPaid, eurValue * rate);
    }

    /// @notice Revoke your retail purchase `index` within its reflection period (until its timestamp +
    ///         reflectionPeriod inclusive) and get back everything it paid.
    /// @param index The purchase's number among your purchases.
    function revoke(uint256 index) external nonReentrant {
        Position storage pos = _positions[msg.sender];
        Purchase memory pu = _purchaseOf(pos, msg.sender, index);
        if (pu.timestamp == 0) revert UnknownPurchase(msg.sender, index);
        if (!pu.revocable) revert NotRevocable(index);
        if (pu.revoked) revert AlreadyRevoked(index);
        uint256 deadline = uint256(pu.timestamp) + reflectionPeriod;
        if (block.timestamp > deadline) revert ReflectionPeriodOver(deadline);
        uint256 eurValue = pu.eurValue;
        uint256 weiPaid = pu.weiPaid;
        if (index == 0) pos.firstRevoked = true;
        else _purchases[msg.sender][index].revoked = true;
        pos.contributed -= uint80(eurValue);
        _state.raised -= uint128(eurValue);
        if (weiPaid != 0) {
            EtherPosition storage e = _etherPositions[msg.sender];
            e.weiPaid -= uint96(weiPaid);
            e.eurValue -= uint80(eurValue);
            _etherWeiOpen -= uint128(weiPaid);
            _etherEurOpen -= uint128(eurValue);
        }
        emit PurchaseRevoked(msg.sender, index, eurValue, weiPaid);
        if (weiPaid != 0) {
            _sendEther(msg.sender, weiPaid);
        } else {
            stablecoin.safeTransfer(msg.sender, eurValue);
        }
    }

    // --- after closing ---------------------------------------------------------------------------------------

    /// @notice Finalise the sale, once, after closing time and after the last reflection period; anyone may
    ///         call, also while paused. Goal reached: proceeds and fee become withdrawable, buyers may claim,
    ///         the team allocation goes to the vesting wallet, the unsold tokens are burnt. Goal missed: buyers
    ///         may pull refunds, every token the sale holds is burnt.
    function finalise() external {
        State memory s = _state;
        if (s.finalised) revert AlreadyFinalised();
        if (block.timestamp <= closingTime) revert SaleNotClosed(closingTime);
        if (block.timestamp <= s.windowsEnd) revert ReflectionPeriodRunning(s.windowsEnd);
        bool success = s.raised >= goal;
        s.finalised = true;
        s.successful = success;
        _state = s;
        uint256 feeStable = 0;
        uint256 feeWei = 0;
        if (success) {
            uint256 stableRaised = s.raised - _etherEurOpen;
            uint256 weiRaised = _etherWeiOpen;
            feeStable = (stableRaised * feeBps) / 10_000;
            feeWei = (weiRaised * feeBps) / 10_000;
            _issuerPayout = Payout(uint128(stableRaised - feeStable), uint128(weiRaised - feeWei));
            _feePayout = Payout(uint128(feeStable), uint128(feeWei));
        }
        emit SaleFinalised(msg.sender, success, s.raised, feeStable, feeWei);
        if (!s.registered) return; // nothing minted, nothing sold
        IssuerCapLedger(ledger).settleOffer(success ? s.raised : 0);
        uint256 unsold = success ? (hardCap - s.raised) * rate : hardCap * rate + teamAllocation;
        if (unsold != 0) token.burn(unsold);
        if (success && teamAllocation != 0) IERC20(address(token)).safeTransfer(teamVesting, teamAllocation);
    }

    /// @notice Claim your tokens (open contributions x rate, held by the sale since its registration) after a
    ///         successful finalisation; once, also while paused.
    function claim() external {
        State memory s = _state;
        if (!s.finalised) revert NotFinalised();
        if (!s.successful) revert GoalNotReached();
        Position storage pos = _positions[msg.sender];
        if (pos.settled) revert AlreadyClaimed(msg.sender);
        uint256 contributed = pos.contributed;
        if (contributed == 0) revert NothingOwed(msg.sender);
        pos.settled = true;
        uint256 amount = contributed * rate;
        emit TokensClaimed(msg.sender, amount);
        IERC20(address(token)).safeTransfer(msg.sender, amount);
    }

    /// @notice Pull your full refund (stablecoin and ether) after a finalisation that missed the goal; once.
    function refund() external nonReentrant {
        State memory s = _state;
        if (!s.finalised) revert NotFinalised();
        if (s.successful) revert GoalReached();
        Position storage pos = _positions[msg.sender];
        if (pos.settled) revert AlreadyRefunded(msg.sender);
        uint256 contributed = pos.contributed;
        if (contributed == 0) revert NothingOwed(msg.sender);
        pos.settled = true;
        EtherPosition memory e = _etherPositions[msg.sender];
        uint256 stableAmount = contributed - e.eurValue;
        emit Refunded(msg.sender, stableAmount, e.weiPaid);
        if (stableAmount != 0) stablecoin.safeTransfer(msg.sender, stableAmount);
        if (e.weiPaid != 0) _sendEther(msg.sender, e.weiPaid);
    }

    /// @notice Withdraw the proceeds (raised minus the platform fee) to yourself, as the SME.
    function withdrawProceeds() external onlyRole(ISSUER_ROLE) nonReentrant {
        (uint256 stableAmount, uint256 weiAmount) = _takePayout(_issuerPayout);
        emit ProceedsWithdrawn(msg.sender, stableAmount, weiAmount);
        _sendPayout(stableAmount, weiAmount);
    }

    /// @notice Withdraw the platform fee to yourself, as the fee collector.
    function withdrawFee() external onlyRole(FEE_COLLECTOR_ROLE) nonReentrant {
        (uint256 stableAmount, uint256 weiAmount) = _takePayout(_feePayout);
        emit FeeWithdrawn(msg.sender, stableAmount, weiAmount);
        _sendPayout(stableAmount, weiAmount);
    }

    /// @dev Empties a payout and returns what it held; reverts when it is empty.
    function _takePayout(Payout storage payout) private returns (uint256 stableAmount, uint256 weiAmount) {
        stableAmount = payout.stableAmount;
        weiAmount = payout.weiAmount;
        if (stableAmount == 0 && weiAmount == 0) revert NothingToWithdraw(msg.sender);
        delete payout.stableAmount;
        delete payout.weiAmount;
    }

    /// @dev Sends a payout taken by {_takePayout} to the caller.
    function _sendPayout(uint256 stableAmount, uint256 weiAmount) private {
        if (stableAmount != 0) stablecoin.safeTransfer(msg.sender, stableAmount);
        if (weiAmount != 0) _sendEther(msg.sender, weiAmount);
    }

    function _purchaseOf(Position storage pos, address buyer, uint256 index) private view returns (Purchase memory) {
        if (index == 0) {
            return Purchase({
                eurValue: pos.firstEurValue,
                timestamp: pos.firstTimestamp,
                revocable: pos.firstRevocable,
                revoked: pos.firstRevoked,
                weiPaid: _etherPositions[buyer].firstWei
            });
        }
        return _purchases[buyer][index];
    }

    function _sendEther(address to, uint256 amount) private {
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert EtherTransferFailed(to, amount);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice The most a retail investor with this net worth may put in without an acknowledgment.
    /// @param netWorth Declared net worth, in euro units.
    /// @return max(EUR 1,000, 5% of net worth), in euro units.
    function retailLimit(uint256 netWorth) public pure returns (uint256) {
        uint256 share = (netWorth * RETAIL_NET_WORTH_BPS) / 10_000;
        return share > RETAIL_BASE_LIMIT ? share : RETAIL_BASE_LIMIT;
    }

    /// @notice The sale's state.
    /// @return st Raised, tokens sold, escrow, latest reflection deadline and flags.
    function status() external view returns (Status memory st) {
        State memory s = _state;
        st.raised = s.raised;
        st.tokensSold = uint256(s.raised) * rate;
        st.windowsEnd = s.windowsEnd;
        st.registered = s.registered;
        st.paused = s.paused;
        st.finalised = s.finalised;
        st.successful = s.successful;
        if (!s.finalised) {
            st.escrowedStable = s.raised - _etherEurOpen;
            st.escrowedWei = _etherWeiOpen;
        }
    }

    /// @notice Euro units raised so far (open contributions, after revocations).
    /// @return The amount.
    function raised() external view returns (uint256) {
        return _state.raised;
    }

    /// @notice Tokens sold so far: raised x rate.
    /// @return The amount, in token base units.
    function tokensSold() external view returns (uint256) {
        return uint256(_state.raised) * rate;
    }

    /// @notice Whether the sale is paused.
    /// @return True when paused.
    function paused() external view returns (bool) {
        return _state.paused;
    }

    /// @notice `buyer`'s totals.
    /// @param buyer The buyer.
    /// @return contributed Open contributions in euro units (stablecoin and ether).
    /// @return weiPaid Ether in the open contributions.
    /// @return etherEurValue The euro value of that ether.
    /// @return purchaseCount Purchases made (including revoked ones).
    /// @return settled Claimed or refunded.
    function position(address buyer)
        external
        view
        returns (uint256 contributed, uint256 weiPaid, uint256 etherEurValue, uint256 purchaseCount, bool settled)
    {
        Position memory pos = _positions[buyer];
        EtherPosition memory e = _etherPositions[buyer];
        return (pos.contributed, e.weiPaid, e.eurValue, pos.purchaseCount, pos.settled);
    }

    /// @notice `buyer`'s purchase number `index`.
    /// @param buyer The buyer.
    /// @param index The purchase's number.
    /// @return eurValue Its value in euro units.
    /// @return weiPaid The ether it paid (0 for a stablecoin purchase).
    /// @return timestamp When it was made (0 when unknown).
    /// @return revocable Made by a retail investor, so revocable in its reflection period.
    /// @return revoked Revoked.
    function purchase(address buyer, uint256 index)
        external
        view
        returns (uint256 eurValue, uint256 weiPaid, uint256 timestamp, bool revocable, bool revoked)
    {
        Purchase memory pu = _purchaseOf(_positions[buyer], buyer, index);
        return (pu.eurValue, pu.weiPaid, pu.timestamp, pu.revocable, pu.revoked);
    }

    /// @notice What the SME and the platform may still withdraw.
    /// @return The payouts.
    function payouts() external view returns (Payouts memory) {
        Payout memory proceeds = _issuerPayout;
        Payout memory fee = _feePayout;
        return Payouts(proceeds.stableAmount, proceeds.weiAmount, fee.stableAmount, fee.weiAmount);
    }
}
