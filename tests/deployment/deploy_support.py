"""Helpers of the deployment suite (a module of its own: every suite has a `conftest`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from typer.testing import Result

from s4chain.chain import AnvilNode
from s4chain.chain.accounts import DEV_CHAIN_ID

OTHER_CHAIN_ID = 1337
DeployCli = Callable[..., Result]


class ChainIdAnvil(AnvilNode):
    """An AnvilNode with a chain id of our choosing (AnvilNode always passes 31337)."""

    def __init__(self, binary: Path, chain_id: int = DEV_CHAIN_ID, **kwargs: Any) -> None:
        super().__init__(binary, **kwargs)
        self.chain_id = chain_id

    def command(self) -> list[str]:
        command = super().command()
        command[command.index("--chain-id") + 1] = str(self.chain_id)
        return command


def rpc(url: str, method: str, *params: Any) -> Any:
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10)
    body = reply.json()
    assert "error" not in body, body
    return body["result"]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
