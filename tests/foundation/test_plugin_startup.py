"""What every test run pays before its first test: the plugin does not import Hypothesis (0.1-0.3 CPU-s) for a suite
without `@given`, yet isolates the examples of every `@given` and state machine once Hypothesis is imported
(tests/foundation/test_plugin_isolation.py checks the isolation itself, inside pytest); the dev accounts come from
one BIP-39 seed, not one per account."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import s4chain.testing.plugin
print("hypothesis" in sys.modules)
from hypothesis import given, strategies as st
@given(st.integers())
def example(n):
    pass
print(getattr(example.hypothesis.inner_test, "__wrapped__", None) is not None)
"""


def test_the_plugin_imports_hypothesis_only_when_a_test_does_and_still_isolates_its_examples() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_the_dev_accounts_are_the_mnemonic_s_accounts_derived_from_one_seed() -> None:
    from eth_account import Account

    from s4chain.chain.accounts import DEV_HD_PATH, DEV_MNEMONIC, dev_accounts

    Account.enable_unaudited_hdwallet_features()
    expected = [Account.from_mnemonic(DEV_MNEMONIC, account_path=f"{DEV_HD_PATH}/{i}").key for i in range(10)]
    assert [account.key for account in dev_accounts()] == expected
    assert dev_accounts()[9].address == "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's tenth
