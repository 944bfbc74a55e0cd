"""One mapping, for every command, from what stops it to one line on stderr and an exit code.

0 and 1 are the commands' own (success, a failed expectation or a deploy that failed once started); anything
else that stops a command is exit 2 with one line naming the file, field or node at fault: s4chain's own errors
(`S4ChainError`, the node's `NodeError` among them), the disk (`OSError`: which file, errno text), transport
faults the chain layer lets through, and Ctrl-C. An error of none of these kinds is a bug: its traceback is
printed, then the line, still with exit 2, since exit 1 would say that an expectation failed."""

from __future__ import annotations

import errno
import functools
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from s4chain.errors import S4ChainError

USAGE_ERROR = 2

# Logs and CI are not terminals; rich would wrap them at 80 columns.
err = Console(stderr=True) if Console(stderr=True).is_terminal else Console(stderr=True, width=120)

P = ParamSpec("P")
R = TypeVar("R")


def note(line: str) -> None:
    """A progress line on stderr for a person at a terminal; a log or a pipe gets only results and errors (an
    error is the one line on stderr)."""
    if err.is_terminal:
        err.print(line, highlight=False, markup=False, soft_wrap=True)


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    # The message is user text (file names, revert reasons, `[lot.container - 1]`), never markup.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _node_fault(exc: BaseException) -> str | None:
    """The line for a fault of the node or of the connection to it; None for anything else. Only modules the
    command already loaded can have raised, so none is imported here."""
    requests = sys.modules.get("requests")
    if requests is not None and isinstance(exc, requests.RequestException):
        url = getattr(exc.request, "url", None) or "the node"
        if isinstance(exc, requests.Timeout):
            return f"the node at {url} did not answer in time ({type(exc).__name__})"
        return f"the connection to {url} failed ({type(exc).__name__}): the node stopped, or it broke the connection"
    web3_errors = sys.modules.get("web3.exceptions")
    if web3_errors is not None and isinstance(exc, web3_errors.TimeExhausted):
        return f"the node never confirmed a transaction: {exc}"
    if web3_errors is not None and isinstance(exc, web3_errors.Web3Exception):
        return f"the node misbehaved ({type(exc).__name__}): {exc}"
    if isinstance(exc, ConnectionError):
        return f"the connection to the node broke ({type(exc).__name__}: {exc})"
    return None


def _disk_fault(exc: OSError) -> str:
    code = f" ({errno.errorcode[exc.errno]})" if exc.errno is not None and exc.errno in errno.errorcode else ""
    text = f"{exc.strerror or exc}{code}"
    if exc.filename is None:
        return f"a file operation failed: {text}"
    target = f" -> {exc.filename2}" if exc.filename2 is not None else ""
    return f"{exc.filename}{target}: {text}"


def describe(exc: BaseException) -> str | None:
    """The one line that says why a command stopped; None when `exc` is a bug."""
    if isinstance(exc, S4ChainError):
        return str(exc)
    node = _node_fault(exc)
    if node is not None:
        return node
    if isinstance(exc, OSError):
        return _disk_fault(exc)
    return None


def exit_codes(command: Callable[P, R]) -> Callable[P, R]:
    """`command` with every error that stops it turned into its line and exit code 2."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (KeyboardInterrupt, typer.Abort):  # Abort: Ctrl-C or end of input at a prompt (typer would exit 1)
            fail("interrupted")
        except (typer.Exit, typer.exceptions.TyperException):  # the CLI's own ways out
            raise
        except Exception as exc:  # the one place that sees every error of every command
            line = describe(exc)
            if line is None:
                traceback.print_exc()
                line = f"internal error ({type(exc).__name__}: {exc}): a bug in s4chain, the traceback above says where"
            fail(line)

    return run


def map_errors(app: typer.Typer) -> None:
    """Send every command of `app` registered so far through `exit_codes`."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = exit_codes(info.callback)
