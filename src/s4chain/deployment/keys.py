"""The deployer's key for a chain that is not a local dev chain.

Two sources, never the command line (it ends up in shell histories and `ps`): an encrypted keystore file
(eth-account / geth "Web3 Secret Storage" JSON, password from `S4CHAIN_KEYSTORE_PASSWORD` or a prompt), or the
environment variable `S4CHAIN_PRIVATE_KEY`. No key is ever printed, logged or written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from s4chain.errors import S4ChainError

PRIVATE_KEY_ENV = "S4CHAIN_PRIVATE_KEY"
KEYSTORE_PASSWORD_ENV = "S4CHAIN_KEYSTORE_PASSWORD"


class DeployerKeyError(S4ChainError):
    """A key that cannot be loaded; the message never contains the key or the password."""


def load_deployer_key(
    keystore: Path | None,
    environ: Mapping[str, str] | None = None,
    prompt: Callable[[str], str] | None = None,
) -> LocalAccount | None:
    """The key from `keystore` or from S4CHAIN_PRIVATE_KEY; None when neither is given.

    `prompt(text)` asks for the keystore password when S4CHAIN_KEYSTORE_PASSWORD is not set (None: refuse)."""
    env = os.environ if environ is None else environ
    from_env = env.get(PRIVATE_KEY_ENV, "").strip()
    if keystore is not None and from_env:
        raise DeployerKeyError(
            f"both --keystore and {PRIVATE_KEY_ENV} give a key: unset {PRIVATE_KEY_ENV} or drop --keystore"
        )
    if from_env:
        try:
            account: LocalAccount = Account.from_key(from_env)
        except (ValueError, TypeError):
            raise DeployerKeyError(f"{PRIVATE_KEY_ENV} is not a private key (expected 0x and 64 hex digits)") from None
        return account
    if keystore is None:
        return None
    try:
        encrypted = json.loads(keystore.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployerKeyError(f"{keystore}: no such keystore file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeployerKeyError(f"{keystore}: not a JSON keystore file ({type(exc).__name__})") from None
    password = env.get(KEYSTORE_PASSWORD_ENV)
    if password is None:
        if prompt is None:
            raise DeployerKeyError(
                f"{keystore}: set {KEYSTORE_PASSWORD_ENV} or run interactively to be asked for the password"
            )
        password = prompt(f"password for {keystore}")
    try:
        private_key = Account.decrypt(encrypted, password)
    except ValueError as exc:
        reason = "wrong password" if "mac" in str(exc).lower() else "not a valid keystore"
        raise DeployerKeyError(f"{keystore}: cannot decrypt the key ({reason})") from None
    except (KeyError, TypeError, AttributeError):
        raise DeployerKeyError(f"{keystore}: not a valid keystore (missing fields)") from None
    decrypted: LocalAccount = Account.from_key(private_key)
    return decrypted
