"""MachineLease: plans, subscription, ERC-4907 use right and ERC-5643 interface."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce

from eth_utils import keccak
from leasing_env import PLAN

from s4chain.drivers.leasing import DAY
from s4chain.drivers.units import eur
from s4chain.testing import assert_events, reverts


def interface_id(*signatures: str) -> bytes:
    selectors = [int.from_bytes(keccak(text=s)[:4], "big") for s in signatures]
    return reduce(lambda a, b: a ^ b, selectors).to_bytes(4, "big")


def test_interface_ids(env):
    erc4907 = interface_id("setUser(uint256,address,uint64)", "userOf(uint256)", "userExpires(uint256)")
    erc5643 = interface_id(
        "renewSubscription(uint256,uint64)", "cancelSubscription(uint256)", "expiresAt(uint256)", "isRenewable(uint256)"
    )
    assert erc4907 == bytes.fromhex("ad092b5c")
    assert erc5643 == bytes.fromhex("8c65f84d")
    lease = env.driver.lease
    assert lease.supportsInterface(erc4907)
    assert lease.supportsInterface(erc5643)
    assert lease.supportsInterface(bytes.fromhex("80ac58cd"))  # ERC-721
    assert lease.supportsInterface(bytes.fromhex("01ffc9a7"))  # ERC-165
    assert not lease.supportsInterface(bytes.fromhex("ffffffff"))


def test_publish_plan_only_lessor_role(env):
    with reverts("AccessControlUnauthorizedAccount", account=env.stranger):
        env.driver.publish_plan(env.stranger)
    with reverts("AccessControlUnauthorizedAccount", account=env.lessee):
        env.driver.publish_plan(env.lessee)
    res = env.driver.publish_plan(env.lessor, period_fee=Decimal("5"))
    assert_events(res, "PlanPublished", lessor=env.lessor)
    plan = env.driver.lease.planOf(env.driver.plan_id(res))
    assert plan[0].lower() == env.lessor.address.lower() and plan[1] == eur(5)


def test_plan_terms_validated(env):
    with reverts("InvalidTerms"):
        env.driver.publish_plan(env.lessor, period=0)
    with reverts("InvalidTerms"):
        env.driver.publish_plan(env.lessor, grace=PLAN.period)  # grace must be shorter than a period
    env.driver.publish_plan(env.lessor, grace=PLAN.period - 1)
    with reverts("InvalidTerms"):
        env.driver.lease.publishPlan((2**64, 0, 0, 0, DAY, 0, 0, 0, 3600), sender=env.lessor)


def test_retire_plan(env):
    with reverts("NotPlanLessor", planId=env.plan_id, caller=env.stranger):
        env.driver.lease.retirePlan(env.plan_id, sender=env.stranger)
    with reverts("UnknownPlan", planId=42):
        env.driver.lease.retirePlan(42, sender=env.lessor)
    assert_events(env.driver.lease.retirePlan(env.plan_id, sender=env.lessor), "PlanRetired", planId=env.plan_id)
    with reverts("PlanNotActive", planId=env.plan_id):
        env.driver.lease.retirePlan(env.plan_id, sender=env.lessor)
    with reverts("PlanNotActive", planId=env.plan_id):
        env.driver.subscribe(env.lessee, env.machine_id, env.plan_id)


def test_subscribe_escrows_deposit_and_grants_use_right(env):
    lease = env.driver.lease
    before = env.driver.balance_of(env.lessee)
    res = env.driver.subscribe(env.lessee, env.machine_id, env.plan_id)
    lease_id = env.driver.lease_id(res)
    expires = res.timestamp + PLAN.period + PLAN.grace
    assert_events(res, "Subscribed", leaseId=lease_id, machineId=env.machine_id, lessee=env.lessee, deposit=eur(3000))
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.lessee, expires=expires)
    assert_events(res, "SubscriptionUpdate", tokenId=lease_id, expiration=expires)
    assert env.driver.balance_of(env.lessee) == before - Decimal(3000)
    assert env.driver.balance_of(lease) == Decimal(3000)
    assert lease.ownerOf(lease_id) == env.lessee.address
    assert lease.userOf(lease_id) == env.lessee.address
    assert lease.userExpires(lease_id) == expires
    assert lease.expiresAt(lease_id) == expires
    assert lease.leaseOfMachine(env.machine_id) == lease_id
    st = env.driver.statement(lease_id)
    assert (st.status, st.deposit, st.billed, st.next_bill_at) == (
        "active",
        Decimal(3000),
        0,
        res.timestamp + PLAN.period,
    )


def test_subscribe_needs_allowance(env):
    with reverts("ERC20InsufficientAllowance"):
        env.driver.lease.subscribe(env.machine_id, env.plan_id, env.device, sender=env.lessee)


def test_subscribe_rejections(env):
    env.subscribe()
    with reverts("MachineAlreadyLeased", machineId=env.machine_id, leaseId=1):
        env.driver.subscribe(env.other, env.machine_id, env.plan_id)
    with reverts("UnknownPlan", planId=9):
        env.driver.lease.subscribe(env.machine2_id, 9, env.device2, sender=env.other)
    registered = env.driver.register_machine(env.manufacturer, "SN-F", "M", env.device, owner=env.other)
    foreign = env.driver.machine_id(registered)
    with reverts("NotMachineOwner", machineId=foreign, lessor=env.lessor):
        env.driver.subscribe(env.lessee, foreign, env.plan_id)
    with reverts("ERC721NonexistentToken"):
        env.driver.subscribe(env.lessee, 77, env.plan_id)


def test_lease_token_not_transferable(env):
    lease_id = env.subscribe()
    with reverts("LeaseNotTransferable", leaseId=lease_id):
        env.driver.lease.transferFrom(env.lessee, env.other, lease_id, sender=env.lessee)


def test_lessor_cannot_set_user(env):
    lease_id = env.subscribe()
    with reverts("NotLessee", leaseId=lease_id, caller=env.lessor):
        env.driver.lease.setUser(lease_id, env.lessor, 2**40, sender=env.lessor)
    with reverts("NotLessee", leaseId=lease_id, caller=env.stranger):
        env.driver.lease.setUser(lease_id, env.stranger, 2**40, sender=env.stranger)
    with reverts("UnknownLease", leaseId=9):
        env.driver.lease.setUser(9, env.lessee, 2**40, sender=env.lessee)
    assert env.driver.lease.userOf(lease_id) == env.lessee.address


def test_lessee_names_operator_capped_by_paid_period(env):
    lease = env.driver.lease
    lease_id = env.subscribe()
    lease_expires = lease.expiresAt(lease_id)
    res = env.driver.lease.setUser(lease_id, env.other, 2**63, sender=env.lessee)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.other, expires=lease_expires)
    assert lease.userOf(lease_id) == env.other.address
    assert lease.userExpires(lease_id) == lease_expires  # never beyond what is paid
    short = env.chain.timestamp + 10 * DAY
    env.driver.lease.setUser(lease_id, env.other, short, sender=env.lessee)
    assert lease.userExpires(lease_id) == short
    env.chain.travel_to(short - 1)
    assert lease.userOf(lease_id) == env.other.address
    env.chain.travel_to(short)
    assert lease.userOf(lease_id) == "0x" + "00" * 20
    # an approved address may set the user too
    env.driver.lease.approve(env.keeper, lease_id, sender=env.lessee)
    env.driver.lease.setUser(lease_id, env.keeper, 2**63, sender=env.keeper)
    assert lease.userOf(lease_id) == env.keeper.address
    env.driver.lease.setUser(lease_id, "0x" + "00" * 20, 0, sender=env.lessee)
    assert lease.userOf(lease_id) == "0x" + "00" * 20
    assert lease.userExpires(lease_id) == 0


def test_use_right_expiry_boundary_when_not_billed(env):
    lease = env.driver.lease
    lease_id = env.subscribe(top_up=Decimal(5000))
    expires = lease.expiresAt(lease_id)
    env.chain.travel_to(expires - 1)
    assert lease.userOf(lease_id) == env.lessee.address
    env.chain.travel_to(expires)
    assert lease.userOf(lease_id) == "0x" + "00" * 20  # expired: keepers must bill on time
    with reverts("UseRightExpired", leaseId=lease_id):
        env.driver.lease.setUser(lease_id, env.other, 2**40, sender=env.lessee)
    env.chain.mine()
    assert lease.userOf(lease_id) == "0x" + "00" * 20  # t+1
    env.driver.lease.runBilling(lease_id, sender=env.keeper)  # late billing restores it
    assert lease.userOf(lease_id) == env.lessee.address


def test_unknown_lease_views(env):
    with reverts("UnknownLease", leaseId=5):
        env.driver.lease.expiresAt(5)
    assert env.driver.lease.userOf(5) == "0x" + "00" * 20
    assert env.driver.lease.userExpires(5) == 0
    assert not env.driver.lease.isRenewable(5)


def test_admin_roles_guarded(env):
    lease, registry = env.driver.lease, env.driver.registry
    with reverts("AccessControlUnauthorizedAccount", account=env.lessor):
        lease.grantRole(lease.LESSOR_ROLE(), env.stranger, sender=env.lessor)
    with reverts("AccessControlUnauthorizedAccount", account=env.lessor):
        registry.grantRole(registry.MANUFACTURER_ROLE(), env.stranger, sender=env.lessor)
    lease_id = env.subscribe()
    with reverts("NotLessee", leaseId=lease_id, caller=env.lessor):
        lease.cancelSubscription(lease_id, sender=env.lessor)


def test_billing_keeps_the_lessees_cap_on_its_user(env):
    lease_id = env.subscribe(top_up=Decimal(5000))
    cap = env.chain.timestamp + 40 * DAY
    env.driver.lease.setUser(lease_id, env.other, cap, sender=env.lessee)
    env.chain.travel_to(env.driver.statement(lease_id).next_bill_at)
    res = env.driver.lease.runBilling(lease_id, sender=env.keeper)
    st = env.driver.statement(lease_id)
    assert_events(res, "UpdateUser", tokenId=lease_id, user=env.other, expires=cap)
    assert_events(res, "SubscriptionUpdate", tokenId=lease_id, expiration=st.expires)
    assert (st.user, st.user_expires) == (env.other.address, cap)
