"""The performance benchmark of issue 16: every path in one invocation, taking turns (each repetition runs every
path once, in a rotated order, so that the load of the shared machine falls on all of them alike), medians of the
repetitions, CPU time (this process's; on anvil, this process's plus anvil's) and wall time.

Paths: naive web3 + EthereumTesterProvider with default `transact`; s4chain in-process (`Contract.fn(..., sender=)`);
eth-tester's API directly; py-evm directly (one block per transaction, and execution only); s4chain on revm
(`RevmChain`: real transactions with receipts, `revm_*`) and revm's raw message calls (not transactions,
`revm_raw_*`) when pyrevm is installed (`pip install -e '.[revm]'`); on anvil, naive web3 against s4chain's
RpcChain; an in-process replay's cost per step as it grows (first and last 100 steps), and against raw transfers
on its own chain, taking turns step by step; the peak RSS of a 10,000-step replay (in a subprocess); snapshot +
revert; and a mixed S4 workload (token-sale buys, lease billing, supply-chain sensor readings), naive web3 against
s4chain on the same deployments. Each in-process change
is measured against what it replaced in the same run (`*_before` keys). A path that cannot run gives null, with the
reason in the table.

The table goes first; the LAST line printed is one JSON object with the figures (docs/performance.md).

    .venv/bin/python scripts/bench.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))  # bench_replay_growth: the generated single-action scenario
for suite in ("ico", "leasing", "supply"):  # the suites' deployments of the S4 contracts, for the mixed workload
    sys.path.insert(0, str(ROOT / "tests" / suite))

from eth_tester import EthereumTester, PyEVMBackend  # noqa: E402
from web3 import Web3  # noqa: E402
from web3.providers.eth_tester import EthereumTesterProvider  # noqa: E402

from bench_replay_growth import scenario_text  # noqa: E402
from s4chain.chain import AnvilNode, Chain, InProcessChain, RpcChain, anvil_binary  # noqa: E402
from s4chain.chain.accounts import dev_accounts  # noqa: E402
from s4chain.chain.base import BLOCK_GAS_LIMIT  # noqa: E402
from s4chain.chain.inprocess import TesterBackend, eth_tester_backend, eth_tester_web3  # noqa: E402
from s4chain.compiler import compile_project  # noqa: E402
from s4chain.compiler.artifacts import Artifact, ArtifactStore  # noqa: E402
from s4chain.project import Project  # noqa: E402

Timing = tuple[float, float]  # CPU seconds, wall seconds
MINT = 10**30


@dataclass
class Row:
    """One line of the table: operations per CPU-second and per wall-second (None: not measured, see `note`)."""

    path: str
    what: str
    cpu: float | None = None
    wall: float | None = None
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, path: str, what: str, runs: list[Timing] | None, count: int, note: str = "") -> Row:
        row = Row(path, what, note=note)
        if runs:
            row.cpu = count / statistics.median(cpu for cpu, _ in runs)
            row.wall = count / statistics.median(wall for _, wall in runs)
        self.rows.append(row)
        return row

    def note(self, path: str, what: str, note: str) -> None:
        self.rows.append(Row(path, what, note=note))


@contextmanager
def clock(extra_pid: int | None = None) -> Iterator[list[float]]:
    """Times the block: yields a list that holds [cpu, wall] when it ends (cpu includes `extra_pid`'s)."""
    spent: list[float] = []
    cpu0, wall0, other0 = time.process_time(), time.perf_counter(), _cpu_of(extra_pid)
    yield spent
    spent += [time.process_time() - cpu0 + _cpu_of(extra_pid) - other0, time.perf_counter() - wall0]


def _cpu_of(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(batch: Callable[[], None], extra_pid: int | None = None) -> Timing:
    with clock(extra_pid) as spent:
        batch()
    return spent[0], spent[1]


def take_turns(batches: dict[str, Callable[[], Timing]], repeats: int) -> dict[str, list[Timing]]:
    """Every batch once per repetition, the order rotated each time; a batch that fails is dropped (its error kept
    in `failures`)."""
    runs: dict[str, list[Timing]] = {name: [] for name in batches}
    names = list(batches)
    for repeat in range(repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]
        for name in order:
            if name in failures:
                continue
            try:
                runs[name].append(batches[name]())
            except Exception as exc:
                failures[name] = f"{type(exc).__name__}: {exc}"[:160]
                traceback.print_exc(file=sys.stderr)
    return runs


failures: dict[str, str] = {}


# --- the ERC-20 paths ---------------------------------------------------------------------------------------------
def genesis() -> dict[str, Any]:
    return PyEVMBackend.generate_genesis_params(overrides={"gas_limit": BLOCK_GAS_LIMIT})


def constructor_data(w3: Web3, artifact: Artifact, *args: Any) -> bytes:
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    return bytes.fromhex(factory.constructor(*args).data_in_transaction[2:])


class Naive:
    """web3 over eth-tester (EthereumTesterProvider), `transact` with its defaults (gas estimation) and a wait
    for the receipt; calls through `.call()`."""

    def __init__(self, token: Artifact, w3: Web3 | None = None, first: int = 0) -> None:
        self.w3 = w3 or Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend(genesis_parameters=genesis()))))
        self.alice, self.bob = self.w3.eth.accounts[first : first + 2]
        factory = self.w3.eth.contract(abi=token.abi, bytecode=token.bytecode)
        sent = factory.constructor(self.alice).transact({"from": self.alice})
        address = self.w3.eth.wait_for_transaction_receipt(sent)["contractAddress"]
        self.token = self.w3.eth.contract(address=address, abi=token.abi)
        self._send(self.token.functions.mint(self.alice, MINT))

    def _send(self, function: Any) -> None:
        self.w3.eth.wait_for_transaction_receipt(function.transact({"from": self.alice}))

    def transfers(self, count: int) -> None:
        for _ in range(count):
            self._send(self.token.functions.transfer(self.bob, 1))

    def calls(self, count: int) -> None:
        for _ in range(count):
            self.token.functions.balanceOf(self.bob).call()


class S4(Naive):
    """s4chain's own path on a chain (in-process or RpcChain): `token.transfer(bob, 1, sender=alice)`."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.alice, self.bob = chain.accounts[:2]
        self.token = chain.deploy("EuroStablecoin", self.alice, sender=self.alice)
        self.token.mint(self.alice, MINT, sender=self.alice)

    def transfers(self, count: int) -> None:
        for _ in range(count):
            self.token.transfer(self.bob, 1, sender=self.alice)

    def calls(self, count: int) -> None:
        for _ in range(count):
            self.token.balanceOf(self.bob)


class BeforeChain(Chain):
    """The in-process chain as it was before issue 16: eth-tester and web3 for everything (transactions sent raw
    through web3 and applied, then mined, by eth-tester; receipts and the latest block read through web3; calls
    through eth-tester, a VM per call; eth-tester's snapshots, whose revert re-imports the head block)."""

    backend_name = "in-process, before issue 16"

    def __init__(self, store: ArtifactStore) -> None:
        self.tester = EthereumTester(eth_tester_backend(kind=TesterBackend))
        self._automine = True
        super().__init__(eth_tester_web3(self.tester), dev_accounts(), store)

    def _set_next_block_timestamp(self, timestamp: int) -> None:
        chain = self.tester.backend.chain
        chain.header = chain.header.copy(timestamp=timestamp)

    def _mine_block(self) -> None:
        self.tester.mine_blocks(1)

    def _set_automine(self, on: bool) -> None:
        self._automine = on

    def _submit_raw(self, raw: bytes) -> None:
        if self._automine:
            super()._submit_raw(raw)
        else:
            self.tester.backend.send_raw_transaction(raw)

    def snapshot(self) -> Any:
        return self.tester.take_snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.tester.revert_to_snapshot(snapshot_id)
        self._after_revert()

    def _eth_call(self, tx: dict[str, Any], block: int | str) -> bytes:
        normalizer = self.tester.normalizer
        normalized = normalizer.normalize_inbound_transaction(
            {k: v for k, v in tx.items() if k in ("from", "to", "data", "value", "gas")}
        )
        call: Callable[..., bytes] = self.tester.backend.call
        return call(normalized, normalizer.normalize_inbound_block_number(block))


class EthTester:
    """eth-tester's API directly: `send_transaction` (eth-tester signs) and the receipt; `call`."""

    def __init__(self, token: Artifact, w3: Web3) -> None:
        self.tester = EthereumTester(PyEVMBackend(genesis_parameters=genesis()))
        self.alice, self.bob = self.tester.get_accounts()[:2]
        deploy = self.tester.send_transaction(
            {"from": self.alice, "gas": 5_000_000, "data": "0x" + constructor_data(w3, token, self.alice).hex()}
        )
        self.token = self.tester.get_transaction_receipt(deploy)["contract_address"]
        contract = w3.eth.contract(abi=token.abi)
        self.transfer_data = contract.encode_abi("transfer", [self.bob, 1])
        self.call_data = contract.encode_abi("balanceOf", [self.bob])
        self._send(contract.encode_abi("mint", [self.alice, MINT]))

    def _send(self, data: str) -> None:
        sent = self.tester.send_transaction({"from": self.alice, "to": self.token, "gas": 200_000, "data": data})
        self.tester.get_transaction_receipt(sent)

    def transfers(self, count: int) -> None:
        for _ in range(count):
            self._send(self.transfer_data)

    def calls(self, count: int) -> None:
        for _ in range(count):
            self.tester.call({"from": self.alice, "to": self.token, "data": self.call_data})


class PyEvm:
    """py-evm driven directly, transactions signed with eth-keys (coincurve). `blocks`: one block per transaction
    (`mine_all`, one state root per block) and calls on a VM built for each (as eth-tester does); else
    execution only: every transaction applied to one state, no state root, no block, calls on that state between
    a snapshot and a revert."""

    def __init__(self, token: Artifact, w3: Web3, blocks: bool) -> None:
        from eth.vm.spoof import SpoofTransaction

        backend = PyEVMBackend(genesis_parameters=genesis())
        self.chain = backend.chain
        self.key = backend.account_keys[0]
        self.alice = self.key.public_key.to_canonical_address()
        self.bob = backend.account_keys[1].public_key.to_canonical_address()
        self.blocks = blocks
        self.nonce = 0
        self.spoof = SpoofTransaction
        self.state = None if blocks else self.chain.get_vm().state
        self.token = self._apply(b"", constructor_data(w3, token, self.alice))[1]
        contract = w3.eth.contract(abi=token.abi)
        self.transfer_data = bytes.fromhex(contract.encode_abi("transfer", [self.bob, 1])[2:])
        self.call_data = bytes.fromhex(contract.encode_abi("balanceOf", [self.bob])[2:])
        self._apply(self.token, bytes.fromhex(contract.encode_abi("mint", [self.alice, MINT])[2:]))

    def _unsigned(self, to: bytes, data: bytes, nonce: int, gas: int) -> Any:
        builder = self.chain.get_vm().get_transaction_builder()
        return builder.new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain.chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=0,
            max_fee_per_gas=10**10,
            gas=gas,
            to=to,
            value=0,
            data=data,
            access_list=(),
        )

    def _apply(self, to: bytes, data: bytes) -> tuple[Any, bytes]:
        signed = self._unsigned(to, data, self.nonce, 5_000_000).as_signed_transaction(self.key)
        self.nonce += 1
        if self.state is None:
            computation = self.chain.mine_all([signed], mix_hash=b"\x01" * 32)[2][0]
        else:
            computation = self.state.apply_transaction(signed)
        assert computation.is_success, computation.error
        return computation, computation.msg.storage_address

    def transfers(self, count: int) -> None:
        for _ in range(count):
            self._apply(self.token, self.transfer_data)

    def calls(self, count: int) -> None:
        for _ in range(count):
            call = self.spoof(self._unsigned(self.token, self.call_data, self.nonce, 1_000_000), from_=self.alice)
            state = self.state or self.chain.get_vm(self.chain.get_canonical_head()).state
            snapshot = state.snapshot()
            state.apply_transaction(call)
            state.revert(snapshot)


class Revm:
    """revm through `pyrevm`: `message_call`s, which are not full transactions (no intrinsic gas, warm access sets
    kept between calls, no nonce), and no receipts or blocks."""

    scale = 20  # operations per batch, times the others': its batches would otherwise last a few ms

    def __init__(self, token: Artifact, w3: Web3) -> None:
        from pyrevm import EVM

        self.evm = EVM(spec_id="PRAGUE")
        self.alice, self.bob = Web3.to_checksum_address("0x" + "a1" * 20), Web3.to_checksum_address("0x" + "b0" * 20)
        self.evm.set_balance(self.alice, 10**24)
        self.token = self.evm.deploy(self.alice, constructor_data(w3, token, self.alice))
        contract = w3.eth.contract(abi=token.abi)
        self.transfer_data = bytes.fromhex(contract.encode_abi("transfer", [self.bob, 1])[2:])
        self.call_data = bytes.fromhex(contract.encode_abi("balanceOf", [self.bob])[2:])
        self.evm.message_call(
            self.alice, self.token, bytes.fromhex(contract.encode_abi("mint", [self.alice, MINT])[2:])
        )

    def transfers(self, count: int) -> None:
        for _ in range(count):
            self.evm.message_call(self.alice, self.token, self.transfer_data)

    def calls(self, count: int) -> None:
        for _ in range(count):
            self.evm.message_call(self.alice, self.token, self.call_data, is_static=True)


class S4Revm(S4):
    """s4chain's own path on `RevmChain`: real transactions (signed, nonce, intrinsic gas, per-transaction warm sets,
    one block each) with receipts and decoded events, as `inprocess` but on revm."""

    scale = 5

    def __init__(self, store: ArtifactStore) -> None:
        from s4chain.chain.revm import RevmChain

        super().__init__(RevmChain(store))


def erc20_paths(store: ArtifactStore, report: Report, count: int, calls: int, repeats: int) -> None:
    token = store.get("EuroStablecoin")
    w3 = Web3()
    makers: dict[str, Callable[[], Any]] = {
        "naive": lambda: Naive(token),
        "inprocess": lambda: S4(InProcessChain(store)),
        "inprocess_before": lambda: S4(BeforeChain(store)),
        "eth_tester": lambda: EthTester(token, w3),
        "pyevm_blocks": lambda: PyEvm(token, w3, blocks=True),
        "pyevm_execution": lambda: PyEvm(token, w3, blocks=False),
        "revm": lambda: S4Revm(store),
        "revm_raw": lambda: Revm(token, w3),
    }
    paths: dict[str, Any] = {}
    for name, make in makers.items():
        try:
            paths[name] = make()
        except Exception as exc:
            failures[name] = f"{type(exc).__name__}: {exc}"[:160]
    batches: dict[str, Callable[[], Timing]] = {}
    for name, path in paths.items():
        scale = getattr(path, "scale", 1)
        batches[f"{name}.tx"] = lambda path=path, n=count * scale: timed(lambda: path.transfers(n))
        batches[f"{name}.call"] = lambda path=path, n=calls * scale: timed(lambda: path.calls(n))
    runs = take_turns(batches, repeats)
    labels = {
        "naive": "web3 + EthereumTesterProvider, default transact (naive)",
        "inprocess": "s4chain in-process (Contract.fn(..., sender=))",
        "inprocess_before": "  before issue 16 (eth-tester and web3 throughout)",
        "eth_tester": "eth-tester API directly",
        "pyevm_blocks": "py-evm directly, one block per tx",
        "pyevm_execution": "py-evm directly, execution only",
        "revm": "s4chain on revm (RevmChain: transactions, receipts, blocks)",
        "revm_raw": "revm through pyrevm (message calls)",
    }
    for name, label in labels.items():
        scale = getattr(paths.get(name), "scale", 1)
        for kind, n in (("tx", count * scale), ("call", calls * scale)):
            key = f"{name}.{kind}"
            why = failures.get(key) or failures.get(name, "")
            row = report.add(label, kind, runs.get(key), n, why)
            report.figures[f"{name}_{kind}_per_s"] = _round(row.cpu)


REPLAY_STEPS_ON_NODE = 200


def rpc_paths(store: ArtifactStore, report: Report, count: int, repeats: int) -> None:
    project = Project.discover(ROOT)
    try:
        node = AnvilNode(anvil_binary(project.node_modules)).start()
    except Exception as exc:
        for what in ("naive web3 on anvil", "s4chain RpcChain on anvil"):
            report.note(what, "tx", f"anvil did not start: {exc}")
        return
    try:
        assert node.process is not None
        pid = node.process.pid
        token = store.get("EuroStablecoin")
        # The replay's own start (the scenario loaded, the token's set deployed, the run's checks) is paid once per
        # replay: spread over at least 200 steps, so that the figure is the per-step cost the goal is about.
        node_steps = max(count, REPLAY_STEPS_ON_NODE)
        # web3's HTTPProvider with anvil's unlocked dev accounts; another sender than s4chain's, so that neither's
        # locally counted nonces go stale.
        naive = Naive(token, Web3(Web3.HTTPProvider(node.url)), first=5)
        s4 = S4(RpcChain(node.url, store))
        runs = take_turns(
            {
                "rpc_naive": lambda: timed(lambda: naive.transfers(count), pid),
                "rpc": lambda: timed(lambda: s4.transfers(count), pid),
                "rpc_replay": lambda: rpc_replay(store, node.url, node_steps, pid),
            },
            repeats,
        )
    finally:
        node.stop()
    # On anvil the wall clock is the figure (web3's receipt wait sleeps); CPU counts this process and anvil.
    for key, label, n in (
        ("rpc_naive", "naive web3 on anvil (HTTP)", count),
        ("rpc", "s4chain RpcChain on anvil", count),
        ("rpc_replay", f"s4chain replay on anvil, journaled (token + {node_steps} steps)", node_steps),
    ):
        row = report.add(label, "tx (CPU: client + anvil)", runs.get(key), n, failures.get(key, ""))
        report.figures[f"{key}_tx_per_s"] = _round(row.wall)
        report.figures[f"{key}_tx_per_cpu_s"] = _round(row.cpu)


def rpc_replay(store: ArtifactStore, url: str, steps: int, pid: int) -> Timing:
    """`s4chain replay --rpc` of the single-action scenario on the node at `url`, journaled as the CLI journals:
    a token created, then `steps` transfers (the token's step is timed too, so the figure per step is a bit low).
    The node is reverted afterwards (not timed), so that the scenario's start date is ahead of it again."""
    from rich.console import Console

    from s4chain.cli.replay import replay_all
    from s4chain.scenarios.journal import JournalWriter, journal_path
    from s4chain.scenarios.loader import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.yaml"
        path.write_text(scenario_text(steps))
        chain = RpcChain(url, store)
        chain.sole_writer = True  # as `s4chain replay --rpc` sets it once it holds the node's lock
        journal = JournalWriter.fresh(journal_path(Path(tmp) / "long.html"), chain)
        before = chain.snapshot()
        try:
            return timed(
                lambda: (
                    replay_all(
                        [load_scenario(path)], lambda: chain, Console(quiet=True), shared_chain=True, journal=journal
                    )
                    and None
                ),
                pid,
            )
        finally:
            chain.revert(before)


# --- replays ------------------------------------------------------------------------------------------------------
def replay_steps(
    store: ArtifactStore, steps: int, kind: Callable[[ArtifactStore], Chain] = InProcessChain
) -> list[Timing]:
    """An in-process replay of the single-action scenario (a token transfer per step): CPU and wall per step."""
    from s4chain.scenarios.engine import Replayer
    from s4chain.scenarios.loader import load_scenario

    per_step: list[Timing] = []
    began: list[float] = []

    def before(*_: Any) -> None:
        began[:] = [time.process_time(), time.perf_counter()]

    def after(*_: Any) -> None:
        per_step.append((time.process_time() - began[0], time.perf_counter() - began[1]))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.yaml"
        path.write_text(scenario_text(steps))
        Replayer(kind(store), load_scenario(path)).run(on_step=after, before_step=before)
    return per_step


def replay_in_turns(store: ArtifactStore, steps: int) -> tuple[float, float]:
    """The single-action replay taking turns with raw transfers on its own chain: after each step, one
    `token.transfer(noor, 1, sender=lea)` of the replay's token, as a test sends it (the block's time not pinned
    as the replay pins it). Both then run under the same load, the same garbage collector's state and the same
    chain; returns the CPU seconds of the steps and of the transfers (the token's creation left out)."""
    from s4chain.scenarios.engine import Replayer, StepRecord
    from s4chain.scenarios.loader import load_scenario

    spent = {"step": 0.0, "raw": 0.0}
    began: list[float] = []

    def before(*_: Any) -> None:
        began[:] = [time.process_time()]

    def after(record: StepRecord) -> None:
        step = time.process_time() - began[0]
        if record.index == 0:
            return
        spent["step"] += step
        token = replayer.drivers["market"].token("BEN")
        chain.one_second_blocks = False
        cpu = time.process_time()
        token.transfer(replayer.actors["noor"], 1, sender=replayer.actors["lea"])
        spent["raw"] += time.process_time() - cpu
        chain.one_second_blocks = True

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.yaml"
        path.write_text(scenario_text(steps))
        chain = InProcessChain(store)
        replayer = Replayer(chain, load_scenario(path))
        replayer.run(on_step=after, before_step=before)
    return spent["step"], spent["raw"]


def replay_growth(store: ArtifactStore, report: Report, steps: int, window: int) -> None:
    per_step = replay_steps(store, steps)[1:]  # the first step creates the token
    first, last = per_step[:window], per_step[-window:]
    cpu = sum(c for c, _ in last) / sum(c for c, _ in first)
    wall = sum(w for _, w in last) / sum(w for _, w in first)
    report.figures["growth_last_over_first"] = round(cpu, 3)
    report.figures["growth_last_over_first_wall"] = round(wall, 3)
    report.figures["growth_steps"] = steps
    report.rows.append(
        Row(f"replay growth, {steps} steps", f"last/first {window}", note=f"CPU {cpu:.2f}x, wall {wall:.2f}x")
    )
    steps_per_cpu_s = len(per_step) / sum(c for c, _ in per_step)
    report.figures["replay_steps_per_s"] = round(steps_per_cpu_s, 1)
    raw = report.figures.get("inprocess_tx_per_s")
    report.figures["replay_steps_over_tx"] = round(steps_per_cpu_s / raw, 3) if raw else None
    report.rows.append(Row("in-process replay, single-action scenario", "step", steps_per_cpu_s))
    turns = min(steps, 1000)
    step_cpu, raw_cpu = replay_in_turns(store, turns)
    ratio = raw_cpu / step_cpu
    report.figures["replay_steps_over_same_chain_tx"] = round(ratio, 3)
    report.rows.append(
        Row(f"  in turns with raw transfers ({turns} each)", "step", (turns - 1) / step_cpu, note=f"{ratio:.3f} x raw")
    )
    earlier = replay_steps(store, window + 1, BeforeChain)[1:]
    before = len(earlier) / sum(c for c, _ in earlier)
    report.figures["replay_steps_per_s_before"] = round(before, 1)
    report.rows.append(Row(f"  as before issue 16 ({window} steps)", "step", before))


def peak_rss(report: Report, steps: int | None) -> None:
    if steps is None:
        report.figures["peak_rss_mib_10k"] = None
        report.note("peak RSS of a 10,000-step replay", "MiB", "not run with --quick (about 5 minutes)")
        return
    done = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(steps)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        report.figures["peak_rss_mib_10k"] = None
        report.note(f"peak RSS of a {steps}-step replay", "MiB", f"failed: {done.stderr.strip()[-160:]}")
        return
    mib = int(done.stdout.split()[-1]) / 1024
    report.figures["peak_rss_mib_10k"] = round(mib, 1)
    report.rows.append(Row(f"peak RSS of a {steps}-step replay (subprocess)", "MiB", note=f"{mib:.0f} MiB"))


def rss_child(steps: int) -> None:
    replay_steps(compile_project(Project.discover(ROOT)).store, steps)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


# --- snapshots ----------------------------------------------------------------------------------------------------
def snapshots(store: ArtifactStore, report: Report, count: int, repeats: int) -> None:
    """snapshot + revert around one token transfer on the in-process chain (the transfer not timed): s4chain's
    own against eth-tester's (which re-imports the snapshot's head block)."""

    def batch(path: S4) -> Timing:
        chain = path.chain
        cpu = wall = 0.0
        for _ in range(count):
            with clock() as first:
                snapshot = chain.snapshot()
            path.transfers(1)
            with clock() as second:
                chain.revert(snapshot)
            cpu, wall = cpu + first[0] + second[0], wall + first[1] + second[1]
        return cpu, wall

    now, before = S4(InProcessChain(store)), S4(BeforeChain(store))
    runs = take_turns({"snapshot": lambda: batch(now), "snapshot_before": lambda: batch(before)}, repeats)
    for key, label in (
        ("snapshot", "s4chain in-process snapshot + revert"),
        ("snapshot_before", "  as before: eth-tester's (re-imports the head block)"),
    ):
        row = report.add(label, "snapshot+revert", runs.get(key), count, failures.get(key, ""))
        report.figures[f"{key}_revert_ms"] = _round(1000 / row.cpu if row.cpu else None, 3)


# --- the mixed S4 workload ----------------------------------------------------------------------------------------
class Mixed:
    """A token sale (buys: approve + buy), a machine lease (billing at each due time) and a supply chain (sensor
    readings on a lot), each on a chain of its own, deployed by the suites' helpers; `naive` sends the same
    functions through web3's `transact` with its defaults on the same kind of chain."""

    def __init__(self, store: ArtifactStore, naive: bool) -> None:
        from ico_env import build_ico_env
        from leasing_env import build_leasing_env
        from supply_env import build_supply_env

        from s4chain.drivers.units import eur

        self.naive = naive
        self.ico = build_ico_env(InProcessChain(store))
        self.ico.open()
        self.lease = build_leasing_env(InProcessChain(store))
        self.lease_id = self.lease.subscribe(top_up=Decimal(90_000))
        self.due = self.lease.driver.statement(self.lease_id).next_bill_at
        self.period = 30 * 24 * 3600
        self.supply = build_supply_env(InProcessChain(store))
        self.lot = self.supply.commission(temp_min=Decimal(2), temp_max=Decimal(8))
        self.amount = eur(100)

    def _send(self, contract: Any, name: str, *args: Any, sender: Any) -> None:
        if not self.naive:
            getattr(contract, name)(*args, sender=sender)
            return
        w3 = contract.chain.w3
        function = w3.eth.contract(address=contract.address, abi=contract.abi).functions[name]
        plain = [a.address if hasattr(a, "address") else a for a in args]
        w3.eth.wait_for_transaction_receipt(function(*plain).transact({"from": sender.address}))

    def round(self) -> None:
        sale = self.ico.driver
        self._send(sale.stablecoin, "approve", sale.sale, self.amount, sender=self.ico.carol)
        self._send(sale.sale, "buy", self.amount, sender=self.ico.carol)
        # A block at the due time first: web3 estimates the gas at the latest block, where billing must be due.
        self.lease.chain.travel_to(self.due)
        self._send(self.lease.driver.lease, "runBilling", self.lease_id, sender=self.lease.keeper)
        self.due += self.period
        self._send(self.supply.sc, "postReading", self.lot, 500, b"\x01" * 32, sender=self.supply.sensor)


def mixed(store: ArtifactStore, report: Report, rounds: int, repeats: int) -> None:
    try:
        naive, s4 = Mixed(store, naive=True), Mixed(store, naive=False)
    except Exception as exc:
        report.note("mixed S4 workload", "round", f"setup failed: {type(exc).__name__}: {exc}"[:200])
        report.figures["mixed_speedup"] = None
        return

    def batch(path: Mixed) -> Timing:
        return timed(lambda: [path.round() for _ in range(rounds)] and None)

    runs = take_turns({"mixed_naive": lambda: batch(naive), "mixed": lambda: batch(s4)}, repeats)
    a = report.add("mixed S4 workload, naive web3 (4 tx + 1 block a round)", "round", runs.get("mixed_naive"), rounds)
    b = report.add("mixed S4 workload, s4chain in-process", "round", runs.get("mixed"), rounds)
    report.figures["mixed_naive_rounds_per_s"] = _round(a.cpu)
    report.figures["mixed_rounds_per_s"] = _round(b.cpu)
    report.figures["mixed_speedup"] = _ratio(b.cpu, a.cpu)


# --- output -------------------------------------------------------------------------------------------------------
def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def print_table(report: Report) -> None:
    print(f"{'path':<58} {'per':<26} {'per CPU-s':>10} {'per wall-s':>10}  note")
    for row in report.rows:
        cpu = f"{row.cpu:,.1f}" if row.cpu is not None else "-"
        wall = f"{row.wall:,.1f}" if row.wall is not None else "-"
        print(f"{row.path:<58} {row.what:<26} {cpu:>10} {wall:>10}  {row.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer transactions and steps: under 3 minutes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.rss_child:
        rss_child(options.rss_child)
        return
    quick = options.quick
    began = time.perf_counter()
    store = compile_project(Project.discover(ROOT)).store
    report = Report()
    erc20_paths(store, report, count=60 if quick else 500, calls=150 if quick else 1000, repeats=options.repeats)
    rpc_paths(store, report, count=30 if quick else 200, repeats=options.repeats)
    snapshots(store, report, count=20 if quick else 100, repeats=options.repeats)
    mixed(store, report, rounds=3 if quick else 20, repeats=options.repeats)
    replay_growth(store, report, steps=300 if quick else 2000, window=100)
    peak_rss(report, None if quick else 10_000)
    f = report.figures
    f["inprocess_speedup"] = _ratio(f.get("inprocess_tx_per_s"), f.get("naive_tx_per_s"))
    f["revm_speedup"] = _ratio(f.get("revm_tx_per_s"), f.get("naive_tx_per_s"))
    f["revm_raw_speedup"] = _ratio(f.get("revm_raw_tx_per_s"), f.get("naive_tx_per_s"))
    f["revm_call_speedup"] = _ratio(f.get("revm_call_per_s"), f.get("naive_call_per_s"))
    f["call_speedup"] = _ratio(f.get("inprocess_call_per_s"), f.get("naive_call_per_s"))
    f["inprocess_speedup_before"] = _ratio(f.get("inprocess_before_tx_per_s"), f.get("naive_tx_per_s"))
    f["call_speedup_before"] = _ratio(f.get("inprocess_before_call_per_s"), f.get("naive_call_per_s"))
    f["rpc_speedup"] = _ratio(f.get("rpc_tx_per_s"), f.get("rpc_naive_tx_per_s"))
    f["rpc_replay_speedup"] = _ratio(f.get("rpc_replay_tx_per_s"), f.get("rpc_naive_tx_per_s"))
    f["snapshot_revert_ms_before"] = f.pop("snapshot_before_revert_ms", None)
    f["quick"] = quick
    f["seconds"] = round(time.perf_counter() - began, 1)
    f["load_1min"] = round(os.getloadavg()[0], 1)
    print_table(report)
    print(json.dumps({key: f.get(key) for key in KEYS} | f, sort_keys=False))


KEYS = (
    "naive_tx_per_s",
    "inprocess_tx_per_s",
    "inprocess_speedup",
    "revm_speedup",
    "naive_call_per_s",
    "inprocess_call_per_s",
    "call_speedup",
    "rpc_naive_tx_per_s",
    "rpc_tx_per_s",
    "rpc_speedup",
    "rpc_replay_speedup",
    "growth_last_over_first",
    "peak_rss_mib_10k",
    "snapshot_revert_ms",
    "replay_steps_over_tx",
    "replay_steps_over_same_chain_tx",
    "mixed_speedup",
)


if __name__ == "__main__":
    main()
