// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {EuroStablecoin} from "s4/common/EuroStablecoin.sol";
import {ZeroAmount, NothingToWithdraw} from "s4/common/Errors.sol";
import {InvestorRegistry} from "s4/ico/InvestorRegistry.sol";
import {IssuerCapLedger} from "s4/ico/IssuerCapLedger.sol";
import {SmeToken} from "s4/ico/SmeToken.sol";
import {TeamVesting} from "s4/ico/TeamVesting.sol";
import {TokenSale} from "s4/ico/TokenSale.sol";
import {vm} from "./Cheats.sol";

/// @dev The 50-case token-sale suite of the Foundry comparison (issue 16, goal 6). Its twin,
///      benchmarks/foundry/test_token_sale.py, runs the same cases, by the same names, on s4chain; keep them in step
///      (tests/quality/test_foundry_twin.py checks the names).
contract TokenSaleTest {
    uint256 constant E = 1e6; // one euro in stablecoin units
    uint256 constant RATE = 2e12; // token base units per euro unit: 2 tokens per euro
    uint256 constant TEAM = 1_000_000e18;
    uint64 constant DAY = 1 days;
    uint64 constant REFLECTION = 4 days;

    address platform = address(0x1001);
    address sme = address(0x1002);
    address team = address(0x1003);
    address alice = address(0x1004); // retail, net worth EUR 100,000: limit EUR 5,000
    address bob = address(0x1005); // retail, net worth EUR 10,000: limit EUR 1,000
    address carol = address(0x1006); // sophisticated
    address dave = address(0x1007); // funded, not verified
    address eve = address(0x1008); // outsider

    EuroStablecoin coin;
    InvestorRegistry registry;
    IssuerCapLedger ledger;
    SmeToken token;
    TeamVesting vesting;
    TokenSale sale;
    uint64 opening;
    uint64 closing;

    function setUp() public {
        opening = uint64(block.timestamp) + DAY;
        closing = opening + 30 * DAY;
        vm.prank(platform);
        coin = new EuroStablecoin(platform);
        vm.prank(platform);
        registry = new InvestorRegistry(platform);
        vm.prank(platform);
        ledger = new IssuerCapLedger(platform, 5_000_000 * E);
        vm.prank(sme);
        token = new SmeToken("Usinage Martin Token", "UMT", 10_000_000e18, sme);
        vm.prank(sme);
        vesting = new TeamVesting(team, closing, 3 * 365 * DAY, 365 * DAY);
        TokenSale.Config memory c = TokenSale.Config({
            stablecoin: coin,
            token: token,
            registry: registry,
            ledger: ledger,
            issuer: sme,
            platform: platform,
            teamVesting: address(vesting),
            rate: RATE,
            goal: 10_000 * E,
            hardCap: 50_000 * E,
            openingTime: opening,
            closingTime: closing,
            minPerInvestor: 100 * E,
            maxPerInvestor: 20_000 * E,
            reflectionPeriod: REFLECTION,
            eurPerEth: 2_000 * E,
            feeBps: 250,
            whitePaperHash: bytes32(0),
            teamAllocation: TEAM
        });
        vm.prank(sme);
        sale = new TokenSale(c);
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(sme);
        token.grantRole(minter, address(sale));
        vm.prank(platform);
        ledger.registerOffer(address(sale));
        _verify(alice, true, 100_000 * E);
        _verify(bob, true, 10_000 * E);
        _verify(carol, false, 2_000_000 * E);
        address[4] memory funded = [alice, bob, carol, dave];
        for (uint256 i; i < funded.length; ++i) {
            vm.prank(platform);
            coin.mint(funded[i], 30_000 * E);
            vm.deal(funded[i], 100 ether);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    function _verify(address who, bool retail, uint256 netWorth) internal {
        vm.prank(platform);
        registry.verify(who, retail, netWorth);
    }

    function _approve(address who, uint256 amount) internal {
        vm.prank(who);
        coin.approve(address(sale), amount);
    }

    function _buy(address who, uint256 amount) internal {
        _approve(who, amount);
        vm.prank(who);
        sale.buy(amount);
    }

    function _buyReverts(address who, uint256 amount, bytes memory err) internal {
        _approve(who, amount);
        vm.prank(who);
        vm.expectRevert(err);
        sale.buy(amount);
    }

    function _fundSophisticated(address who) internal {
        _verify(who, false, 10_000_000 * E);
        vm.prank(platform);
        coin.mint(who, 20_000 * E);
    }

    function _finalise() internal {
        vm.warp(closing + 1);
        vm.prank(eve);
        sale.finalise();
    }

    function _succeed() internal {
        vm.warp(opening);
        _buy(carol, 20_000 * E);
        _finalise();
    }

    function _fail() internal {
        vm.warp(opening);
        _buy(carol, 5_000 * E);
        _finalise();
    }

    function _eq(uint256 a, uint256 b) internal pure {
        require(a == b, "not equal");
    }

    // --- deployment ------------------------------------------------------------------------------------------

    function test_deployment_state() public view {
        TokenSale.Status memory s = sale.status();
        require(s.registered && !s.paused && !s.finalised, "state");
        _eq(s.raised, 0);
        _eq(sale.goal(), 10_000 * E);
        _eq(sale.hardCap(), 50_000 * E);
        _eq(sale.rate(), RATE);
    }

    function test_token_minted_to_sale() public view {
        _eq(token.balanceOf(address(sale)), 50_000 * E * RATE + TEAM);
    }

    function test_roles() public view {
        require(sale.hasRole(bytes32(0), platform), "admin");
        require(sale.hasRole(sale.PAUSER_ROLE(), platform), "pauser");
        require(sale.hasRole(sale.ISSUER_ROLE(), sme), "issuer");
        require(!sale.hasRole(sale.ISSUER_ROLE(), platform), "platform is no issuer");
    }


    // --- the sale window -------------------------------------------------------------------------------------

    function test_buy_before_opening_reverts() public {
        vm.warp(opening - 1);
        _buyReverts(carol, 500 * E, abi.encodeWithSelector(TokenSale.SaleNotOpen.selector, opening, closing));
    }

    function test_buy_at_opening() public {
        vm.warp(opening);
        _buy(carol, 500 * E);
        _eq(sale.raised(), 500 * E);
    }

    function test_buy_at_closing() public {
        vm.warp(closing);
        _buy(carol, 500 * E);
        _eq(sale.raised(), 500 * E);
    }

    function test_buy_after_closing_reverts() public {
        vm.warp(closing + 1);
        _buyReverts(carol, 500 * E, abi.encodeWithSelector(TokenSale.SaleNotOpen.selector, opening, closing));
    }

    // --- buying ----------------------------------------------------------------------------------------------

    function test_buy_records_position() public {
        vm.warp(opening);
        _buy(alice, 1_500 * E);
        (uint256 contributed,,, uint256 count, bool settled) = sale.position(alice);
        _eq(contributed, 1_500 * E);
        _eq(count, 1);
        require(!settled, "settled");
        _eq(sale.tokensSold(), 1_500 * E * RATE);
    }

    function test_buy_transfers_stablecoin() public {
        vm.warp(opening);
        _buy(alice, 1_500 * E);
        _eq(coin.balanceOf(alice), 28_500 * E);
        _eq(coin.balanceOf(address(sale)), 1_500 * E);
    }


    function test_buy_unverified_reverts() public {
        vm.warp(opening);
        _buyReverts(dave, 500 * E, abi.encodeWithSelector(TokenSale.NotVerified.selector, dave));
    }


    function test_buy_zero_reverts() public {
        vm.warp(opening);
        _buyReverts(carol, 0, abi.encodeWithSelector(ZeroAmount.selector));
    }


    function test_below_minimum_reverts() public {
        vm.warp(opening);
        _buyReverts(carol, 100 * E - 1, abi.encodeWithSelector(TokenSale.BelowInvestorMinimum.selector, 100 * E));
    }

    function test_minimum_exact() public {
        vm.warp(opening);
        _buy(carol, 100 * E);
        _eq(sale.raised(), 100 * E);
    }

    function test_investor_maximum_reverts() public {
        vm.warp(opening);
        _buyReverts(
            carol, 20_000 * E + 1, abi.encodeWithSelector(TokenSale.InvestorMaximumExceeded.selector, 20_000 * E)
        );
    }

    function test_investor_maximum_exact() public {
        vm.warp(opening);
        _buy(carol, 20_000 * E);
        _eq(sale.raised(), 20_000 * E);
    }

    function test_investor_maximum_second_purchase() public {
        vm.warp(opening);
        _buy(carol, 15_000 * E);
        _buyReverts(carol, 5_001 * E, abi.encodeWithSelector(TokenSale.InvestorMaximumExceeded.selector, 5_000 * E));
    }


    // --- the retail rule -------------------------------------------------------------------------------------

    function test_retail_limit_reverts() public {
        vm.warp(opening);
        _buyReverts(
            alice,
            5_001 * E,
            abi.encodeWithSelector(TokenSale.RiskAcknowledgmentRequired.selector, alice, 5_000 * E)
        );
    }

    function test_retail_limit_exact() public {
        vm.warp(opening);
        _buy(alice, 5_000 * E);
        _eq(sale.raised(), 5_000 * E);
    }

    function test_retail_base_limit() public {
        vm.warp(opening);
        _buyReverts(
            bob, 1_001 * E, abi.encodeWithSelector(TokenSale.RiskAcknowledgmentRequired.selector, bob, 1_000 * E)
        );
    }

    function test_acknowledged_retail_above_limit() public {
        vm.warp(opening);
        vm.prank(alice);
        registry.acknowledgeRisk();
        _buy(alice, 6_000 * E);
        _eq(sale.raised(), 6_000 * E);
    }


    // --- the hard cap ----------------------------------------------------------------------------------------

    function test_hard_cap_reverts() public {
        vm.warp(opening);
        _fundSophisticated(eve);
        _buy(carol, 20_000 * E);
        _buy(eve, 20_000 * E);
        vm.prank(alice);
        registry.acknowledgeRisk();
        _buy(alice, 9_000 * E);
        _buyReverts(alice, 1_001 * E, abi.encodeWithSelector(TokenSale.HardCapExceeded.selector, 1_000 * E));
    }

    function test_hard_cap_exact() public {
        vm.warp(opening);
        _fundSophisticated(eve);
        _buy(carol, 20_000 * E);
        _buy(eve, 20_000 * E);
        vm.prank(alice);
        registry.acknowledgeRisk();
        _buy(alice, 10_000 * E);
        _eq(sale.raised(), 50_000 * E);
    }

    // --- pause -----------------------------------------------------------------------------------------------

    function test_pause_blocks_buy() public {
        vm.warp(opening);
        vm.prank(platform);
        sale.pause();
        _buyReverts(carol, 500 * E, abi.encodeWithSelector(TokenSale.EnforcedPause.selector));
    }

    function test_pause_by_outsider_reverts() public {
        bytes32 role = sale.PAUSER_ROLE();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, eve, role));
        sale.pause();
    }

    function test_unpause_resumes() public {
        vm.warp(opening);
        vm.prank(platform);
        sale.pause();
        vm.prank(platform);
        sale.unpause();
        _buy(carol, 500 * E);
        _eq(sale.raised(), 500 * E);
    }

    function test_unpause_when_not_paused_reverts() public {
        vm.prank(platform);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.ExpectedPause.selector));
        sale.unpause();
    }

    // --- ether -----------------------------------------------------------------------------------------------

    function test_buy_with_ether() public {
        vm.warp(opening);
        vm.prank(alice);
        sale.buyWithEther{value: 1 ether}();
        _eq(sale.raised(), 2_000 * E);
        _eq(address(sale).balance, 1 ether);
    }

    function test_buy_with_ether_below_minimum() public {
        vm.warp(opening);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.BelowInvestorMinimum.selector, 100 * E));
        sale.buyWithEther{value: 0.04 ether}();
    }

    // --- revocation ------------------------------------------------------------------------------------------

    function test_revoke_within_reflection() public {
        vm.warp(opening);
        _buy(alice, 1_000 * E);
        vm.prank(alice);
        sale.revoke(0);
        _eq(sale.raised(), 0);
        _eq(coin.balanceOf(alice), 30_000 * E);
    }

    function test_revoke_at_deadline() public {
        vm.warp(opening);
        _buy(alice, 1_000 * E);
        vm.warp(opening + REFLECTION);
        vm.prank(alice);
        sale.revoke(0);
        _eq(sale.raised(), 0);
    }

    function test_revoke_after_reflection_reverts() public {
        vm.warp(opening);
        _buy(alice, 1_000 * E);
        vm.warp(opening + REFLECTION + 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.ReflectionPeriodOver.selector, opening + REFLECTION));
        sale.revoke(0);
    }

    function test_revoke_twice_reverts() public {
        vm.warp(opening);
        _buy(alice, 1_000 * E);
        vm.prank(alice);
        sale.revoke(0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.AlreadyRevoked.selector, 0));
        sale.revoke(0);
    }

    function test_revoke_sophisticated_reverts() public {
        vm.warp(opening);
        _buy(carol, 1_000 * E);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.NotRevocable.selector, 0));
        sale.revoke(0);
    }

    function test_revoke_unknown_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.UnknownPurchase.selector, alice, 0));
        sale.revoke(0);
    }


    function test_revoke_ether_purchase() public {
        vm.warp(opening);
        vm.prank(alice);
        sale.buyWithEther{value: 1 ether}();
        vm.prank(alice);
        sale.revoke(0);
        _eq(sale.raised(), 0);
        _eq(address(sale).balance, 0);
    }

    // --- finalisation ----------------------------------------------------------------------------------------

    function test_finalise_before_closing_reverts() public {
        vm.warp(closing);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.SaleNotClosed.selector, closing));
        sale.finalise();
    }

    function test_finalise_during_reflection_reverts() public {
        vm.warp(closing);
        _buy(alice, 1_000 * E);
        vm.warp(closing + 1);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.ReflectionPeriodRunning.selector, closing + REFLECTION));
        sale.finalise();
    }

    function test_finalise_success() public {
        _succeed();
        TokenSale.Status memory s = sale.status();
        require(s.finalised && s.successful, "successful");
        _eq(s.raised, 20_000 * E);
    }

    function test_finalise_failure() public {
        _fail();
        TokenSale.Status memory s = sale.status();
        require(s.finalised && !s.successful, "failed");
    }

    function test_finalise_twice_reverts() public {
        _succeed();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.AlreadyFinalised.selector));
        sale.finalise();
    }

    function test_team_vesting_funded() public {
        _succeed();
        _eq(token.balanceOf(address(vesting)), TEAM);
    }

    function test_unsold_tokens_burnt() public {
        _succeed();
        _eq(token.balanceOf(address(sale)), 20_000 * E * RATE);
    }


    // --- claims, refunds, withdrawals ------------------------------------------------------------------------

    function test_claim_before_finalise_reverts() public {
        vm.warp(opening);
        _buy(carol, 1_000 * E);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.NotFinalised.selector));
        sale.claim();
    }

    function test_claim_after_success() public {
        _succeed();
        vm.prank(carol);
        sale.claim();
        _eq(token.balanceOf(carol), 20_000 * E * RATE);
    }

    function test_claim_twice_reverts() public {
        _succeed();
        vm.prank(carol);
        sale.claim();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.AlreadyClaimed.selector, carol));
        sale.claim();
    }

    function test_claim_nothing_owed_reverts() public {
        _succeed();
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.NothingOwed.selector, eve));
        sale.claim();
    }

    function test_refund_after_failure() public {
        _fail();
        vm.prank(carol);
        sale.refund();
        _eq(coin.balanceOf(carol), 30_000 * E);
    }

    function test_refund_after_success_reverts() public {
        _succeed();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(TokenSale.GoalReached.selector));
        sale.refund();
    }

    function test_withdraw_proceeds() public {
        _succeed();
        vm.prank(sme);
        sale.withdrawProceeds();
        _eq(coin.balanceOf(sme), 19_500 * E);
    }

    function test_withdraw_fee() public {
        _succeed();
        vm.prank(platform);
        sale.withdrawFee();
        _eq(coin.balanceOf(platform), 500 * E);
        vm.prank(platform);
        vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, platform));
        sale.withdrawFee();
    }

}
