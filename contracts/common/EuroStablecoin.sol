// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title EuroStablecoin
/// @notice A euro stablecoin for local test chains (6 decimals, like EURC): the payment currency of every
///         S4 use case. Only holders of MINTER_ROLE create coins; anyone burns their own.
contract EuroStablecoin is ERC20, ERC20Permit, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin Receives the admin and minter roles.
    constructor(address admin) ERC20("Euro Stablecoin (test)", "tEUR") ERC20Permit("Euro Stablecoin (test)") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Create `amount` coins (in 10^-6 euro) for `to`.
    /// @dev Emits {Transfer} from the zero address.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Destroy `amount` of the caller's coins.
    /// @dev Emits {Transfer} to the zero address.
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }
}
