"""The revm backend (`RevmChain`) keeps real transaction semantics on pyrevm's message calls: every gas figure,
hash, block and time equals py-evm's for the same story, including what message calls get wrong (warm sets and
original values carried between transactions, nonces, EIP-7623's floor), and snapshots undo storage too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_tester.exceptions import SnapshotNotFound
from web3.exceptions import TransactionNotFound

from s4chain.chain import Chain, InProcessChain
from s4chain.chain.backends import BackendError, check_backend, in_process_chain
from s4chain.chain.revm import RevmChain, revm_available
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.testing import reverts

pytestmark = pytest.mark.skipif(not revm_available(), reason="pyrevm is not installed (pip install -e '.[revm]')")

Story = Callable[[Chain], list[Any]]


def on_both(compiled: ArtifactStore, story: Story) -> tuple[list[Any], list[Any]]:
    return story(InProcessChain(compiled)), story(RevmChain(compiled))


def _erc20_story(chain: Chain) -> list[Any]:
    alice, bob, carol = chain.accounts[:3]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    results = [token.deployment, token.mint(alice, 10**9, sender=alice)]
    # The same transfer twice: message calls would find the second's slots warm and its originals stale (24,816
    # gas where a transaction pays 34,416); then a slot set and cleared again (a refund, capped by EIP-3529).
    results += [token.transfer(bob, 5, sender=alice), token.transfer(bob, 5, sender=alice)]
    results += [token.approve(carol, 9, sender=bob), token.approve(carol, 0, sender=bob)]
    results += [token.transfer(carol, 10, sender=bob)]
    with reverts("ERC20InsufficientBalance"):
        token.transfer(alice, 1, sender=bob)
    results.append(token.transfer(bob, 1, sender=carol))  # after a reverted transaction: its nonce was used
    assert results[0] is not None
    return [
        (r.gas_used, r.tx_hash, r.block_number, r.timestamp, r.transaction_index, [e.args for e in r.events])
        for r in results
    ] + [chain.block_number, chain.timestamp, chain.balance(alice), token.balanceOf(carol)]


def test_transactions_match_py_evm(compiled: ArtifactStore) -> None:
    pyevm, revm = on_both(compiled, _erc20_story)
    assert revm == pyevm
    assert [row[0] for row in revm[2:4]] == [51_516, 34_416]


def _calldata_floor_story(chain: Chain) -> list[Any]:
    """Calldata to an account without code: EIP-7623 (Prague) charges the floor, 21,000 + 10 per token, over the
    standard 21,000 + 16 per non-zero byte, which revm 8 (Cancun) does not know."""
    alice, bob = chain.accounts[:2]
    return [
        chain.send(bob.address, b"\x07" * 1_000, sender=alice).gas_used,
        chain.send(bob.address, b"", sender=alice).gas_used,
    ]


def test_calldata_floor_of_eip_7623(compiled: ArtifactStore) -> None:
    pyevm, revm = on_both(compiled, _calldata_floor_story)
    assert revm == pyevm == [21_000 + 10 * 4 * 1_000, 21_000]


def test_snapshot_undoes_state_blocks_and_storage(compiled: ArtifactStore) -> None:
    chain = RevmChain(compiled)
    alice, bob = chain.accounts[:2]
    before = chain.snapshot()
    height = chain.block_number
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    minted = token.mint(bob, 42, sender=alice)
    chain.revert(before)
    assert chain.block_number == height
    assert chain.code_at(token.address) == b""
    with pytest.raises(TransactionNotFound):
        chain.w3.eth.get_transaction_receipt(minted.tx_hash)  # type: ignore[arg-type]
    # The same deployment lands at the same address again: its storage must be empty, not what was reverted.
    again = chain.deploy("EuroStablecoin", alice, sender=alice)
    assert again.address == token.address
    assert again.balanceOf(bob) == 0
    assert again.totalSupply() == 0
    with pytest.raises(SnapshotNotFound, match="no open snapshot"):  # as on the py-evm chain
        chain.revert(before)


def test_exactly_once_by_hash_and_w3(compiled: ArtifactStore) -> None:
    chain = RevmChain(compiled)
    alice, bob = chain.accounts[:2]
    w3 = chain.w3
    signed = alice.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": 0,
            "gas": 21_000,
            "maxFeePerGas": 10**9,
            "maxPriorityFeePerGas": 0,
            "to": bob.address,
            "value": 5,
            "data": b"",
        }
    )
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert tx_hash == signed.hash
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["status"] == 1 and receipt["gasUsed"] == 21_000
    assert w3.eth.get_transaction_count(alice.address) == 1
    with pytest.raises(Exception, match="already known"):
        w3.eth.send_raw_transaction(signed.raw_transaction)  # the same transaction again: not executed twice
    assert chain.settle(bytes(signed.raw_transaction), signed.hash.to_0x_hex(), alice.address, 0) == receipt
    assert chain.block_number == 1 and chain.balance(bob) == 10_000 * 10**18 + 5
    assert w3.eth.get_block("latest")["number"] == 1


def test_calls_only_at_the_latest_block(compiled: ArtifactStore) -> None:
    chain = RevmChain(compiled)
    alice = chain.accounts[0]
    token = chain.deploy("EuroStablecoin", alice, sender=alice)
    token.mint(alice, 3, sender=alice)
    assert token.balanceOf.call(alice, block=chain.block_number) == 3
    with pytest.raises(ValueError, match="latest block"):
        token.balanceOf.call(alice, block=1)


def test_backend_by_name(compiled: ArtifactStore) -> None:
    assert in_process_chain("revm", compiled).backend_name == "revm"
    assert in_process_chain("py-evm", compiled).backend_name == "in-process"
    with pytest.raises(BackendError, match="unknown backend 'evmone'"):
        check_backend("evmone")


SUITE = """
def test_backend(chain, accounts):
    token = chain.deploy("EuroStablecoin", accounts[0])
    result = token.mint(accounts[1], 5)
    assert token.balanceOf(accounts[1]) == 5
    print("BACKEND", chain.backend_name, result.gas_used)
"""


def test_plugin_option_runs_a_suite_on_revm(pytester: pytest.Pytester, s4_project: Project) -> None:
    # Nested pytest runs in this process (as test_plugin_rpc_option.py's): the option is the plugin's.
    (pytester.path / "contracts").mkdir()
    (pytester.path / "contracts" / "EuroStablecoin.sol").write_text(
        (s4_project.contracts_dir / "common" / "EuroStablecoin.sol").read_text()
    )
    (pytester.path / "node_modules").symlink_to(s4_project.node_modules)
    pytester.makepyfile(test_x=SUITE)
    runs = {}
    for backend in ("py-evm", "revm"):
        run = pytester.runpytest("-q", "-s", "-p", "no:cacheprovider", "--s4-backend", backend)
        run.assert_outcomes(passed=1)
        runs[backend] = next(line for line in run.outlines if line.startswith("BACKEND"))
    assert runs["revm"].startswith("BACKEND revm ")
    assert runs["revm"].split()[-1] == runs["py-evm"].split()[-1]  # the same gas


def without(data: Any, keys: set[str]) -> Any:
    """The report's data less the keys that name the backend or time the run."""
    if isinstance(data, dict):
        return {k: without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [without(v, keys) for v in data]
    return data


def test_replay_backend_option(tmp_path: Path, s4_project: Project) -> None:
    from tests.scenarios.conftest import run_cli

    scenario = s4_project.root / "scenarios" / "02-sme-token-sale-misses-goal.yaml"
    reports: dict[str, Any] = {}
    for backend in ("py-evm", "revm"):
        report = tmp_path / backend / "replay.html"
        run = run_cli("replay", scenario, "--backend", backend, "--report", report, "--project", s4_project.root)
        assert run.returncode == 0, run.stdout + run.stderr
        reports[backend] = json.loads(report.with_suffix(".json").read_text())
    assert reports["revm"]["scenarios"][0]["backend"] == "revm"
    assert without(reports["revm"], {"backend", "seconds", "generated"}) == without(
        reports["py-evm"], {"backend", "seconds", "generated"}
    )
    refused = run_cli(
        "replay", scenario, "--backend", "revm", "--rpc", "http://127.0.0.1:9", "--project", s4_project.root
    )
    assert refused.returncode == 2 and "--backend revm is for the in-process chain" in refused.stdout + refused.stderr


def test_without_pyrevm_the_backend_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, s4_project: Project) -> None:
    """What a user without the revm extra sees: a message naming the package, exit 2 (no traceback)."""
    from tests.scenarios.conftest import run_cli

    monkeypatch.setattr("s4chain.chain.revm.pyrevm", None)
    with pytest.raises(BackendError, match="needs pyrevm"):
        check_backend("revm")
    scenario = s4_project.root / "scenarios" / "02-sme-token-sale-misses-goal.yaml"
    run = run_cli("replay", scenario, "--backend", "revm", "--project", s4_project.root)
    assert run.returncode == 2 and "needs pyrevm" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
