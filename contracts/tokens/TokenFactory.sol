// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PersonalToken} from "./PersonalToken.sol";

/// @title TokenFactory
/// @notice Anyone creates their own ERC-20 (PersonalToken): name, symbol, initial supply to the creator, optional
///         cap. The factory counts the tokens it made and lists each creator's tokens (paged reads).
contract TokenFactory {
    /// @notice How many tokens this factory has created.
    uint256 public tokenCount;
    /// @notice Whether a token was created by this factory.
    mapping(address token => bool) public isFactoryToken;
    mapping(address creator => address[]) private _tokensOf;

    /// @notice A page of a read is larger than MAX_PAGE.
    error PageTooLarge(uint256 limit, uint256 max);

    /// @notice The largest page `tokensOf` returns.
    uint256 public constant MAX_PAGE = 100;

    /// @notice Emitted for every new token.
    event TokenCreated(
        address indexed token,
        address indexed creator,
        string name,
        string symbol,
        uint256 initialSupply,
        uint256 cap,
        uint256 index
    );

    /// @notice Create a PersonalToken owned by the caller.
    /// @param name The token's name.
    /// @param symbol The token's symbol.
    /// @param initialSupply The supply minted to the caller, in the smallest unit (18 decimals).
    /// @param cap The maximum total supply (0 = uncapped); the caller may mint up to it.
    /// @return token The new token's address.
    function createToken(string calldata name, string calldata symbol, uint256 initialSupply, uint256 cap)
        external
        returns (address token)
    {
        token = address(new PersonalToken(name, symbol, msg.sender, initialSupply, cap));
        uint256 index = tokenCount;
        tokenCount = index + 1;
        isFactoryToken[token] = true;
        _tokensOf[msg.sender].push(token);
        emit TokenCreated(token, msg.sender, name, symbol, initialSupply, cap, index);
    }

    /// @notice How many tokens `creator` has created here.
    /// @param creator The creator.
    /// @return The number of tokens.
    function tokenCountOf(address creator) external view returns (uint256) {
        return _tokensOf[creator].length;
    }

    /// @notice A page of the tokens `creator` has created, oldest first.
    /// @param creator The creator.
    /// @param offset The index of the first token of the page.
    /// @param limit The page size, at most MAX_PAGE.
    /// @return page The tokens' addresses (fewer than `limit` at the end of the list).
    function tokensOf(address creator, uint256 offset, uint256 limit) external view returns (address[] memory page) {
        if (limit > MAX_PAGE) revert PageTooLarge(limit, MAX_PAGE);
        address[] storage all = _tokensOf[creator];
        uint256 length = all.length;
        if (offset >= length) return new address[](0);
        uint256 end = offset + limit > length ? length : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = all[i];
        }
    }
}
