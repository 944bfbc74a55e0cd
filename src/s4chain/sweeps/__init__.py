"""Scenario sweeps (docs/sweeps.md): one scenario replayed across parameter values and seeds, in parallel."""
