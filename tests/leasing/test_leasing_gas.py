"""Gas of every external state-changing function of the leasing contracts; billing must stay < 120k."""

from __future__ import annotations

from decimal import Decimal

from leasing_env import PLAN

from s4chain.drivers.leasing import LeasingDriver

BILLING_CEILING = 120_000


def test_leasing_gas(env, gas_report):
    d: LeasingDriver = env.driver
    reg, lease = d.registry, d.lease
    billing: list[int] = []

    def rec(key, res):
        gas_report.record(key, res.gas_used)
        if key == "MachineLease.runBilling":
            billing.append(res.gas_used)
        return res

    # --- registry
    rec("MachineRegistry.grantRole", reg.grantRole(reg.MAINTAINER_ROLE(), env.stranger, sender=env.admin))
    rec("MachineRegistry.revokeRole", reg.revokeRole(reg.MAINTAINER_ROLE(), env.stranger, sender=env.admin))
    res = d.register_machine(env.manufacturer, "SN-GAS-1", "Lathe L-400", env.device)
    rec("MachineRegistry.registerMachine", res)
    extra = d.machine_id(res)
    rec("MachineRegistry.bindDevice", d.registry.bindDevice(extra, env.device2, sender=env.manufacturer))
    rec("MachineRegistry.setServiceInterval", reg.setServiceInterval(extra, 250, sender=env.manufacturer))
    rec("MachineRegistry.approve", reg.approve(env.other, extra, sender=env.lessor))
    rec("MachineRegistry.transferFrom", reg.transferFrom(env.lessor, env.other, extra, sender=env.other))
    rec("MachineRegistry.reportUsage", env.read(10))  # first reading
    rec("MachineRegistry.reportUsage", env.read(500))  # crosses due
    rec("MachineRegistry.recordMaintenance", d.record_maintenance(env.technician, env.machine_id, "service", True))

    # --- plans and subscription
    rec("MachineLease.grantRole", lease.grantRole(lease.LESSOR_ROLE(), env.stranger, sender=env.admin))
    rec("MachineLease.publishPlan", d.publish_plan(env.lessor))
    rec("MachineLease.retirePlan", d.lease.retirePlan(d.plan_id(d.publish_plan(env.lessor)), sender=env.lessor))
    res = rec("MachineLease.subscribe", d.subscribe(env.lessee, env.machine_id, env.plan_id))
    lease_id = d.lease_id(res)
    rec("MachineLease.topUp", d.top_up(env.lessee, Decimal(20000), lease_id=lease_id))
    rec("MachineLease.setUser", d.lease.setUser(lease_id, env.other, 2**40, sender=env.lessee))
    rec("MachineRegistry.proposeDevice", d.registry.proposeDevice(env.machine_id, env.device2, sender=env.manufacturer))
    rec("MachineLease.approveDevice", d.lease.approveDevice(lease_id, env.device2, sender=env.lessee))
    d.registry.proposeDevice(env.machine_id, env.device, sender=env.manufacturer)
    d.lease.approveDevice(lease_id, env.device, sender=env.lessee)  # the original meter back for the readings below
    rec("MachineLease.approve", lease.approve(env.keeper, lease_id, sender=env.lessee))

    # --- billing: first bill (fresh earnings slot), metered, with an SLA credit
    env.read(620)
    env.chain.travel_to(d.statement(lease_id).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(lease_id, sender=env.keeper))
    res = rec("MachineLease.reportFault", d.report_fault(env.lessee, lease_id=lease_id, description_hash="fault"))
    env.chain.increase_time(PLAN.sla + 1)
    rec("MachineLease.closeTicket", d.close_ticket(env.lessor, d.ticket_id(res), "late fix"))
    d.report_fault(env.device, lease_id=lease_id, description_hash="fault 2")  # stays open past the SLA
    env.read(700)
    env.chain.travel_to(d.statement(lease_id).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(lease_id, sender=env.keeper))  # credit granted and applied
    rec("MachineLease.withdrawEarnings", d.lease.withdrawEarnings(sender=env.lessor))
    env.chain.travel_to(d.statement(lease_id).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(lease_id, sender=env.keeper))  # earnings slot back from zero

    # --- notice (ERC-5643 cancel / renew) and the final bill
    rec("MachineLease.giveNotice", d.lease.giveNotice(lease_id, sender=env.lessee))
    rec("MachineLease.renewSubscription", d.revoke_notice(env.lessee, lease_id))
    rec("MachineLease.cancelSubscription", lease.cancelSubscription(lease_id, sender=env.lessee))
    while d.statement(lease_id).status != "ended":
        env.chain.travel_to(d.statement(lease_id).next_bill_at)
        rec("MachineLease.runBilling", d.lease.runBilling(lease_id, sender=env.keeper))
    rec("MachineLease.settle", d.lease.settle(lease_id, sender=env.keeper))
    rec("MachineLease.withdrawRefund", d.lease.withdrawRefund(sender=env.lessee))

    # --- late payment: unpaid bill, suspension (direct and inside billing), reinstatement, termination
    late = d.lease_id(d.subscribe(env.other, env.machine2_id, env.plan_id))
    env.chain.travel_to(d.statement(late).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(late, sender=env.keeper))  # unpaid: late
    env.chain.travel_to(d.statement(late).next_bill_at - PLAN.period + PLAN.grace)
    rec("MachineLease.suspend", d.lease.suspend(late, sender=env.keeper))
    rec("MachineLease.topUp", d.top_up(env.other, Decimal(1000), lease_id=late))  # reinstates
    env.chain.travel_to(d.statement(late).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(late, sender=env.keeper))  # unpaid again
    env.chain.travel_to(d.statement(late).next_bill_at)
    rec("MachineLease.runBilling", d.lease.runBilling(late, sender=env.keeper))  # suspends inside billing
    assert d.statement(late).status == "suspended"
    rec("MachineLease.terminate", d.lease.terminate(late, sender=env.lessor))

    # --- custody, called directly by a custodian of its own (the lease contract calls them inside its functions)
    reg.grantRole(reg.CUSTODIAN_ROLE(), env.stranger, sender=env.admin)
    rec("MachineRegistry.takeCustody", reg.takeCustody(extra, sender=env.stranger))
    rec("MachineRegistry.meter", reg.meter(extra, env.chain.timestamp, sender=env.stranger))
    reg.proposeDevice(extra, env.device, sender=env.manufacturer)
    rec("MachineRegistry.acceptDevice", reg.acceptDevice(extra, env.device, sender=env.stranger))
    rec("MachineRegistry.releaseCustody", reg.releaseCustody(extra, sender=env.stranger))

    # --- remaining inherited ERC-721 / AccessControl entry points
    rec("MachineRegistry.setApprovalForAll", reg.setApprovalForAll(env.keeper, True, sender=env.lessor))
    rec(
        "MachineRegistry.safeTransferFrom",
        reg.safeTransferFrom(env.other, env.lessor, extra, b"", sender=env.other),
    )
    rec("MachineLease.setApprovalForAll", lease.setApprovalForAll(env.keeper, True, sender=env.lessee))
    rec("MachineLease.revokeRole", lease.revokeRole(lease.LESSOR_ROLE(), env.stranger, sender=env.admin))
    rec("MachineLease.renounceRole", lease.renounceRole(lease.LESSOR_ROLE(), env.lessor, sender=env.lessor))
    rec("MachineRegistry.renounceRole", reg.renounceRole(reg.MAINTAINER_ROLE(), env.technician, sender=env.technician))
    # lease tokens never move: transferFrom / safeTransferFrom always revert (LeaseNotTransferable)

    assert len(billing) >= 6
    assert max(billing) < BILLING_CEILING, billing
