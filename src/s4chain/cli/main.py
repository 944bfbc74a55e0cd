"""`s4chain` commands. Heavy imports (web3, py-evm) stay inside the commands that need them, so that
`s4chain compile` on a warm cache answers in a fraction of a second."""

from __future__ import annotations

import functools
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from s4chain.cli.exits import err, fail, map_errors
from s4chain.cli.options import RpcTimeoutOption
from s4chain.project import Project

if TYPE_CHECKING:
    from s4chain.chain.base import Chain
    from s4chain.compiler.artifacts import ArtifactStore
    from s4chain.scenarios.loader import LoadedScenario

app = typer.Typer(
    name="s4chain",
    help="Replay the S4 'Industrie 4.0 & blockchain' scenario on a real EVM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Logs and CI are not terminals; rich would wrap them at 80 columns, folding the summary table's names.
out = Console() if Console().is_terminal else Console(width=120)


ProjectOption = Annotated[
    Path | None, typer.Option("--project", help="Project root (default: found upward from here).")
]


@app.command("compile")
def compile_command(
    project_root: ProjectOption = None,
    force: Annotated[bool, typer.Option("--force", help="Recompile everything, ignoring the cache.")] = False,
) -> None:
    """Compile contracts/ into build/artifacts (one JSON file per contract), using the cache."""
    from s4chain.compiler import CompilerError, compile_project

    project = Project.discover(project_root)
    artifacts = project.build_dir / "artifacts"
    if artifacts.is_relative_to(project.root):
        artifacts = artifacts.relative_to(project.root)
    try:
        result = compile_project(project, force=force)
    except CompilerError as exc:
        for diagnostic in exc.diagnostics:
            err.print(str(diagnostic), highlight=False, markup=False, soft_wrap=True)
        fail(f"compilation failed with {len(exc.diagnostics)} error(s); {artifacts} left as it was")
    for warning in result.warnings:
        err.print(str(warning), highlight=False, markup=False, soft_wrap=True)
    for path in result.repaired:
        err.print(f"{path}: damaged, written again", highlight=False, markup=False, soft_wrap=True)
    compiler = ", ".join(sorted({f"{b.kind} {b.version}" for b in result.backends.values()}, reverse=True)) or "?"
    out.print(
        f"{len(result.compiled_units)} source file(s) compiled, {len(result.cached_units)} from cache, "
        f"{len(result.store)} contract(s) in {artifacts} ({compiler}, {result.seconds:.2f} s)"
    )


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@app.command("node")
def node_command(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.", min=1, max=65535)] = 8545,
    keep_history: Annotated[
        bool,
        typer.Option(
            "--keep-history",
            help="Keep the state at every past block (eth_call at an old block): anvil then slows down as the "
            "chain grows; by default it runs with --prune-history.",
        ),
    ] = False,
    project_root: ProjectOption = None,
) -> None:
    """Run anvil from node_modules on 127.0.0.1 with the dev mnemonic and the pinned hardfork (Ctrl-C stops it)."""
    from s4chain.chain.accounts import DEV_CHAIN_ID, dev_accounts
    from s4chain.chain.anvil import AnvilNode, anvil_binary
    from s4chain.compiler import EVM_VERSION

    project = Project.discover(project_root)
    node = AnvilNode(anvil_binary(project.node_modules), port=port, keep_history=keep_history)
    # SIGTERM (docker stop, kill) ends the node like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        node.start()
        out.print(f"anvil listening on [bold]{node.url}[/] (chain id {DEV_CHAIN_ID}, hardfork {EVM_VERSION})")
        out.print(f"dev accounts: {', '.join(a.address for a in dev_accounts()[:3])}, ... (10 in all)")
        out.print("Ctrl-C to stop")
        assert node.process is not None
        while node.process.poll() is None:
            time.sleep(0.2)
    except KeyboardInterrupt:
        node.stop()
        out.print("anvil stopped")
        return
    finally:
        node.stop()
    fail(f"anvil exited unexpectedly with code {node.process.returncode}")


def _load_all(paths: list[Path], compiled: Callable[[], ArtifactStore]) -> list[LoadedScenario]:
    """The scenario files, checked; actions that are contract functions against the compiled ABIs."""
    from s4chain.scenarios.loader import load_scenario

    loaded: list[LoadedScenario] = []
    for given in paths:
        # A folder stands for the scenario files in it.
        files = sorted(given.glob("*.yaml")) if given.is_dir() else [given]
        if not files:
            fail(f"{given}: a folder with no .yaml scenario files")
        loaded.extend(load_scenario(path, lambda name: compiled().get(name).abi) for path in files)
    return loaded


def _attached_drivers(chain: Chain, records_dir: Path) -> dict[str, Any]:
    """Drivers over the contract sets `s4chain deploy` recorded for this chain, by driver name."""
    from s4chain.deployment.attach import attach_drivers
    from s4chain.deployment.deployer import Deployer
    from s4chain.deployment.records import (
        RecordsFileError,
        StaleRecordsError,
        load_records,
        records_path,
        verify_chain,
    )
    from s4chain.deployment.sets import SETS

    path = records_path(chain.chain_id, records_dir)
    if not path.is_file():
        fail(f"--use-deployments: no records at {path}; run `s4chain deploy --rpc URL` first")
    records = load_records(path)  # its errors name the file
    complete = [name for name, record in records.sets.items() if record.complete]
    try:
        verify_chain(records, chain)  # before a pending deployment is sent again: to its own chain only
        if any(record.pending for record in records.sets.values()):  # sent by an interrupted deploy
            Deployer(chain, records, path, log=lambda line: out.print(line, highlight=False)).settle_pending()
        drivers = attach_drivers(chain, records, complete)
    except (RecordsFileError, StaleRecordsError) as exc:
        fail(f"--use-deployments: {path}: {exc}")
    return {SETS[name].driver: driver for name, driver in drivers.items()}


def _run(
    paths: list[Path],
    project: Project,
    rpc: str | None,
    report: Path,
    records_dir: Path | None = None,
    resume: bool = False,
    command: typer.Context | None = None,
    rpc_timeout: float | None = None,
) -> None:
    from s4chain.chain.inprocess import InProcessChain
    from s4chain.chain.rpc import RPC_TIMEOUT, RpcChain
    from s4chain.cli.replay import hold_node_lock, print_failures, replay_all, summary_table
    from s4chain.compiler import CompilerError, compile_project
    from s4chain.reports.writer import check_report_path, write_report
    from s4chain.scenarios.journal import JournalWriter, journal_path

    @functools.cache
    def compiled() -> ArtifactStore:
        try:
            return compile_project(project).store
        except CompilerError as exc:
            fail(f"contracts do not compile:\n{exc}")

    loaded = _load_all(paths, compiled)  # every file is checked before anything is sent
    check_report_path(report)  # now, not after the replay
    store = compiled()
    if rpc:
        node = RpcChain(rpc, store, rpc_timeout or RPC_TIMEOUT)
        hold_node_lock(node, command)  # one run at a time on a node

        make_chain: Callable[[], Chain] = lambda: node  # noqa: E731
        attached = _attached_drivers(node, records_dir) if records_dir else None
        where = journal_path(report)
        journal = JournalWriter.resume(where, node) if resume else JournalWriter.fresh(where, node)
    else:
        # A fresh embedded chain per file, so each starts from genesis.
        make_chain = lambda: InProcessChain(store)  # noqa: E731
        attached = journal = None

    runs = replay_all(loaded, make_chain, out, shared_chain=rpc is not None, attached=attached, journal=journal)
    out.print(summary_table(runs))
    json_path = write_report(runs, report)
    out.print(f"report: {report} (data: {json_path})")
    print_failures(runs, err)
    if any(run.failures for run in runs):
        raise typer.Exit(1)


@app.command("replay")
def replay_command(
    command: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Scenario files (YAML).", exists=False)],
    rpc: Annotated[
        str | None, typer.Option("--rpc", help="Replay on the node at this URL (a local dev chain).")
    ] = None,
    report: Annotated[Path, typer.Option(help="Where to write the HTML report (JSON beside it).")] = Path(
        "reports/replay.html"
    ),
    use_deployments: Annotated[
        bool,
        typer.Option(
            "--use-deployments",
            help="With --rpc: use the contract sets `s4chain deploy` recorded for this chain instead of deploying.",
        ),
    ] = False,
    records_dir: Annotated[
        Path | None, typer.Option("--records-dir", help="Where <chainId>.json records live (default: deployments/).")
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="With --rpc: pick up an interrupted replay from the journal beside the report, without sending "
            "confirmed steps again.",
        ),
    ] = False,
    rpc_timeout: RpcTimeoutOption = None,
    project_root: ProjectOption = None,
) -> None:
    """Replay scenario files; exit 0 when every expectation holds, 1 when one does not, 2 on bad input.

    On a node (--rpc) every file starts from the state the replay found (each is undone by snapshot and revert,
    but the last, whose final state the node keeps)."""
    project = Project.discover(project_root)
    if use_deployments and not rpc:
        fail("--use-deployments needs --rpc URL: records describe a node's chain")
    if resume and not rpc:
        fail("--resume needs --rpc URL: an in-process chain ends with its process, so there is nothing to resume")
    chosen_records = (records_dir or project.root / "deployments") if use_deployments else None
    _run(files, project, rpc, report, chosen_records, resume, command, rpc_timeout)


@app.command("demo")
def demo_command(
    report: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path("reports/demo.html"),
    project_root: ProjectOption = None,
) -> None:
    """Replay every scenario of scenarios/ on the in-process chain and write a report."""
    from s4chain.cli.replay import default_scenarios

    project = Project.discover(project_root)
    paths = default_scenarios(project.root)
    if not paths:
        fail(f"no scenario files in {project.root / 'scenarios'}")
    _run(paths, project, None, report)


from s4chain.cli.deploy import deploy_command  # noqa: E402
from s4chain.cli.init import init_command  # noqa: E402

app.command("deploy")(deploy_command)
app.command("init")(init_command)
map_errors(app)
