"""The CLI paths that never run the in-process chain do not import it: `s4chain compile` and `--help` load no web3
or eth_account, `s4chain node` no web3 or py-evm, a `--rpc` replay no py-evm or eth-tester (each import costs a
process 0.3-1 CPU-s; docs/performance.md). `s4chain.chain` exports its names lazily (PEP 562). The pytest plugin
on the revm backend loads no py-evm or eth-tester either, and no path that does not load py-evm computes py_ecc's
BLS tables (eth-keyfile is loaded on first use: s4chain/deferred.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import s4chain.chain
from s4chain.chain.revm import revm_available

HEAVY = ("web3", "eth_account", "py_ecc", "eth", "eth_tester")


def _loaded(statement: str) -> set[str]:
    """The heavy packages a fresh interpreter has loaded after `statement`."""
    probe = f"{statement}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize(
    ("path", "statement", "absent"),
    [
        ("compile and --help", "import s4chain.cli.main, s4chain.compiler", HEAVY),
        (
            "node",
            "import s4chain.cli.main, s4chain.config\nfrom s4chain.chain.anvil import AnvilNode, anvil_binary",
            HEAVY,
        ),
        (
            "replay --rpc, signing with the dev keys",
            "import s4chain.cli.main, s4chain.cli.replay, s4chain.cli.deploy, s4chain.scenarios.journal, "
            "s4chain.reports.writer\nfrom s4chain.chain import RpcChain, AnvilNode, dev_accounts\n"
            "from s4chain.chain.signing import sign\n"
            "sign(dev_accounts()[0], {'chainId': 1, 'nonce': 0, 'gas': 21000, 'maxFeePerGas': 1, "
            "'maxPriorityFeePerGas': 0, 'value': 0, 'data': b''})",
            ("eth", "eth_tester", "py_ecc"),
        ),
        pytest.param(
            "pytest plugin, a transaction on revm",
            "import s4chain.testing.plugin\nfrom s4chain.chain.backends import in_process_chain\n"
            "chain = in_process_chain('revm')\nchain.send(chain.accounts[1].address, b'', value=1)",
            ("eth", "eth_tester", "py_ecc"),
            marks=pytest.mark.skipif(not revm_available(), reason="pyrevm is not installed"),
        ),
    ],
)
def test_a_cli_path_loads_only_what_it_uses(path: str, statement: str, absent: tuple[str, ...]) -> None:
    assert not _loaded(statement) & set(absent), path


def test_the_in_process_chain_still_loads_on_first_use() -> None:
    assert {"eth", "eth_tester", "web3"} <= _loaded("from s4chain.chain import InProcessChain")


def test_every_lazy_name_is_its_module_s_object_and_type_checkers_see_the_same_names() -> None:
    assert sorted(s4chain.chain.__all__) == sorted(s4chain.chain._MODULE_OF)
    for name in s4chain.chain.__all__:
        module = __import__(f"s4chain.chain.{s4chain.chain._MODULE_OF[name]}", fromlist=[name])
        assert getattr(s4chain.chain, name) is getattr(module, name)
    with pytest.raises(AttributeError):
        _ = s4chain.chain.NoSuchName  # type: ignore[attr-defined]
    tree = ast.parse(Path(s4chain.chain.__file__).read_text())
    checked = {
        f"{node.module.rpartition('.')[2]}:{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("s4chain.chain.")
        for alias in node.names
    }
    assert checked == {f"{module}:{name}" for name, module in s4chain.chain._MODULE_OF.items()}
