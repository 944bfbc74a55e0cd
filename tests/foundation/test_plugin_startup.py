"""What loading the pytest plugin costs every run: it does not import Hypothesis (0.1-0.3 CPU-s) for a suite
without `@given`, yet isolates the examples of every `@given` and state machine once Hypothesis is imported
(tests/foundation/test_plugin_isolation.py checks the isolation itself, inside pytest)."""

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
