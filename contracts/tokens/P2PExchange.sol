// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EtherTransferFailed, NothingToWithdraw, ZeroAmount} from "../common/Errors.sol";

/// @title P2PExchange
/// @notice Peer-to-peer offers between people's tokens (any ERC-20, the UC1 SME tokens included): a maker escrows
///         X of token A and asks Y of token B, or Y wei of ether (B = address(0)). Takers fill any part at the
///         offer's exact rate, the price rounded up (in the maker's favour, never something for nothing). ERC-20
///         proceeds go from the taker straight to the maker in the same transaction; ether proceeds are credited
///         and pulled by the maker (`withdraw`). The maker cancels the rest at any time and gets the escrow back.
///         No admin, no fee: nothing here is privileged.
contract P2PExchange is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Three slots, each an address and a 96-bit amount (up to 7.9e28 units: 79 billion tokens of 18
    ///      decimals per offer; larger offers are split). Fills write only the first slot.
    struct Offer {
        address maker;
        uint96 remaining; // the part of X still escrowed and on offer
        address sellToken;
        uint96 sellAmount; // X, as offered (with buyAmount, the rate)
        address buyToken; // address(0): ether
        uint96 buyAmount; // Y, asked for all of X
    }

    /// @notice How many offers were made; offer ids run from 1 to offerCount.
    uint256 public offerCount;
    mapping(uint256 offerId => Offer) private _offers;
    /// @notice Whether the maker cancelled an offer (written by `cancel` only, so that offers stay three slots).
    mapping(uint256 offerId => bool) public isCancelled;
    /// @notice Ether proceeds each maker can withdraw.
    mapping(address maker => uint256) public proceedsOf;
    /// @notice Total ether owed to makers (the exchange's ether balance covers it).
    uint256 public totalProceeds;

    /// @notice An amount is zero.
    /// @notice An amount does not fit in 96 bits.
    error AmountTooLarge(uint256 amount);
    /// @notice The sold token is the zero address (ether cannot be offered, only asked for).
    error InvalidToken();
    /// @notice The offer would exchange a token for itself.
    error SameToken(address token);
    /// @notice The token delivered less than was transferred (fee-on-transfer tokens are not supported).
    error UnsupportedToken(address token, uint256 expected, uint256 received);
    /// @notice The offer does not exist, is cancelled or is completely filled.
    error OfferNotOpen(uint256 offerId);
    /// @notice Only the offer's maker may do this.
    error NotMaker(uint256 offerId, address caller);
    /// @notice The fill asks for more than the offer has left.
    error FillExceedsRemaining(uint256 offerId, uint256 requested, uint256 remaining);
    /// @notice The ether sent is not the price.
    error WrongEtherValue(uint256 expected, uint256 sent);
    /// @notice The maker has no ether proceeds to withdraw.
    /// @notice Sending ether to the maker failed.

    /// @notice An offer was made and its `sellAmount` escrowed.
    event OfferCreated(
        uint256 indexed offerId,
        address indexed maker,
        address indexed sellToken,
        address buyToken,
        uint256 sellAmount,
        uint256 buyAmount
    );
    /// @notice A taker bought `amount` of the sold token for `paid` of the asked token (or wei).
    event OfferFilled(
        uint256 indexed offerId, address indexed taker, address indexed maker, uint256 amount, uint256 paid, uint256 remaining
    );
    /// @notice The maker cancelled an offer; `refunded` of the sold token went back to the maker.
    event OfferCancelled(uint256 indexed offerId, address indexed maker, uint256 refunded);
    /// @notice A maker's ether proceeds were credited by a fill.
    event ProceedsCredited(address indexed maker, uint256 amount);
    /// @notice A maker withdrew their ether proceeds.
    event Withdrawn(address indexed maker, uint256 amount);

    /// @notice Offer `sellAmount` of `sellToken` for `buyAmount` of `buyToken` (address(0): wei). The sold tokens
    ///         are escrowed here (the caller must have approved this contract).
    /// @param sellToken The ERC-20 offered.
    /// @param sellAmount X, in the sold token's smallest unit.
    /// @param buyToken The ERC-20 asked for, or address(0) for ether.
    /// @param buyAmount Y, the price of all of X, in the asked token's smallest unit (or wei).
    /// @return offerId The new offer's id.
    function makeOffer(address sellToken, uint256 sellAmount, address buyToken, uint256 buyAmount)
        external
        nonReentrant
        returns (uint256 offerId)
    {
        if (sellToken == address(0)) revert InvalidToken();
        if (sellToken == buyToken) revert SameToken(sellToken);
        if (sellAmount == 0 || buyAmount == 0) revert ZeroAmount();
        if (sellAmount > type(uint96).max) revert AmountTooLarge(sellAmount);
        if (buyAmount > type(uint96).max) revert AmountTooLarge(buyAmount);

        offerId = ++offerCount;
        _offers[offerId] = Offer({
            maker: msg.sender,
            remaining: uint96(sellAmount),
            sellToken: sellToken,
            sellAmount: uint96(sellAmount),
            buyToken: buyToken,
            buyAmount: uint96(buyAmount)
        });
        emit OfferCreated(offerId, msg.sender, sellToken, buyToken, sellAmount, buyAmount);

        // Interaction last; the guard and the balance check make the escrow exact (no fee-on-transfer token).
        IERC20 token = IERC20(sellToken);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), sellAmount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != sellAmount) revert UnsupportedToken(sellToken, sellAmount, received);
    }

    /// @notice Buy `amount` of an offer's sold token at its rate; pay `priceOf(offerId, amount)` (rounded up) of
    ///         the asked token (approved to this contract, paid straight to the maker) or exactly that in wei.
    /// @param offerId The offer.
    /// @param amount How much of the sold token to buy, in its smallest unit (at most what remains).
    /// @return paid What the taker paid.
    function fill(uint256 offerId, uint256 amount) external payable nonReentrant returns (uint256 paid) {
        Offer storage offer = _offers[offerId];
        uint256 remaining = offer.remaining;
        if (remaining == 0) revert OfferNotOpen(offerId);
        if (amount == 0) revert ZeroAmount();
        if (amount > remaining) revert FillExceedsRemaining(offerId, amount, remaining);

        address maker = offer.maker;
        address buyToken = offer.buyToken;
        paid = Math.mulDiv(amount, offer.buyAmount, offer.sellAmount, Math.Rounding.Ceil);
        unchecked {
            remaining -= amount;
        }
        offer.remaining = uint96(remaining);
        emit OfferFilled(offerId, msg.sender, maker, amount, paid, remaining);

        if (buyToken == address(0)) {
            if (msg.value != paid) revert WrongEtherValue(paid, msg.value);
            proceedsOf[maker] += paid;
            totalProceeds += paid;
            emit ProceedsCredited(maker, paid);
        } else {
            if (msg.value != 0) revert WrongEtherValue(0, msg.value);
            IERC20(buyToken).safeTransferFrom(msg.sender, maker, paid);
        }
        IERC20(offer.sellToken).safeTransfer(msg.sender, amount);
    }

    /// @notice Cancel an open offer (partly filled or not) and get the remaining escrow back. Only the maker.
    /// @param offerId The offer.
    /// @return refunded The amount of the sold token returned to the maker.
    function cancel(uint256 offerId) external nonReentrant returns (uint256 refunded) {
        Offer storage offer = _offers[offerId];
        refunded = offer.remaining;
        if (refunded == 0) revert OfferNotOpen(offerId);
        if (offer.maker != msg.sender) revert NotMaker(offerId, msg.sender);
        offer.remaining = 0;
        isCancelled[offerId] = true;
        emit OfferCancelled(offerId, msg.sender, refunded);
        IERC20(offer.sellToken).safeTransfer(msg.sender, refunded);
    }

    /// @notice Withdraw all of the caller's ether proceeds (pull payment).
    /// @return amount The wei sent.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = proceedsOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        proceedsOf[msg.sender] = 0;
        totalProceeds -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert EtherTransferFailed(msg.sender, amount);
    }

    /// @notice An offer's terms and state.
    /// @param offerId The offer.
    /// @return maker The maker (address(0) if the offer does not exist).
    /// @return sellToken The token offered.
    /// @return buyToken The token asked for (address(0): ether).
    /// @return sellAmount X as offered.
    /// @return buyAmount Y asked for all of X.
    /// @return remaining What is left on offer (and escrowed).
    /// @return cancelled Whether the maker cancelled it.
    function getOffer(uint256 offerId)
        external
        view
        returns (
            address maker,
            address sellToken,
            address buyToken,
            uint256 sellAmount,
            uint256 buyAmount,
            uint256 remaining,
            bool cancelled
        )
    {
        Offer storage o = _offers[offerId];
        maker = o.maker;
        sellToken = o.sellToken;
        buyToken = o.buyToken;
        sellAmount = o.sellAmount;
        buyAmount = o.buyAmount;
        remaining = o.remaining;
        cancelled = isCancelled[offerId];
    }

    /// @notice What a taker pays for `amount` of an offer's sold token (rounded up, in the maker's favour).
    /// @param offerId The offer.
    /// @param amount The amount of the sold token.
    /// @return The price in the asked token's smallest unit (or wei).
    function priceOf(uint256 offerId, uint256 amount) external view returns (uint256) {
        Offer storage o = _offers[offerId];
        if (o.sellAmount == 0) revert OfferNotOpen(offerId);
        return Math.mulDiv(amount, o.buyAmount, o.sellAmount, Math.Rounding.Ceil);
    }
}
