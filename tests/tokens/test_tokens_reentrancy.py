"""Hostile tokens and makers against P2PExchange: a token calling back into the exchange from inside a
transfer meets the reentrancy guard; a maker contract re-entering `withdraw` from its ether hook is refused and
still gets paid exactly once; a token delivering less than asked cannot be escrowed. The fixtures
(tests/fixtures/HostileToken.sol) are compiled in a temporary project, never part of contracts/."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from s4chain.chain import Chain, Contract
from s4chain.compiler import ArtifactStore, compile_project
from s4chain.project import Project
from s4chain.testing import assert_events, reverts

E18 = 10**18
REENTRANT = keccak(text="ReentrancyGuardReentrantCall()")[:4]


@pytest.fixture(scope="module")
def hostile_store(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> ArtifactStore:
    root = tmp_path_factory.mktemp("uc2-hostile")
    (root / "contracts").mkdir()
    source = (s4_project.root / "tests/fixtures/HostileToken.sol").read_text()
    (root / "contracts" / "HostileToken.sol").write_text(source)
    (root / "node_modules").symlink_to(s4_project.node_modules)  # the compiler (solc-js) lives there
    return compile_project(Project(root)).store


@pytest.fixture
def hostile(chain: Chain, m, hostile_store: ArtifactStore) -> Contract:
    token = chain.deploy(hostile_store.get("HostileToken"), sender=m.deployer)
    for account in (m.maker, m.taker):
        token.mint(account, 1_000 * E18, sender=m.deployer)
    return token


def test_reentrant_cancel_from_the_sold_tokens_transfer_is_blocked(m, hostile):
    hostile.approve(m.ex, 100 * E18, sender=m.maker)
    m.ex.makeOffer(hostile, 100 * E18, m.art, 10 * E18, sender=m.maker)
    m.art.approve(m.ex, 10 * E18, sender=m.taker)
    # while the exchange pays the taker in HOSTILE, the token tries to cancel the offer (as the exchange would
    # let its maker): the guard stops it and the whole fill is undone
    hostile.arm(m.ex, m.ex.cancel.encode(1), sender=m.taker)
    with reverts("ReentrancyGuardReentrantCall"):
        m.ex.fill(1, 50 * E18, sender=m.taker)
    assert m.ex.getOffer(1).remaining == 100 * E18
    assert hostile.balanceOf(m.ex) == 100 * E18


def test_reentrant_fill_from_the_price_tokens_transfer_from_is_blocked(m, hostile):
    m.mkh.approve(m.ex, 100 * E18, sender=m.maker)
    m.ex.makeOffer(m.mkh, 100 * E18, hostile, 10 * E18, sender=m.maker)
    hostile.approve(m.ex, 100 * E18, sender=m.taker)
    hostile.arm(m.ex, m.ex.fill.encode(1, 10 * E18), sender=m.taker)
    with reverts("ReentrancyGuardReentrantCall"):
        m.ex.fill(1, 50 * E18, sender=m.taker)
    assert m.ex.getOffer(1).remaining == 100 * E18
    # the revert rolled the token's disarming back too: disarm it, and the same fill goes through
    hostile.arm("0x" + "00" * 20, b"", sender=m.taker)
    m.ex.fill(1, 50 * E18, sender=m.taker)
    assert m.ex.getOffer(1).remaining == 50 * E18


def test_reentrant_make_offer_during_escrow_is_blocked(m, hostile):
    hostile.approve(m.ex, 200 * E18, sender=m.maker)
    hostile.arm(m.ex, m.ex.withdraw.encode(), sender=m.maker)
    with reverts("ReentrancyGuardReentrantCall"):
        m.ex.makeOffer(hostile, 100 * E18, m.art, 1, sender=m.maker)
    assert m.ex.offerCount() == 0


def test_maker_contract_reentering_withdraw_is_paid_once(m, chain, hostile, hostile_store):
    maker = chain.deploy(hostile_store.get("ReentrantMaker"), m.ex, sender=m.deployer)
    hostile.mint(maker, 10 * E18, sender=m.deployer)
    maker.offer(hostile, 10 * E18, E18, sender=m.deployer)  # 10 HOSTILE for 1 ether
    m.ex.fill(1, 10 * E18, sender=m.taker, value=E18)
    result = maker.withdraw(sender=m.deployer)
    assert_events(result, "Withdrawn", maker=maker.address, amount=E18, count=1)
    assert bytes(maker.reentryError()) == REENTRANT
    assert maker.received() == E18 == chain.balance(maker)
    assert m.ex.proceedsOf(maker) == 0 and m.ex.totalProceeds() == 0 and chain.balance(m.ex) == 0


def test_a_token_delivering_less_than_asked_cannot_be_escrowed(m, hostile):
    hostile.setFee(1, sender=m.deployer)
    hostile.approve(m.ex, 100 * E18, sender=m.maker)
    with reverts("UnsupportedToken", token=hostile.address, expected=100 * E18, received=100 * E18 - 1):
        m.ex.makeOffer(hostile, 100 * E18, m.art, 1, sender=m.maker)
    assert m.ex.offerCount() == 0
