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
