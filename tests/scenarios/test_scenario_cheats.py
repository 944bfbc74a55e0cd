"""A scenario's cheat steps (`do: cheat.<name>`, docs/scenarios.md "Cheat steps"): on both backends, the chain's
cheat codes with the scenario's values; an impersonating actor sends as a contract; the dry run names a cheat that
does not exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from s4chain.chain import Chain
from s4chain.scenarios.engine import Replayer, ResumePoint, ScenarioSetupError
from s4chain.scenarios.loader import ScenarioFileError, load_scenario

SCENARIO = """\
name: cheats
description: a contract's tokens moved by an actor impersonating it, and balances, nonces and storage set
start: 2031-01-05T09:00:00Z
actors:
  admin: {role: deploys the coin}
  mallory: {role: sends as the coin}
contracts:
  coin:
    driver: contract
    contract: EuroStablecoin
    params: {admin: "@admin"}
steps:
  - {at: +1h, actor: admin, do: cheat.set_balance, with: {account: "@mallory", ether: 5.5}}
  - {actor: admin, do: coin.mint, with: {to: "@coin", amount: 100}}
  - {actor: mallory, do: cheat.impersonate, with: {address: "@coin"}}
  - actor: mallory
    do: coin.transfer
    with: {to: "@admin", value: 40}
    expect:
      events: [{name: Transfer, args: {from: "@coin", to: "@admin"}}]
  - actor: admin
    do: cheat.set_storage_at
    with: {account: "0x00000000000000000000000000000000000000ab", slot: 3, value: 7}
  - {actor: admin, do: cheat.set_nonce, with: {account: "0x00000000000000000000000000000000000000ab", nonce: 9}}
  - {actor: admin, do: cheat.set_code, with: {account: "0x00000000000000000000000000000000000000ab", code: "0x6000"}}
"""
OTHER = "0x00000000000000000000000000000000000000AB"


def test_cheat_steps_on_both_backends(write_scenario, both_chains: Chain) -> None:
    if both_chains.backend_name == "revm":  # tests/foundation/test_cheats.py checks it says so
        pytest.skip("revm cannot send from an address with code (EIP-3607), which this scenario impersonates")
    chain = both_chains
    # A day after the chain's clock: other tests on the worker's node may have moved it past the file's date.
    start = datetime.fromtimestamp(chain.timestamp + 86_400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    replayer = Replayer(chain, load_scenario(write_scenario(SCENARIO.replace("2031-01-05T09:00:00Z", start))))
    run = replayer.run()

    assert [step.outcome for step in run.steps] == ["ok"] * 7, [step.problem for step in run.steps]
    coin = replayer.drivers["coin"].contracts()["EuroStablecoin"]
    admin = chain.accounts[0]
    assert chain.balance(chain.accounts[1]) == 5_500_000_000_000_000_000
    assert coin.balanceOf(coin.address) == 60 and coin.balanceOf(admin) == 40
    assert int.from_bytes(chain.w3.eth.get_storage_at(OTHER, 3), "big") == 7
    assert chain.w3.eth.get_transaction_count(OTHER) == 9
    assert chain.code_at(OTHER) == bytes.fromhex("6000")


def test_the_dry_run_names_the_cheats(write_scenario) -> None:
    text = SCENARIO.replace("do: cheat.set_nonce", "do: cheat.warp")
    with pytest.raises(ScenarioFileError, match=r"'cheat.warp': the cheat actions are impersonate, set_balance"):
        load_scenario(write_scenario(text))
    with pytest.raises(ScenarioFileError, match="ether"):
        load_scenario(write_scenario(SCENARIO.replace("ether: 5.5", "ether: lots")))


def test_a_replay_is_not_resumed_past_an_impersonation(write_scenario, chain: Chain) -> None:
    loaded = load_scenario(write_scenario(SCENARIO))
    first = Replayer(chain, loaded).run()
    done = first.steps[:4]  # up to the impersonating transfer: mallory's impersonation lives in that replayer only
    resume = ResumePoint(first.deployments, first.deployment_gas, done)
    with pytest.raises(ScenarioSetupError, match="an impersonation made before the cut cannot be resumed"):
        Replayer(chain, loaded).run(resume=resume)


REPEATED = """\
name: a repeat after an impersonation
description: the same step's `@noor` before and after noor impersonates lea
use_case: UC2
start: 2031-01-05T09:00:00Z
actors:
  lea: {role: issuer}
  noor: {role: holder who then sends as lea}
contracts:
  market: {driver: tokens}
steps:
  - {actor: lea, do: market.create_token, with: {name: Bench, symbol: BEN, supply: 1000 tokens}}
  - at: +1h
    actor: lea
    do: market.transfer
    with: {token: BEN, to: "@noor", amount: 1 tokens}
    repeat: {times: 2, every: 2h}
  - {at: +2h, actor: noor, do: cheat.impersonate, with: {address: "@lea"}}
"""


def test_a_repeated_step_resolves_its_names_again_after_an_impersonation(write_scenario, chain: Chain) -> None:
    """The engine binds a repeated step's arguments once; an impersonation changes what `@noor` is, so the repeat
    after it sends to the impersonated address (lea's), as every step resolving its values afresh did."""
    run = Replayer(chain, load_scenario(write_scenario(REPEATED))).run()
    assert [step.outcome for step in run.steps] == ["ok"] * 4, [step.problem for step in run.steps]
    lea, noor = chain.accounts[:2]
    transfers = [step for step in run.steps if step.action == "market.transfer"]
    assert [step.events[-1]["args"]["to"] for step in transfers] == [noor.address, lea.address]
