"""The chain's event decoder gives exactly what web3's `get_event_data` gives (names, values, types, argument
order) for every log of replayed scenarios: plain events through its direct path, the others through web3's."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3._utils.events import get_event_data

from s4chain.chain import InProcessChain
from s4chain.compiler import ArtifactStore
from s4chain.project import Project
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import load_scenario


@pytest.mark.parametrize("scenario", ["04-cold-chain-farm-to-shelf", "05-people-issue-and-trade-tokens"])
def test_every_log_decodes_as_web3_decodes_it(compiled: ArtifactStore, s4_project: Project, scenario: str) -> None:
    chain = InProcessChain(compiled)
    Replayer(chain, load_scenario(Path(s4_project.root / "scenarios" / f"{scenario}.yaml"))).run()
    registry = chain.events
    compared = 0
    for log in chain.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}):
        topic = bytes(log["topics"][0]) if log["topics"] else b""
        for layout in registry._events.get(topic, []):
            try:
                expected = dict(get_event_data(chain.w3.codec, layout.entry, log)["args"])
            except Exception as exc:  # the same failure is wanted from both
                with pytest.raises(type(exc)):
                    registry._decode_args(layout, log)
                continue
            got = registry._decode_args(layout, log)
            assert list(got.items()) == list(expected.items())
            assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
            compared += 1
    assert compared > 20


STATIC_TYPES = [
    *("address", "bool", "uint8", "uint64", "uint256"),
    *("int8", "int64", "int256", "bytes1", "bytes4", "bytes32"),
]


def _word_cases() -> list[bytes]:
    """Words every static type reads, and words some refuse for their padding: zeros, small values, all bits set,
    a negative int8 sign-extended, an address, a left- and a right-aligned byte."""
    return [
        bytes(32),
        bytes(31) + b"\x01",
        bytes(31) + b"\x02",
        b"\xff" * 32,
        b"\xff" * 31 + b"\x80",
        bytes(12) + bytes(range(1, 21)),
        b"\x01" + bytes(31),
        bytes(24) + b"\x80" + bytes(7),
    ]


@pytest.mark.parametrize("kind", STATIC_TYPES)
def test_a_static_word_reads_as_the_codec_decodes_it(kind: str) -> None:
    """The direct word readers give the codec's values and types, and leave to the codec (and its error) every
    word it refuses; data of another length than the words goes to the codec too."""
    from web3 import Web3

    from s4chain.chain.events import _Layout

    codec = Web3().codec
    layout = _Layout.of({"name": "E", "type": "event", "inputs": [{"name": "v", "type": kind, "indexed": False}]})
    assert layout.data_readers is not None
    refused = 0
    for blob in [*_word_cases(), bytes(64), b""]:
        try:
            expected = list(codec.decode([kind], blob))
        except Exception as exc:
            refused += 1
            with pytest.raises(type(exc)):
                layout._values(codec, layout.data_types, layout.data_readers, blob)
            continue
        got = list(layout._values(codec, layout.data_types, layout.data_readers, blob))
        assert got == expected and [type(v) for v in got] == [type(v) for v in expected]
    assert refused >= 1  # the empty data at least
