// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title SmeToken
/// @notice The token an SME issues in its sale (UC1): an 18-decimal ERC-20 with a hard supply cap, ERC-2612
///         permit and burning. Only holders of MINTER_ROLE (the sale, and whoever mints the team allocation)
///         create tokens, never beyond the cap.
contract SmeToken is ERC20, ERC20Burnable, ERC20Capped, ERC20Permit, AccessControl {
    /// @notice The role allowed to mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param cap_ Maximum total supply, in token base units (10^-18 token).
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants MINTER_ROLE to the sale).
    constructor(string memory name_, string memory symbol_, uint256 cap_, address admin)
        ERC20(name_, symbol_)
        ERC20Capped(cap_)
        ERC20Permit(name_)
    {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Create `amount` tokens for `to`; reverts with ERC20ExceededCap beyond the cap.
    /// @param to Receiver of the new tokens.
    /// @param amount Amount in token base units.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Capped) {
        super._update(from, to, value);
    }
}
