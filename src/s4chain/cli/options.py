"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ProjectOption = Annotated[
    Path | None, typer.Option("--project", help="Project root (default: found upward from here).")
]
RecordsDirOption = Annotated[
    Path | None, typer.Option("--records-dir", help="Where <chainId>.json records live (default: deployments/).")
]
RpcTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--rpc-timeout",
        min=0.1,
        help="Seconds the node has to answer one request (default 10); a node that takes longer is taken as hung: "
        "exit 2, and a replay can go on with --resume once it answers again.",
    ),
]
ConfirmTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--confirm-timeout",
        min=0.1,
        help="Seconds a sent transaction may stay unconfirmed (not mined, or whether it reached the node unknown) "
        "before exit 2 (default 60); --resume then looks it up by its hash. Longer for a node that mines slowly.",
    ),
]
BackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        help="The in-process chain's EVM: py-evm (the reference) or revm (faster; needs `pip install "
        "'s4chain[revm]'`). Not with --rpc, where the node is the EVM.",
    ),
]
