"""Starting and stopping anvil: from node_modules (npm `@foundry-rs/anvil`), or the one on the PATH."""

from __future__ import annotations

import platform
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

from s4chain.chain.accounts import DEV_CHAIN_ID, DEV_MNEMONIC
from s4chain.compiler.settings import EVM_VERSION
from s4chain.errors import S4ChainError

LOOPBACK = "127.0.0.1"
# EIP-2935's block-hash history contract. Under Prague it stores one more slot every block (a ring buffer of 8,191),
# and anvil 1.7 rebuilds every storage trie in full for each block's state root, so each block costs more than the
# last: 5,000 transfers ended 7x slower than they began (docs/performance.md). BLOCKHASH does not read it.
HISTORY_CONTRACT = "0x0000F90827F1C53a10cb7A02335B175320002935"
# Past states anvil keeps with --prune-history (a bare --prune-history keeps none, so nothing can be traced).
TRACEABLE_STATES = 8


class AnvilError(S4ChainError):
    """anvil is missing, its port is taken, or it did not come up."""


def anvil_binary(node_modules: Path) -> Path:
    """The anvil to run: the platform binary that `@foundry-rs/anvil` ships in an optional package of
    `node_modules` (not its `.bin/anvil` node wrapper, whose child outlives a stop), else an `anvil` on the PATH
    (Foundry's own install)."""
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "linux")
    arch = {"x86_64": "amd64", "AMD64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "amd64")
    binary = node_modules / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
    if binary.is_file():
        return binary
    on_path = shutil.which("anvil")
    if on_path is not None:
        return Path(on_path)
    raise AnvilError(
        f"anvil not found at {binary} nor on the PATH: run `npm install @foundry-rs/anvil` in {node_modules.parent} "
        "(`npm ci` where its package.json lists it), or install Foundry"
    )


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class AnvilNode:
    """An anvil process with the dev mnemonic, chain id 31337 (or `chain_id`) and the pinned hardfork.
    `keep_history=False` (the default) starts it with `--prune-history`: anvil then stops copying its whole
    database into a state history at every block, the cost that grows with the chain (docs/performance.md); state
    at past blocks is kept only for the last few, which no s4chain read needs (snapshots and reverts are
    unaffected)."""

    def __init__(
        self,
        binary: Path,
        port: int | None = None,
        host: str = LOOPBACK,
        extra_args: tuple[str, ...] = (),
        keep_history: bool = False,
        chain_id: int = DEV_CHAIN_ID,
        hardfork: str = EVM_VERSION,
    ) -> None:
        self.binary = binary
        self.host = host
        self.port = port if port is not None else free_port(host)
        self.extra_args = extra_args
        self.keep_history = keep_history
        self.chain_id = chain_id
        self.hardfork = hardfork  # the project's evm_version: what its contracts were compiled for
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--mnemonic",
            DEV_MNEMONIC,
            "--hardfork",
            self.hardfork,
            # Fee-free blocks, as on the in-process chain: ether balances then agree on both backends.
            "--block-base-fee-per-gas",
            "0",
            "--silent",
            # The last few states stay: a transaction just mined can be traced (debug_traceTransaction).
            *(() if self.keep_history else ("--prune-history", str(TRACEABLE_STATES))),
            *self.extra_args,
        ]

    def start(self, timeout: float = 15.0) -> AnvilNode:
        if not port_is_free(self.port, self.host):
            raise AnvilError(f"port {self.port} on {self.host} is already in use: choose another with --port")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                said = " ".join(line.strip() for line in stderr.splitlines() if line.strip())  # one error line
                raise AnvilError(f"anvil exited with code {self.process.returncode} at start: {said}")
            if self.is_ready():
                self._drop_history_contract()
                return self
            time.sleep(0.05)
        self.stop()
        raise AnvilError(f"anvil did not answer at {self.url} within {timeout:.0f} s")

    def is_ready(self) -> bool:
        try:
            reply = requests.post(
                self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1
            )
            return reply.ok and "result" in reply.json()
        except (requests.RequestException, ValueError):
            return False

    def _drop_history_contract(self) -> None:
        # Without code at the address the system call writes nothing: the cost per block stays flat.
        body = {"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode", "params": [HISTORY_CONTRACT, "0x"]}
        reply = requests.post(self.url, json=body, timeout=5)
        if not reply.ok or "error" in reply.json():
            self.stop()
            raise AnvilError(f"anvil at {self.url} refused anvil_setCode: {reply.text.strip()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> AnvilNode:
        return self.start() if self.process is None else self

    def __exit__(self, *_: object) -> None:  # stopped however the block ended
        self.stop()
