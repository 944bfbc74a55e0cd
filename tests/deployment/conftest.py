"""Fixtures of the deployment suite: fresh anvil nodes (a dev one, and one with another chain id standing for a
chain that is not a local dev chain) and a `deploy` CLI runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_support import OTHER_CHAIN_ID, ChainIdAnvil, DeployCli
from typer.testing import CliRunner, Result

from s4chain.chain import anvil_binary
from s4chain.chain.accounts import DEV_CHAIN_ID
from s4chain.cli.main import app
from s4chain.project import Project


@pytest.fixture
def node_factory(s4_project: Project) -> Iterator[Callable[..., ChainIdAnvil]]:
    """Start anvil nodes (stopped at the end of the test): `node_factory(chain_id=..., extra_args=(...))`."""
    started: list[ChainIdAnvil] = []

    def start(chain_id: int = DEV_CHAIN_ID, port: int | None = None, extra_args: tuple[str, ...] = ()) -> ChainIdAnvil:
        node = ChainIdAnvil(anvil_binary(s4_project.node_modules), chain_id, port=port, extra_args=extra_args)
        started.append(node)
        return node.start()

    yield start
    for node in started:
        node.stop()


@pytest.fixture
def dev_node(node_factory: Callable[..., ChainIdAnvil]) -> ChainIdAnvil:
    """A fresh local dev anvil (chain id 31337)."""
    return node_factory()


@pytest.fixture
def other_node(node_factory: Callable[..., ChainIdAnvil]) -> ChainIdAnvil:
    """A fresh anvil with chain id 1337: not a local dev chain as far as s4chain can tell."""
    return node_factory(chain_id=OTHER_CHAIN_ID)


@pytest.fixture
def records_dir(tmp_path: Path) -> Path:
    return tmp_path / "deployments"


@pytest.fixture
def deploy_cli(s4_project: Project, records_dir: Path, compiled: Any) -> DeployCli:
    """Run `s4chain deploy ARGS` in-process; `env` adds environment variables (keys are unset otherwise)."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, records: bool = True) -> Result:
        base: dict[str, str | None] = {"S4CHAIN_PRIVATE_KEY": None, "S4CHAIN_KEYSTORE_PASSWORD": None}
        full = ["deploy", *args, "--project", str(s4_project.root)]
        if records:
            full += ["--records-dir", str(records_dir)]
        return runner.invoke(app, full, env={**base, **(env or {})})

    return invoke
