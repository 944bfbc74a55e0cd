"""Why does anvil slow down as its chain grows? Sends N pre-signed plain ether transfers (one block each, automine)
to a fresh anvil per variant, changing one thing at a time (what the client sends around each transaction, or one
anvil option), and prints the mean ms per transaction of the first and the last window, their ratio, and anvil's
resident memory at the end. Transactions are signed before the clock starts, so the figures are the node's and
one HTTP round trip's, not Python's signing.

    .venv/bin/python scripts/bench_anvil_growth.py [--txs 5000] [--window 250] [--only baseline,snapshot,...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from eth_account import Account

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.chain.accounts import DEV_CHAIN_ID
from s4chain.chain.anvil import AnvilError
from s4chain.compiler.settings import EVM_VERSION

ROOT = Path(__file__).resolve().parent.parent
KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # dev account 0
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1
HISTORY_CONTRACT = "0x0000F90827F1C53a10cb7A02335B175320002935"  # EIP-2935
START = 1_900_000_000
RUN_LIMIT_S = 180.0


@dataclass(frozen=True)
class Variant:
    name: str
    args: tuple[str, ...] = ()
    timestamp: bool = False  # evm_setNextBlockTimestamp before each transaction (one-second blocks)
    snapshot: bool = False  # evm_snapshot before each transaction, never reverted
    nonce_query: bool = False  # eth_getTransactionCount before each transaction
    sync: bool = False  # eth_sendRawTransactionSync instead of send + receipt polling
    manual: bool = False  # --no-mining and evm_mine after each send
    hardfork: str = EVM_VERSION
    no_history_contract: bool = False  # anvil_setCode of EIP-2935's history contract to nothing at the start


VARIANTS = [
    Variant("baseline"),
    Variant("timestamp", timestamp=True),
    Variant("snapshot", snapshot=True),
    Variant("timestamp+snapshot", timestamp=True, snapshot=True),
    Variant("nonce-query", nonce_query=True),
    Variant("send-sync", sync=True),
    Variant("no-mining+evm_mine", args=("--no-mining",), manual=True),
    Variant("prune-history", args=("--prune-history",)),
    Variant("prune-history-0", args=("--prune-history", "0")),
    Variant("max-persisted-states-1", args=("--max-persisted-states", "1")),
    Variant("transaction-block-keeper-64", args=("--transaction-block-keeper", "64")),
    Variant("steps-tracing", args=("--steps-tracing",)),
    Variant("order-fifo", args=("--order", "fifo")),
    Variant("slots-in-an-epoch-1", args=("--slots-in-an-epoch", "1")),
    Variant("disable-min-priority-fee", args=("--disable-min-priority-fee",)),
    Variant("gas-price-0", args=("--gas-price", "0")),
    # Prague's block-hash history contract (EIP-2935) stores one slot per block (a ring buffer of 8,191), and
    # anvil recomputes every storage root in full for every block. anvil does not deploy EIP-4788's contract.
    Variant("prague-without-history-contract", no_history_contract=True),
    Variant("prague-without-history-contract+prune-history", args=("--prune-history",), no_history_contract=True),
    Variant("hardfork-cancun", hardfork="cancun"),
    Variant("hardfork-shanghai", hardfork="shanghai"),
    # What s4chain does per replay step, then the same on --prune-history.
    Variant("s4chain-pattern", timestamp=True, snapshot=True, sync=True),
    Variant("s4chain-pattern+prune-history", args=("--prune-history",), timestamp=True, snapshot=True, sync=True),
    Variant("timestamp+sync+prune-history", args=("--prune-history",), timestamp=True, sync=True),
    Variant("s4chain-pattern+cancun", timestamp=True, snapshot=True, sync=True, hardfork="cancun"),
    Variant(
        "s4chain-pattern-without-history-contract", timestamp=True, snapshot=True, sync=True, no_history_contract=True
    ),
    Variant(
        "s4chain-pattern-without-history-contract+prune-history",
        args=("--prune-history",),
        timestamp=True,
        snapshot=True,
        sync=True,
        no_history_contract=True,
    ),
    # s4chain's node as `AnvilNode` starts it (history contract dropped, the last 8 states kept for traces), driven
    # as RpcChain drives it: a pinned timestamp and one eth_sendRawTransactionSync per transaction.
    Variant("s4chain-node", args=("--prune-history", "8"), no_history_contract=True),
    Variant(
        "s4chain-node+timestamp+sync",
        args=("--prune-history", "8"),
        timestamp=True,
        sync=True,
        no_history_contract=True,
    ),
    Variant("s4chain-node-keep-all+timestamp+sync", timestamp=True, sync=True, no_history_contract=True),
]


def sign_all(count: int) -> list[str]:
    account = Account.from_key(KEY)
    raws = []
    for nonce in range(count):
        tx = {
            "chainId": DEV_CHAIN_ID,
            "nonce": nonce,
            "to": TO,
            "value": 1,
            "gas": 21_000,
            "maxFeePerGas": 1,
            "maxPriorityFeePerGas": 0,
            "type": 2,
        }
        raws.append("0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x"))
    return raws


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.next_id = 0

    def __call__(self, method: str, *params: object) -> object:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}
        reply = self.session.post(self.url, json=body, timeout=60).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(variant: Variant, raws: list[str], window: int) -> dict[str, object]:
    node = AnvilNode(
        anvil_binary(ROOT / "node_modules"), extra_args=("--timestamp", str(START), *variant.args), keep_history=True
    )
    command = node.command()
    command[command.index("--hardfork") + 1] = variant.hardfork
    node.command = lambda: command  # type: ignore[method-assign]
    # AnvilNode drops the history contract at start; the bench measures anvil as it comes unless a variant says so.
    node._drop_history_contract = lambda: None  # type: ignore[method-assign]
    with node:
        assert node.process is not None
        rpc = Client(node.url)
        if variant.no_history_contract:
            rpc("anvil_setCode", HISTORY_CONTRACT, "0x")
        polls = 0  # receipt requests that came back empty (the block was not mined yet)
        send_ms: list[float] = []  # the eth_sendRawTransaction (and evm_mine) part of each transaction
        send: Callable[[str], None]
        if variant.sync:

            def send(raw: str) -> None:
                receipt = rpc("eth_sendRawTransactionSync", raw)
                assert isinstance(receipt, dict) and receipt["status"] == "0x1"

        else:

            def send(raw: str) -> None:
                nonlocal polls
                t0 = time.perf_counter()
                tx_hash = rpc("eth_sendRawTransaction", raw)
                if variant.manual:
                    rpc("evm_mine")
                send_ms.append((time.perf_counter() - t0) * 1000)
                while (receipt := rpc("eth_getTransactionReceipt", tx_hash)) is None:
                    polls += 1
                    if time.perf_counter() - t0 > 10:
                        raise RuntimeError(f"no receipt for {tx_hash} within 10 s (block {rpc('eth_blockNumber')})")
                assert isinstance(receipt, dict) and receipt["status"] == "0x1"

        times: list[float] = []
        began = time.monotonic()
        for i, raw in enumerate(raws):
            t0 = time.perf_counter()
            if variant.timestamp:
                rpc("evm_setNextBlockTimestamp", START + 1 + i)
            if variant.snapshot:
                rpc("evm_snapshot")
            if variant.nonce_query:
                rpc("eth_getTransactionCount", "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "pending")
            send(raw)
            times.append((time.perf_counter() - t0) * 1000)
            if time.monotonic() - began > RUN_LIMIT_S:
                break
        rss = rss_mib(node.process.pid)
    done = len(times)
    first = sum(times[:window]) / window
    last = sum(times[-window:]) / window
    sends = send_ms or [float("nan")] * done
    return {
        "variant": variant.name,
        "send_first_ms": round(sum(sends[:window]) / window, 2),
        "send_last_ms": round(sum(sends[-window:]) / window, 2),
        "empty_polls_per_tx": round(polls / done, 1),
        "txs": done,
        "first_ms": round(first, 2),
        "last_ms": round(last, 2),
        "ratio": round(last / first, 2),
        "rss_mib": round(rss, 1),
        "wall_s": round(sum(times) / 1000, 1),
        "cut_at_limit": done < len(raws),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--txs", type=int, default=5000)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--only", default="", help="comma-separated variant names (default: all)")
    options = parser.parse_args()
    chosen = [v for v in VARIANTS if not options.only or v.name in options.only.split(",")]
    version = subprocess.run(
        [str(anvil_binary(ROOT / "node_modules")), "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    print(f"{version}; {options.txs} plain transfers per variant, windows of {options.window}")
    raws = sign_all(options.txs)
    print(
        f"{'variant':32} {'txs':>5} {'first ms':>9} {'last ms':>9} {'ratio':>6} {'RSS MiB':>8} {'wall s':>7} "
        f"{'send ms first/last':>19} {'empty polls/tx':>15}"
    )
    results = []
    for variant in chosen:
        try:
            result = run(variant, raws, options.window)
        except (RuntimeError, AnvilError, requests.RequestException) as exc:
            print(f"{variant.name:32} failed: {exc}")
            continue
        results.append(result)
        print(
            f"{result['variant']:32} {result['txs']:>5} {result['first_ms']:>9} {result['last_ms']:>9} "
            f"{result['ratio']:>6} {result['rss_mib']:>8} {result['wall_s']:>7} "
            f"{result['send_first_ms']:>9}/{result['send_last_ms']:<9} {result['empty_polls_per_tx']:>15}"
            + ("  (cut)" if result["cut_at_limit"] else ""),
            flush=True,
        )
    print(json.dumps({r["variant"]: r["ratio"] for r in results}))


if __name__ == "__main__":
    main()
