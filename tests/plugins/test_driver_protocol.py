"""mypy checks each `UseCase(driver=...)` against the `Driver` protocol: the demo package's notary passes, a
driver class without `attach` and with `deploy` taking no params is an error at the declaration."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

from tests.plugins.conftest import DEMO

NOT_A_DRIVER = """
from s4chain.chain import Chain, Contract
from s4chain.drivers.usecase import UseCase
from s4_notary import NotaryParams


class HalfDriver:
    @classmethod
    def deploy(cls, chain: Chain) -> "HalfDriver":
        return cls()

    def contracts(self) -> dict[str, Contract]:
        return {}


USE_CASE = UseCase(
    code="UC9", name="half", driver=HalfDriver, params=NotaryParams, contracts=("Notary",), main_contract="Notary"
)
"""


@pytest.mark.slow
def test_mypy_holds_every_declared_driver_to_the_protocol() -> None:
    # In build/, kept between runs with mypy's cache: from cold, mypy checks web3, pydantic and s4chain again (about
    # 20 CPU-s); warm, only what changed (the cache rechecks a module whose source differs, and replays a fresh
    # one's errors with the path it had then: so the file keeps its path).
    work = Path(__file__).resolve().parents[2] / "build" / "mypy-test"
    work.mkdir(parents=True, exist_ok=True)
    bad = work / "half_driver.py"
    bad.write_text(NOT_A_DRIVER)
    out, err, status = api.run(
        ["--cache-dir", str(work / "cache"), "--ignore-missing-imports", str(DEMO / "s4_notary"), str(bad)]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out + err
    assert len(errors) == 1, out
    line = next(n for n, text in enumerate(NOT_A_DRIVER.splitlines(), 1) if "driver=HalfDriver" in text)
    where, at, _ = errors[0].split(":", 2)  # mypy names a file under the working directory relative to it
    assert (Path(where).resolve(), int(at)) == (bad, line) and 'expected "type[Driver]"' in errors[0]
