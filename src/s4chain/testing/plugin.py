"""The s4chain pytest plugin, registered through the `pytest11` entry point.

The gas report (`s4chain.testing.gas`): every transaction of the run counted per contract and function, printed at
the end as forge's gas report (not with `--s4-no-gas-table` or the ini option `s4_gas_table = false`) and written to
build/gas-report.json (or `--s4-gas-report PATH`), noting why a run was partial; under pytest-xdist each worker
counts its own and the controller merges them, so the file is the serial run's.
Fixtures: `gas_report` (to record a figure of one's own as well),
`s4_project`, `compiled` (the project's artifacts, compiled once per session), `s4_chain` (the
session's chain), `chain` (the same chain, for a test), `accounts`, and `anvil` (an anvil node on a free
loopback port). `--s4-rpc URL` runs the suite against a node instead of the in-process chain. `--s4-coverage`
records which lines and branches of the project's contracts ran (in-process; `testing/coverage.py`), prints a table
and writes an lcov file (`--s4-coverage-file`), workers' figures merged as the gas report's.

Isolation is automatic, as in Titanoboa's plugin: once the session chain exists,
- a fixture of a wider scope than a test (module, class, package, session) is anchored: a snapshot before it runs,
  reverted when it is torn down, so a module-scoped deploy fixture is simply `@pytest.fixture(scope="module")`
  returning what it deployed;
- every test that uses the chain runs, with its function-scoped fixtures, inside a snapshot reverted after it: each
  test sees the state right after the wider fixtures ran, whatever the tests before it did;
- every hypothesis example of such a test runs inside its own snapshot, `@given` examples and each run of a
  `RuleBasedStateMachine` alike (its `teardown` runs before the revert), so a state machine needs no snapshot of
  its own.
`@pytest.mark.ignore_isolation` on a test (or a module, for its fixtures) opts out: what it does stays until the
enclosing fixture's snapshot is reverted, for tests that must build on each other.

The test suites follow one convention per contract family: `tests/<family>/<family>_env.py` holds the deployed
world as a dataclass `<Family>Env` built by `build_<family>_env(chain, ...)`, and the family's conftest exposes it as
one module-scoped fixture over `s4_chain` (its historical name kept: `env`, `ico`, `w`, `m`; a new family: `env`).
"""

from __future__ import annotations

import inspect
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from eth_account.signers.local import LocalAccount

from s4chain.chain.anvil import AnvilError, AnvilNode, anvil_binary
from s4chain.chain.backends import BACKENDS, DEFAULT_BACKEND, in_process_chain
from s4chain.chain.base import Chain
from s4chain.chain.errors import NodeError
from s4chain.chain.rpc import RpcChain
from s4chain.chain.trace import revert_trace
from s4chain.chain.trace_console import drain_every_chain
from s4chain.compiler import ArtifactStore, CompilerError, compile_project
from s4chain.errors import S4ChainError
from s4chain.project import Project, ProjectNotFoundError
from s4chain.testing.anchors import SESSIONS, ChainAnchors, isolate_hypothesis_examples
from s4chain.testing.gas import REPORTS, GasReport

if TYPE_CHECKING:  # imported with --s4-coverage only: the recorder loads py-evm, which revm and --s4-rpc runs never use
    from s4chain.chain.pcs import CoverageRecorder
    from s4chain.testing.coverage import Coverage

_GAS_REPORT = pytest.StashKey[GasReport]()  # per session: a pytester run inside a suite keeps its own
_WORKER_GAS = "s4chain_gas"  # a pytest-xdist worker's figures, sent to the controller in its workeroutput
_ANCHORS = pytest.StashKey[ChainAnchors]()
_ANCHORED = pytest.StashKey[bool]()  # on a test whose anchor is open
_OPT_OUT = "ignore_isolation"
_RECORDER: pytest.StashKey[tuple[CoverageRecorder, ExitStack]] = pytest.StashKey()  # with --s4-coverage: what ran
_COMPILED = pytest.StashKey[ArtifactStore]()  # the session's artifacts, whose files the coverage reports
_COVERAGE: pytest.StashKey[Coverage] = pytest.StashKey()  # this session's (on the xdist controller: the workers')
_WORKER_COVERAGE = "s4chain_coverage"

isolate_hypothesis_examples()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("s4chain")
    group.addoption(
        "--s4-rpc",
        metavar="URL",
        default=None,
        help="run contract tests against the JSON-RPC node at URL instead of the in-process chain",
    )
    group.addoption(
        "--s4-gas-report",
        metavar="PATH",
        default=None,
        help="write the run's gas report (JSON) to PATH (default: the project's build/gas-report.json)",
    )
    group.addoption(
        "--s4-no-gas-table",
        action="store_false",
        dest="s4_gas_table",
        default=None,
        help="do not print the gas tables at the end of the run (the JSON gas report is still written); "
        "the ini option s4_gas_table = false does the same for every run",
    )
    parser.addini("s4_gas_table", type="bool", default=True, help="print the s4chain gas tables at the end of a run")
    group.addoption(
        "--s4-backend",
        choices=BACKENDS,
        default=DEFAULT_BACKEND,
        help="the in-process chain's EVM: py-evm (default, the reference) or revm (faster; needs pyrevm)",
    )
    group.addoption(
        "--s4-coverage",
        action="store_true",
        help="record which lines and branches of the project's contracts ran (in-process chain only); print a "
        "summary and write an lcov file",
    )
    group.addoption(
        "--s4-coverage-file",
        metavar="PATH",
        default="coverage/lcov.info",
        help="where --s4-coverage writes its lcov file, relative to the project root (default: %(default)s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{_OPT_OUT}: no automatic snapshot and revert around this test, its fixtures and examples"
    )
    config.stash[_ANCHORS] = ChainAnchors()
    config.stash[_GAS_REPORT] = GasReport()
    SESSIONS.append(config.stash[_ANCHORS])
    REPORTS.append(config.stash[_GAS_REPORT])
    if config.getoption("--s4-coverage", False):
        from s4chain.chain.pcs import CoverageRecorder
        from s4chain.testing.coverage import Coverage

        recorder, stack = CoverageRecorder(), ExitStack()
        stack.enter_context(recorder.recording())
        config.stash[_RECORDER] = (recorder, stack)
        config.stash[_COVERAGE] = Coverage()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _ANCHORS in config.stash:
        SESSIONS.remove(config.stash[_ANCHORS])
        REPORTS.remove(config.stash[_GAS_REPORT])
    if _RECORDER in config.stash:
        config.stash[_RECORDER][1].close()


def _isolates(node: pytest.Item | pytest.Collector | None) -> bool:
    return node is not None and node.get_closest_marker(_OPT_OUT) is None


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest) -> object:
    anchors = request.config.stash[_ANCHORS]
    if anchors.chain is None or not _isolates(request.node):
        return (yield)
    if fixturedef.scope == "function":
        if isinstance(request.node, pytest.Item):
            _anchor_test(request.node, anchors)
        return (yield)
    anchor = anchors.anchor()
    fixturedef.addfinalizer(partial(anchors.release, anchor))  # before the fixture's own teardown: runs after it
    value = yield
    anchors.drop_if_untouched(anchor)
    return value


def _uses_chain(item: pytest.Item) -> bool:
    return "s4_chain" in getattr(item, "fixturenames", ())


def _anchor_test(item: pytest.Item, anchors: ChainAnchors) -> None:
    """Open the test's anchor once, before its first function-scoped fixture (the wider ones are set up by then:
    pytest sets fixtures up widest scope first); it is reverted after the last one is torn down."""
    if item.stash.get(_ANCHORED, False) or not _uses_chain(item):
        return
    item.stash[_ANCHORED] = True
    item.addfinalizer(partial(anchors.release, anchors.anchor()))


# Function-scoped, yet safe to share between hypothesis examples: the plugin reverts the chain after each one.
_SHARED_BY_EXAMPLES = frozenset({"chain", "accounts"})


def _allow_chain_fixtures(item: pytest.Item) -> None:
    """Let a `@given` test take the chain fixtures without hypothesis's function-scoped-fixture health check
    (each of its examples runs in its own snapshot); a fixture of the test's own still gets the check."""
    if not isinstance(item, pytest.Function):
        return
    test: Any = getattr(item.obj, "__func__", item.obj)  # hypothesis's wrapper of the test
    given = getattr(test, "_hypothesis_internal_use_settings", None)
    if given is None:
        return
    definitions = item._fixtureinfo.name2fixturedefs
    from hypothesis import HealthCheck, settings

    parameters = inspect.signature(item.function).parameters
    function_scoped = {n for n in parameters if n in definitions and definitions[n][-1].scope == "function"}
    if function_scoped and function_scoped <= _SHARED_BY_EXAMPLES:
        suppressed = {*given.suppress_health_check, HealthCheck.function_scoped_fixture}
        test._hypothesis_internal_use_settings = settings(given, suppress_health_check=suppressed)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _isolates(item) and _uses_chain(item):
        _allow_chain_fixtures(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    anchors = item.config.stash[_ANCHORS]
    isolated = anchors.chain is not None and _isolates(item) and _uses_chain(item)
    if isolated:
        _anchor_test(item, anchors)  # a test without function-scoped fixtures
    anchors.examples = isolated
    try:
        return (yield)
    finally:
        anchors.examples = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Under each test: the console.log lines its contracts printed on any chain (the session's, or one the test
    made, even one already collected), and when it failed on a
    reverted transaction, that transaction's call trace (pytest shows both with a failure, `-rP` for a pass). A node
    that is down or misbehaves fails a test with one line, not the transport's chained tracebacks."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(NodeError):
        report.longrepr = f"{call.excinfo.typename}: {call.excinfo.value}"
    lines = drain_every_chain()
    if lines:
        report.sections.append((f"s4chain console.log ({call.when})", "\n".join(map(str, lines))))
    if report.failed and call.excinfo is not None:
        trace = revert_trace(call.excinfo.value)
        if trace is not None:
            report.sections.append(("s4chain call trace", trace))
    return report


@pytest.fixture(scope="session")
def s4_project(pytestconfig: pytest.Config) -> Project:
    return Project.discover(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def compiled(pytestconfig: pytest.Config, s4_project: Project) -> ArtifactStore:
    try:
        store = compile_project(s4_project).store
    except CompilerError as exc:
        pytest.fail(f"contracts do not compile:\n{exc}", pytrace=False)
    pytestconfig.stash[_COMPILED] = store
    return store


@pytest.fixture(scope="session")
def s4_chain(pytestconfig: pytest.Config, compiled: ArtifactStore) -> Iterator[Chain]:
    url = pytestconfig.getoption("--s4-rpc")
    anchors = pytestconfig.stash[_ANCHORS]
    if url:
        anchors.chain = RpcChain(url, compiled)
    else:
        try:
            anchors.chain = in_process_chain(pytestconfig.getoption("--s4-backend"), compiled)
        except S4ChainError as exc:
            pytest.fail(f"--s4-backend: {exc}", pytrace=False)
    yield anchors.chain
    anchors.chain = None


@pytest.fixture
def chain(s4_chain: Chain) -> Chain:
    """The session chain; the plugin reverts everything the test does after it."""
    return s4_chain


@pytest.fixture
def accounts(chain: Chain) -> tuple[LocalAccount, ...]:
    return chain.accounts


@pytest.fixture(scope="session")
def anvil(s4_project: Project) -> Iterator[AnvilNode]:
    try:
        hardfork = s4_project.config.compiler.evm_version
        node = AnvilNode(anvil_binary(s4_project.node_modules), hardfork=hardfork).start()
    except AnvilError as exc:
        pytest.fail(f"anvil: {exc}", pytrace=False)
    yield node
    node.stop()


@pytest.fixture(scope="session")
def gas_report(pytestconfig: pytest.Config) -> GasReport:
    return pytestconfig.stash[_GAS_REPORT]


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _partial_reasons(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> list[str]:
    """Why this run is not the whole suite (its gas report then lacks figures the snapshot holds); none for a run
    of the configured test paths (`addopts`' own `-m` included), whether it passed or not."""
    config, reasons = session.config, []
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        given = [(config.invocation_params.dir / arg.split("::")[0]).resolve() for arg in config.args]
        testpaths = config.getini("testpaths")
        if testpaths:  # every configured test path under one given
            wanted = [(config.rootpath / p).resolve() for p in testpaths]
            narrower = not all(any(w.is_relative_to(g) for g in given) for w in wanted)
        else:  # no suite configured (a project of `s4chain init`): a folder given is the suite, a file is not
            narrower = not all(g.is_dir() for g in given)
        if narrower or any("::" in arg for arg in config.args):
            reasons.append(f"only {' '.join(config.args)}" + (f" of {' '.join(testpaths)}" if testpaths else ""))
    addopts = config.getini("addopts")
    configured_marks = next((addopts[i + 1] for i, a in enumerate(addopts[:-1]) if a == "-m"), "")
    selections = {
        "-k": config.getoption("keyword", ""),
        "-m": config.getoption("markexpr", "") if config.getoption("markexpr", "") != configured_marks else "",
        "--deselect": " ".join(config.getoption("deselect", None) or ()),
        "--last-failed": config.getoption("lf", False),
        "--stepwise": config.getoption("stepwise", False),
    }
    reasons += [
        f"{option} {value}".strip() if value is not True else option for option, value in selections.items() if value
    ]
    if session.shouldfail or session.shouldstop or exitstatus == pytest.ExitCode.INTERRUPTED:
        reasons.append(f"stopped early ({session.shouldfail or session.shouldstop or 'interrupted'})")
    return reasons


def pytest_sessionfinish(session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
    """Map what ran to source lines (--s4-coverage). On a pytest-xdist worker: hand the figures it recorded to the
    controller, which reports them all. Elsewhere: note in the gas report whether the run was partial."""
    config = session.config
    if not _is_xdist_worker(config):
        config.stash[_GAS_REPORT].partial = _partial_reasons(session, exitstatus)
    if _RECORDER in config.stash and _COMPILED in config.stash:
        from s4chain.testing.coverage import Coverage

        store: ArtifactStore = config.stash[_COMPILED]
        config.stash[_COVERAGE].merge(Coverage.of(store, config.stash[_RECORDER][0].counts.values()))
    if _is_xdist_worker(config):
        config.workeroutput[_WORKER_GAS] = config.stash[_GAS_REPORT].portable()  # type: ignore[attr-defined]
        if _COVERAGE in config.stash:
            config.workeroutput[_WORKER_COVERAGE] = config.stash[_COVERAGE].to_json()  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the pytest-xdist controller: merge a worker's figures (as one serial run would have counted them)."""
    config: pytest.Config = node.config  # type: ignore[attr-defined]
    output = getattr(node, "workeroutput", {})
    config.stash[_GAS_REPORT].merge(output.get(_WORKER_GAS, {}))
    if _COVERAGE in config.stash and _WORKER_COVERAGE in output:
        from s4chain.testing.coverage import Coverage

        config.stash[_COVERAGE].merge(Coverage.from_json(output[_WORKER_COVERAGE]))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _COVERAGE in config.stash and not _is_xdist_worker(config):
        _report_coverage(terminalreporter, config, config.stash[_COVERAGE])
    report = config.stash[_GAS_REPORT]
    if not (report.entries or report.calls) or _is_xdist_worker(config):
        return
    table = config.getoption("s4_gas_table")
    table = config.getini("s4_gas_table") if table is None else table
    if report.calls and table:
        terminalreporter.section("gas report (every transaction of the run)")
        for line in report.tables():
            terminalreporter.write_line(line)
    if report.entries and table:
        terminalreporter.section("gas recorded by the tests (highest per key)")
        for line in report.lines():
            terminalreporter.write_line(line)
    path = config.getoption("--s4-gas-report")
    if path is None:
        try:
            path = Project.discover(config.rootpath).build_dir / "gas-report.json"
        except ProjectNotFoundError:  # a suite outside a project (its gas still printed above)
            return
    report.write(Path(path))
    partial = f" (a partial run: {'; '.join(report.partial)})" if report.partial else ""
    terminalreporter.write_line(f"gas report written to {path}{partial}")


def _report_coverage(terminal: pytest.TerminalReporter, config: pytest.Config, coverage: Coverage) -> None:
    terminal.section("contract coverage (lines and branches run on the in-process chain)")
    if config.getoption("--s4-rpc"):
        terminal.write_line("no coverage: --s4-rpc runs the contracts on a node, which s4chain does not cover")
        return
    if config.getoption("--s4-backend") != "py-evm":
        terminal.write_line("no coverage: s4chain covers what py-evm runs, not what --s4-backend revm runs")
        return
    for line in coverage.summary():
        terminal.write_line(line)
    if not coverage.files:
        return
    try:
        root = Project.discover(config.rootpath).root
    except ProjectNotFoundError:
        root = config.rootpath
    path = root / Path(config.getoption("--s4-coverage-file"))
    coverage.write_lcov(path)
    terminal.write_line(f"lcov written to {path}")
