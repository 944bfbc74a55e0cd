"""A small valid scenario that the bad-input cases break one way at a time."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from s4chain.cli.main import app

BASE = """\
name: Minimal sale
description: A platform verifies an investor who then buys.
use_case: UC1
start: 2031-03-03T08:00:00Z
actors:
  platform: {role: platform}
  sme: {role: issuer}
  alice: {role: investor}
contracts:
  sale:
    driver: ico
    with: {platform: platform, sme: sme}
    params: {goal: 1000 EUR, hard_cap: 5000 EUR, opening: +1h, closing: +2d, team_allocation: 0 tokens}
steps:
  - actor: platform
    do: sale.verify_investor
    with: {investor: alice, retail: false}
  - actor: platform
    do: sale.fund_investor
    with: {investor: alice, amount: 2000 EUR}
  - at: +2h
    actor: alice
    do: sale.buy
    with: {amount: 1500 EUR}
    expect:
      checks:
        - {call: sale.state, equals: {raised: 1500 EUR}}
"""


@pytest.fixture
def write_scenario(tmp_path: Path):
    def write(text: str | bytes, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return write


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`s4chain ARGS` in this process (typer's CliRunner), answered as `run_cli_process` answers: exit code, stdout,
    stderr. A process of its own costs about 4 CPU-s of imports and proves nothing more here; an error escaping
    the command is printed with its traceback on stderr and exits 1, as the interpreter would."""
    with contextlib.chdir(cwd or Path.cwd()):
        result = CliRunner().invoke(app, [str(arg) for arg in args])
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
        code = 1
    return subprocess.CompletedProcess(["s4chain", *map(str, args)], code, result.stdout, stderr)


def run_cli_process(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m s4chain.cli ARGS` as a process: the end-to-end runs (the kill tests start their own)."""
    return subprocess.run(
        [sys.executable, "-m", "s4chain.cli", *map(str, args)], capture_output=True, text=True, check=False, cwd=cwd
    )
