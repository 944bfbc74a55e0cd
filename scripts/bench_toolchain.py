"""Toolchain benchmark: prints its figures, measured in one run against a baseline.

1. Compile: a cold `s4chain compile` (empty cache) against a warm one (nothing changed), both as the user runs
   them (the CLI in a fresh process) and as the library call. Goal: warm at least 20x faster than cold.
2. Transactions on the in-process chain: web3's default path (`contract.functions.f().transact()`, which
   estimates gas by binary search) against s4chain's (signed locally, fixed gas limit). Counts full EVM
   executions per transaction and transactions per second.

Usage: .venv/bin/python scripts/bench_toolchain.py [--transactions N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from eth.vm.state import BaseTransactionExecutor

from s4chain.chain import InProcessChain
from s4chain.compiler import compile_project
from s4chain.project import Project

ROOT = Path(__file__).resolve().parents[1]


def copy_project(destination: Path) -> Project:
    shutil.copytree(ROOT / "contracts", destination / "contracts")
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    return Project(destination)


def timed_cli(project: Project) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "s4chain.cli", "compile", "--project", str(project.root)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def bench_compile() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch))
        sources = len(list(project.contracts_dir.rglob("*.sol")))
        cold_cli = timed_cli(project)
        warm_cli = min(timed_cli(project) for _ in range(3))
        shutil.rmtree(project.build_dir / "cache", ignore_errors=True)
        cold_lib = compile_project(project).seconds
        warm_lib = min(compile_project(project).seconds for _ in range(3))
    print(f"compile ({sources} source files)")
    print(
        f"  CLI:     cold {cold_cli:7.2f} s   warm {warm_cli:6.3f} s   ratio {cold_cli / warm_cli:6.1f}x (goal >= 20x)"
    )
    print(f"  library: cold {cold_lib:7.2f} s   warm {warm_lib:6.3f} s   ratio {cold_lib / warm_lib:6.1f}x")


class ExecutionCounter:
    """Counts full transaction executions in py-evm (sends, calls and each gas-estimation probe)."""

    def __init__(self) -> None:
        self.count = 0
        self._original = BaseTransactionExecutor.__call__

    def __enter__(self) -> ExecutionCounter:
        counter = self
        original = self._original

        def counting(executor: BaseTransactionExecutor, transaction: object) -> object:
            counter.count += 1
            return original(executor, transaction)  # type: ignore[arg-type]

        BaseTransactionExecutor.__call__ = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        BaseTransactionExecutor.__call__ = self._original  # type: ignore[method-assign]


def bench_transactions(transactions: int) -> None:
    store = compile_project(Project(ROOT)).store
    chain = InProcessChain(store)
    alice, bob = chain.accounts[:2]
    coin = chain.deploy("EuroStablecoin", alice, sender=alice)
    coin.mint(alice, 10**15, sender=alice)
    web3_coin = chain.w3.eth.contract(address=coin.address, abi=coin.abi)

    with ExecutionCounter() as web3_runs:
        started = time.perf_counter()
        for _ in range(transactions):
            tx_hash = web3_coin.functions.transfer(bob.address, 1).transact({"from": alice.address})
            chain.w3.eth.wait_for_transaction_receipt(tx_hash)
        web3_seconds = time.perf_counter() - started
    with ExecutionCounter() as s4_runs:
        started = time.perf_counter()
        for _ in range(transactions):
            coin.transfer(bob, 1, sender=alice)
        s4_seconds = time.perf_counter() - started

    print(f"in-process ERC-20 transfers ({transactions} each)")
    print(
        f"  web3 transact (gas estimation): {web3_runs.count / transactions:5.1f} EVM runs/tx  "
        f"{transactions / web3_seconds:7.1f} tx/s"
    )
    print(
        f"  s4chain send (fixed gas):       {s4_runs.count / transactions:5.1f} EVM runs/tx  "
        f"{transactions / s4_seconds:7.1f} tx/s"
    )
    print(f"  speed-up {web3_seconds / s4_seconds:.1f}x, EVM runs {web3_runs.count / max(s4_runs.count, 1):.1f}x fewer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--transactions", type=int, default=200)
    args = parser.parse_args()
    bench_compile()
    bench_transactions(args.transactions)


if __name__ == "__main__":
    main()
