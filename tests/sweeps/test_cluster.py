"""`--cluster`: the same sweep on a real dask.distributed LocalCluster (a scheduler and two worker processes on
loopback) gives the local pool's rows, row for row; and an unreachable scheduler is one line, exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

from s4chain.chain.anvil import free_port
from s4chain.cli.main import app
from s4chain.sweeps.runner import run_sweep
from s4chain.sweeps.worker import Bundle
from tests.sweeps.conftest import REPO, comparable, jobs_of


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as started:
        yield started


@pytest.mark.slow
def test_a_cluster_sweep_equals_the_local_pool_row_for_row(
    cluster: LocalCluster, small_sale: Path, tmp_path: Path, bundle: Bundle
) -> None:
    jobs = jobs_of(small_sale, [("rate", [0, 0.5, 1]), ("goal", [2000, 6000])], 1)
    on_cluster, progress = run_sweep(
        jobs, bundle, tmp_path / "cluster.parquet", workers=1, cluster=cluster.scheduler_address
    )
    assert progress.done == len(jobs) == 6
    local, _ = run_sweep(jobs, bundle, tmp_path / "local.parquet", workers=2)
    assert comparable(on_cluster) == comparable(local)
    assert {row["passed"] for row in local} == {True, False}  # the comparison covers failed runs too


def test_an_unreachable_scheduler_is_one_line_and_exit_2(small_sale: Path, tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(
        app, ["sweep", str(small_sale), "--cluster", address, "--out", str(tmp_path), "--project", str(REPO)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"--cluster {address}: cannot reach the Dask scheduler" in result.output
    assert "connection refused: nothing listens there" in result.output  # said at once, not after Dask's 10 s
