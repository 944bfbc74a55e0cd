"""Call traces on both backends: a failing transaction's nested calls with decoded arguments, contract creations,
calls, the same tree (and gas) on py-evm and anvil, shown under a failing pytest test and by `s4chain trace`.

The contracts (tests/fixtures/Traced.sol: a Vault that books deposits in a Ledger it creates, with console.log)
are compiled with the real solc into a project of their own; anvil is the session's real node."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.foundation.traced import traced_project
from typer.testing import CliRunner

from s4chain.chain import AnvilNode, Chain, ContractRevert, CustomErrorRevert, RpcChain
from s4chain.chain.trace import CallTrace, TraceUnavailable, revert_trace
from s4chain.cli.main import app
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.testing import isolation

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(params=["in-process", "anvil"])
def chain(request: pytest.FixtureRequest, chains: dict[str, Chain]) -> Iterator[Chain]:
    with isolation(chains[request.param]):
        yield chains[request.param]


def failed_withdrawal(chain: Chain) -> tuple[str, ContractRevert]:
    vault = chain.deploy("Vault")
    vault.deposit(5, value=7)
    with pytest.raises(CustomErrorRevert) as caught:
        vault.withdraw(9)
    assert caught.value.tx_hash is not None
    return vault.address, caught.value


def test_a_failing_transaction_shows_its_nested_calls_with_decoded_arguments(chain: Chain) -> None:
    vault, revert = failed_withdrawal(chain)
    assert revert.tx_hash is not None
    trace = chain.trace(revert.tx_hash)
    alice = chain.accounts[0].address
    assert trace.render().splitlines() == [
        f"Trace of {revert.tx_hash}:",
        "[30383] Vault::withdraw(9)",
        f"├─ [6088] Ledger::take({alice}, 9)",
        '│   ├─ [0] console::log("take 9 of 5") [staticcall]',
        "│   │   └─ ← [Stop]",
        f"│   └─ ← [Revert] Overdrawn(who={alice}, balance=5, wanted=9)",
        f"└─ ← [Revert] Overdrawn(who={alice}, balance=5, wanted=9)",
    ]
    assert trace.frame.to == vault and trace.frame.reverted and trace.frame.calls[0].reverted
    assert revert_trace(revert) == trace.render()  # what a failing test shows, found from the exception


def test_a_reverted_call_is_traced_when_shown(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    with pytest.raises(CustomErrorRevert) as caught:
        vault.withdraw.call(1)
    assert caught.value.tx_hash is None
    shown = revert_trace(caught.value)
    assert shown is not None and shown.splitlines()[0] == "[30383] Vault::withdraw(1)"
    assert shown.splitlines()[-1].startswith("└─ ← [Revert] Overdrawn(")


def test_a_successful_transaction_shows_events_values_and_returns_in_order(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    result = vault.deposit(5, value=7)
    alice = chain.accounts[0].address
    assert chain.trace(result.tx_hash).frame.gas_used == result.gas_used  # the receipt's, on both backends
    assert chain.trace(result.tx_hash).render().splitlines()[1:] == [
        "[53981] Vault::deposit{value: 7}(5)",
        f"├─ [27486] Ledger::book({alice}, 5)",
        f'│   ├─ [0] console::log("booking 5 for {alice}") [staticcall]',
        "│   │   └─ ← [Stop]",
        f"│   ├─ emit Booked(who: {alice}, amount: 5)",
        "│   └─ ← [Return] 5",
        f"├─ emit Deposited(who: {alice}, amount: 5, total: 5)",
        f'├─ [0] console::log("true {alice}") [staticcall]',
        "│   └─ ← [Stop]",
        "└─ ← [Return] 5",
    ]


def test_a_deployment_shows_the_contracts_it_creates(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    assert vault.deployment is not None
    lines = chain.trace(vault.deployment.tx_hash).render().splitlines()
    assert lines[1].endswith(f"→ new Vault@{vault.address}()")
    ledger = vault.ledger()
    assert lines[2].endswith(f"→ new Ledger@{ledger}()")
    assert lines[3].endswith("← [Return] 1176 bytes of code")
    assert chain.trace(vault.deployment.tx_hash).frame.calls[0].kind == "CREATE"


def test_a_call_is_traced_without_sending_anything(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    vault.deposit(5)
    head = chain.block_number
    alice = chain.accounts[0].address
    trace = chain.trace_call(vault.address, vault.peek.encode(alice))
    assert str(trace).splitlines()[-3:] == [
        f"├─ [2530] Ledger::balanceOf({alice}) [staticcall]",
        "│   └─ ← [Return] 5",
        "└─ ← [Return] 5",
    ]
    assert chain.block_number == head


def test_tracing_collects_every_transaction_mined_inside_even_a_revert(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    with pytest.raises(CustomErrorRevert), chain.tracing() as traces:
        vault.deposit(1)
        vault.withdraw(2)
    assert [t.frame.reverted for t in traces] == [False, True]
    assert all(isinstance(t, CallTrace) for t in traces)


def test_colours_only_when_asked(chain: Chain) -> None:
    vault = chain.deploy("Vault")
    trace = chain.trace(vault.deposit(1).tx_hash)
    coloured = trace.render(color=True)
    assert "\x1b[" in coloured and "\x1b[" not in str(trace)
    assert ANSI.sub("", coloured) == str(trace)


def test_an_unknown_transaction_cannot_be_traced(chain: Chain) -> None:
    with pytest.raises(TraceUnavailable, match="no mined transaction"):
        chain.trace("0x" + "ab" * 32)


def test_both_backends_give_the_same_tree_and_gas(chains: dict[str, Chain]) -> None:
    # The session's node may have served other tests: deploy from its nonce on both, so that addresses agree.
    deployer = chains["anvil"].accounts[0]
    nonce = chains["anvil"].w3.eth.get_transaction_count(deployer.address)
    frames = []
    for chain in chains.values():
        with isolation(chain):
            if chain is chains["in-process"]:
                chain.set_nonce(deployer, nonce)
            _, revert = failed_withdrawal(chain)
            assert revert.tx_hash is not None
            frames.append(chain.trace(revert.tx_hash).frame)
    in_process, anvil = frames
    assert in_process.shape() == anvil.shape()
    assert [f.gas_used for f in in_process.walk()] == [f.gas_used for f in anvil.walk()]
    assert [f.kind for f in in_process.walk()] == ["CALL", "CALL", "STATICCALL"]


def test_s4chain_trace_prints_a_node_transaction(
    traced: ArtifactStore, anvil: AnvilNode, tmp_path: Path, s4_project: Project
) -> None:
    project = traced_project(tmp_path / "project", s4_project)
    chain = RpcChain(anvil.url, traced)
    with isolation(chain):
        _, revert = failed_withdrawal(chain)
        runner = CliRunner()
        shown = runner.invoke(app, ["trace", str(revert.tx_hash), "--rpc", anvil.url, "--project", str(project.root)])
        assert shown.exit_code == 0, shown.output
        assert "Vault::withdraw(9)" in shown.output and "Ledger::take(" in shown.output
        assert "\x1b[" not in shown.output  # not a terminal: no colours
        bad = runner.invoke(app, ["trace", "0x12", "--rpc", anvil.url, "--project", str(project.root)])
        assert bad.exit_code == 2 and "not a transaction hash" in bad.output
        gone = runner.invoke(app, ["trace", "0x" + "cd" * 32, "--rpc", anvil.url, "--project", str(project.root)])
        assert gone.exit_code == 2 and "no mined transaction" in gone.output


PLUGIN_TEST = """
import pytest
from pathlib import Path
from s4chain.project import Project

@pytest.fixture(scope="session")
def s4_project():
    return Project(Path({root!r}))

def test_withdraws_too_much(chain):
    vault = chain.deploy("Vault")
    vault.deposit(5)
    vault.withdraw(9)

def test_passes(chain):
    chain.deploy("Vault").deposit(3)

def test_on_a_chain_of_its_own(compiled):
    from s4chain.chain import InProcessChain
    InProcessChain(compiled).deploy("Vault").deposit(4)  # the chain is gone before the test's report
"""


def test_a_failing_pytest_test_shows_the_trace_and_console_of_its_reverted_transaction(
    pytester: pytest.Pytester, tmp_path: Path, s4_project: Project
) -> None:
    project = traced_project(tmp_path / "project", s4_project)
    pytester.makepyfile(test_vault=PLUGIN_TEST.format(root=str(project.root)))
    result = pytester.runpytest("-p", "no:cacheprovider", "-rP")
    result.assert_outcomes(passed=2, failed=1)
    output = result.stdout.str()
    own = output[output.index("_ test_on_a_chain_of_its_own _") :]
    assert "s4chain console.log (call)" in own and "booking 4 for" in own  # not only the session chain's lines
    trace = output[output.index("s4chain call trace") :]
    assert "Vault::withdraw(9)" in trace and "Ledger::take(" in trace and "← [Revert] Overdrawn(" in trace
    failed = output[output.index("test_withdraws_too_much") :]
    assert "s4chain console.log (call)" in failed and "take 9 of 5" in failed
    passes = output[output.index("= PASSES =") :]
    assert "booking 3 for" in passes[: passes.index("_ test_on_a_chain_of_its_own _")]  # with -rP, a pass's too
