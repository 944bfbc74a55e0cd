"""Scenario files: the declarative format, its validation with line numbers, and the replay engine."""
