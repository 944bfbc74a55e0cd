"""Revert source lines: a revert names the Solidity file, line and source line of the statement that reverted
(the innermost frame first, then the frames it bubbled up through), from the artifacts' source maps, on py-evm
(a traced re-run) and on anvil (debug_traceCall)."""

from __future__ import annotations

import pytest

from s4chain.chain import Chain, CustomErrorRevert, PanicRevert, RevertWithReason
from s4chain.compiler import ArtifactStore, compile_project
from s4chain.project import Project

pytestmark = pytest.mark.anvil


@pytest.fixture(scope="session")
def fixtures(s4_project: Project, tmp_path_factory: pytest.TempPathFactory) -> ArtifactStore:
    root = tmp_path_factory.mktemp("revert-lines")
    (root / "contracts").mkdir()
    for name in ("Reverter.sol", "Counter.sol"):
        (root / "contracts" / name).write_text((s4_project.root / "tests/fixtures" / name).read_text())
    (root / "node_modules").symlink_to(s4_project.node_modules)
    return compile_project(Project(root)).store


def _frames(error: BaseException) -> list[str]:
    return str(error).splitlines()[1:]


def test_custom_error_require_and_panic_name_their_line(both_chains: Chain, fixtures: ArtifactStore) -> None:
    if both_chains.backend_name == "revm":
        pytest.skip("revm gives no revert lines yet (docs/performance.md, revm backend)")
    reverter = both_chains.deploy(fixtures.get("Reverter"))
    with pytest.raises(CustomErrorRevert) as custom:
        reverter.store(101)  # a transaction: mined, reverted, replayed
    assert _frames(custom.value) == [
        "  at contracts/Reverter.sol:13:33 in Reverter",
        "    13 | if (value > 100) revert TooLarge(value, 100);",
    ]
    assert custom.value.message == "reverted with TooLarge(given=101, limit=100)"
    with pytest.raises(RevertWithReason) as reason:
        reverter.store(13)
    assert _frames(reason.value)[1] == '    14 | require(value != 13, "unlucky number");'
    with pytest.raises(PanicRevert) as division:
        reverter.divide(0)  # a call; the panic itself is in code the compiler generated
    assert _frames(division.value) == ["  at contracts/Reverter.sol:20:16 in Reverter", "    20 | return 10 / by;"]
    with pytest.raises(PanicRevert) as overflow:
        reverter.scaled(2**255)
    assert _frames(overflow.value)[1] == "    24 | return a * 10;"


def test_a_bubbled_revert_shows_each_frame_innermost_first(both_chains: Chain, fixtures: ArtifactStore) -> None:
    if both_chains.backend_name == "revm":
        pytest.skip("revm gives no revert lines yet (docs/performance.md, revm backend)")
    counter = both_chains.deploy(fixtures.get("Counter"))
    forwarder = both_chains.deploy(fixtures.get("Forwarder"), counter.address)  # an immutable in its code
    forwarder.addTwice(2)  # total 0 + 1, twice
    with pytest.raises(CustomErrorRevert) as caught:
        forwarder.addTwice(1)  # the second `add` finds count == 3
    assert _frames(caught.value) == [
        "  at contracts/Counter.sol:13:32 in Counter",
        "    13 | if (count >= 3) revert TooMany(count);",
        "  from contracts/Counter.sol:44:9 in Forwarder",
        "    44 | counter.add(steps);",
    ]
    with pytest.raises(RevertWithReason) as view:
        counter.check(0)
    assert _frames(view.value)[0] == "  at contracts/Counter.sol:22:9 in Counter"
