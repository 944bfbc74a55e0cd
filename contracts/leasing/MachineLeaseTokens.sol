// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IERC4907} from "./IERC4907.sol";
import {IERC5643} from "./IERC5643.sol";
import {MachineLeaseBase} from "./MachineLeaseBase.sol";

/// @title MachineLeaseTokens
/// @notice The lease token's subscription layer: ERC-5643 (`expiresAt` = the end of the paid use right,
///         `cancelSubscription` = give notice, `renewSubscription` = revoke the notice) and ERC-4907 (`userOf` =
///         who may operate the machine). Lease tokens are bound to the lessee: mint only.
/// @dev Abstract: part of {MachineLease}.
abstract contract MachineLeaseTokens is MachineLeaseBase, IERC4907, IERC5643 {
    /// @notice The lessee gave notice; the lease ends at `endAt`.
    event NoticeGiven(uint256 indexed leaseId, uint64 endAt);
    /// @notice The lessee withdrew its notice.
    event NoticeRevoked(uint256 indexed leaseId);

    error NoticeAlreadyGiven(uint256 leaseId, uint64 endAt);
    error NoNotice(uint256 leaseId);
    error NoticeRunOut(uint256 leaseId, uint64 endAt);
    error UseRightExpired(uint256 leaseId);
    error LeaseNotTransferable(uint256 leaseId);

    // --- notice and use right --------------------------------------------------------------------------------

    /// @notice Give notice: the lease ends at the first period boundary after both the notice period and the
    ///         minimum term have run.
    /// @param leaseId The lease (caller: its lessee).
    function giveNotice(uint256 leaseId) public {
        Lease storage l = _runningLease(leaseId);
        if (ownerOf(leaseId) != msg.sender) revert NotLessee(leaseId, msg.sender);
        if (l.endAt != 0) revert NoticeAlreadyGiven(leaseId, l.endAt);
        Plan storage p = _plans[l.planId];
        uint256 start = l.startedAt;
        uint256 target = block.timestamp + p.notice;
        if (start + p.minTerm > target) target = start + p.minTerm;
        uint256 periods = Math.ceilDiv(target - start, p.period);
        uint64 endAt = uint64(start + periods * p.period);
        if (endAt < l.nextBillAt) endAt = l.nextBillAt;
        l.endAt = uint40(endAt);
        emit NoticeGiven(leaseId, endAt);
        emit SubscriptionUpdate(leaseId, _expires(l, p.grace));
    }

    /// @notice ERC-5643 cancellation: the same as {giveNotice}.
    /// @param tokenId The lease.
    function cancelSubscription(uint256 tokenId) external {
        giveNotice(tokenId);
    }

    /// @notice ERC-5643 renewal: the subscription renews itself every paid period, so renewing withdraws a notice
    ///         given earlier, before its end date.
    /// @param tokenId The lease (caller: its lessee).
    /// @param duration Ignored: the term runs by periods until notice.
    function renewSubscription(uint256 tokenId, uint64 duration) external {
        duration; // the term runs by periods
        Lease storage l = _runningLease(tokenId);
        if (ownerOf(tokenId) != msg.sender) revert NotLessee(tokenId, msg.sender);
        uint64 endAt = l.endAt;
        if (endAt == 0) revert NoNotice(tokenId);
        if (block.timestamp >= endAt) revert NoticeRunOut(tokenId, endAt);
        l.endAt = 0;
        emit NoticeRevoked(tokenId);
        emit SubscriptionUpdate(tokenId, _expires(l, _plans[l.planId].grace));
    }

    /// @notice ERC-4907: the lessee (or an address it approved) names who operates the machine, up to an expiry;
    ///         the use right never outlasts the paid period. The lessor cannot call this.
    /// @param tokenId The lease.
    /// @param user The operator (zero to clear).
    /// @param expires Latest end of that user's right.
    function setUser(uint256 tokenId, address user, uint64 expires) external {
        Lease storage l = _leases[tokenId];
        Status status = l.status;
        if (status == Status.None) revert UnknownLease(tokenId);
        address holder = _ownerOf(tokenId);
        if (!_isAuthorized(holder, msg.sender, tokenId)) revert NotLessee(tokenId, msg.sender);
        if (status != Status.Active && status != Status.Late) revert LeaseNotRunning(tokenId, status);
        uint64 leaseExpires = _expires(l, _plans[l.planId].grace);
        if (block.timestamp >= leaseExpires) revert UseRightExpired(tokenId);
        l.user = user;
        l.userCap = expires > type(uint40).max ? type(uint40).max : uint40(expires);
        emit UpdateUser(tokenId, user, user == address(0) ? 0 : (expires < leaseExpires ? expires : leaseExpires));
    }

    // --- views -----------------------------------------------------------------------------------------------

    /// @notice Who holds a lease and its use right, in one call (for statements and keepers).
    /// @param leaseId The lease.
    /// @return lessee The lease token's holder (zero if none).
    /// @return user As {userOf}.
    /// @return userExpiry As {userExpires}.
    /// @return expires As {expiresAt} (0 for an unknown lease).
    function useRightOf(uint256 leaseId)
        external
        view
        returns (address lessee, address user, uint64 userExpiry, uint64 expires)
    {
        Lease storage l = _leases[leaseId];
        if (l.status == Status.None) return (address(0), address(0), 0, 0);
        userExpiry = _userExpires(l);
        user = block.timestamp < userExpiry ? l.user : address(0);
        return (_ownerOf(leaseId), user, userExpiry, _expires(l, _plans[l.planId].grace));
    }

    /// @notice ERC-4907: who may operate the machine now (zero when suspended, ended or expired).
    /// @param tokenId The lease.
    /// @return The user.
    function userOf(uint256 tokenId) external view returns (address) {
        Lease storage l = _leases[tokenId];
        if (block.timestamp >= _userExpires(l)) return address(0);
        return l.user;
    }

    /// @notice ERC-4907: when the current user's right ends (0 if there is none).
    /// @param tokenId The lease.
    /// @return Unix time.
    function userExpires(uint256 tokenId) external view returns (uint256) {
        return _userExpires(_leases[tokenId]);
    }

    /// @notice ERC-5643: the end of the paid use right (end of the period billed next plus grace, or the grace end
    ///         of an unpaid bill, or the end date of an ended lease).
    /// @param tokenId The lease.
    /// @return Unix time.
    function expiresAt(uint256 tokenId) external view returns (uint64) {
        Lease storage l = _leases[tokenId];
        if (l.status == Status.None) revert UnknownLease(tokenId);
        return _expires(l, _plans[l.planId].grace);
    }

    /// @notice ERC-5643: a lease is renewable while it runs with a notice pending and its end date ahead.
    /// @param tokenId The lease.
    /// @return True if {renewSubscription} would withdraw a notice.
    function isRenewable(uint256 tokenId) external view returns (bool) {
        Lease storage l = _leases[tokenId];
        Status status = l.status;
        return l.endAt != 0 && block.timestamp < l.endAt
            && (status == Status.Active || status == Status.Late || status == Status.Suspended);
    }

    /// @notice ERC-165: ERC-721, ERC-4907 and ERC-5643.
    /// @param interfaceId The interface id.
    /// @return True if supported.
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return interfaceId == type(IERC4907).interfaceId || interfaceId == type(IERC5643).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // --- internals -------------------------------------------------------------------------------------------

    /// @dev Lease tokens are bound to the lessee: mint only.
    function _update(address to, uint256 tokenId, address auth) internal virtual override returns (address) {
        address from = super._update(to, tokenId, auth);
        if (from != address(0)) revert LeaseNotTransferable(tokenId);
        return from;
    }

    function _userExpires(Lease storage l) internal view returns (uint64) {
        Status status = l.status;
        if (l.user == address(0) || (status != Status.Active && status != Status.Late)) return 0;
        uint64 e = _expires(l, _plans[l.planId].grace);
        uint64 cap = l.userCap;
        return cap < e ? cap : e;
    }

    /// @dev ERC-4907 and ERC-5643 events for a new expiry (the user's own cap applies to its use right).
    function _emitUseRight(uint256 leaseId, Lease storage l, uint64 expires) internal {
        address user = l.user;
        uint64 cap = l.userCap;
        emit UpdateUser(leaseId, user, user == address(0) ? 0 : (cap < expires ? cap : expires));
        emit SubscriptionUpdate(leaseId, expires);
    }
}
