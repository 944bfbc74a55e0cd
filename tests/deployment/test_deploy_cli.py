"""`s4chain deploy` on a local dev anvil: records, reuse on re-run, --only, --params, the embedded chain."""

from __future__ import annotations

from pathlib import Path

from deploy_support import ChainIdAnvil, DeployCli, read_json, rpc
from eth_utils import keccak

from s4chain.deployment.records import load_records

ICO = ["EuroStablecoin", "InvestorRegistry", "IssuerCapLedger", "SmeToken", "TeamVesting", "TokenSale"]


def test_deploy_records_every_contract_then_reuses_them(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    first = deploy_cli("--rpc", dev_node.url)
    assert first.exit_code == 0, first.output
    path = records_dir / "31337.json"
    records = load_records(path)
    assert set(records.sets) == {"ico", "tokens", "leasing", "supply", "data", "work"}  # every registered use case
    assert all(s.complete for s in records.sets.values())
    assert sorted(records.sets["ico"].contracts) == sorted(ICO)
    assert sorted(records.sets["leasing"].contracts) == ["EuroStablecoin", "MachineLease", "MachineRegistry"]
    genesis = rpc(dev_node.url, "eth_getBlockByNumber", "0x0", False)["hash"]
    assert records.genesis_hash == genesis and records.chain_id == 31337
    sale = records.sets["ico"].contracts["TokenSale"]
    receipt = rpc(dev_node.url, "eth_getTransactionReceipt", sale.transaction_hash)
    assert receipt["contractAddress"].lower() == sale.address.lower()
    assert int(receipt["blockNumber"], 16) == sale.block_number
    assert receipt["from"].lower() == sale.deployer.lower()
    code = bytes.fromhex(rpc(dev_node.url, "eth_getCode", sale.address, "latest")[2:])
    assert sale.code_hash == "0x" + keccak(code).hex()
    lease = records.sets["leasing"].contracts["MachineLease"]
    registry = records.sets["leasing"].contracts["MachineRegistry"]
    coin = records.sets["leasing"].contracts["EuroStablecoin"]
    assert lease.constructor_args == [lease.deployer, coin.address, registry.address]
    assert records.sets["ico"].roles["sme"] != records.sets["ico"].roles["platform"]

    block = int(rpc(dev_node.url, "eth_blockNumber"), 16)
    again = deploy_cli("--rpc", dev_node.url)
    assert again.exit_code == 0, again.output
    assert "0 contract(s) deployed" in again.output
    assert int(rpc(dev_node.url, "eth_blockNumber"), 16) == block  # nothing sent
    assert load_records(path) == records


def test_only_deploys_the_named_sets_and_keeps_the_others(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    assert deploy_cli("--rpc", dev_node.url, "--only", "supply").exit_code == 0
    assert set(read_json(records_dir / "31337.json")["sets"]) == {"supply"}
    result = deploy_cli("--rpc", dev_node.url, "--only", "leasing", "--only", "supply")
    assert result.exit_code == 0, result.output
    assert "1 contract(s) deployed" not in result.output and "3 contract(s) deployed" in result.output
    assert set(read_json(records_dir / "31337.json")["sets"]) == {"leasing", "supply"}
    unknown = deploy_cli("--rpc", dev_node.url, "--only", "dao")
    assert unknown.exit_code == 2 and "unknown contract set(s) dao" in unknown.output


def test_params_file_overrides_defaults_and_a_change_redeploys_that_set(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, tmp_path: Path
) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("supply:\n  intensities: {rail: 17}\nico:\n  goal: 20000\n  hard_cap: 60000\n")
    assert deploy_cli("--rpc", dev_node.url, "--params", str(params)).exit_code == 0
    first = load_records(records_dir / "31337.json")
    assert first.sets["supply"].params["intensities"] == {"rail": 17}
    assert first.sets["ico"].params["goal"] == "20000"

    params.write_text("supply:\n  intensities: {rail: 18}\nico:\n  goal: 20000\n  hard_cap: 60000\n")
    result = deploy_cli("--rpc", dev_node.url, "--params", str(params))
    assert result.exit_code == 0, result.output
    assert "supply: parameters changed" in result.output
    second = load_records(records_dir / "31337.json")
    supply_before, supply_after = first.sets["supply"].contracts, second.sets["supply"].contracts
    assert supply_after["SupplyChain"].address != supply_before["SupplyChain"].address
    assert second.sets["ico"] == first.sets["ico"]
    assert second.sets["leasing"] == first.sets["leasing"]  # no params file entry: defaults, unchanged


def test_a_missing_params_file_is_named(deploy_cli: DeployCli, tmp_path: Path) -> None:
    """(A params file that does not read: tests/deployment/test_deploy_params.py.)"""
    missing = deploy_cli("--params", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_embedded_chain_by_default_prints_and_writes_nothing(deploy_cli: DeployCli, records_dir: Path) -> None:
    result = deploy_cli("--only", "supply")
    assert result.exit_code == 0, result.output
    assert "embedded chain" in result.output and "SupplyChain" in result.output
    assert "1 contract(s) deployed, records: not written" in result.output
    assert not records_dir.exists()


def test_scenario_deploys_its_sets_as_its_replay_would_on_the_embedded_chain(deploy_cli: DeployCli) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "07-freelance-maintenance-mission.yaml"
    result = deploy_cli("--scenario", str(scenario))
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    # Keyed by file and set; the work set borrows the lease set's stablecoin (`@lease.EuroStablecoin`).
    assert "07-freelance-maintenance-mission/lease EuroStablecoin" in output
    assert "07-freelance-maintenance-mission/work MissionEscrow" in output
    assert "07-freelance-maintenance-mission/work EuroStablecoin" not in output  # borrowed, not deployed


def test_scenario_takes_its_sets_from_the_file_and_shift_time_needs_one(deploy_cli: DeployCli) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "04-cold-chain-farm-to-shelf.yaml"
    mixed = deploy_cli("--scenario", str(scenario), "--only", "supply")
    assert mixed.exit_code == 2 and "--scenario takes the sets and their params from the scenario" in mixed.output
    alone = deploy_cli("--shift-time", "auto")
    assert alone.exit_code == 2 and "--shift-time moves a scenario's dates: it goes with --scenario" in alone.output
    bad = deploy_cli("--scenario", str(scenario), "--shift-time", "soon")
    assert bad.exit_code == 2 and "--shift-time 'soon': expected auto or a duration" in bad.output
