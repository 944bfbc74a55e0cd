// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title InvestorRegistry
/// @notice The platform's record of checked investors (KYC): verified or not, retail or sophisticated, declared
///         net worth in euro units (10^-6 EUR), and the risk acknowledgment each investor records themself.
///         Sales read one packed slot per buyer through {profile}.
contract InvestorRegistry is AccessControl {
    /// @notice The role allowed to verify and unverify investors (the platform's KYC desk).
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");

    /// @notice An investor's record, one storage slot.
    /// @param verified The platform checked the investor and lets them buy.
    /// @param retail Retail (true) or sophisticated (false) investor, as in Regulation (EU) 2020/1503 art. 2.
    /// @param acknowledged The investor recorded the risk acknowledgment themself.
    /// @param verifiedAt When the record was last written by a verifier (unix seconds).
    /// @param netWorth Declared net worth, in euro units (10^-6 EUR).
    struct Profile {
        bool verified;
        bool retail;
        bool acknowledged;
        uint64 verifiedAt;
        uint128 netWorth;
    }

    mapping(address investor => Profile) private _profiles;

    /// @notice An investor was verified, or their record updated.
    event InvestorVerified(address indexed investor, bool retail, uint256 netWorth, address indexed verifier);
    /// @notice An investor's verification was withdrawn.
    event InvestorUnverified(address indexed investor, address indexed verifier);
    /// @notice An investor recorded that they understand the risks.
    event RiskAcknowledged(address indexed investor);

    /// @notice The zero address cannot be an investor.
    error InvalidInvestor();
    /// @notice The investor is not verified.
    error InvestorNotVerified(address investor);
    /// @notice The net worth does not fit the record.
    error NetWorthTooLarge(uint256 netWorth);

    /// @param admin Receives DEFAULT_ADMIN_ROLE and VERIFIER_ROLE (the platform).
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(VERIFIER_ROLE, admin);
    }

    /// @notice Verify `investor` (or update their record); keeps an acknowledgment already recorded.
    /// @param investor The investor's address.
    /// @param retail True for a retail investor, false for a sophisticated one.
    /// @param netWorth Declared net worth, in euro units (10^-6 EUR).
    function verify(address investor, bool retail, uint256 netWorth) external onlyRole(VERIFIER_ROLE) {
        if (investor == address(0)) revert InvalidInvestor();
        if (netWorth > type(uint128).max) revert NetWorthTooLarge(netWorth);
        Profile storage p = _profiles[investor];
        p.verified = true;
        p.retail = retail;
        p.verifiedAt = uint64(block.timestamp);
        p.netWorth = uint128(netWorth);
        emit InvestorVerified(investor, retail, netWorth, msg.sender);
    }

    /// @notice Withdraw `investor`'s verification: they can no longer buy (their open purchases stand).
    /// @param investor The investor's address.
    function unverify(address investor) external onlyRole(VERIFIER_ROLE) {
        if (!_profiles[investor].verified) revert InvestorNotVerified(investor);
        _profiles[investor].verified = false;
        emit InvestorUnverified(investor, msg.sender);
    }

    /// @notice Record, as the investor, that you understand the risks of investing beyond the retail limit.
    function acknowledgeRisk() external {
        _profiles[msg.sender].acknowledged = true;
        emit RiskAcknowledged(msg.sender);
    }

    /// @notice The record of `investor` (all zero when unknown).
    /// @param investor The investor's address.
    /// @return The investor's profile.
    function profile(address investor) external view returns (Profile memory) {
        return _profiles[investor];
    }

    /// @notice Whether `investor` is verified.
    /// @param investor The investor's address.
    /// @return True when verified.
    function isVerified(address investor) external view returns (bool) {
        return _profiles[investor].verified;
    }
}
