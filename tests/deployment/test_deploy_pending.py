"""A deployment transaction whose answer was lost, while the node stopped answering: `s4chain deploy` gives up
(exit 2) with the transaction recorded as sent (`pending`, written before it was sent), and the next deploy
settles it by its hash: landed (even after the deploy gave up), it is the contract's record and no second
contract is created; lost, the same signed bytes are sent again; another transaction took its nonce, it is
dropped and the contract deployed anew. A faulty proxy in front of a real anvil."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from deploy_support import ChainIdAnvil, DeployCli, rpc
from tests.faults.proxy import FaultyProxy, Kind
from tests.scenarios.conftest import BASE
from typer.testing import CliRunner, Result

from s4chain.cli.main import app
from s4chain.deployment.records import PendingDeployment, load_records
from s4chain.project import Project

pytestmark = pytest.mark.anvil

SEND = "eth_sendRawTransaction"
HUNG = ("--rpc-timeout", "1", "--only", "supply")  # a hung request costs a second
DROPPED = ("--confirm-timeout", "1", "--only", "supply")  # every send lost, reads answered: given up after a second


def creations(url: str) -> list[str]:
    """The hash of every contract-creating transaction on the node."""
    head = int(rpc(url, "eth_blockNumber"), 16)
    blocks = [rpc(url, "eth_getBlockByNumber", hex(n), True) for n in range(1, head + 1)]
    return [tx["hash"] for block in blocks for tx in block["transactions"] if tx["to"] is None]


def stop_mid_deploy(
    proxy: FaultyProxy, deploy_cli: DeployCli, records_dir: Path, options: tuple[str, ...] = HUNG
) -> PendingDeployment:
    stopped = deploy_cli("--rpc", proxy.url, *options)
    assert stopped.exit_code == 2, stopped.output
    assert "stopped answering while deploying supply" in stopped.output and "Traceback" not in stopped.output
    if options is DROPPED:
        assert "unknown for 1 s; see --confirm-timeout" in stopped.output, stopped.output
    record = load_records(records_dir / "31337.json").sets["supply"]
    assert not record.complete and not record.contracts
    pending = record.pending["SupplyChain"]
    assert pending.transaction_hash in stopped.output
    proxy.clear()  # the node answers again
    return pending


def lose_a_deployment(dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path) -> PendingDeployment:
    """A deploy whose deployment never reaches the node (every send dropped; a hung node is the tests' above): the
    deploy gives up after --confirm-timeout, leaving it pending."""
    with FaultyProxy(dev_node.url) as proxy:
        proxy.inject(SEND, Kind.DROP_BEFORE, count=10**6)
        return stop_mid_deploy(proxy, deploy_cli, records_dir, DROPPED)


def replay_on_records(scenario: Path, dev_node: ChainIdAnvil, records_dir: Path, project: Project) -> Result:
    """`s4chain replay --use-deployments` of `scenario` on the node, with the records in `records_dir`."""
    report = scenario.with_suffix(".html")
    replay = ["replay", str(scenario), "--rpc", dev_node.url, "--use-deployments", "--records-dir", str(records_dir)]
    return CliRunner().invoke(app, [*replay, "--report", str(report), "--project", str(project.root)])


def test_a_deployment_landing_after_the_deploy_gave_up_is_recorded_and_not_sent_again(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    with FaultyProxy(dev_node.url) as proxy:
        # The deployment is held back 4 s, then forwarded: the deploy gave up after about 2 s (its send and the
        # look-up by hash both hang a second).
        proxy.inject(SEND, Kind.DELAY, seconds=4, then_down=True, down_as=Kind.HANG)
        pending = stop_mid_deploy(proxy, deploy_cli, records_dir)
        deadline = time.monotonic() + 15
        while rpc(dev_node.url, "eth_getTransactionReceipt", pending.transaction_hash) is None:
            assert time.monotonic() < deadline, "the held-back deployment never landed"
            time.sleep(0.1)
        done = deploy_cli("--rpc", proxy.url, "--only", "supply")
    assert done.exit_code == 0, done.output
    assert "its deployment sent by an earlier run landed at" in done.output
    record = load_records(records_dir / "31337.json").sets["supply"]
    assert record.complete and not record.pending
    assert record.contracts["SupplyChain"].transaction_hash == pending.transaction_hash
    assert creations(dev_node.url) == [pending.transaction_hash]  # one contract, the recorded one


def test_a_lost_deployment_is_sent_again_as_the_same_transaction(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    with FaultyProxy(dev_node.url) as proxy:
        proxy.inject(SEND, Kind.DROP_BEFORE, then_down=True, down_as=Kind.HANG)  # never reaches the node
        pending = stop_mid_deploy(proxy, deploy_cli, records_dir)
        assert rpc(dev_node.url, "eth_getTransactionByHash", pending.transaction_hash) is None
        done = deploy_cli("--rpc", proxy.url, "--only", "supply")
        resent = proxy.forwarded(SEND)[0]
    assert done.exit_code == 0, done.output
    assert resent == [pending.raw_transaction]  # the same signed bytes: not signed again
    record = load_records(records_dir / "31337.json").sets["supply"]
    assert record.complete and not record.pending
    assert record.contracts["SupplyChain"].transaction_hash == pending.transaction_hash
    assert creations(dev_node.url) == [pending.transaction_hash]


def test_a_lost_deployment_whose_nonce_was_taken_is_deployed_anew(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    with FaultyProxy(dev_node.url) as proxy:
        proxy.inject(SEND, Kind.DROP_BEFORE, then_down=True, down_as=Kind.HANG)
        pending = stop_mid_deploy(proxy, deploy_cli, records_dir)
        # Something else sends from the deployer meanwhile: the lost transaction's nonce is taken, it can never land.
        rpc(dev_node.url, "eth_sendTransaction", {"from": pending.deployer, "to": pending.deployer, "value": "0x0"})
        done = deploy_cli("--rpc", proxy.url, "--only", "supply")
    assert done.exit_code == 0, done.output
    assert "never landed and cannot (nonce taken)" in done.output
    record = load_records(records_dir / "31337.json").sets["supply"]
    assert record.complete and not record.pending
    deployed = record.contracts["SupplyChain"].transaction_hash
    assert deployed != pending.transaction_hash and creations(dev_node.url) == [deployed]
    assert rpc(dev_node.url, "eth_getTransactionByHash", pending.transaction_hash) is None


@pytest.mark.parametrize(
    ("damage", "field"),
    [
        (lambda raw: raw[:-2] + ("00" if raw[-2:] != "00" else "11"), "raw_transaction: its hash is not"),
        (lambda raw: raw + "zz", "raw_transaction: not hex"),
    ],
)
def test_a_damaged_pending_entry_is_refused_with_exit_2(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, damage: object, field: str
) -> None:
    pending = lose_a_deployment(dev_node, deploy_cli, records_dir)
    path = records_dir / "31337.json"
    assert callable(damage)
    broken = path.read_text().replace(pending.raw_transaction, damage(pending.raw_transaction))
    path.write_text(broken)
    result = deploy_cli("--rpc", dev_node.url, "--only", "supply")
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and "sets.supply.pending.SupplyChain" in result.output and field in result.output
    assert "Traceback" not in result.output and path.read_text() == broken


@pytest.mark.slow
def test_replay_with_deployments_settles_a_pending_deployment(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, tmp_path: Path, s4_project: Project
) -> None:
    pending = lose_a_deployment(dev_node, deploy_cli, records_dir)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)  # the sale: deployed by the replay, the supply set being incomplete
    result = replay_on_records(scenario, dev_node, records_dir, s4_project)
    assert result.exit_code == 0, result.output
    record = load_records(records_dir / "31337.json").sets["supply"]
    assert not record.pending and record.contracts["SupplyChain"].transaction_hash == pending.transaction_hash


def test_a_pending_deployment_of_another_chain_is_never_sent(
    dev_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, tmp_path: Path, s4_project: Project
) -> None:
    pending = lose_a_deployment(dev_node, deploy_cli, records_dir)
    path = records_dir / "31337.json"
    records = load_records(path)
    path.write_text(path.read_text().replace(records.genesis_hash, "0x" + "ab" * 32))  # a restarted dev node's
    scenario = tmp_path / "s.yaml"
    scenario.write_text(BASE)
    result = replay_on_records(scenario, dev_node, records_dir, s4_project)
    assert result.exit_code == 2, result.output
    assert "genesis" in result.output and "Traceback" not in result.output
    assert rpc(dev_node.url, "eth_getTransactionByHash", pending.transaction_hash) is None
