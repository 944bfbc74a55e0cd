// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ZeroAddress} from "../common/Errors.sol";
import {PullLedger} from "../common/PullLedger.sol";

/// @title DataMarket
/// @notice People sell time-limited access to data sets from their connected devices (S4 use case UC5). The data
///         stay off chain: a listing anchors the hash of the data and the hash of the licence terms. A company pays
///         in the euro stablecoin for one or more access periods; every payment is split at purchase time between
///         the platform's fee (basis points, capped) and the person's share, both credited to pull balances.
/// @dev Consent. A person may revoke consent for a listing at any time; it then sells nothing more, ever.
///      - Lenient listings (the default): access already paid for runs until its expiry.
///      - Strict listings (chosen at listing time): revocation also ends every current access at once, and each
///        buyer is refunded the person's share for the unused time, pro rata. To make that refund possible, the
///        person's share of a strict purchase is escrowed per (listing, buyer) and released to the person as time
///        passes, lazily, whenever the pair is settled (`release`, a renewal, or the buyer's `claimRefund`). The
///        platform fee is earned at purchase and never refunded. No function loops over buyers.
///      Ordering. A buyer states the most it pays per period (`maxPrice`), so a price rise landing before its
///      purchase fails it; a fee rise applies FEE_NOTICE after its announcement, so the platform cannot raise its
///      cut of a sale it sees coming.
///      Invariant: the contract's stablecoin balance == sum of pull balances + sum of escrows.
///      Access is valid while `block.timestamp < expires` (the expiry second itself is outside).
contract DataMarket is AccessControl {
    using SafeERC20 for IERC20;

    /// @notice Sets the platform fee and the fee recipient.
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");
    /// @notice Basis points in 100%.
    uint256 public constant BPS = 10_000;
    /// @notice How long before a fee rise takes effect: time for people to reprice or withdraw their listings.
    uint256 public constant FEE_NOTICE = 30 days;

    enum Status {
        None,
        Active,
        Paused,
        Withdrawn,
        Revoked
    }

    /// @dev One storage slot: 20 + 6 + 4 + 1 + 1 bytes.
    struct Listing {
        address owner;
        uint48 price; // stablecoin units per access period (at most ~281 million euros)
        uint32 period; // seconds
        Status status;
        bool strict;
    }

    /// @dev One storage slot per (listing, buyer).
    struct Access {
        uint64 expires; // access valid while block.timestamp < expires
        uint64 settledAt; // strict listings: escrow accounted up to this time
        uint128 escrow; // strict listings: the person's share not yet released, covering [settledAt, expires)
    }

    /// @dev One storage slot: 20 + 2 + 2 + 4 + 4 bytes.
    struct Config {
        address feeRecipient;
        uint16 feeBps; // in force until `nextFeeAt`
        uint16 nextFeeBps; // an announced rise
        uint32 nextFeeAt; // when the rise takes effect (0: none announced)
        uint32 listingCount;
    }

    /// @notice The payment token (the euro stablecoin).
    IERC20 public immutable stablecoin;
    /// @notice The highest fee the platform may set, in basis points.
    uint16 public immutable feeCapBps;

    Config private _config;
    mapping(uint256 listingId => Listing) private _listings;
    mapping(uint256 listingId => uint64) private _revokedAt;
    mapping(uint256 listingId => mapping(address buyer => Access)) private _access;
    mapping(address account => uint256) private _pending;

    event ListingCreated(
        uint256 indexed listingId,
        address indexed owner,
        bytes32 contentHash,
        bytes32 termsHash,
        uint256 price,
        uint256 period,
        bool strict,
        string category
    );
    event PriceUpdated(uint256 indexed listingId, uint256 oldPrice, uint256 newPrice);
    event ListingPaused(uint256 indexed listingId);
    event ListingResumed(uint256 indexed listingId);
    event ListingWithdrawn(uint256 indexed listingId);
    event ConsentRevoked(uint256 indexed listingId, bool strict, uint256 revokedAt);
    event AccessPurchased(
        uint256 indexed listingId,
        address indexed buyer,
        uint256 periods,
        uint256 amount,
        uint256 fee,
        uint256 expires
    );
    event DataAccessed(uint256 indexed listingId, address indexed buyer, uint256 expires);
    event EscrowReleased(uint256 indexed listingId, address indexed buyer, uint256 toOwner, uint256 refund);
    event Withdrawal(address indexed account, uint256 amount);
    event FeeUpdated(uint256 oldFeeBps, uint256 newFeeBps);
    event FeeRiseAnnounced(uint256 currentFeeBps, uint256 newFeeBps, uint256 effectiveAt);
    event FeeRecipientUpdated(address indexed oldRecipient, address indexed newRecipient);

    error FeeAboveCap(uint256 feeBps, uint256 capBps);
    error InvalidPrice(uint256 price);
    error InvalidPeriod(uint256 period);
    error InvalidPeriods(uint256 periods);
    error PriceAboveMax(uint256 listingId, uint256 price, uint256 maxPrice);
    error ListingNotFound(uint256 listingId);
    error NotListingOwner(uint256 listingId, address caller);
    error ListingNotActive(uint256 listingId, Status status);
    error ListingNotPaused(uint256 listingId, Status status);
    error ListingClosed(uint256 listingId, Status status);
    error AlreadyRevoked(uint256 listingId);
    error NotRevokedStrict(uint256 listingId);
    error NoRefund(uint256 listingId, address buyer);
    error NoAccess(uint256 listingId, address buyer, uint256 expires);

    /// @notice Deploy the market.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and PLATFORM_ROLE, and the fees until another recipient is set.
    /// @param stablecoin_ The euro stablecoin used for payments.
    /// @param initialFeeBps Initial platform fee in basis points (at most `feeCapBps_`).
    /// @param feeCapBps_ The fee cap in basis points (at most 10,000), fixed for the life of the contract.
    constructor(address admin, IERC20 stablecoin_, uint16 initialFeeBps, uint16 feeCapBps_) {
        if (admin == address(0) || address(stablecoin_) == address(0)) revert ZeroAddress();
        if (feeCapBps_ > BPS) revert FeeAboveCap(feeCapBps_, BPS);
        if (initialFeeBps > feeCapBps_) revert FeeAboveCap(initialFeeBps, feeCapBps_);
        stablecoin = stablecoin_;
        feeCapBps = feeCapBps_;
        _config = Config({feeRecipient: admin, feeBps: initialFeeBps, nextFeeBps: 0, nextFeeAt: 0, listingCount: 0});
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PLATFORM_ROLE, admin);
        emit FeeUpdated(0, initialFeeBps);
        emit FeeRecipientUpdated(address(0), admin);
    }

    // --- platform --------------------------------------------------------------------------------------------

    /// @notice Set the platform fee for future purchases. A cut (or keeping the fee) applies at once and cancels
    ///         an announced rise; a rise applies FEE_NOTICE after this call, so that the platform cannot take a
    ///         bigger part of a sale it sees coming, and people can reprice or withdraw first.
    /// @param newFeeBps The new fee in basis points, at most `feeCapBps`.
    function setFee(uint16 newFeeBps) external onlyRole(PLATFORM_ROLE) {
        if (newFeeBps > feeCapBps) revert FeeAboveCap(newFeeBps, feeCapBps);
        Config storage c = _config;
        uint16 current = _feeNow(c.feeBps, c.nextFeeBps, c.nextFeeAt);
        if (newFeeBps > current) {
            uint256 effectiveAt = block.timestamp + FEE_NOTICE;
            c.feeBps = current;
            c.nextFeeBps = newFeeBps;
            c.nextFeeAt = uint32(effectiveAt);
            emit FeeRiseAnnounced(current, newFeeBps, effectiveAt);
        } else {
            c.feeBps = newFeeBps;
            c.nextFeeBps = 0;
            c.nextFeeAt = 0;
            emit FeeUpdated(current, newFeeBps);
        }
    }

    /// @notice Set who is credited the platform fee of future purchases (fees already credited stay put).
    /// @param recipient The new fee recipient.
    function setFeeRecipient(address recipient) external onlyRole(PLATFORM_ROLE) {
        if (recipient == address(0)) revert ZeroAddress();
        emit FeeRecipientUpdated(_config.feeRecipient, recipient);
        _config.feeRecipient = recipient;
    }

    // --- people ----------------------------------------------------------------------------------------------

    /// @notice List a data set for sale.
    /// @param contentHash Hash of the off-chain data set (emitted, not stored).
    /// @param termsHash Hash of the licence terms (emitted, not stored).
    /// @param price Price of one access period, in stablecoin units (> 0, < 2^48).
    /// @param period Length of one access period in seconds (> 0).
    /// @param strict Whether revoking consent also ends current access, with a pro-rata refund to buyers.
    /// @param category A free category label (emitted only).
    /// @return listingId The new listing's id (from 1).
    function list(
        bytes32 contentHash,
        bytes32 termsHash,
        uint256 price,
        uint32 period,
        bool strict,
        string calldata category
    ) external returns (uint256 listingId) {
        if (price == 0 || price > type(uint48).max) revert InvalidPrice(price);
        if (period == 0) revert InvalidPeriod(period);
        listingId = ++_config.listingCount;
        _listings[listingId] = Listing({
            owner: msg.sender,
            price: uint48(price),
            period: period,
            status: Status.Active,
            strict: strict
        });
        emit ListingCreated(listingId, msg.sender, contentHash, termsHash, price, period, strict, category);
    }

    /// @notice Change the price of future purchases (access already bought is unaffected).
    /// @param listingId The listing.
    /// @param price The new price per period, in stablecoin units (> 0, < 2^48).
    function updatePrice(uint256 listingId, uint256 price) external {
        Listing storage l = _owned(listingId);
        Status status = l.status;
        if (status != Status.Active && status != Status.Paused) revert ListingClosed(listingId, status);
        if (price == 0 || price > type(uint48).max) revert InvalidPrice(price);
        emit PriceUpdated(listingId, l.price, price);
        l.price = uint48(price);
    }

    /// @notice Stop sales of a listing for now (access already bought is unaffected).
    /// @param listingId The listing, which must be active.
    function pauseListing(uint256 listingId) external {
        Listing storage l = _owned(listingId);
        if (l.status != Status.Active) revert ListingNotActive(listingId, l.status);
        l.status = Status.Paused;
        emit ListingPaused(listingId);
    }

    /// @notice Resume the sales of a paused listing.
    /// @param listingId The listing, which must be paused.
    function resumeListing(uint256 listingId) external {
        Listing storage l = _owned(listingId);
        if (l.status != Status.Paused) revert ListingNotPaused(listingId, l.status);
        l.status = Status.Active;
        emit ListingResumed(listingId);
    }

    /// @notice Withdraw a listing from sale for good. Access already bought runs until its expiry, even on a
    ///         strict listing (revoke consent to end it).
    /// @param listingId The listing, active or paused.
    function withdrawListing(uint256 listingId) external {
        Listing storage l = _owned(listingId);
        Status status = l.status;
        if (status != Status.Active && status != Status.Paused) revert ListingClosed(listingId, status);
        l.status = Status.Withdrawn;
        emit ListingWithdrawn(listingId);
    }

    /// @notice Revoke consent: the listing sells no new access and no renewal, ever. On a lenient listing, access
    ///         already paid for runs until its expiry. On a strict listing, every current access ends now and each
    ///         buyer can claim back the person's share for the unused time (`claimRefund`).
    /// @param listingId The listing (active, paused or withdrawn).
    function revokeConsent(uint256 listingId) external {
        Listing storage l = _owned(listingId);
        if (l.status == Status.Revoked) revert AlreadyRevoked(listingId);
        l.status = Status.Revoked;
        bool strict = l.strict;
        if (strict) _revokedAt[listingId] = uint64(block.timestamp);
        emit ConsentRevoked(listingId, strict, block.timestamp);
    }

    // --- buyers ----------------------------------------------------------------------------------------------

    /// @notice Buy (or extend) access to a listing for `periods` periods at its current price; the caller must
    ///         have approved the amount. The access runs from the later of now and the current expiry.
    /// @dev `maxPrice` makes a price rise by the owner between the buyer's look and the purchase (front-running a
    ///      standing allowance) fail instead of charging the new price.
    /// @param listingId The listing, which must be active.
    /// @param periods Number of access periods (1 to 2^16 - 1).
    /// @param maxPrice The most the caller pays per period, in stablecoin units (reverts if the price is higher).
    /// @return expires The new expiry of the caller's access.
    function buyAccess(uint256 listingId, uint256 periods, uint256 maxPrice) external returns (uint64 expires) {
        Listing memory l = _listings[listingId];
        if (l.status != Status.Active) {
            if (l.status == Status.None) revert ListingNotFound(listingId);
            revert ListingNotActive(listingId, l.status);
        }
        if (periods == 0 || periods > type(uint16).max) revert InvalidPeriods(periods);
        if (l.price > maxPrice) revert PriceAboveMax(listingId, l.price, maxPrice);
        Config memory c = _config;
        uint256 amount = uint256(l.price) * periods; // < 2^64
        // the fee rounds down: the person gets the rest
        uint256 fee = (amount * _feeNow(c.feeBps, c.nextFeeBps, c.nextFeeAt)) / BPS;
        uint256 share = amount - fee;

        Access storage a = _access[listingId][msg.sender];
        uint64 current = a.expires;
        uint64 start = current > block.timestamp ? current : uint64(block.timestamp);
        expires = start + uint64(l.period * periods);

        if (l.strict) {
            _settle(listingId, msg.sender, l.owner, a, block.timestamp, false);
            a.settledAt = uint64(block.timestamp); // the escrow now covers [now, expires)
            a.escrow += uint128(share);
        } else {
            _pending[l.owner] += share;
        }
        a.expires = expires;
        if (fee != 0) _pending[c.feeRecipient] += fee;
        emit AccessPurchased(listingId, msg.sender, periods, amount, fee, expires);

        stablecoin.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Strict listings: release to the person the escrowed share earned so far by the access of `buyer`
    ///         (all of it once the access has expired); after revocation, also credit `buyer` the refund of the
    ///         unused time. Anyone may call it.
    /// @param listingId The listing.
    /// @param buyer The buyer whose access is settled.
    /// @return toOwner The amount credited to the person.
    /// @return refund The amount credited to the buyer.
    function release(uint256 listingId, address buyer) external returns (uint256 toOwner, uint256 refund) {
        Listing storage l = _listings[listingId];
        if (l.status == Status.None) revert ListingNotFound(listingId);
        Access storage a = _access[listingId][buyer];
        (toOwner, refund) = _settle(listingId, buyer, l.owner, a, _clock(listingId), true);
    }

    /// @notice After consent was revoked on a strict listing, credit the caller the person's share of the unused
    ///         time of their access (to withdraw with `withdraw`); the used part goes to the person.
    /// @param listingId The listing.
    /// @return refund The amount credited to the caller.
    function claimRefund(uint256 listingId) external returns (uint256 refund) {
        Listing storage l = _listings[listingId];
        if (l.status != Status.Revoked || !l.strict) revert NotRevokedStrict(listingId);
        Access storage a = _access[listingId][msg.sender];
        (, refund) = _settle(listingId, msg.sender, l.owner, a, _revokedAt[listingId], true);
        if (refund == 0) revert NoRefund(listingId, msg.sender);
    }

    /// @notice Record on chain that the caller uses the data now (the person's audit trail of every use; a data
    ///         gateway serves the data on this receipt). Reverts when the caller has no valid access.
    /// @param listingId The listing.
    function recordAccess(uint256 listingId) external {
        uint256 expires = expiresAt(listingId, msg.sender);
        if (block.timestamp >= expires) revert NoAccess(listingId, msg.sender, expires);
        emit DataAccessed(listingId, msg.sender, expires);
    }

    /// @notice Withdraw the caller's whole pull balance (earnings, fees or refunds).
    /// @return amount The amount sent.
    function withdraw() external returns (uint256 amount) {
        amount = PullLedger.takeAll(_pending);
        emit Withdrawal(msg.sender, amount);
        stablecoin.safeTransfer(msg.sender, amount);
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice Whether `buyer` may access the data of a listing now.
    /// @param listingId The listing.
    /// @param buyer The buyer.
    /// @return Whether the access is valid (before expiry, and the consent not revoked on a strict listing).
    function hasAccess(uint256 listingId, address buyer) external view returns (bool) {
        return block.timestamp < expiresAt(listingId, buyer);
    }

    /// @notice When the access of `buyer` ends (the revocation time if a strict listing was revoked earlier).
    /// @param listingId The listing.
    /// @param buyer The buyer.
    /// @return The first second without access (0 if never bought).
    function expiresAt(uint256 listingId, address buyer) public view returns (uint256) {
        uint64 expires = _access[listingId][buyer].expires;
        uint64 revoked = _revokedAt[listingId];
        return revoked != 0 && revoked < expires ? revoked : expires;
    }

    /// @notice The stored access record of `buyer` on a listing.
    /// @param listingId The listing.
    /// @param buyer The buyer.
    /// @return The paid expiry, the time the escrow is settled to, and the escrow (strict listings).
    function accessOf(uint256 listingId, address buyer) external view returns (Access memory) {
        return _access[listingId][buyer];
    }

    /// @notice A listing.
    /// @param listingId The listing.
    /// @return The owner, price per period, period, status and mode.
    function listingOf(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @notice When consent was revoked on a strict listing (0 otherwise).
    /// @param listingId The listing.
    /// @return The revocation time.
    function revokedAt(uint256 listingId) external view returns (uint256) {
        return _revokedAt[listingId];
    }

    /// @notice The pull balance of `account`, in stablecoin units.
    /// @param account The account.
    /// @return The amount `account` can withdraw.
    function pendingWithdrawal(address account) external view returns (uint256) {
        return _pending[account];
    }

    /// @notice The number of listings created.
    /// @return The highest listing id.
    function listingCount() external view returns (uint256) {
        return _config.listingCount;
    }

    /// @notice The platform fee in force now, in basis points.
    /// @return The fee.
    function feeBps() external view returns (uint256) {
        Config memory c = _config;
        return _feeNow(c.feeBps, c.nextFeeBps, c.nextFeeAt);
    }

    /// @notice An announced fee rise not yet in force.
    /// @return newFeeBps The announced fee (0 if none).
    /// @return effectiveAt When it takes effect (0 if none).
    function announcedFee() external view returns (uint256 newFeeBps, uint256 effectiveAt) {
        Config memory c = _config;
        if (c.nextFeeAt > block.timestamp) return (c.nextFeeBps, c.nextFeeAt);
    }

    /// @notice Who is credited the platform fee.
    /// @return The fee recipient.
    function feeRecipient() external view returns (address) {
        return _config.feeRecipient;
    }

    // --- internals -------------------------------------------------------------------------------------------

    /// @dev The fee in force now: the announced rise once its time has come.
    function _feeNow(uint16 fee, uint16 nextFee, uint32 nextAt) private view returns (uint16) {
        return nextAt != 0 && block.timestamp >= nextAt ? nextFee : fee;
    }

    function _owned(uint256 listingId) private view returns (Listing storage l) {
        l = _listings[listingId];
        if (l.owner != msg.sender) {
            if (l.status == Status.None) revert ListingNotFound(listingId);
            revert NotListingOwner(listingId, msg.sender);
        }
    }

    /// @dev The time up to which escrow is earned: now, or the revocation time on a revoked strict listing.
    function _clock(uint256 listingId) private view returns (uint256) {
        uint64 revoked = _revokedAt[listingId];
        return revoked != 0 ? revoked : block.timestamp;
    }

    /// @dev Release the escrow earned up to `until` to the person; when `refundRest` and the listing is a revoked
    ///      strict one, credit what is left to the buyer. Earned amounts round down (the buyer keeps the dust).
    function _settle(
        uint256 listingId,
        address buyer,
        address owner,
        Access storage a,
        uint256 until,
        bool refundRest
    ) private returns (uint256 toOwner, uint256 refund) {
        uint256 escrow = a.escrow;
        if (escrow == 0) return (0, 0);
        uint256 from = a.settledAt;
        uint256 expires = a.expires;
        if (until > from) a.settledAt = uint64(until);
        if (until >= expires) {
            toOwner = escrow;
        } else if (until > from) {
            toOwner = (escrow * (until - from)) / (expires - from);
        }
        uint256 rest = escrow - toOwner;
        if (refundRest && _revokedAt[listingId] != 0) {
            refund = rest;
            rest = 0;
        }
        a.escrow = uint128(rest);
        if (toOwner != 0) _pending[owner] += toOwner;
        if (refund != 0) _pending[buyer] += refund;
        if (toOwner != 0 || refund != 0) emit EscrowReleased(listingId, buyer, toOwner, refund);
    }
}
