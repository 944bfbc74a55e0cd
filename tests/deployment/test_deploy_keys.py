"""Keys: the dev mnemonic only on local dev chains; elsewhere an explicit key (keystore or environment), a printed
summary with estimated gas, and --yes. Keys are made at test time; none is committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deploy_support import ChainIdAnvil, DeployCli, read_json, rpc
from eth_account import Account
from eth_account.signers.local import LocalAccount

from s4chain.chain.accounts import dev_accounts
from s4chain.chain.rpc import RpcChain
from s4chain.chain.safety import UnsafeChainError
from s4chain.deployment.keys import DeployerKeyError, load_deployer_key
from s4chain.deployment.node import DeployChain

PASSWORD = "correct horse battery staple"


@pytest.fixture
def key() -> LocalAccount:
    account: LocalAccount = Account.create()
    return account


@pytest.fixture
def keystore(key: LocalAccount, tmp_path: Path) -> Path:
    path = tmp_path / "deployer.keystore.json"
    # pbkdf2 with few iterations keeps the suite fast; `Account.decrypt` reads scrypt keystores the same way.
    path.write_text(json.dumps(Account.encrypt(key.key, PASSWORD, kdf="pbkdf2", iterations=1_000)))
    return path


def fund(node: ChainIdAnvil, account: LocalAccount, wei: int = 10**18) -> None:
    rpc(node.url, "anvil_setBalance", account.address, hex(wei))


def nonce(node: ChainIdAnvil, address: str) -> int:
    return int(rpc(node.url, "eth_getTransactionCount", address, "latest"), 16)


def test_a_chain_that_is_not_a_dev_chain_needs_an_explicit_key(
    other_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path
) -> None:
    result = deploy_cli("--rpc", other_node.url)
    assert result.exit_code == 2, result.output
    assert "chain id 1337" in result.output and "dev mnemonic's keys are public" in result.output
    assert "--keystore FILE" in result.output and "S4CHAIN_PRIVATE_KEY" in result.output and "--yes" in result.output
    assert nonce(other_node, dev_accounts()[0].address) == 0 and not records_dir.exists()
    with pytest.raises(UnsafeChainError):  # the existing refusal is untouched
        RpcChain(other_node.url)
    with pytest.raises(UnsafeChainError):
        DeployChain(other_node.url)


def test_a_dev_mnemonic_key_is_refused_on_a_chain_that_is_not_a_dev_chain(
    other_node: ChainIdAnvil, deploy_cli: DeployCli
) -> None:
    dev_key = "0x" + dev_accounts()[0].key.hex().removeprefix("0x")
    result = deploy_cli("--rpc", other_node.url, "--yes", env={"S4CHAIN_PRIVATE_KEY": dev_key})
    assert result.exit_code == 2, result.output
    assert "one of the dev mnemonic's" in result.output
    assert dev_key[2:] not in result.output


@pytest.mark.slow
def test_summary_then_refusal_without_yes_then_deploy_with_yes(
    other_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, key: LocalAccount, keystore: Path
) -> None:
    fund(other_node, key)
    env = {"S4CHAIN_KEYSTORE_PASSWORD": PASSWORD}
    dry = deploy_cli("--rpc", other_node.url, "--keystore", str(keystore), env=env)
    assert dry.exit_code == 2, dry.output
    assert "NOT a local dev chain" in dry.output and f"deployer {key.address}, balance 1 ETH" in dry.output
    assert "supply: deploy SupplyChain:" in dry.output and "(eth_estimateGas)" in dry.output
    assert "ico: deploy TokenSale:" in dry.output and "setup transaction(s)" in dry.output
    assert "total " in dry.output and " ETH" in dry.output
    assert "nothing sent" in dry.output and "--yes" in dry.output
    assert nonce(other_node, key.address) == 0

    sent = deploy_cli("--rpc", other_node.url, "--keystore", str(keystore), "--yes", env=env)
    assert sent.exit_code == 0, sent.output
    records = read_json(records_dir / "1337.json")
    assert records["chain_id"] == 1337
    for set_record in records["sets"].values():
        assert set(set_record["roles"].values()) == {key.address}  # the one key plays every role
        assert {c["deployer"] for c in set_record["contracts"].values()} == {key.address}
    assert nonce(other_node, key.address) > 10
    for secret in (key.key.hex().removeprefix("0x"), PASSWORD):
        assert secret not in dry.output + sent.output
        assert secret not in (records_dir / "1337.json").read_text()

    again = deploy_cli("--rpc", other_node.url, "--keystore", str(keystore), env=env)  # nothing to send: no --yes
    assert again.exit_code == 0, again.output
    assert "complete and unchanged on chain, nothing to send" in again.output
    assert "0 contract(s) deployed" in again.output


def test_insufficient_funds_are_found_by_the_summary_before_anything_is_sent(
    other_node: ChainIdAnvil, deploy_cli: DeployCli, key: LocalAccount
) -> None:
    fund(other_node, key, 10**15)
    env = {"S4CHAIN_PRIVATE_KEY": key.key.hex()}
    result = deploy_cli("--rpc", other_node.url, "--only", "supply", "--yes", env=env)
    assert result.exit_code == 2, result.output
    assert f"the deployer {key.address} has 0.001 ETH; the deployment needs up to 0.0" in result.output
    assert nonce(other_node, key.address) == 0


def test_records_of_another_chain_with_the_same_id_are_refused(
    other_node: ChainIdAnvil, deploy_cli: DeployCli, records_dir: Path, key: LocalAccount
) -> None:
    fund(other_node, key)
    env = {"S4CHAIN_PRIVATE_KEY": key.key.hex()}
    assert deploy_cli("--rpc", other_node.url, "--only", "supply", "--yes", env=env).exit_code == 0
    path = records_dir / "1337.json"
    data = read_json(path)
    data["genesis_hash"] = "0x" + "12" * 32
    path.write_text(json.dumps(data))
    before = path.read_text()
    result = deploy_cli("--rpc", other_node.url, "--only", "supply", "--yes", env=env)
    assert result.exit_code == 2, result.output
    assert "another chain with the same id" in result.output and path.read_text() == before


def test_keystore_problems(
    other_node: ChainIdAnvil, deploy_cli: DeployCli, keystore: Path, key: LocalAccount, tmp_path: Path
) -> None:
    wrong = deploy_cli("--rpc", other_node.url, "--keystore", str(keystore), env={"S4CHAIN_KEYSTORE_PASSWORD": "no"})
    assert wrong.exit_code == 2 and "cannot decrypt the key (wrong password)" in wrong.output
    no_password = deploy_cli("--rpc", other_node.url, "--keystore", str(keystore))
    assert no_password.exit_code == 2 and "S4CHAIN_KEYSTORE_PASSWORD" in no_password.output
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    bad = deploy_cli("--rpc", other_node.url, "--keystore", str(garbage), env={"S4CHAIN_KEYSTORE_PASSWORD": "x"})
    assert bad.exit_code == 2 and "not a JSON keystore file" in bad.output
    both = deploy_cli(
        "--rpc",
        other_node.url,
        "--keystore",
        str(keystore),
        env={"S4CHAIN_KEYSTORE_PASSWORD": PASSWORD, "S4CHAIN_PRIVATE_KEY": key.key.hex()},
    )
    assert both.exit_code == 2 and "both --keystore and S4CHAIN_PRIVATE_KEY" in both.output
    not_a_key = deploy_cli("--rpc", other_node.url, env={"S4CHAIN_PRIVATE_KEY": "0x1234-secret"})
    assert not_a_key.exit_code == 2 and "is not a private key" in not_a_key.output
    assert "1234-secret" not in not_a_key.output
    for result in (wrong, no_password, bad, both, not_a_key):
        assert "Traceback" not in result.output


def test_load_deployer_key_asks_for_the_password_when_interactive(keystore: Path, key: LocalAccount) -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return PASSWORD

    loaded = load_deployer_key(keystore, environ={}, prompt=prompt)
    assert loaded is not None and loaded.address == key.address and asked == [f"password for {keystore}"]
    assert load_deployer_key(None, environ={}) is None
    from_env = load_deployer_key(None, environ={"S4CHAIN_PRIVATE_KEY": key.key.hex()})
    assert from_env is not None and from_env.address == key.address
    with pytest.raises(DeployerKeyError, match="no such keystore file"):
        load_deployer_key(keystore.with_name("missing.json"), environ={})
