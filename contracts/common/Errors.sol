// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev The custom errors several S4 contracts raise, declared once so that one meaning has one selector (and
///      one decoding) everywhere. Import the ones a contract uses: `import {ZeroAddress} from "../common/Errors.sol";`.
///      Errors only one contract raises stay in that contract.

/// @notice A required address (admin, token, recipient, device...) is the zero address.
error ZeroAddress();

/// @notice An amount (payment, quantity, mass, distance, milestone...) that must be positive is zero.
error ZeroAmount();

/// @notice `account` has nothing to withdraw.
error NothingToWithdraw(address account);

/// @notice Sending `amount` wei to `to` failed.
error EtherTransferFailed(address to, uint256 amount);
