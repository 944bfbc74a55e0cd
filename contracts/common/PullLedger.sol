// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {NothingToWithdraw} from "./Errors.sol";

/// @title PullLedger
/// @dev The one way the S4 contracts empty a payee's pull balance (earnings, refunds, credits) before
///      paying it out: effects first, the transfer is the caller's last step.
library PullLedger {
    /// @dev Empties the caller's entry of `ledger` and returns it; reverts with {NothingToWithdraw} when it is empty.
    function takeAll(mapping(address => uint256) storage ledger) internal returns (uint256 amount) {
        amount = ledger[msg.sender];
        // slither-disable-next-line incorrect-equality,timestamp (an empty pull balance, not a time or a token balance)
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        ledger[msg.sender] = 0;
    }
}
