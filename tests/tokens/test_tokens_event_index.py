"""The driver's event-derived reads (here the factory's token list) come from an index it extends block by block:
after a revert they reflect only the surviving history, and a read asks the chain only for the blocks mined since
the one before (a scan from block 0 on every read made a replay's cost per step grow with its history)."""

from __future__ import annotations

from typing import Any

import pytest
from tokens_env import D

from s4chain.chain.pyevm import PyEvmEngine


def _symbols(m: Any) -> list[str]:
    return [t.symbol for t in m.driver.state().tokens]


def test_a_read_after_a_revert_shows_only_the_surviving_history(m):
    assert _symbols(m) == ["MKH", "ART"]
    snapshot = m.chain.snapshot()
    m.driver.create_token(m.maker, name="Gone", symbol="GONE", supply=D(1))
    replaced = m.chain.block_number
    assert _symbols(m) == ["MKH", "ART", "GONE"]  # the index has scanned the block that the revert drops
    m.chain.revert(snapshot)
    assert _symbols(m) == ["MKH", "ART"]  # fewer blocks than the index had scanned
    snapshot = m.chain.snapshot()
    m.driver.create_token(m.maker, name="Gone", symbol="GONE", supply=D(1))
    assert _symbols(m) == ["MKH", "ART", "GONE"]
    m.chain.revert(snapshot)
    m.driver.create_token(m.artist, name="Kept", symbol="KEPT", supply=D(2))
    assert m.chain.block_number == replaced  # as many blocks as the index had scanned, another last block
    assert _symbols(m) == ["MKH", "ART", "KEPT"]


def test_a_read_scans_only_the_blocks_mined_since_the_last_read(m, monkeypatch):
    ranges: list[tuple[int, int]] = []
    get_events = m.chain.get_events

    def counted(from_block: int = 0, to_block: Any = "latest", address: str | None = None) -> Any:
        ranges.append((from_block, to_block))
        return get_events(from_block, to_block, address=address)

    monkeypatch.setattr(m.chain, "get_events", counted)
    _symbols(m)
    for n in range(6):
        mined_after = m.chain.block_number
        m.driver.transfer(m.maker, token="MKH", to=m.taker.address, amount=D(1))
        ranges.clear()
        assert _symbols(m) == ["MKH", "ART"]
        assert ranges == [(mined_after + 1, m.chain.block_number)], n  # one new block, whatever the history
    ranges.clear()
    _symbols(m)
    assert ranges == []  # nothing mined: nothing asked


def test_a_read_on_py_evm_seals_no_block(m, monkeypatch):
    """The index tells a replaced block by `Chain.block_id`, which on py-evm is the block record's serial: a read
    that checked the last block's hash sealed every block of the run (state roots, tries), the most of a long
    replay's memory."""
    engine = getattr(m.chain, "engine", None)
    if not isinstance(engine, PyEvmEngine):
        pytest.skip("sealing is the py-evm engine's")
    sealed: list[int] = []
    seal = engine._seal
    monkeypatch.setattr(engine, "_seal", lambda upto: (sealed.append(upto), seal(upto))[1])
    for _ in range(3):
        m.driver.transfer(m.maker, token="MKH", to=m.taker.address, amount=D(1))
        assert _symbols(m) == ["MKH", "ART"]
    assert sealed == []
    snapshot = m.chain.snapshot()  # seals; a block replaced after it is still told apart
    m.driver.create_token(m.maker, name="Gone", symbol="GONE", supply=D(1))
    assert _symbols(m) == ["MKH", "ART", "GONE"]
    m.chain.revert(snapshot)
    m.driver.create_token(m.artist, name="Kept", symbol="KEPT", supply=D(2))
    sealed.clear()
    assert _symbols(m) == ["MKH", "ART", "KEPT"]
    assert sealed == []
