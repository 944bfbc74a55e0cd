// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {VestingWalletCliff} from "@openzeppelin/contracts/finance/VestingWalletCliff.sol";

/// @title TeamVesting
/// @notice Holds the SME team's token allocation: nothing before the cliff, then linear vesting until
///         `start + duration`. Anyone may call `release(token)`; the tokens go to the beneficiary (the owner).
contract TeamVesting is VestingWalletCliff {
    /// @param beneficiary Receives the vested tokens (and owns the wallet).
    /// @param startTimestamp When vesting starts (unix seconds).
    /// @param durationSeconds Length of the vesting, in seconds.
    /// @param cliffSeconds Length of the cliff from `startTimestamp`, in seconds (at most the duration).
    constructor(address beneficiary, uint64 startTimestamp, uint64 durationSeconds, uint64 cliffSeconds)
        VestingWallet(beneficiary, startTimestamp, durationSeconds)
        VestingWalletCliff(cliffSeconds)
    {}
}
