"""AnvilNode: the node s4chain starts keeps a flat cost per block (no EIP-2935 history contract), and BLOCKHASH
still answers from the node's own block hashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from s4chain.chain import AnvilNode, anvil_binary
from s4chain.chain.anvil import HISTORY_CONTRACT, AnvilError

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]
# Creation code that returns blockhash(1): PUSH1 1 BLOCKHASH PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
BLOCKHASH_OF_1 = "0x600140600052602060" + "00f3"


def _rpc(url: str, method: str, *params: Any) -> Any:
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10)
    return reply.json()["result"]


def test_started_node_has_no_history_contract_and_blockhash_still_works() -> None:
    with AnvilNode(anvil_binary(ROOT / "node_modules")) as node:
        for _ in range(3):
            _rpc(node.url, "evm_mine")
        assert _rpc(node.url, "eth_getCode", HISTORY_CONTRACT, "latest") == "0x"
        # The system call wrote nothing: the slot of block 1's hash stays empty.
        assert int(_rpc(node.url, "eth_getStorageAt", HISTORY_CONTRACT, "0x1", "latest"), 16) == 0
        block_1 = _rpc(node.url, "eth_getBlockByNumber", "0x1", False)["hash"]
        assert _rpc(node.url, "eth_call", {"data": BLOCKHASH_OF_1}, "latest") == block_1


NODE_MODULES_ANVIL = anvil_binary(ROOT / "node_modules")


def _path_with_anvil(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH whose only entry holds an `anvil` (the real one, linked)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "anvil").symlink_to(NODE_MODULES_ANVIL)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir / "anvil"


def test_node_modules_anvil_comes_before_the_one_on_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _path_with_anvil(tmp_path, monkeypatch)
    assert anvil_binary(ROOT / "node_modules") == NODE_MODULES_ANVIL


def test_the_anvil_on_the_path_serves_without_node_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = _path_with_anvil(tmp_path, monkeypatch)
    assert anvil_binary(tmp_path / "node_modules") == on_path
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    with pytest.raises(AnvilError, match=r"anvil not found at .* nor on the PATH: run `npm install @foundry-rs/anvil`"):
        anvil_binary(tmp_path / "node_modules")


PLUGIN_CONFTEST = """
from pathlib import Path

import pytest
from s4chain.project import Project

@pytest.fixture(scope="session")
def s4_project():
    return Project(Path({root!r}))
"""

PLUGIN_TEST = """
import requests

def test_anvil_from_the_path(anvil):
    assert str(anvil.binary) == {binary!r}
    reply = requests.post(anvil.url, json={{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}})
    assert int(reply.json()["result"], 16) == 31337
"""


def test_the_plugin_fixture_uses_the_anvil_on_the_path(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = _path_with_anvil(tmp_path, monkeypatch)
    project = tmp_path / "project"  # no node_modules
    (project / "contracts").mkdir(parents=True)
    pytester.makeconftest(PLUGIN_CONFTEST.format(root=str(project)))
    pytester.makepyfile(test_path=PLUGIN_TEST.format(binary=str(on_path)))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
