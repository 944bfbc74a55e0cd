"""eth-keyfile is loaded on first use (s4chain/deferred.py): `import s4chain` then eth-account (or web3) loads no
py_ecc BLS tables, keystores still work, and code importing eth-keyfile gets the real module. Each case runs in a
fresh interpreter: this one has long loaded everything."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> None:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_eth_account_and_web3_load_no_bls_tables_until_a_keystore_is_used() -> None:
    _run("""
        import sys
        import s4chain
        import web3
        from eth_account import Account
        from eth_account.signers.local import LocalAccount

        assert "py_ecc.bls" not in sys.modules and "py_ecc.optimized_bls12_381" not in sys.modules
        account = Account.from_key(b"\\x07" * 32)
        assert account.sign_transaction(
            {"type": 2, "chainId": 1, "nonce": 0, "gas": 21000, "maxFeePerGas": 1, "maxPriorityFeePerGas": 0,
             "to": account.address, "value": 0, "data": b""}
        ).hash
        assert "py_ecc.bls" not in sys.modules  # signing needs no keystore code

        encrypted = Account.encrypt(account.key, "pw", kdf="pbkdf2", iterations=1000)
        assert "py_ecc.bls" in sys.modules  # the real eth-keyfile ran for it
        assert Account.decrypt(encrypted, "pw") == account.key
        assert Account.from_key(Account.decrypt(encrypted, "pw")).address == account.address
    """)


def test_s4chain_deploy_keys_read_a_keystore_in_a_fresh_process() -> None:
    _run("""
        import json, sys, tempfile
        from pathlib import Path
        from s4chain.deployment.keys import load_deployer_key
        from eth_account import Account

        assert "py_ecc.bls" not in sys.modules
        account = Account.from_key(b"\\x09" * 32)
        path = Path(tempfile.mkdtemp()) / "k.json"
        path.write_text(json.dumps(Account.encrypt(account.key, "pw", kdf="pbkdf2", iterations=1000)))
        loaded = load_deployer_key(path, {"S4CHAIN_KEYSTORE_PASSWORD": "pw"})
        assert loaded is not None and loaded.address == account.address
    """)


def test_code_importing_eth_keyfile_gets_the_real_module() -> None:
    _run("""
        import sys
        from importlib.metadata import version
        from types import ModuleType
        import s4chain

        import eth_keyfile
        import eth_keyfile.keyfile
        from eth_keyfile.keyfile import KDFType  # what eth-account imports: nothing loaded yet
        assert "py_ecc.bls" not in sys.modules and KDFType == eth_keyfile.keyfile.KDFType

        assert eth_keyfile.__version__ == version("eth-keyfile")  # any other name: the real code runs
        assert type(eth_keyfile) is ModuleType and type(eth_keyfile.keyfile) is ModuleType
        assert eth_keyfile is sys.modules["eth_keyfile"] and eth_keyfile.keyfile is sys.modules["eth_keyfile.keyfile"]
        from eth_keyfile import create_keyfile_json, decode_keyfile_json, load_keyfile
        from eth_keyfile.keyfile import MAX_V4_PRIVATE_KEY, extract_key_from_keyfile
        for function in (create_keyfile_json, decode_keyfile_json, load_keyfile, extract_key_from_keyfile):
            assert function.__code__.co_filename == eth_keyfile.keyfile.__file__, function
        assert create_keyfile_json is eth_keyfile.keyfile.create_keyfile_json
        assert MAX_V4_PRIVATE_KEY > 0 and "load_keyfile" in dir(eth_keyfile)
        keyfile = create_keyfile_json(b"\\x01" * 32, b"pw", kdf="pbkdf2", iterations=1000)
        assert decode_keyfile_json(keyfile, b"pw") == b"\\x01" * 32
    """)


def test_listing_a_stand_in_s_names_loads_it() -> None:
    _run("""
        import sys
        import s4chain
        import eth_keyfile.keyfile

        assert "py_ecc.bls" not in sys.modules
        assert "extract_key_from_keyfile" in dir(eth_keyfile.keyfile) and "py_ecc.bls" in sys.modules
    """)


def test_nothing_is_done_when_eth_keyfile_was_imported_first() -> None:
    _run("""
        import sys
        from types import ModuleType
        import eth_keyfile
        real = sys.modules["eth_keyfile"], sys.modules["eth_keyfile.keyfile"]
        import s4chain
        from s4chain.deferred import defer_eth_keyfile

        defer_eth_keyfile()
        assert (sys.modules["eth_keyfile"], sys.modules["eth_keyfile.keyfile"]) == real
        assert type(real[0]) is ModuleType and type(real[1]) is ModuleType
    """)
