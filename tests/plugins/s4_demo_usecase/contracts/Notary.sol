// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title Notary: the use case a package outside s4chain adds (docs/architecture.md, "Adding a use case")
/// @notice Authorised authors record the hash of a document once; the chain then tells who recorded it and when.
contract Notary is AccessControl {
    /// @notice Authors: may notarise documents.
    bytes32 public constant NOTARY_ROLE = keccak256("NOTARY_ROLE");

    struct Entry {
        address author;
        uint64 at;
    }

    /// @notice What this notary's documents are, e.g. "maintenance reports".
    string public title;
    /// @notice How many documents were notarised.
    uint256 public count;
    mapping(bytes32 digest => Entry) private _entries;

    /// @notice `author` notarised the document whose hash is `digest` at time `at`.
    event Notarised(bytes32 indexed digest, address indexed author, uint64 at);

    /// @notice The document was notarised before.
    error AlreadyNotarised(bytes32 digest);
    /// @notice A zero hash is no document's.
    error ZeroDigest();

    /// @param admin Grants and revokes NOTARY_ROLE.
    /// @param title_ What the notarised documents are.
    constructor(address admin, string memory title_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        title = title_;
    }

    /// @notice Record `digest` as notarised by the caller now (NOTARY_ROLE; once per digest).
    /// @param digest The document's hash.
    function notarise(bytes32 digest) external onlyRole(NOTARY_ROLE) {
        if (digest == bytes32(0)) revert ZeroDigest();
        Entry storage entry = _entries[digest];
        if (entry.author != address(0)) revert AlreadyNotarised(digest);
        entry.author = msg.sender;
        entry.at = uint64(block.timestamp);
        unchecked {
            ++count; // at most one per distinct digest: never near 2**256
        }
        emit Notarised(digest, msg.sender, uint64(block.timestamp));
    }

    /// @notice Who notarised `digest` and when (zero address and 0 when nobody did).
    /// @param digest The document's hash.
    /// @return author The account that notarised it.
    /// @return at When it was notarised (unix seconds).
    function entryOf(bytes32 digest) external view returns (address author, uint64 at) {
        Entry storage entry = _entries[digest];
        return (entry.author, entry.at);
    }
}
