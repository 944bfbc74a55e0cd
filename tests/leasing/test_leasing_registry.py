"""MachineRegistry: digital twins, roles, EIP-712 device readings, maintenance log."""

from __future__ import annotations

from eth_account import Account
from eth_utils import keccak

from s4chain.drivers.arguments import as_hash
from s4chain.drivers.leasing import READING_TYPES
from s4chain.testing import assert_events, reverts


def test_twin_minted_with_serial_model_device(env):
    state = env.driver.machine(env.machine_id)
    assert state.owner == env.lessor.address
    assert (state.serial, state.model) == ("SN-0001", "CNC-5X")
    assert state.device == env.device.address
    assert (state.hours, state.nonce, state.maintenance_count) == (0, 0, 0)
    assert state.service_interval == 500
    assert env.driver.registry.machineBySerial("SN-0002") == env.machine2_id
    assert env.driver.registry.machineBySerial("nope") == 0


def test_register_emits_and_mints(env):
    res = env.driver.register_machine(env.manufacturer, "SN-0003", "Press-200", env.device, owner=env.other)
    assert_events(res, "MachineRegistered", serial="SN-0003", model="Press-200", device=env.device, owner=env.other)
    assert_events(res, "Transfer", to=env.other)
    assert env.driver.registry.ownerOf(env.driver.machine_id(res)) == env.other.address


def test_only_manufacturer_mints(env):
    with reverts("AccessControlUnauthorizedAccount", account=env.stranger):
        env.driver.register_machine(env.stranger, "SN-X", "M", env.device)
    with reverts("AccessControlUnauthorizedAccount", account=env.admin):
        env.driver.register_machine(env.admin, "SN-X", "M", env.device)


def test_duplicate_serial_and_bad_inputs_rejected(env):
    with reverts("DuplicateSerial", machineId=env.machine_id):
        env.driver.register_machine(env.manufacturer, "SN-0001", "Other", env.device)
    with reverts("EmptySerial"):
        env.driver.register_machine(env.manufacturer, "", "Other", env.device)
    with reverts("ZeroAddress"):
        env.driver.register_machine(env.manufacturer, "SN-Z", "Other", "0x" + "00" * 20)


def test_bind_device_only_manufacturer(env):
    with reverts("AccessControlUnauthorizedAccount", account=env.lessee):
        env.driver.registry.bindDevice(env.machine_id, env.lessee, sender=env.lessee)
    with reverts("UnknownMachine", machineId=99):
        env.driver.registry.bindDevice(99, env.device2, sender=env.manufacturer)
    res = env.driver.registry.bindDevice(env.machine_id, env.device2, sender=env.manufacturer)
    assert_events(res, "DeviceBound", machineId=env.machine_id, device=env.device2)
    # the old device can no longer report, the new one can
    with reverts("InvalidDeviceSignature", signer=env.device):
        env.driver.post_reading(env.keeper, env.device, env.machine_id, 5)
    env.allow(env.machine_id, 5)
    env.driver.post_reading(env.keeper, env.device2, env.machine_id, 5)
    assert env.driver.registry.hoursOf(env.machine_id) == 5


def test_set_service_interval_only_manufacturer(env):
    with reverts("AccessControlUnauthorizedAccount", account=env.technician):
        env.driver.registry.setServiceInterval(env.machine_id, 10, sender=env.technician)
    res = env.driver.registry.setServiceInterval(env.machine_id, 10, sender=env.manufacturer)
    assert_events(res, "ServiceIntervalSet", machineId=env.machine_id, interval=10)


def test_signed_reading_relayed_by_anyone(env):
    for relayer in (env.keeper, env.lessee, env.device, env.stranger):
        hours = env.driver.registry.hoursOf(env.machine_id) + 3
        res = env.read(hours, relayer=relayer)
        assert_events(res, "UsageReported", machineId=env.machine_id, counter=hours, relayer=relayer)
    assert env.driver.registry.hoursOf(env.machine_id) == 12
    assert env.driver.registry.nonceOf(env.machine_id) == 4


def test_signature_matches_contract_digest(env):
    reading, signature = env.driver.sign_reading(env.device, env.machine_id, 7)
    digest = env.driver.registry.readingDigest(reading)
    assert Account._recover_hash(digest, signature=signature) == env.device.address
    typehash = env.driver.registry.USAGE_READING_TYPEHASH()
    assert typehash == keccak(text="UsageReading(uint256 machineId,uint64 counter,uint64 nonce,uint64 takenAt)")
    assert set(READING_TYPES) == {"UsageReading"}


def test_replayed_signature_rejected(env):
    env.allow(env.machine_id, 10)
    reading, signature = env.driver.sign_reading(env.device, env.machine_id, 10)
    env.driver.registry.reportUsage(reading, signature, sender=env.keeper)
    with reverts("InvalidNonce", machineId=env.machine_id, expected=1, given=0):
        env.driver.registry.reportUsage(reading, signature, sender=env.keeper)
    with reverts("InvalidNonce"):
        env.driver.registry.reportUsage(reading, signature, sender=env.lessee)


def test_forged_signature_rejected(env):
    # signed by someone who is not the bound device
    reading, signature = env.driver.sign_reading(env.stranger, env.machine_id, 10)
    with reverts("InvalidDeviceSignature", machineId=env.machine_id, signer=env.stranger):
        env.driver.registry.reportUsage(reading, signature, sender=env.keeper)
    # the other machine's device
    reading, signature = env.driver.sign_reading(env.device2, env.machine_id, 10)
    with reverts("InvalidDeviceSignature", signer=env.device2):
        env.driver.registry.reportUsage(reading, signature, sender=env.keeper)
    # a genuine signature with a tampered counter recovers to another address
    reading, signature = env.driver.sign_reading(env.device, env.machine_id, 10)
    tampered = (reading[0], 1000, reading[2], reading[3])
    with reverts("InvalidDeviceSignature"):
        env.driver.registry.reportUsage(tampered, signature, sender=env.keeper)
    # a signature of machine 1's reading does not pass for machine 2 (device2 is bound there)
    with reverts("InvalidDeviceSignature", machineId=env.machine2_id):
        env.driver.registry.reportUsage((env.machine2_id, 10, 0, reading[3]), signature, sender=env.keeper)
    # garbage bytes
    with reverts("InvalidDeviceSignature", signer="0x" + "00" * 20):
        env.driver.registry.reportUsage(reading, b"\x01" * 10, sender=env.keeper)
    assert env.driver.registry.hoursOf(env.machine_id) == 0


def test_signature_for_another_domain_rejected(env):
    domain = dict(env.driver.domain(), chainId=env.chain.chain_id + 1)
    taken_at = env.driver.next_time()
    message = {"machineId": env.machine_id, "counter": 10, "nonce": 0, "takenAt": taken_at}
    signature = env.device.sign_typed_data(domain, READING_TYPES, message).signature
    with reverts("InvalidDeviceSignature"):
        env.driver.registry.reportUsage((env.machine_id, 10, 0, taken_at), bytes(signature), sender=env.keeper)


def test_future_nonce_rejected(env):
    reading, signature = env.driver.sign_reading(env.device, env.machine_id, 10, nonce=5)
    with reverts("InvalidNonce", expected=0, given=5):
        env.driver.registry.reportUsage(reading, signature, sender=env.keeper)


def test_unknown_machine_rejected(env):
    reading, signature = env.driver.sign_reading(env.device, 99, 10, nonce=0)
    with reverts("UnknownMachine", machineId=99):
        env.driver.registry.reportUsage(reading, signature, sender=env.keeper)


def test_counter_decrease_rejected_equal_accepted(env):
    env.read(100)
    with reverts("CounterDecreased", machineId=env.machine_id, current=100, reported=99):
        env.read(99)
    env.read(100)  # t: same counter (a heartbeat) is fine
    env.read(101)  # t+1
    assert env.driver.registry.hoursOf(env.machine_id) == 101


def test_maintenance_due_every_n_hours(env):
    env.read(499)
    assert not env.driver.registry.maintenanceDue(env.machine_id)
    res = env.read(500)
    assert_events(res, "MaintenanceDue", machineId=env.machine_id, hoursUsed=500, dueAtHours=500)
    assert env.driver.registry.maintenanceDue(env.machine_id)
    res = env.read(510)
    assert not res.events_named("MaintenanceDue")  # emitted once, when crossing
    res = env.driver.record_maintenance(env.technician, env.machine_id, "service 500h", preventive=True)
    assert_events(res, "MaintenanceRecorded", machineId=env.machine_id, preventive=True, hoursUsed=510, count=1)
    state = env.driver.machine(env.machine_id)
    assert state.maintenance_count == 1
    assert state.last_service_hours == 510
    assert state.last_document == "0x" + as_hash("service 500h").hex()
    assert not state.maintenance_due
    env.read(1009)
    assert not env.driver.registry.maintenanceDue(env.machine_id)
    env.read(1010)
    assert env.driver.registry.maintenanceDue(env.machine_id)


def test_repair_does_not_restart_interval(env):
    env.read(600)
    env.driver.record_maintenance(env.technician, env.machine_id, "repair", preventive=False)
    state = env.driver.machine(env.machine_id)
    assert (state.maintenance_count, state.last_service_hours, state.maintenance_due) == (1, 0, True)


def test_record_maintenance_only_maintainer(env):
    with reverts("AccessControlUnauthorizedAccount", account=env.lessee):
        env.driver.record_maintenance(env.lessee, env.machine_id, "x")
    with reverts("AccessControlUnauthorizedAccount", account=env.stranger):
        env.driver.record_maintenance(env.stranger, env.machine_id, "x")
    with reverts("EmptyDocument"):
        env.driver.record_maintenance(env.technician, env.machine_id, b"\x00" * 32)
    with reverts("UnknownMachine"):
        env.driver.record_maintenance(env.technician, 99, "x")
    env.driver.record_maintenance(env.manufacturer, env.machine_id, "by the manufacturer")


def test_registry_interfaces(env):
    registry = env.driver.registry
    assert registry.supportsInterface(bytes.fromhex("80ac58cd"))  # ERC-721
    assert registry.supportsInterface(bytes.fromhex("5b5e139f"))  # ERC-721 metadata
    assert registry.supportsInterface(bytes.fromhex("7965db0b"))  # AccessControl
    assert not registry.supportsInterface(bytes.fromhex("ad092b5c"))  # 4907 lives on the lease tokens
