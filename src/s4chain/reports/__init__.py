"""Replay reports: a JSON file of every run's data and a self-contained HTML page with charts."""
