"""Values the replay could not use are refused by the dry run at their line (exit 2); what only the chain can
refuse (a constructor's revert, a reference to nothing on chain) is a failed step, never a traceback; and the
report is written whatever the values."""

from __future__ import annotations

from pathlib import Path

import pytest

from s4chain.chain import Chain
from s4chain.reports.writer import write_report
from s4chain.scenarios.engine import Replayer
from s4chain.scenarios.loader import ScenarioFileError, load_scenario
from tests.scenarios.conftest import BASE

LEASING = Path(__file__).resolve().parents[2] / "scenarios" / "03-compressor-leased-six-months.yaml"
TOKENS = Path(__file__).resolve().parents[2] / "scenarios" / "05-people-issue-and-trade-tokens.yaml"
COLD_CHAIN = Path(__file__).resolve().parents[2] / "scenarios" / "04-cold-chain-farm-to-shelf.yaml"

BOT_LINE = "    with: {lease_id: 1}\n    start: +30d 2h"
CLOSE_TICKET = 'report_hash: "stage 2 valve replaced"'

CASES = [
    # (what, file, text to change, its replacement, expected words)
    (
        "negative id",
        LEASING,
        BOT_LINE,
        BOT_LINE.replace("1}", "-1}"),
        "lease_id: -1 is out of range for uint256",
    ),
    ("id of 2**256", LEASING, BOT_LINE, BOT_LINE.replace("1}", f"{2**256}}}"), "(0 to 2**256 - 1)"),
    ("too many decimals", LEASING, "amount: 30000 EUR", "amount: 30000.1234567 EUR", "more than 6 decimals"),
    ("33-byte hash", LEASING, CLOSE_TICKET, f'report_hash: "0x{"ab" * 33}"', "is not a 32-byte hash"),
    ("not hex", LEASING, CLOSE_TICKET, f'report_hash: "0x{"zz" * 32}"', "is not a 32-byte hash"),
    ("huge text", TOKENS, "name: Fablab Machine Hours", "name: " + "x" * 5000, "a text of 5,000 characters"),
    (
        "huge list",
        COLD_CHAIN,
        "with: {lot_ids: [3, 4]}",
        "with: {lot_ids: [" + ", ".join(["3"] * 150_000) + "]}",
        "a list of 150,000 items (at most 1,000)",
    ),
    (
        "unknown account",
        LEASING,
        'device: "@meter"',
        "device: nobody",
        "lease.register_machine: device: 'nobody' is no actor of this scenario, @name or 0x address",
    ),
    (
        "unknown actor in an event",
        TOKENS,
        'args: {creator: "@lea", symbol: MKH',
        'args: {creator: "@nobody", symbol: MKH',
        "TokenCreated.creator: '@nobody' names no actor",
    ),
]


@pytest.mark.parametrize(("path", "old", "new", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_value_the_chain_cannot_take_is_refused_at_its_line(
    write_scenario, path: Path, old: str, new: str, words: str
) -> None:
    text = path.read_text()
    assert old in text
    changed = text.replace(old, new, 1)
    written = write_scenario(changed)
    with pytest.raises(ScenarioFileError) as caught:
        load_scenario(written)
    line = changed[: changed.index(new)].count("\n") + 1
    assert str(caught.value).startswith(f"{written}:{line}: "), str(caught.value)
    assert words in str(caught.value)


def test_values_in_range_still_load(write_scenario) -> None:
    """Six decimals of a euro are fine, and temperatures may be negative."""
    load_scenario(write_scenario(LEASING.read_text().replace("amount: 30000 EUR", "amount: 30000.123456 EUR")))
    cold_chain = COLD_CHAIN.read_text()
    for celsius in ("-18 C", "-18", "-0.5 C"):
        load_scenario(write_scenario(cold_chain.replace("celsius: 4.1 C", f"celsius: {celsius}")))


def test_a_constructor_revert_is_a_failed_setup(write_scenario, chain: Chain, tmp_path: Path) -> None:
    """`goal: 0` passes the schema but the sale's constructor refuses it: the run ends with one failed setup
    step naming the set, its line and the decoded error (it was a traceback), and the report is written."""
    loaded = load_scenario(write_scenario(BASE.replace("goal: 1000 EUR", "goal: 0 EUR")))
    run = Replayer(chain, loaded).run()
    (setup,) = run.steps
    assert (setup.outcome, setup.revert, setup.action, setup.line) == (
        "failed",
        "InvalidConfig",
        "deploy sale (ico)",
        10,
    )
    assert "deployment failed: reverted with InvalidConfig" in str(setup.problem)
    assert setup.transactions  # the reverted deployment is mined, as on a real chain
    write_report([run], tmp_path / "report.html")
    assert "InvalidConfig" in (tmp_path / "report.html").read_text()


def test_a_reference_to_nothing_is_a_failed_step(write_scenario, chain: Chain) -> None:
    """A sale without team allocation has no vesting to release; a token symbol nobody created: failed steps
    with the driver's words, and the steps after them still run (both were tracebacks)."""
    added = "  - {actor: sme, do: sale.release_vested}\n  - {actor: alice, do: sale.investor}\n"
    text = BASE.replace("steps:\n", "steps:\n" + added)
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    assert [s.outcome for s in run.steps] == ["failed", "ok", "ok", "ok", "ok"], [s.problem for s in run.steps]
    assert run.steps[0].problem == "sale.release_vested: this sale has no team allocation"


def test_an_unknown_token_symbol_is_a_failed_step(write_scenario, chain: Chain) -> None:
    text = TOKENS.read_text().replace('{token: LUME, to: "@noor"', '{token: XYZ, to: "@noor"', 1)
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    failed = run.failures[0]
    assert failed.action == "market.transfer"
    assert failed.problem == "market.transfer: unknown token 'XYZ' (known: MKH, LUME; or give an address)"


def test_the_report_is_written_for_times_past_the_year_9999(chain: Chain, write_scenario, tmp_path: Path) -> None:
    run = Replayer(chain, load_scenario(write_scenario(BASE))).run()
    run.steps[-1].at = 10**14  # a time no date can show
    write_report([run], tmp_path / "report.html")
    assert "unix time 100000000000000" in (tmp_path / "report.html").read_text()


def test_a_value_beyond_a_narrower_abi_type_is_a_failed_step(write_scenario, chain: Chain) -> None:
    """A meter counter is a uint64: 10**23 hours passes the dry run's uint256 but not the encoder; the step fails
    saying so (it was a traceback), and the replay goes on."""
    text = LEASING.read_text().replace("hours: 120}", "hours: 100000000000000000000000}", 1)
    run = Replayer(chain, load_scenario(write_scenario(text))).run()
    failed = run.failures[0]
    assert failed.action == "lease.post_reading"
    assert str(failed.problem).startswith("lease.post_reading: a value does not fit the contract function's ABI")
    assert "64 bits" in str(failed.problem)
    assert len(run.steps) == Replayer(chain, load_scenario(LEASING)).planned_steps()  # the replay went on
