"""Deployment records that are valid JSON with the wrong content: `replay --use-deployments` refuses them with
exit 2, naming the file and the field, before anything is sent, and leaves the file as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_support import ChainIdAnvil, DeployCli, read_json
from tests.scenarios.conftest import run_cli

pytestmark = pytest.mark.anvil

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "01-sme-token-sale-succeeds.yaml"


def _drop_token_sale(data: dict[str, Any]) -> None:
    del data["sets"]["ico"]["contracts"]["TokenSale"]


def _bad_goal(data: dict[str, Any]) -> None:
    data["sets"]["ico"]["params"]["goal"] = "lots"


def _unknown_source(data: dict[str, Any]) -> None:
    data["sets"]["ico"]["contracts"]["TokenSale"]["source"] = "contracts/Nowhere.sol:Nowhere"


def _no_admin(data: dict[str, Any]) -> None:
    del data["sets"]["leasing"]["roles"]["admin"]


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_drop_token_sale, "field sets.ico.contracts.TokenSale: missing"),
        (_bad_goal, "field sets.ico.params.goal"),
        (_unknown_source, "ico/TokenSale: no compiled contract named 'contracts/Nowhere.sol:Nowhere'"),
        (_no_admin, "field sets.leasing.roles.admin: missing"),
    ],
    ids=["missing contract", "bad params", "unknown source", "missing role"],
)
def test_records_with_wrong_content_are_refused_naming_file_and_field(
    dev_node: ChainIdAnvil,
    deploy_cli: DeployCli,
    records_dir: Path,
    tmp_path: Path,
    damage: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    assert deploy_cli("--rpc", dev_node.url, "--only", "ico", "--only", "leasing").exit_code == 0
    path = records_dir / "31337.json"
    data = read_json(path)
    damage(data)
    path.write_text(json.dumps(data))
    before = path.read_text()
    args = ("--rpc", dev_node.url, "--use-deployments", "--records-dir", records_dir, SCENARIO)
    result = run_cli("replay", *args, "--report", tmp_path / "r.html")
    assert result.returncode == 2, result.stderr[-3000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"error: --use-deployments: {path}: ") and expected in lines[0], lines[0]
    assert path.read_text() == before
