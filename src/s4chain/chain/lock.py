"""One run at a time on a node: a lock file keyed by the node's chain id and genesis hash.

Two replays (or a replay and a deploy) on one node at once mix their transactions and snapshots. The lock is an
`fcntl` lock on a file in the user's temporary folder (or `S4CHAIN_LOCK_DIR`): the kernel drops it when its
process ends, however it ends, so a dead holder never blocks the next run; the file keeps the holder's pid for the
message. The key also holds the node process's instance id where it tells one (anvil, Hardhat): dev nodes
started in the same second share their genesis. It guards the runs of one machine (the node's own state holds
no marker).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

from s4chain.chain.base import Chain
from s4chain.chain.errors import NodeError, RpcError

LOCK_DIR_ENV = "S4CHAIN_LOCK_DIR"


class NodeInUseError(NodeError):
    """Another process holds the node's lock."""

    def __init__(self, message: str, pid: int | None) -> None:
        self.pid = pid
        super().__init__(message)


def lock_dir() -> Path:
    configured = os.environ.get(LOCK_DIR_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / f"s4chain-{os.getuid()}"


class NodeLock:
    """`with node_lock(chain):` holds the node's lock, or raises NodeInUseError naming the holder's pid."""

    def __init__(self, chain: Chain) -> None:
        genesis = bytes(chain.w3.eth.get_block(0)["hash"]).hex()
        self.path = lock_dir() / f"node-{chain.chain_id}-{genesis[:16]}{_instance(chain)}.lock"
        self.where = str(getattr(chain, "url", chain.backend_name))
        self._fd: int | None = None

    def acquire(self) -> NodeLock:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _pid_in(fd)
            os.close(fd)
            who = f"process {holder}" if holder is not None else "another process"
            raise NodeInUseError(
                f"the node at {self.where} is in use by another s4chain run ({who}, lock {self.path}); wait for it "
                f"to end, or use another node",
                holder,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing drops the lock; the file stays (removing it could let two runs lock two files)

    def __enter__(self) -> NodeLock:
        return self.acquire()

    def __exit__(self, *_: object) -> None:  # released however the block ended
        self.release()


def node_lock(chain: Chain) -> NodeLock:
    """The lock of the node `chain` talks to (not yet taken: use it in `with`, or call `acquire()`)."""
    return NodeLock(chain)


def _instance(chain: Chain) -> str:
    """The node process's own id where it has one (anvil, Hardhat): two dev nodes started in the same second
    have the same genesis block, and must not lock each other out."""
    request = getattr(chain, "request", None)
    if request is None:
        return ""
    for method in ("anvil_metadata", "hardhat_metadata"):
        try:
            instance = request(method, []).get("instanceId")
        except (RpcError, AttributeError):
            continue
        return f"-{str(instance).removeprefix('0x')[:16]}" if instance else ""
    return ""


def _pid_in(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
