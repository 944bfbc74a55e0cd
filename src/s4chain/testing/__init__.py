"""Test helpers for contract suites; the fixtures come from the pytest plugin in `s4chain.testing.plugin`."""

from s4chain.testing.asserts import assert_events, isolation, reverts

__all__ = ["assert_events", "isolation", "reverts"]
