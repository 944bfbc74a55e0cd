"""Every scenario gives the same outcomes, events, gas, timestamps and final state on the three backends: the
in-process chain (py-evm, the reference), anvil (same chain id, one-second blocks, fee-free blocks) and revm
(`RevmChain`, when pyrevm is installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from s4chain.chain import AnvilNode, Chain, ContractRevert, InProcessChain, RpcChain, anvil_binary
from s4chain.chain.revm import RevmChain, revm_available
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer, ScenarioRun
from s4chain.scenarios.loader import load_scenario

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


def assert_same(reference: tuple[ScenarioRun, dict[str, Any]], other: tuple[ScenarioRun, dict[str, Any]]) -> None:
    (local_run, local_state), (other_run, other_state) = reference, other
    assert not local_run.failures, [f"line {s.line}: {s.problem}" for s in local_run.failures]
    assert comparable(other_run) == comparable(local_run)
    assert other_run.deployments == local_run.deployments
    assert other_run.gas_used == local_run.gas_used
    assert len(local_state) > 20  # the snapshot covers the contracts' views, not just balances
    differing = {k: (local_state[k], other_state.get(k)) for k in local_state if local_state[k] != other_state.get(k)}
    assert not differing


@pytest.mark.anvil
@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_same_results_on_both_backends(path: Path, compiled: ArtifactStore, s4_project: Project) -> None:
    local = replay(InProcessChain(compiled), path)
    with AnvilNode(anvil_binary(s4_project.node_modules)) as node:
        assert_same(local, replay(RpcChain(node.url, compiled), path))


@pytest.mark.skipif(not revm_available(), reason="pyrevm is not installed (pip install -e '.[revm]')")
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_same_results_on_revm(path: Path, compiled: ArtifactStore) -> None:
    """With the anvil test above, the three backends agree: every step's outcome, revert, time, gas, transactions
    and events (with their transaction hashes, blocks and log indexes), the deployments and every view after."""
    assert_same(replay(InProcessChain(compiled), path), replay(RevmChain(compiled), path))
