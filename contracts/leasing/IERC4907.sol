// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-4907: rental NFT, an extension of ERC-721 (interface id 0xad092b5c)
/// @notice A token's "user" holds a time-limited use right distinct from ownership.
interface IERC4907 {
    /// @notice The user or the expiry of a token's use right changed.
    event UpdateUser(uint256 indexed tokenId, address indexed user, uint64 expires);

    /// @notice Set the user of a token and when the use right expires.
    /// @param tokenId The token.
    /// @param user The new user (zero to clear).
    /// @param expires Unix time when the use right ends.
    function setUser(uint256 tokenId, address user, uint64 expires) external;

    /// @notice The current user of a token (zero if none or expired).
    /// @param tokenId The token.
    /// @return The user.
    function userOf(uint256 tokenId) external view returns (address);

    /// @notice When the use right of a token ends.
    /// @param tokenId The token.
    /// @return Unix time of the expiry.
    function userExpires(uint256 tokenId) external view returns (uint256);
}
