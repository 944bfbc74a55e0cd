"""`s4chain` commands. Heavy imports (web3, py-evm) stay inside the commands that need them, so that
`s4chain compile` on a warm cache answers in a fraction of a second."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from s4chain.cli.exits import err, fail, map_errors, note
from s4chain.cli.options import BackendOption, ConfirmTimeoutOption, ProjectOption, RecordsDirOption, RpcTimeoutOption
from s4chain.project import Project

if TYPE_CHECKING:
    from s4chain.chain.base import Chain
    from s4chain.chain.pcs import CoverageRecorder
    from s4chain.cli.replay import TimeShift
    from s4chain.compiler.artifacts import ArtifactStore

app = typer.Typer(
    name="s4chain",
    help="Replay the S4 'Industrie 4.0 & blockchain' scenario on a real EVM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "the project file's `[node]` value" is not a markup tag
    # Every command inherits it: `s4chain compile -h` as well as `s4chain -h`.
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Logs and CI are not terminals; rich would wrap them at 80 columns, folding the summary table's names.
out = Console() if Console().is_terminal else Console(width=120)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"s4chain {version('s4chain')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """The options before a command (the app's help text is `app`'s)."""


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
        result = compile_project(project, force=force, progress=note)
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
    port: Annotated[
        int | None, typer.Option(help="TCP port on 127.0.0.1 (default: [node] port, 8545).", min=1, max=65535)
    ] = None,
    accounts: Annotated[
        int | None,
        typer.Option("--accounts", min=1, help="How many dev accounts of the dev mnemonic to fund (default 10)."),
    ] = None,
    balance: Annotated[
        int | None, typer.Option("--balance", min=0, help="Ether of every dev account (anvil's default: 10000).")
    ] = None,
    block_time: Annotated[
        float | None,
        typer.Option(
            "--block-time",
            min=0.001,
            help="Mine a block every this many seconds (default: one block per transaction, at once).",
        ),
    ] = None,
    chain_id: Annotated[
        int | None,
        typer.Option(
            "--chain-id",
            min=1,
            help="Chain id (default 31337). s4chain sends with the public dev keys only to chain id 31337: "
            "another id is treated as a real chain (deploy asks for a key of your own).",
        ),
    ] = None,
    fork_url: Annotated[
        str | None, typer.Option("--fork-url", help="Start from the state of the chain at this JSON-RPC URL.")
    ] = None,
    fork_block_number: Annotated[
        int | None, typer.Option("--fork-block-number", min=0, help="With --fork-url: fork at this block.")
    ] = None,
    dump_state: Annotated[
        Path | None,
        typer.Option("--dump-state", help="Write the chain's state to this JSON file when the node stops."),
    ] = None,
    load_state: Annotated[
        Path | None,
        typer.Option("--load-state", help="Start from a state written by --dump-state.", exists=True, dir_okay=False),
    ] = None,
    keep_history: Annotated[
        bool | None,
        typer.Option(
            "--keep-history/--prune-history",
            help="Keep the state at every past block (eth_call at an old block): anvil then slows down as the "
            "chain grows; by default it runs with --prune-history.",
        ),
    ] = None,
    project_root: ProjectOption = None,
) -> None:
    """Run anvil on 127.0.0.1 with the dev mnemonic and the project's hardfork (Ctrl-C stops it): the one in
    node_modules (npm @foundry-rs/anvil), else the one on the PATH. An option not given takes the project
    file's `[node]` value."""
    from rich.markup import escape

    from s4chain.chain.accounts import DEV_CHAIN_ID, dev_accounts
    from s4chain.chain.anvil import AnvilNode, anvil_binary
    from s4chain.config import ProjectConfig
    from s4chain.project import ProjectNotFoundError

    chain_id = chain_id or DEV_CHAIN_ID
    try:
        project = Project.discover(project_root)
        root, node_modules, config = project.root, project.node_modules, project.config
    except ProjectNotFoundError:  # a node needs no project: then only an anvil on the PATH can serve
        if project_root is not None:
            raise
        root, config = Path.cwd(), ProjectConfig()
        node_modules = root / "node_modules"
    given = {
        "port": port,
        "accounts": accounts,
        "balance": balance,
        "block_time": block_time,
        "fork_url": fork_url,
        "fork_block_number": fork_block_number,
        # The command line's paths from here, the project file's from the project's root (`root / absolute`).
        "dump_state": dump_state.resolve() if dump_state else None,
        "load_state": load_state.resolve() if load_state else None,
        "keep_history": keep_history,
    }
    settings = config.node.model_copy(update={key: value for key, value in given.items() if value is not None})
    if settings.fork_block_number is not None and settings.fork_url is None:
        fail("--fork-block-number needs --fork-url")
    hardfork = config.compiler.evm_version
    dump_state = root / settings.dump_state if settings.dump_state else None
    load_state = root / settings.load_state if settings.load_state else None
    options = {
        "--accounts": settings.accounts,
        "--balance": settings.balance,
        "--block-time": settings.block_time,
        "--fork-url": settings.fork_url,
        "--fork-block-number": settings.fork_block_number,
        "--dump-state": dump_state,
        "--load-state": load_state,
    }
    extra = tuple(arg for name, value in options.items() if value is not None for arg in (name, str(value)))
    binary = anvil_binary(node_modules)
    node = AnvilNode(
        binary,
        port=settings.port,
        extra_args=extra,
        keep_history=settings.keep_history,
        chain_id=chain_id,
        hardfork=hardfork,
    )
    # SIGTERM (docker stop, kill) ends the node like Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        node.start()
        out.print(
            f"anvil ({escape(str(binary))}) listening on [bold]{node.url}[/] (chain id {chain_id}, hardfork "
            f"{hardfork})",
            soft_wrap=True,  # one line a log or a test can find, whatever the path's length
        )
        accounts = settings.accounts
        shown = ", ".join(a.address for a in dev_accounts(min(accounts, 3)))
        out.print(f"dev accounts: {shown}{', ...' if accounts > 3 else ''} ({accounts} in all)", soft_wrap=True)
        if dump_state is not None:
            out.print(f"the state goes to {dump_state} when the node stops", soft_wrap=True)
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


def _run(
    paths: list[Path],
    project: Project,
    rpc: str | None,
    report: Path,
    records_dir: Path | None = None,
    resume: bool = False,
    command: typer.Context | None = None,
    rpc_timeout: float | None = None,
    shift: TimeShift | None = None,
    redeploy_differing: bool = False,
    trace: bool = False,
    backend: str = "py-evm",
    coverage: bool = False,
    parameters: dict[str, str] | None = None,
    seed: int = 0,
    studies: list[dict[str, str]] | None = None,
    confirm_timeout: float | None = None,
) -> None:
    from s4chain.chain.backends import check_backend
    from s4chain.cli.deploy import require_scenario_contracts
    from s4chain.cli.replay import (
        Timing,
        hold_node_lock,
        load_all,
        node_clock,
        plan_replay,
        print_failures,
        replay_all,
        shifted_notes,
        summary_table,
    )
    from s4chain.compiler import CompilerError, compile_project
    from s4chain.reports.writer import check_report_path, write_report
    from s4chain.scenarios.journal import JournalWriter, journal_path

    @functools.cache
    def compiled() -> ArtifactStore:
        try:
            return compile_project(project, progress=note).store
        except CompilerError as exc:
            fail(f"contracts do not compile:\n{exc}")

    if rpc and backend != "py-evm":
        fail(f"--backend {backend} is for the in-process chain; with --rpc the node is the EVM")
    check_backend(backend)  # an unknown backend, or revm without pyrevm: said before compiling
    loaded = load_all(paths, compiled, parameters, seed)  # every file is checked before anything is sent
    check_report_path(report)  # now, not after the replay
    store = compiled()
    require_scenario_contracts(loaded, store)
    if rpc:
        from s4chain.chain.rpc import RPC_TIMEOUT, RpcChain

        node = RpcChain(rpc, store, rpc_timeout or RPC_TIMEOUT)
        if confirm_timeout is not None:
            node.confirm_timeout = confirm_timeout
        hold_node_lock(node, command)  # one run at a time on a node
        node.claim_sole_writer()  # so the latest block is known from the replay's own sends (RpcChain.sole_writer)

        make_chain: Callable[[], Chain] = lambda: node  # noqa: E731
        where = journal_path(report)
        journal = JournalWriter.resume(where, node) if resume else None
        loaded, attached = plan_replay(
            loaded,
            Timing(node_clock(node, journal), shift, journal),
            node=node,
            records_dir=records_dir,
            redeploy=redeploy_differing,
            console=out,
        )
        journal = journal or JournalWriter.fresh(where, node)  # once the replay is sure to start
    else:
        from s4chain.chain.backends import in_process_chain  # py-evm (or revm): only loaded here
        from s4chain.chain.engine_chain import GENESIS_TIMESTAMP

        # A fresh embedded chain per file, so each starts from genesis.
        make_chain = lambda: in_process_chain(backend, store)  # noqa: E731
        loaded, attached = plan_replay(loaded, Timing(GENESIS_TIMESTAMP, shift))
        journal = None
    for line in shifted_notes(loaded):
        out.print(line, highlight=False, markup=False, soft_wrap=True)

    recording: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if coverage:  # the in-process chain's recorder: py-evm is loaded by then
        from s4chain.chain.pcs import CoverageRecorder

        recorder = CoverageRecorder()
        recording = recorder.recording()
    with recording:
        runs = replay_all(
            loaded, make_chain, out, shared_chain=rpc is not None, attached=attached, journal=journal, trace=trace
        )
    out.print(summary_table(runs))
    if coverage:
        _write_coverage(project, store, recorder)
    json_path = write_report(runs, report, studies)
    out.print(f"report: {report} (data: {json_path})")
    print_failures(runs, err)
    if any(run.failures for run in runs):
        raise typer.Exit(1)


def _write_coverage(project: Project, store: ArtifactStore, recorder: CoverageRecorder) -> None:
    from s4chain.testing.coverage import Coverage

    covered = Coverage.of(store, recorder.counts.values())
    for line in covered.summary():
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    path = project.root / "coverage" / "lcov.info"
    covered.write_lcov(path)
    out.print(f"coverage: {path}")


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
    records_dir: RecordsDirOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="With --rpc: pick up an interrupted replay from the journal beside the report, without sending "
            "confirmed steps again.",
        ),
    ] = False,
    redeploy_differing: Annotated[
        bool,
        typer.Option(
            "--redeploy-differing",
            help="With --use-deployments: a set whose recorded params or `with:` differ from the scenario's is "
            "deployed afresh by this replay (each is named; the records stay as they are) instead of refused.",
        ),
    ] = False,
    shift_time: Annotated[
        str | None,
        typer.Option(
            "--shift-time",
            help="Move every date of each scenario forward as a whole: auto (to just after the chain's clock, in "
            "whole days, only when needed) or a duration (365d). The report says so; a resume keeps the shift.",
        ),
    ] = None,
    trace: Annotated[
        bool,
        typer.Option("--trace", help="Print every step's call traces as it runs (a failed step's are printed anyway)."),
    ] = False,
    rpc_timeout: RpcTimeoutOption = None,
    confirm_timeout: ConfirmTimeoutOption = None,
    backend: BackendOption = "py-evm",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="name=value for a parameter of the files' parameters: blocks; repeatable."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the files' populations' draws (a sweep row's seed).")
    ] = 0,
    project_root: ProjectOption = None,
    coverage: Annotated[
        bool,
        typer.Option(
            "--coverage",
            help="Record which lines and branches of the project's contracts the replay ran (in-process only): a "
            "summary, and coverage/lcov.info.",
        ),
    ] = False,
) -> None:
    """Replay scenario files; exit 0 when every expectation holds, 1 when one does not, 2 on bad input.

    On a node (--rpc) every file starts from the state the replay found (each is undone by snapshot and revert,
    but the last, whose final state the node keeps)."""
    project = Project.discover(project_root)
    if use_deployments and not rpc:
        fail("--use-deployments needs --rpc URL: records describe a node's chain")
    if resume and not rpc:
        fail("--resume needs --rpc URL: an in-process chain ends with its process, so there is nothing to resume")
    if redeploy_differing and not use_deployments:
        fail("--redeploy-differing goes with --use-deployments: without it every set is deployed afresh anyway")
    if coverage and rpc:
        fail("--coverage needs the in-process chain: s4chain does not record what a node runs")
    if coverage and backend != "py-evm":
        fail(f"--coverage needs the py-evm backend: s4chain does not record what {backend} runs")
    from s4chain.cli.replay import parse_shift
    from s4chain.sweeps.plan import parse_fixed

    shift = parse_shift(shift_time) if shift_time is not None else None
    chosen_records = (records_dir or project.root / "deployments") if use_deployments else None
    parameters = parse_fixed(param or [])
    _run(
        files,
        project,
        rpc,
        report,
        chosen_records,
        resume,
        command,
        rpc_timeout,
        shift,
        redeploy_differing,
        trace=trace,
        backend=backend,
        coverage=coverage,
        parameters=parameters,
        seed=seed,
        confirm_timeout=confirm_timeout,
    )


@app.command("trace")
def trace_command(
    tx_hash: Annotated[str, typer.Argument(help="The transaction's hash (0x and 64 hex digits).")],
    rpc: Annotated[str, typer.Option("--rpc", help="The node the transaction was mined on.")] = "http://127.0.0.1:8545",
    rpc_timeout: RpcTimeoutOption = None,
    project_root: ProjectOption = None,
) -> None:
    """Print the call trace of a transaction mined on a node: each call with its contract, function, decoded
    arguments, value, gas, events and return or revert, named with the project's compiled contracts (like
    `forge test -vvvv`). The node must still have the state before it (`s4chain node` keeps the last blocks';
    `--keep-history` every block's)."""
    import re

    from s4chain.chain.rpc import RPC_TIMEOUT, RpcChain
    from s4chain.chain.trace import TraceUnavailable
    from s4chain.compiler import ArtifactStore, CompilerError, compile_project
    from s4chain.project import ProjectNotFoundError

    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", tx_hash):
        fail(f"{tx_hash!r} is not a transaction hash (0x and 64 hex digits)")
    try:
        store = compile_project(Project.discover(project_root), progress=note).store
    except ProjectNotFoundError:
        if project_root is not None:
            raise
        store = ArtifactStore([])  # outside a project: contracts are shown by address
    except CompilerError as exc:
        fail(f"contracts do not compile (needed to name them):\n{exc}")
    chain = RpcChain(rpc, store, rpc_timeout or RPC_TIMEOUT)
    try:
        trace = chain.trace(tx_hash)
    except TraceUnavailable as exc:
        fail(str(exc))
    typer.echo(trace.render(color=out.is_terminal))


@app.command("demo")
def demo_command(
    report: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path("reports/demo.html"),
    backend: BackendOption = "py-evm",
    project_root: ProjectOption = None,
) -> None:
    """Replay every scenario of scenarios/ on the in-process chain and write a report."""
    from s4chain.cli.replay import default_scenarios
    from s4chain.sweeps.report import study_pages

    project = Project.discover(project_root)
    paths = default_scenarios(project.root)
    if not paths:
        fail(f"no scenario files in {project.root / 'scenarios'}")
    # The studies swept so far (`make study`), linked from the report's Studies section.
    studies = [
        {"title": title, "href": os.path.relpath(page.resolve(), report.resolve().parent)}
        for title, page in study_pages(project.root)
    ]
    _run(paths, project, None, report, backend=backend, studies=studies)


from s4chain.cli.deploy import deploy_command  # noqa: E402
from s4chain.cli.gas import app as gas_app  # noqa: E402
from s4chain.cli.init import init_command  # noqa: E402
from s4chain.cli.sweep import sweep_command  # noqa: E402

app.command("deploy")(deploy_command)
app.command("init")(init_command)
app.add_typer(gas_app, name="gas")
app.command("sweep")(sweep_command)
map_errors(app)
