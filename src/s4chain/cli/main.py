"""`s4chain` commands. Heavy imports (web3, py-evm) stay inside the commands that need them, so that
`s4chain compile` on a warm cache answers in a fraction of a second."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from s4chain.project import Project, ProjectNotFoundError

app = typer.Typer(
    name="s4chain",
    help="Replay the S4 'Industrie 4.0 & blockchain' scenario on a real EVM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

USAGE_ERROR = 2


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _project(root: Path | None) -> Project:
    try:
        return Project.discover(root)
    except ProjectNotFoundError as exc:
        fail(str(exc))


ProjectOption = Annotated[
    Path | None, typer.Option("--project", help="Project root (default: found upward from here).")
]


@app.command("compile")
def compile_command(
    project_root: ProjectOption = None,
    force: Annotated[bool, typer.Option("--force", help="Recompile everything, ignoring the cache.")] = False,
) -> None:
    """Compile contracts/ into build/artifacts (one JSON file per contract), using the cache."""
    from s4chain.compiler import CompilerError, CompilerNotFoundError, compile_project

    project = _project(project_root)
    try:
        result = compile_project(project, force=force)
    except CompilerError as exc:
        for diagnostic in exc.diagnostics:
            err.print(str(diagnostic), highlight=False, markup=False, soft_wrap=True)
        fail(f"compilation failed with {len(exc.diagnostics)} error(s); build/artifacts left as it was", 1)
    except CompilerNotFoundError as exc:
        fail(str(exc))
    for warning in result.warnings:
        err.print(str(warning), highlight=False, markup=False, soft_wrap=True)
    backend = result.backend
    compiler = f"{backend.kind} {backend.version}" if backend else "?"
    out.print(
        f"{len(result.compiled_units)} source file(s) compiled, {len(result.cached_units)} from cache, "
        f"{len(result.store)} contract(s) in build/artifacts ({compiler}, {result.seconds:.2f} s)"
    )


@app.command("node")
def node_command(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.")] = 8545,
    project_root: ProjectOption = None,
) -> None:
    """Run anvil from node_modules on 127.0.0.1 with the dev mnemonic and the pinned hardfork (Ctrl-C stops it)."""
    from s4chain.chain.accounts import DEV_CHAIN_ID, dev_accounts
    from s4chain.chain.anvil import AnvilError, AnvilNode, anvil_binary
    from s4chain.compiler import EVM_VERSION

    project = _project(project_root)
    try:
        node = AnvilNode(anvil_binary(project.node_modules), port=port).start()
    except AnvilError as exc:
        fail(str(exc))
    out.print(f"anvil listening on [bold]{node.url}[/] (chain id {DEV_CHAIN_ID}, hardfork {EVM_VERSION})")
    out.print(f"dev accounts: {', '.join(a.address for a in dev_accounts()[:3])}, ... (10 in all)")
    out.print("Ctrl-C to stop")

    def stop(_signum: int, _frame: object) -> None:
        node.stop()
        out.print("anvil stopped")
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    assert node.process is not None
    while node.process.poll() is None:
        time.sleep(0.2)
    fail(f"anvil exited unexpectedly with code {node.process.returncode}", 1)


@app.command("demo")
def demo_command(project_root: ProjectOption = None) -> None:
    """Compile, then deploy every contract to the in-process chain and list what was deployed."""
    from s4chain.chain.inprocess import InProcessChain
    from s4chain.compiler import CompilerError, compile_project
    from s4chain.deployment.catalogue import deploy_catalogue

    project = _project(project_root)
    try:
        store = compile_project(project).store
    except CompilerError as exc:
        fail(f"contracts do not compile:\n{exc}", 1)
    chain = InProcessChain(store)
    deployed = deploy_catalogue(chain)
    table = Table(title=f"Deployed on the in-process chain (chain id {chain.chain_id})")
    for column in ("contract", "address", "gas"):
        table.add_column(column)
    for name, contract in deployed.items():
        gas = contract.deployment.gas_used if contract.deployment else 0
        table.add_row(name, contract.address, f"{gas:,}")
    out.print(table)
