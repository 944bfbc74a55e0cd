"""docker-compose.yml and the Dockerfile. No Docker engine here: the compose file is validated with the compose v2
binary (`docker-compose config`), and the commands its services run are run natively, against anvil from
node_modules started with the `chain` service's own arguments."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from s4chain.chain import anvil_binary
from s4chain.chain.accounts import DEV_CHAIN_ID, DEV_MNEMONIC
from s4chain.chain.anvil import LOOPBACK, TRACEABLE_STATES, free_port
from s4chain.compiler import EVM_VERSION
from s4chain.deployment.records import load_records
from s4chain.project import Project

COMPOSE_URL = "http://chain:8545"


@pytest.fixture(scope="module")
def compose(s4_project: Project) -> dict[str, Any]:
    binary = Path(sys.executable).parent / "docker-compose"
    result = subprocess.run(
        [str(binary), "-f", "docker-compose.yml", "config", "--format", "json"],
        cwd=s4_project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_chain_service_runs_the_pinned_anvil_as_the_local_dev_chain(compose: dict[str, Any]) -> None:
    chain = compose["services"]["chain"]
    assert chain["image"] == "ghcr.io/foundry-rs/foundry:v1.7.1"
    assert chain["entrypoint"] == ["anvil"]
    command = chain["command"]
    assert option(command, "--host") == "0.0.0.0"
    assert option(command, "--chain-id") == str(DEV_CHAIN_ID)
    assert option(command, "--hardfork") == EVM_VERSION == "prague"
    assert option(command, "--mnemonic") == DEV_MNEMONIC
    # As `s4chain node`: the last few states kept, so a transaction just mined can still be traced.
    assert option(command, "--prune-history") == str(TRACEABLE_STATES)
    assert "ports" not in chain  # only inside the compose network
    assert chain["healthcheck"]["test"][:3] == ["CMD", "cast", "block-number"]


def test_replay_service_waits_for_a_healthy_chain_then_deploys_and_replays(compose: dict[str, Any]) -> None:
    replay = compose["services"]["replay"]
    assert replay["build"]["dockerfile"] == "Dockerfile"
    assert replay["depends_on"]["chain"]["condition"] == "service_healthy"
    assert replay["command"][:2] == ["sh", "-c"]
    script = replay["command"][2]
    assert script.startswith("for scenario in scenarios/*.yaml; do ")
    deploy, replay_on = (
        script.index(f"s4chain deploy --rpc {COMPOSE_URL}"),
        script.index(f"s4chain replay --rpc {COMPOSE_URL}"),
    )
    assert deploy < replay_on
    assert '--scenario "$$scenario" --shift-time auto' in script[deploy:replay_on]  # $$: a $ for the shell
    assert "--use-deployments --records-dir /out/deployments" in script[replay_on:]
    assert [v["target"] for v in replay["volumes"]] == ["/out"]


def test_dockerfile_builds_from_node_20_with_python_and_runs_unprivileged(s4_project: Project) -> None:
    dockerfile = (s4_project.root / "Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0] == "FROM node:20-bookworm-slim"
    assert "npm ci" in dockerfile and "pip install -c constraints.txt ." in dockerfile
    assert "python3" in dockerfile and "RUN s4chain compile" in dockerfile
    assert [line for line in lines if line.startswith("USER")] == ["USER node"]
    for copied in ("package-lock.json", "constraints.txt", "s4chain.toml", "src", "contracts", "scenarios"):
        assert copied in dockerfile
    ignored = (s4_project.root / ".dockerignore").read_text().split()
    for heavy in (".git", ".venv", "node_modules", "build", "reports", "deployments"):
        assert heavy in ignored


@pytest.mark.slow
def test_the_services_commands_work_against_a_native_anvil(
    compose: dict[str, Any], s4_project: Project, tmp_path: Path
) -> None:
    port = free_port()
    # The chain service's own command line, on loopback and a free port.
    arguments = list(compose["services"]["chain"]["command"])
    arguments[arguments.index("--host") + 1] = LOOPBACK
    arguments[arguments.index("--port") + 1] = str(port)
    anvil = subprocess.Popen(
        [str(anvil_binary(s4_project.node_modules)), *arguments, "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:  # what the health check does
            try:
                reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}, timeout=1)
                if reply.ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "anvil did not start with the chain service's arguments"
            time.sleep(0.05)
        out = tmp_path / "out"
        script = compose["services"]["replay"]["command"][2]
        python = f"{shlex.quote(sys.executable)} -m s4chain.cli"
        native = script.replace(COMPOSE_URL, url).replace("/out", str(out)).replace("s4chain ", f"{python} ")
        native = native.replace("$$", "$")  # what compose hands the shell
        result = subprocess.run(["sh", "-c", native], cwd=s4_project.root, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    finally:
        anvil.terminate()
        anvil.wait(timeout=10)
    records = load_records(out / "deployments" / f"{DEV_CHAIN_ID}.json")
    assert all(s.complete for s in records.sets.values())
    files = sorted((s4_project.root / "scenarios").glob("*.yaml"))
    used = set()
    for file in files:
        [scenario] = json.loads((out / f"{file.stem}.json").read_text())["scenarios"]
        assert scenario["summary"]["failures"] == 0 and (out / f"{file.stem}.html").is_file()
        for name, addresses in scenario["deployments"].items():  # the replay ran on what the deploy recorded
            recorded = records.sets[f"{file.stem}/{name}"]
            assert addresses == {key: c.address for key, c in recorded.contracts.items()}
            assert recorded.time_shift == scenario["time_shift"]
            used.add(f"{file.stem}/{name}")
    assert used == set(records.sets)
    assert "deployed by this replay" not in result.stdout
    # One timeline on one node: a scenario dated before the one replayed before it had its dates moved forward.
    assert "dates moved forward by" in result.stdout
