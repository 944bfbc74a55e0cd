"""The Python API: a user's script (scripts/deploy.py), interrupting and resuming a Deployer, loading records and
attaching to the contracts (what `replay --use-deployments` builds on)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from deploy_support import ChainIdAnvil, rpc

from s4chain.chain import InProcessChain
from s4chain.compiler.artifacts import ArtifactStore
from s4chain.deployment import (
    SETS,
    ContractRecord,
    DeployChain,
    Deployer,
    StaleRecordsError,
    load_records,
    open_records,
    records_path,
)
from s4chain.deployment.attach import attach_drivers
from s4chain.project import Project


class Interrupted(Exception):
    pass


@pytest.mark.slow
def test_the_deploy_script_deploys_then_reuses(dev_node: ChainIdAnvil, s4_project: Project, tmp_path: Path) -> None:
    command = [sys.executable, "scripts/deploy.py", "--rpc", dev_node.url, "--records-dir", str(tmp_path)]
    first = subprocess.run(command, cwd=s4_project.root, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    # every registered set: ico 6, tokens 2, leasing 3, supply 1, data 2, work 2
    assert "16 contract(s) deployed" in first.stdout and "supply   SupplyChain" in first.stdout
    second = subprocess.run(command, cwd=s4_project.root, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "0 contract(s) deployed" in second.stdout
    assert load_records(tmp_path / "31337.json").sets["ico"].complete


def test_an_interrupted_deployer_resumes_where_it_stopped(
    dev_node: ChainIdAnvil, compiled: ArtifactStore, tmp_path: Path
) -> None:
    chain = DeployChain(dev_node.url, compiled)
    path = records_path(chain.chain_id, tmp_path)
    recorded: list[str] = []

    def stop_after_two(set_name: str, key: str, record: ContractRecord) -> None:
        recorded.append(f"{set_name}/{key}")
        if len(recorded) == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        Deployer(chain, open_records(chain, path), path, on_record=stop_after_two).deploy([SETS["leasing"]])
    partial = load_records(path)
    assert recorded == ["leasing/EuroStablecoin", "leasing/MachineRegistry"]
    assert not partial.sets["leasing"].complete and len(partial.sets["leasing"].contracts) == 2

    lines: list[str] = []
    result = Deployer(chain, open_records(chain, path), path, log=lines.append).deploy([SETS["leasing"]])
    actions = {c.key: c.action for c in result.sets[0].contracts}
    assert actions == {"EuroStablecoin": "reused", "MachineRegistry": "reused", "MachineLease": "deployed"}
    final = load_records(path).sets["leasing"]
    assert final.complete
    for key in ("EuroStablecoin", "MachineRegistry"):
        assert final.contracts[key] == partial.sets["leasing"].contracts[key]


def test_records_attach_to_the_recorded_chain_only(
    node_factory: Callable[..., ChainIdAnvil], compiled: ArtifactStore, tmp_path: Path
) -> None:
    node = node_factory()
    chain = DeployChain(node.url, compiled)
    path = records_path(chain.chain_id, tmp_path)
    Deployer(chain, open_records(chain, path), path).deploy([SETS["supply"], SETS["leasing"]])

    records = load_records(path)
    contracts = records.attach(chain)
    assert set(contracts) == {"supply", "leasing"}
    supply = contracts["supply"]["SupplyChain"]
    admin = records.sets["supply"].roles["admin"]
    assert supply.hasRole(b"\0" * 32, admin) is True
    lease = contracts["leasing"]["MachineLease"]
    assert lease.hasRole(lease.LESSOR_ROLE(), records.sets["leasing"].roles["lessor"]) is True
    assert lease.hasRole(lease.LESSOR_ROLE(), records.sets["leasing"].roles["manufacturer"]) is False
    assert set(records.attach(chain, sets=["supply"])) == {"supply"}

    other = node_factory(extra_args=("--timestamp", "1900000000"))
    with pytest.raises(StaleRecordsError, match="genesis"):
        records.attach(DeployChain(other.url, compiled))
    snapshot = rpc(node.url, "evm_snapshot")
    rpc(node.url, "anvil_setCode", supply.address, "0x")
    with pytest.raises(StaleRecordsError, match=f"no code at {supply.address}"):
        records.attach(chain)
    rpc(node.url, "evm_revert", snapshot)


def test_the_embedded_chain_keeps_records_in_memory(compiled: ArtifactStore) -> None:
    chain = InProcessChain(compiled)
    result = Deployer(chain, open_records(chain, None), None).deploy([SETS["supply"]])
    assert result.path is None and result.deployed_count == 1
    record = result.records.sets["supply"].contracts["SupplyChain"]
    assert chain.code_at(record.address)
    assert result.records.attach(chain)["supply"]["SupplyChain"].address == record.address


def test_drivers_attach_to_the_recorded_sets(dev_node: ChainIdAnvil, compiled: ArtifactStore, tmp_path: Path) -> None:
    chain = DeployChain(dev_node.url, compiled)
    path = records_path(chain.chain_id, tmp_path)
    Deployer(chain, open_records(chain, path), path).deploy(list(SETS.values()))
    records = load_records(path)

    drivers = attach_drivers(chain, records)
    assert set(drivers) == {"ico", "tokens", "leasing", "supply", "data", "work"}
    sale = drivers["ico"]
    assert sale.sale.address == records.sets["ico"].contracts["TokenSale"].address
    state = sale.state()
    assert state.registered is True and state.hard_cap == Decimal(500_000)
    manufacturer = chain.accounts[1]
    leasing = drivers["leasing"]
    machine = leasing.machine_id(leasing.register_machine(manufacturer, "SN-1", "Mill-5X", chain.accounts[7]))
    assert machine >= 1
    supply = drivers["supply"]
    result = supply.grant_party(chain.accounts[0], party=chain.accounts[3], role="carrier")
    assert result.events_named("RoleGranted")
    assert drivers["tokens"].state().token_count == 0
    assert drivers["data"].admin.address == records.sets["data"].roles["admin"]
    work = drivers["work"]
    assert work.arbiter.address == records.sets["work"].roles["arbiter"] != records.sets["work"].roles["admin"]
    assert work.escrow.hasRole(work.escrow.ARBITER_ROLE(), work.arbiter) is True

    incomplete = records.model_copy(deep=True)
    incomplete.sets["supply"].complete = False
    with pytest.raises(StaleRecordsError, match="set supply is not completely deployed"):
        attach_drivers(chain, incomplete, ["supply"])
    with pytest.raises(StaleRecordsError, match="set dao is not in the records"):
        attach_drivers(chain, records, ["dao"])
