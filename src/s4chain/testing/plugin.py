"""The s4chain pytest plugin, registered through the `pytest11` entry point.

Fixtures: `gas_report` (record gas per function; printed at the end, written to build/gas-report.json),
`s4_project`, `compiled` (the project's artifacts, compiled once per session), `s4_chain` (the
session's chain), `chain` (the same chain, with everything a test does reverted after it), `accounts`, and
`anvil` (an anvil node on a free loopback port). `--s4-rpc URL` runs the suite against a node instead of the
in-process chain.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount

from s4chain.chain.anvil import AnvilError, AnvilNode, anvil_binary
from s4chain.chain.base import Chain
from s4chain.chain.inprocess import InProcessChain
from s4chain.chain.rpc import RpcChain
from s4chain.compiler import ArtifactStore, CompilerError, compile_project
from s4chain.project import Project
from s4chain.testing.asserts import isolation
from s4chain.testing.gas import GasReport

_GAS_REPORT = GasReport()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("s4chain")
    group.addoption(
        "--s4-rpc",
        metavar="URL",
        default=None,
        help="run contract tests against the JSON-RPC node at URL instead of the in-process chain",
    )


@pytest.fixture(scope="session")
def s4_project(pytestconfig: pytest.Config) -> Project:
    return Project.discover(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def compiled(s4_project: Project) -> ArtifactStore:
    try:
        return compile_project(s4_project).store
    except CompilerError as exc:
        pytest.fail(f"contracts do not compile:\n{exc}", pytrace=False)


@pytest.fixture(scope="session")
def s4_chain(pytestconfig: pytest.Config, compiled: ArtifactStore) -> Chain:
    url = pytestconfig.getoption("--s4-rpc")
    return RpcChain(url, compiled) if url else InProcessChain(compiled)


@pytest.fixture
def chain(s4_chain: Chain) -> Iterator[Chain]:
    with isolation(s4_chain):
        yield s4_chain


@pytest.fixture
def accounts(chain: Chain) -> tuple[LocalAccount, ...]:
    return chain.accounts


@pytest.fixture(scope="session")
def anvil(s4_project: Project) -> Iterator[AnvilNode]:
    try:
        node = AnvilNode(anvil_binary(s4_project.node_modules)).start()
    except AnvilError as exc:
        pytest.fail(f"anvil: {exc}", pytrace=False)
    yield node
    node.stop()


@pytest.fixture(scope="session")
def gas_report() -> GasReport:
    return _GAS_REPORT


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if not _GAS_REPORT.entries:
        return
    terminalreporter.section("gas used (highest per function)")
    for line in _GAS_REPORT.lines():
        terminalreporter.write_line(line)
    _GAS_REPORT.write(Project.discover(config.rootpath).build_dir / "gas-report.json")
