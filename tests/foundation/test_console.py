"""console.log: the shipped `s4chain/console.sol` (and Hardhat's `hardhat/console.sol` from node_modules) compiles
with the real solc, and its calls are caught and decoded on py-evm and on a real anvil, the same lines on both,
each once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import keccak
from tests.foundation.traced import FIXTURE

from s4chain.chain import Chain, CustomErrorRevert, InProcessChain
from s4chain.chain.backends import in_process_chain
from s4chain.chain.trace_console import SIGNATURES, ConsoleBuffer, format_console, render_console_sol, uses_console
from s4chain.compiler import ArtifactStore, compile_project
from s4chain.project import Project
from s4chain.testing import isolation

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "s4chain" / "solidity" / "console.sol"
ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def call(signature: str, *values: object) -> bytes:
    kinds = signature[signature.index("(") + 1 : -1].split(",") if "()" not in signature else []
    return keccak(text=signature)[:4] + encode(kinds, list(values))


def test_the_shipped_console_sol_is_written_from_the_signatures_decoded() -> None:
    assert SHIPPED.read_text() == render_console_sol(), "run scripts/console_sol.py"
    for _, kinds in SIGNATURES:
        assert f'abi.encodeWithSignature("log({",".join(kinds)})"' in SHIPPED.read_text()


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (call("log(string,uint256,address)", "booking %s for", 5, ALICE), f"booking 5 for {ALICE}"),
        (call("log(bool,address)", True, ALICE), f"true {ALICE}"),
        (call("log(string,uint256)", "hex %x and 100%% sure", 255), "hex 0xff and 100% sure"),
        (call("log(string,string)", "no specifiers", "kept"), "no specifiers kept"),
        (call("log(bytes32)", b"\x01" * 32), "0x" + "01" * 32),
        (call("log(int256)", -3), "-3"),
        (call("log(uint,string)", 7, "legacy"), "7 legacy"),  # Hardhat's older console.sol spelled `uint`
        (call("log()"), ""),
        (b"\xde\xad\xbe\xef", "<console call with unknown data 0xdeadbeef>"),  # shown, not dropped
    ],
)
def test_calls_decode_as_hardhat_and_foundry_print_them(data: bytes, text: str) -> None:
    assert format_console(data) == text


def test_a_buffer_no_one_reads_stops_growing_and_says_so() -> None:
    buffer = ConsoleBuffer()
    for _ in range(10_005):
        buffer.add(call("log(uint256)", 1))
    lines = buffer.drain()
    assert len(lines) == 10_001 and lines[-1].text == "<5 more console.log lines not kept: read them more often>"
    assert buffer.drain() == []


def logged(chain: Chain) -> list[str]:
    """What a contract logs through transactions, a view call, a revert and one block of two transactions."""
    chain.console.drain()
    vault = chain.deploy("Vault")
    vault.deposit(5)
    assert vault.peek(ALICE) == 5
    with pytest.raises(CustomErrorRevert):
        vault.withdraw(9)
    with chain.one_block():
        vault.deposit(1)
        vault.withdraw(6)
    return [str(line) for line in chain.console.drain()]


EXPECTED = [
    f"booking 5 for {ALICE}",
    f"true {ALICE}",
    f"peek {ALICE}",
    "take 9 of 5",  # once: the revert's decoding runs it again, muted
    f"booking 1 for {ALICE}",
    f"true {ALICE}",
    "take 6 of 6",
]


@pytest.fixture(params=["in-process", "anvil"])
def chain(request: pytest.FixtureRequest, chains: dict[str, Chain]) -> Iterator[Chain]:
    with isolation(chains[request.param]):
        yield chains[request.param]


def test_console_log_from_a_contract_is_caught_once_in_order(chain: Chain) -> None:
    assert logged(chain) == EXPECTED


def test_a_trace_shows_console_lines_without_printing_them_again(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    result = vault.deposit(2)
    chain.console.drain()
    assert chain.trace(result.tx_hash).console == [f"booking 2 for {ALICE}", f"true {ALICE}"]
    assert chain.console.drain() == []


def test_revm_says_once_that_it_does_not_read_console_log(traced: ArtifactStore) -> None:
    pytest.importorskip("pyrevm")
    chain = in_process_chain("revm", traced)
    vault = chain.deploy("Vault")
    first = vault.deposit(5)
    vault.deposit(1)
    assert [(str(line), line.tx_hash) for line in chain.console.drain()] == [
        ("<console.log is not read on the revm backend: run on py-evm to see it>", first.tx_hash)
    ]


def test_the_compiled_code_says_which_contracts_log(traced: ArtifactStore) -> None:
    assert uses_console(traced.get("Vault").deployed_bytecode)
    assert not uses_console("0x6080604052")


def test_hardhat_console_sol_from_node_modules_compiles_and_logs(tmp_path: Path, s4_project: Project) -> None:
    """A project with Hardhat installed imports `hardhat/console.sol` from node_modules (here a stand-in with the
    same interface: installing Hardhat needs a newer node than this machine has)."""
    root = tmp_path / "hardhat-project"
    (root / "contracts").mkdir(parents=True)
    own = 'import {console} from "s4chain/console.sol";'
    source = FIXTURE.read_text().replace(own, 'import "hardhat/console.sol";')
    (root / "contracts" / "Traced.sol").write_text(source)
    modules = root / "node_modules"
    modules.mkdir()
    for entry in s4_project.node_modules.iterdir():
        (modules / entry.name).symlink_to(entry)
    (modules / "hardhat").mkdir()
    (modules / "hardhat" / "console.sol").write_text(SHIPPED.read_text())
    store = compile_project(Project(root)).store
    chain = InProcessChain(store)
    chain.deploy("Vault").deposit(4)
    assert [str(line) for line in chain.console.drain()] == [f"booking 4 for {ALICE}", f"true {ALICE}"]
