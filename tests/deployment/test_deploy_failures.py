"""What a user meets when a deploy cannot go as planned: each a clear message, exit 2 (1 once a deploy started
and failed), no traceback, and nothing confirmed lost."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_support import ChainIdAnvil, DeployCli, read_json, rpc

import s4chain.deployment.deployer as deployer_module
from s4chain.chain.accounts import dev_accounts
from s4chain.chain.anvil import free_port
from s4chain.deployment.records import DeploymentRecords, load_records


def contract_count(path: Path) -> int:
    return sum(len(s["contracts"]) for s in read_json(path)["sets"].values())


def no_traceback(output: str) -> bool:
    return "Traceback" not in output


def test_unreachable_node_names_the_url(deploy_cli: DeployCli, records_dir: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = deploy_cli("--rpc", url)
    assert result.exit_code == 2, result.output
    assert f"no JSON-RPC node answers at {url}" in result.output and no_traceback(result.output)
    assert not records_dir.exists()


@pytest.mark.slow
def test_node_stopping_mid_deploy_keeps_what_was_confirmed_and_the_next_run_continues(
    node_factory: Callable[..., ChainIdAnvil],
    deploy_cli: DeployCli,
    records_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = tmp_path / "anvil-state.json"
    node = node_factory(extra_args=("--dump-state", str(state)))
    real_save = deployer_module.save_records

    def save_then_stop_node(path: Path, records: DeploymentRecords) -> None:
        real_save(path, records)
        if sum(len(s.contracts) for s in records.sets.values()) == 3 and node.process is not None:
            node.process.send_signal(signal.SIGTERM)  # anvil dumps its state on the way out
            node.process.wait(timeout=10)

    monkeypatch.setattr(deployer_module, "save_records", save_then_stop_node)
    stopped = deploy_cli("--rpc", node.url)
    assert stopped.exit_code == 2, stopped.output
    assert f"the node at {node.url} stopped answering while deploying ico" in stopped.output
    assert "keep the 3 contract(s) confirmed" in stopped.output and no_traceback(stopped.output)
    path = records_dir / "31337.json"
    partial = load_records(path)
    assert list(partial.sets) == ["ico"] and not partial.sets["ico"].complete
    assert sorted(partial.sets["ico"].contracts) == ["EuroStablecoin", "InvestorRegistry", "IssuerCapLedger"]
    monkeypatch.undo()

    assert state.is_file()
    restarted = node_factory(extra_args=("--load-state", str(state)))  # another port: records hold no URL
    resumed = deploy_cli("--rpc", restarted.url)
    assert resumed.exit_code == 0, resumed.output
    final = load_records(path)
    assert all(s.complete for s in final.sets.values())
    assert set(final.sets) == {"ico", "tokens", "leasing", "supply", "data", "work"}
    for key, record in partial.sets["ico"].contracts.items():
        assert final.sets["ico"].contracts[key] == record  # reused, not redeployed
        assert f"ico/{key}: reused at {record.address}" in resumed.output
    assert "ico/SmeToken: deployed" in resumed.output
    assert "13 contract(s) deployed" in resumed.output  # 16 in all, 3 reused


def test_a_reverting_deployment_exits_1_and_keeps_the_earlier_contracts(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, tmp_path: Path
) -> None:
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"ico": {"opening": 2000, "closing": 1000}}))  # the sale refuses: closes first
    result = deploy_cli("--rpc", dev_node.url, "--only", "ico", "--params", str(params))
    assert result.exit_code == 1, result.output
    assert "ico: a transaction reverted" in result.output and no_traceback(result.output)
    records = load_records(records_dir / "31337.json")
    assert not records.sets["ico"].complete
    assert "SmeToken" in records.sets["ico"].contracts and "TokenSale" not in records.sets["ico"].contracts


def test_insufficient_funds_name_the_account_balance_and_cost(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    deployer = dev_accounts()[0].address
    rpc(dev_node.url, "anvil_setBalance", deployer, hex(10**15))
    result = deploy_cli("--rpc", dev_node.url, "--only", "supply")
    assert result.exit_code == 2, result.output
    assert f"the deployer {deployer} has 0.001 ETH" in result.output
    assert "deploying supply/SupplyChain needs up to 0.0" in result.output and no_traceback(result.output)
    assert int(rpc(dev_node.url, "eth_getTransactionCount", deployer, "latest"), 16) == 0  # nothing was sent
    rpc(dev_node.url, "anvil_setBalance", deployer, hex(10**20))
    assert deploy_cli("--rpc", dev_node.url, "--only", "supply").exit_code == 0
    assert load_records(records_dir / "31337.json").sets["supply"].complete


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        (lambda text: text[: len(text) // 2], ":"),  # truncated: bad JSON, with line and column
        (lambda text: text.replace('"genesis_hash"', '"genesis"'), "field genesis_hash: Field required"),
        (
            lambda text: text.replace('"address"', '"addr"', 1),
            "field sets.supply.contracts.SupplyChain.address: Field required",
        ),
        (lambda text: text.replace('"block_number": ', '"block_number": -', 1), "block_number"),
        (lambda text: "[]", "(top level)"),
    ],
)
def test_corrupt_records_are_refused_and_left_untouched(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, corrupt: Callable[[str], str], expected: str
) -> None:
    assert deploy_cli("--rpc", dev_node.url, "--only", "supply").exit_code == 0
    path = records_dir / "31337.json"
    broken = corrupt(path.read_text())
    path.write_text(broken)
    result = deploy_cli("--rpc", dev_node.url, "--only", "supply")
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and expected in result.output and no_traceback(result.output)
    assert path.read_text() == broken
    assert sorted(p.name for p in records_dir.iterdir()) == ["31337.json"]


def test_records_of_another_chain_id_are_refused(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    assert deploy_cli("--rpc", dev_node.url, "--only", "supply").exit_code == 0
    path = records_dir / "31337.json"
    data = read_json(path)
    data["chain_id"] = 5
    path.write_text(json.dumps(data))
    before = path.read_text()
    result = deploy_cli("--rpc", dev_node.url, "--only", "supply")
    assert result.exit_code == 2, result.output
    assert "these records are for chain id 5" in result.output and dev_node.url in result.output
    assert path.read_text() == before


def test_a_restarted_dev_chain_keeps_the_old_records_aside_and_deploys_afresh(
    node_factory: Callable[..., ChainIdAnvil], deploy_cli: DeployCli, records_dir: Path
) -> None:
    first = node_factory()
    assert deploy_cli("--rpc", first.url, "--only", "supply").exit_code == 0
    old = read_json(records_dir / "31337.json")
    first.stop()
    second = node_factory(extra_args=("--timestamp", "1900000000"))  # same chain id, another genesis block
    result = deploy_cli("--rpc", second.url, "--only", "supply")
    assert result.exit_code == 0, result.output
    assert f"the dev chain at {second.url} was restarted" in result.output
    stale = records_dir / f"31337.{old['genesis_hash'][2:10]}.stale.json"
    assert read_json(stale) == old
    new = load_records(records_dir / "31337.json")
    assert new.genesis_hash != old["genesis_hash"]
    assert rpc(second.url, "eth_getCode", new.sets["supply"].contracts["SupplyChain"].address, "latest") != "0x"


def test_a_record_without_code_on_chain_is_redeployed(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    snapshot = rpc(dev_node.url, "evm_snapshot")
    assert deploy_cli("--rpc", dev_node.url, "--only", "supply").exit_code == 0
    gone = load_records(records_dir / "31337.json").sets["supply"].contracts["SupplyChain"].address
    assert rpc(dev_node.url, "evm_revert", snapshot) is True  # same genesis, the code is gone
    assert rpc(dev_node.url, "eth_getCode", gone, "latest") == "0x"
    result = deploy_cli("--rpc", dev_node.url, "--only", "supply")
    assert result.exit_code == 0, result.output
    assert f"supply/SupplyChain: redeploying (no code at its recorded address {gone}" in result.output
    again = load_records(records_dir / "31337.json").sets["supply"].contracts["SupplyChain"]
    assert rpc(dev_node.url, "eth_getCode", again.address, "latest") != "0x"


def test_a_changed_artifact_redeploys_that_contract_and_what_comes_after_it(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    assert deploy_cli("--rpc", dev_node.url, "--only", "leasing").exit_code == 0
    path = records_dir / "31337.json"
    data: dict[str, Any] = read_json(path)
    before = {k: c["address"] for k, c in data["sets"]["leasing"]["contracts"].items()}
    # As if MachineRegistry had been deployed from other source: its artifact no longer matches.
    data["sets"]["leasing"]["contracts"]["MachineRegistry"]["bytecode_hash"] = "0x" + "ab" * 32
    path.write_text(json.dumps(data))
    result = deploy_cli("--rpc", dev_node.url, "--only", "leasing")
    assert result.exit_code == 0, result.output
    assert "leasing/MachineRegistry: redeploying (its artifact changed since it was deployed)" in result.output
    assert "leasing/MachineLease: redeploying (comes after leasing/MachineRegistry" in result.output
    after = {k: c.address for k, c in load_records(path).sets["leasing"].contracts.items()}
    assert after["EuroStablecoin"] == before["EuroStablecoin"]
    assert after["MachineRegistry"] != before["MachineRegistry"]
    assert after["MachineLease"] != before["MachineLease"]
    lease = load_records(path).sets["leasing"].contracts["MachineLease"]
    assert lease.constructor_args[2] == after["MachineRegistry"]


def test_an_unwritable_records_place_is_found_before_anything_is_sent(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the records directory should be")
    result = deploy_cli("--rpc", dev_node.url, "--records-dir", str(blocker), records=False)
    assert result.exit_code == 2, result.output
    assert f"cannot write the records file {blocker / '31337.json'}" in result.output and no_traceback(result.output)
    assert int(rpc(dev_node.url, "eth_getTransactionCount", dev_accounts()[0].address, "latest"), 16) == 0
