"""What call traces and console.log cost the in-process chain when no trace is asked for (issue 15).

The only thing s4chain adds to py-evm's execution is a wrapper around the computation class's `apply_message` and
`apply_create_message` (chain/trace_pyevm.py): one comparison per message (is it the console address?) and, while a
trace runs, two notes. This script times the same ERC-20 transfers (EuroStablecoin, a fresh chain each round) with
the wrapper and with py-evm's own methods put back, taking turns, and prints the medians; then what a trace of one
transfer costs when asked for.

    .venv/bin/python scripts/bench_trace.py [--transfers 300] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from s4chain.chain import InProcessChain
from s4chain.compiler import ArtifactStore, compile_project
from s4chain.project import Project


def transfers(store: ArtifactStore, count: int) -> float:
    """CPU seconds per transfer on a fresh chain."""
    chain = InProcessChain(store)
    admin, holder, other = chain.accounts[:3]
    coin = chain.deploy("EuroStablecoin", admin)
    coin.mint(holder, 10**9, sender=admin)
    started = time.process_time()
    for _ in range(count):
        coin.transfer(other, 1, sender=holder)
    return (time.process_time() - started) / count


def unwatched(computation_class: type) -> Callable[[], None]:
    """Put py-evm's own methods back; the returned function wraps them again."""
    saved = {name: computation_class.__dict__[name] for name in ("apply_message", "apply_create_message")}
    for name in (*saved, "_s4chain_watched"):
        delattr(computation_class, name)

    def rewatch() -> None:
        for name, method in saved.items():
            setattr(computation_class, name, method)
        computation_class._s4chain_watched = True  # type: ignore[attr-defined]

    return rewatch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    store = compile_project(Project.discover()).store
    probe = InProcessChain(store)  # wraps the class
    computation_class = probe._backend.chain.get_vm().state.computation_class
    watched: list[float] = []
    plain: list[float] = []
    for round_number in range(options.rounds):
        order = [True, False] if round_number % 2 == 0 else [False, True]
        for wrapped in order:
            if wrapped:
                watched.append(transfers(store, options.transfers))
            else:
                rewatch = unwatched(computation_class)
                try:
                    plain.append(transfers(store, options.transfers))
                finally:
                    rewatch()
    with_wrapper, without = statistics.median(watched), statistics.median(plain)
    print(f"{options.rounds} rounds of {options.transfers} EuroStablecoin transfers, CPU ms per transfer (median):")
    print(f"  py-evm's own methods:       {without * 1000:.3f}")
    print(f"  with s4chain's wrapper:     {with_wrapper * 1000:.3f}  ({(with_wrapper / without - 1) * 100:+.1f}%)")
    print(f"  spread of the rounds:       {min(plain + watched) * 1000:.3f} .. {max(plain + watched) * 1000:.3f}")
    chain = InProcessChain(store)
    admin, holder, other = chain.accounts[:3]
    coin = chain.deploy("EuroStablecoin", admin)
    coin.mint(holder, 10**9, sender=admin)
    tx_hash = coin.transfer(other, 1, sender=holder).tx_hash
    started = time.process_time()
    for _ in range(50):
        str(chain.trace(tx_hash))
    print(f"  one trace asked for (re-run and rendered): {(time.process_time() - started) / 50 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
