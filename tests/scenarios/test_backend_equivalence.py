"""Every scenario gives the same outcomes, events, gas, timestamps and final state on the in-process chain and
on anvil (same chain id, one-second blocks, fee-free blocks on both)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s4chain.chain import AnvilNode, Chain, ContractRevert, InProcessChain, RpcChain, anvil_binary
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer, ScenarioRun
from s4chain.scenarios.loader import load_scenario

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def final_state(chain: Chain, replayer: Replayer, run: ScenarioRun) -> dict[str, Any]:
    """Every view of every deployed contract that takes no argument or one address (asked for each actor),
    and every actor's ether balance."""
    actors = {name: account.address for name, account in replayer.actors.items()}
    state: dict[str, Any] = {f"ether:{name}": chain.balance(address) for name, address in actors.items()}
    for set_name, contracts in run.deployments.items():
        for contract_name, address in contracts.items():
            contract = chain.at(contract_name, address)
            for entry in contract.abi:
                if entry.get("type") != "function" or entry.get("stateMutability") not in ("view", "pure"):
                    continue
                kinds = [i["type"] for i in entry.get("inputs", [])]
                arguments: list[tuple[str, tuple[Any, ...]]] = []
                if not kinds:
                    arguments = [("", ())]
                elif kinds == ["address"]:
                    arguments = [(name, (address,)) for name, address in actors.items()]
                for label, args in arguments:
                    key = f"{set_name}.{contract_name}.{entry['name']}({label})"
                    try:
                        state[key] = getattr(contract, entry["name"]).call(*args)
                    except ContractRevert as exc:
                        state[key] = f"reverts: {exc.error_name}"
    return state


def replay(chain: Chain, path: Path) -> tuple[ScenarioRun, dict[str, Any]]:
    replayer = Replayer(chain, load_scenario(path))
    run = replayer.run()
    return run, final_state(chain, replayer, run)


def comparable(run: ScenarioRun) -> list[tuple[Any, ...]]:
    return [(s.action, s.outcome, s.revert, s.at, s.gas_used, len(s.transactions), s.events) for s in run.steps]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_same_results_on_both_backends(path: Path, compiled: ArtifactStore, s4_project: Project) -> None:
    local_run, local_state = replay(InProcessChain(compiled), path)
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        node_run, node_state = replay(RpcChain(node.url, compiled), path)
    assert not local_run.failures, [f"line {s.line}: {s.problem}" for s in local_run.failures]
    assert comparable(node_run) == comparable(local_run)
    assert node_run.deployments == local_run.deployments
    assert len(local_state) > 20  # the snapshot covers the contracts' views, not just balances
    differing = {k: (local_state[k], node_state.get(k)) for k in local_state if local_state[k] != node_state.get(k)}
    assert not differing
