// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-5643: subscription NFTs (interface id 0x8c65f84d)
/// @notice The standard declares renew/cancel `payable`; this project pays in a stablecoin, so they are non-payable
///         here. Mutability is not part of a selector, so the interface id is the same.
interface IERC5643 {
    /// @notice A subscription's expiry changed.
    event SubscriptionUpdate(uint256 indexed tokenId, uint64 expiration);

    /// @notice Renew a subscription.
    /// @param tokenId The subscription token.
    /// @param duration Requested extension in seconds.
    function renewSubscription(uint256 tokenId, uint64 duration) external;

    /// @notice Cancel a subscription.
    /// @param tokenId The subscription token.
    function cancelSubscription(uint256 tokenId) external;

    /// @notice When a subscription expires.
    /// @param tokenId The subscription token.
    /// @return Unix time of the expiry.
    function expiresAt(uint256 tokenId) external view returns (uint64);

    /// @notice Whether a subscription can be renewed.
    /// @param tokenId The subscription token.
    /// @return True if renewable.
    function isRenewable(uint256 tokenId) external view returns (bool);
}
