// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title PersonalToken
/// @notice An ERC-20 (with ERC-2612 permit) that anyone can issue through the TokenFactory: a maker-space member's
///         machine-time credits, an artist's token. The initial supply goes to the creator; the creator (holder of
///         MINTER_ROLE) may mint more, up to an optional cap (0 = uncapped).
contract PersonalToken is ERC20, ERC20Permit, AccessControl {
    /// @notice The role allowed to mint new tokens (granted to the creator).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The maximum total supply, in the smallest unit; 0 means uncapped.
    uint256 public immutable cap;
    /// @notice Who issued the token.
    address public immutable creator;

    /// @notice The initial supply exceeds the cap, or a mint would.
    error CapExceeded(uint256 supplyAfter, uint256 cap);
    /// @notice The creator is the zero address.
    error InvalidCreator();

    /// @notice Emitted when the minter creates new tokens (the Transfer event from 0 follows too).
    event Minted(address indexed by, address indexed to, uint256 amount);

    /// @param name_ The token's name.
    /// @param symbol_ The token's symbol.
    /// @param creator_ The issuer: receives the initial supply, MINTER_ROLE and the admin role.
    /// @param initialSupply The supply minted to the creator, in the smallest unit (18 decimals).
    /// @param cap_ The maximum total supply (0 = uncapped).
    constructor(string memory name_, string memory symbol_, address creator_, uint256 initialSupply, uint256 cap_)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (creator_ == address(0)) revert InvalidCreator();
        if (cap_ != 0 && initialSupply > cap_) revert CapExceeded(initialSupply, cap_);
        cap = cap_;
        creator = creator_;
        _grantRole(DEFAULT_ADMIN_ROLE, creator_);
        _grantRole(MINTER_ROLE, creator_);
        if (initialSupply != 0) _mint(creator_, initialSupply);
    }

    /// @notice Mint `amount` new tokens to `to`, within the cap. Only MINTER_ROLE.
    /// @param to The receiver.
    /// @param amount The amount, in the smallest unit.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        uint256 supplyAfter = totalSupply() + amount;
        uint256 cap_ = cap;
        if (cap_ != 0 && supplyAfter > cap_) revert CapExceeded(supplyAfter, cap_);
        emit Minted(msg.sender, to, amount);
        _mint(to, amount);
    }

    /// @notice How many more tokens can be minted (type(uint256).max minus the supply when uncapped).
    /// @return The remaining mintable amount, in the smallest unit.
    function mintable() external view returns (uint256) {
        uint256 cap_ = cap == 0 ? type(uint256).max : cap;
        return cap_ - totalSupply();
    }
}
