// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @notice What the ledger reads from, and tells, a sale it registers.
interface ICappedOffer {
    /// @notice The issuing company.
    /// @return The issuer's address.
    function issuer() external view returns (address);

    /// @notice The most the offer may raise, in euro units.
    /// @return The hard cap.
    function hardCap() external view returns (uint256);

    /// @notice When the offer opens (unix seconds).
    /// @return The opening time.
    function openingTime() external view returns (uint64);

    /// @notice The ledger the offer reports to.
    /// @return The ledger's address.
    function ledger() external view returns (address);

    /// @notice Called by the ledger once the offer fits the issuer's 12-month cap.
    function onOfferRegistered() external;
}

/// @title IssuerCapLedger
/// @notice Enforces the offer limit of Regulation (EU) 2020/1503 art. 1(2)(c) across all the sales of an issuer:
///         the total consideration of an issuer's offers over 12 months stays at or below `issuerCap`. The window
///         is 366 days, never shorter than 12 calendar months (which span 366 days when they include 29 February):
///         the rule can only err on the side of waiting a day longer, never of offering more within 12 months.
/// @dev An offer counts for its hard cap from registration (an offer of up to X is an offer of X) until the
///      sale is finalised, when it reports what it really raised (0 when its goal was missed). An offer belongs to
///      the window of its opening time; the offers of one issuer are registered in the order of their opening
///      times, so the sum over the window before a new offer is the exact rolling-window total. The loop in
///      {usedInWindow} is bounded by the issuer's offers of the last 12 months and runs only on registration.
contract IssuerCapLedger is AccessControl {
    /// @notice The role allowed to register sales (the platform).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Length of the rolling window: 12 calendar months at their longest.
    uint256 public constant WINDOW = 366 days;

    /// @notice The most an issuer may offer over any window, in euro units (10^-6 EUR).
    uint256 public immutable issuerCap;

    /// @notice An offer of an issuer (two slots).
    struct Offer {
        address sale;
        uint64 start;
        bool settled;
        uint128 amount;
    }

    mapping(address issuer => Offer[]) private _offers;
    /// @dev sale => 1 + its index in its issuer's list (0: unknown).
    mapping(address sale => uint256) private _offerRef;
    mapping(address sale => address) private _issuerOf;

    /// @notice A sale was registered: `amount` (its hard cap) counts for its issuer from `start`.
    event OfferRegistered(address indexed issuer, address indexed sale, uint256 amount, uint64 start);
    /// @notice A finalised sale reported what it raised; that is what counts from now on.
    event OfferSettled(address indexed issuer, address indexed sale, uint256 raised);

    /// @notice The offer would take the issuer beyond the cap within the window.
    error IssuerCapExceeded(address issuer, uint256 used, uint256 requested, uint256 cap);
    /// @notice The sale is already registered.
    error OfferAlreadyRegistered(address sale);
    /// @notice The sale reports to another ledger.
    error WrongLedger(address sale, address ledger);
    /// @notice The sale opens before the issuer's latest registered offer.
    error OfferOutOfOrder(uint64 start, uint64 latestStart);
    /// @notice The sale opens more than a window (366 days) after its registration, at `start`; offers are
    ///         registered in opening order, so one far ahead would shut the issuer out until then.
    error OfferTooFarAhead(uint64 start, uint256 latestStart);
    /// @notice The caller is not a registered sale.
    error UnknownOffer(address sale);
    /// @notice The sale already reported its result.
    error OfferAlreadySettled(address sale);
    /// @notice A sale cannot report more than it registered.
    error RaisedAboveOffer(uint256 raised, uint256 offered);
    /// @notice The cap must be positive.
    error InvalidCap();

    /// @param admin Receives DEFAULT_ADMIN_ROLE and REGISTRAR_ROLE (the platform).
    /// @param cap The most one issuer may offer over 12 months, in euro units (EUR 5,000,000 = 5e12).
    constructor(address admin, uint256 cap) {
        if (cap == 0) revert InvalidCap();
        issuerCap = cap;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    /// @notice Register `sale` for its issuer once its hard cap fits the issuer's 12-month cap; the sale can
    ///         then take purchases. The sale must open within a window (366 days) of its registration.
    /// @param sale The sale (a TokenSale reporting to this ledger).
    function registerOffer(address sale) external onlyRole(REGISTRAR_ROLE) {
        if (_offerRef[sale] != 0) revert OfferAlreadyRegistered(sale);
        ICappedOffer offer = ICappedOffer(sale);
        if (offer.ledger() != address(this)) revert WrongLedger(sale, offer.ledger());
        address issuer_ = offer.issuer();
        uint256 amount = offer.hardCap();
        uint64 start = offer.openingTime();
        if (start > block.timestamp + WINDOW) revert OfferTooFarAhead(start, block.timestamp + WINDOW);
        Offer[] storage list = _offers[issuer_];
        uint256 n = list.length;
        if (n != 0 && list[n - 1].start > start) revert OfferOutOfOrder(start, list[n - 1].start);
        uint256 used = usedInWindow(issuer_, start);
        if (used + amount > issuerCap) revert IssuerCapExceeded(issuer_, used, amount, issuerCap);
        list.push(Offer({sale: sale, start: start, settled: false, amount: uint128(amount)}));
        _offerRef[sale] = n + 1;
        _issuerOf[sale] = issuer_;
        emit OfferRegistered(issuer_, sale, amount, start);
        offer.onOfferRegistered();
    }

    /// @notice Called by a registered sale when it is finalised: from now on it counts for what it raised.
    /// @param raised What the sale raised (0 when its goal was missed), in euro units.
    function settleOffer(uint256 raised) external {
        uint256 ref = _offerRef[msg.sender];
        if (ref == 0) revert UnknownOffer(msg.sender);
        address issuer_ = _issuerOf[msg.sender];
        Offer storage offer = _offers[issuer_][ref - 1];
        if (offer.settled) revert OfferAlreadySettled(msg.sender);
        if (raised > offer.amount) revert RaisedAboveOffer(raised, offer.amount);
        offer.settled = true;
        offer.amount = uint128(raised);
        emit OfferSettled(issuer_, msg.sender, raised);
    }

    /// @notice What counts against `issuer`'s cap for an offer opening at `when`: the offers opened in the window
    ///         (366 days) up to and including `when` (registered hard caps, or what settled offers raised).
    /// @param issuer The issuer.
    /// @param when The time (unix seconds).
    /// @return used The total, in euro units.
    function usedInWindow(address issuer, uint64 when) public view returns (uint256 used) {
        Offer[] storage list = _offers[issuer];
        for (uint256 i = list.length; i != 0; --i) {
            Offer storage o = list[i - 1];
            if (uint256(o.start) + WINDOW <= when) break;
            if (o.start <= when) used += o.amount;
        }
    }

    /// @notice How much more `issuer` may offer in an offer opening at `when`.
    /// @param issuer The issuer.
    /// @param when The opening time (unix seconds).
    /// @return The room left, in euro units.
    function availableAt(address issuer, uint64 when) external view returns (uint256) {
        uint256 used = usedInWindow(issuer, when);
        return used >= issuerCap ? 0 : issuerCap - used;
    }

    /// @notice The number of offers registered for `issuer`.
    /// @param issuer The issuer.
    /// @return The count.
    function offerCount(address issuer) external view returns (uint256) {
        return _offers[issuer].length;
    }

    /// @notice The `index`-th offer of `issuer`.
    /// @param issuer The issuer.
    /// @param index Its position, from 0.
    /// @return The offer.
    function offerAt(address issuer, uint256 index) external view returns (Offer memory) {
        return _offers[issuer][index];
    }

    /// @notice Whether `sale` is registered.
    /// @param sale The sale.
    /// @return True when registered.
    function isRegistered(address sale) external view returns (bool) {
        return _offerRef[sale] != 0;
    }
}
