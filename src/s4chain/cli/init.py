"""`s4chain init [FOLDER]`: a working project to start from. Its `pytest` and `s4chain replay scenarios/token.yaml`
pass once `npm install` has fetched what its package.json pins."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from s4chain.config import CONFIG_FILE, DEFAULT_EVM_VERSION, DEFAULT_SOLC_VERSION
from s4chain.errors import S4ChainError
from s4chain.files import write_all_atomic

# What the S4 project itself runs on (its package.json), so that a new project compiles the same way.
OPENZEPPELIN_VERSION = "5.7.0"
ANVIL_VERSION = "1.7.1"

out = Console()


class InitError(S4ChainError):
    """The folder already holds a file `init` would write."""


def _package_json(name: str) -> str:
    package = {
        "name": name,
        "private": True,
        "description": "Solidity toolchain of an s4chain project: the compiler, OpenZeppelin and the anvil node.",
        "dependencies": {
            "@foundry-rs/anvil": ANVIL_VERSION,
            "@openzeppelin/contracts": OPENZEPPELIN_VERSION,
            "solc": DEFAULT_SOLC_VERSION,
        },
    }
    return json.dumps(package, indent=2) + "\n"


PROJECT_FILE = f"""# The s4chain project file. Every key is optional; the values shown are the defaults.

[project]
contracts = "contracts"   # your Solidity sources
build = "build"           # artifacts and the compile cache
# remappings = ["@oz/=node_modules/@openzeppelin/contracts/"]

[compiler]
# A file whose pragma allows this version compiles with it; any other with the newest solc-js installed that its
# pragma allows (add one beside it: `npm install solc-0.8.20@npm:solc@0.8.20`). "auto": the newest for every file.
version = "{DEFAULT_SOLC_VERSION}"
evm_version = "{DEFAULT_EVM_VERSION}"   # the newest fork both s4chain's in-process chain and anvil run
optimizer = true
optimizer_runs = 200
via_ir = false

[node]   # `s4chain node` and the `anvil` test fixture
port = 8545
accounts = 10

# A contract set `s4chain deploy --rpc URL` deploys, as in scenarios/token.yaml.
[sets.token]
driver = "contract"
contract = "MyToken"
params = {{ name = "My Token", symbol = "MTK", initialSupply = "1000000 MTK" }}
"""

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MyToken
/// @notice An ERC-20 whose whole supply goes to the account that deploys it. Replace it with your own contracts.
contract MyToken is ERC20 {
    /// @param name_ The token's name.
    /// @param symbol_ Its symbol: the unit of its amounts in a scenario (`1000 MTK`).
    /// @param initialSupply The supply minted to the deployer, in the smallest unit (18 decimals).
    constructor(string memory name_, string memory symbol_, uint256 initialSupply) ERC20(name_, symbol_) {
        _mint(msg.sender, initialSupply);
    }
}
"""

TEST = '''"""MyToken on s4chain's in-process chain (`pytest --s4-rpc URL` runs the same tests on a node).

The fixtures come from s4chain's pytest plugin: `s4_chain` and `chain` (what a test does is undone after it; a
module-scoped fixture's deployment is kept for the module's tests) and `accounts` (ten funded dev accounts)."""

import pytest

from s4chain.testing import assert_events, reverts

UNIT = 10**18  # MyToken has 18 decimals
SUPPLY = 1_000_000 * UNIT


@pytest.fixture(scope="module")
def token(s4_chain):
    """Deployed once for this module by the first dev account."""
    return s4_chain.deploy("MyToken", "My Token", "MTK", SUPPLY, sender=s4_chain.accounts[0])


def test_the_deployer_holds_the_whole_supply(token, accounts):
    assert (token.name(), token.symbol(), token.decimals()) == ("My Token", "MTK", 18)
    assert token.totalSupply() == SUPPLY
    assert token.balanceOf(accounts[0].address) == SUPPLY


def test_a_transfer_moves_tokens(token, accounts):
    issuer, alice = accounts[0], accounts[1]
    result = token.transfer(alice.address, 1000 * UNIT, sender=issuer)
    assert_events(result, "Transfer", count=1, to=alice.address, value=1000 * UNIT)
    assert token.balanceOf(alice.address) == 1000 * UNIT
    assert token.balanceOf(issuer.address) == SUPPLY - 1000 * UNIT


def test_each_test_starts_from_the_deployment(token, accounts):
    """The transfer of the test before was undone."""
    assert token.balanceOf(accounts[1].address) == 0


def test_spending_more_than_the_balance_reverts(token, accounts):
    alice, bob = accounts[1], accounts[2]
    with reverts("ERC20InsufficientBalance", sender=alice.address, balance=0, needed=UNIT):
        token.transfer(bob.address, UNIT, sender=alice)
'''

SCENARIO = """name: My token changes hands
description: >
  The issuer deploys MyToken and sends some to Alice; Alice lets Bob spend part of hers; Bob cannot send more
  than he holds.
start: 2031-01-05T09:00:00Z

actors:
  issuer: {role: deploys the token and holds its supply}
  alice: {role: a holder}
  bob: {role: spends for Alice}

contracts:
  token: {driver: contract, contract: MyToken, params: {name: My Token, symbol: MTK, initialSupply: 1000000 MTK}}

steps:
  - actor: issuer
    do: token.transfer
    with: {to: alice, value: 1000 MTK}
    expect:
      events: [Transfer]
      checks: [{call: token.balanceOf, args: {account: alice}, equals: {value: 1000 MTK}}]
  - at: +1d
    actor: alice
    do: token.approve
    with: {spender: bob, value: 300 MTK}
    expect: {events: [Approval]}
  - actor: bob
    do: token.transferFrom
    with: {from: alice, to: bob, value: 200 MTK}
    expect:
      checks:
        - {call: token.balanceOf, args: {account: alice}, equals: {value: 800 MTK}}
        - {call: token.allowance, args: {owner: alice, spender: bob}, equals: {value: 100 MTK}}
  - at: +2d
    actor: bob
    do: token.transfer
    with: {to: alice, value: 5000 MTK}
    expect: {revert: ERC20InsufficientBalance}
"""

README = """# {name}

An s4chain project: Solidity contracts in `contracts/`, tests in `tests/`,
scenarios in `scenarios/`, settings in `s4chain.toml`.

Once, to fetch the compiler, OpenZeppelin and anvil that `package.json` pins:

    npm install

Then the two commands:

    pytest                                # the tests of tests/ on s4chain's in-process chain
    s4chain replay scenarios/token.yaml   # the scenario, with a report in reports/replay.html

Both compile `contracts/` first (into `build/`, cached). `s4chain node` starts a local anvil node;
`pytest --s4-rpc URL` and `s4chain replay --rpc URL ...` run on it, `s4chain deploy --rpc URL` deploys the sets
of `s4chain.toml`.
"""

GITIGNORE = """node_modules/
build/
reports/
coverage/
deployments/
__pycache__/
.pytest_cache/
.venv/
"""


def skeleton(folder: Path) -> dict[Path, str]:
    """The files `init` writes into `folder`, by path."""
    name = re.sub(r"[^a-z0-9._-]+", "-", folder.resolve().name.lower()).strip("-._") or "my-contracts"
    files = {
        CONFIG_FILE: PROJECT_FILE,
        "package.json": _package_json(name),
        "contracts/MyToken.sol": TOKEN,
        "tests/test_token.py": TEST,
        "scenarios/token.yaml": SCENARIO,
        "README.md": README.format(name=name),
        ".gitignore": GITIGNORE,
    }
    return {folder / path: text for path, text in files.items()}


def init_project(folder: Path) -> list[Path]:
    """Write the skeleton into `folder` (made if missing), all files or none; refuse if any of them exists."""
    files = skeleton(folder)
    existing = [path for path in files if path.exists()]
    if existing:
        shown = ", ".join(str(path.relative_to(folder)) for path in existing)
        raise InitError(f"{folder} already has {shown}: nothing written (init never overwrites a file)")
    write_all_atomic(files)
    return list(files)


def init_command(
    folder: Annotated[Path, typer.Argument(help="Where to make the project (default: here).")] = Path("."),
) -> None:
    """Make a new project: s4chain.toml, package.json, a sample ERC-20, a test, a scenario and a README."""
    for path in init_project(folder):
        out.print(f"wrote {path}", highlight=False)
    where = "" if folder.resolve() == Path.cwd() else f"cd {folder} && "
    out.print(f"next: {where}npm install && pytest && s4chain replay scenarios/token.yaml", highlight=False)
