"""Deprecated: the gas regression gate is `s4chain gas check` / `s4chain gas update` (s4chain.cli.gas), part of the
installed package. This wrapper keeps `python scripts/gas_snapshot.py check|update` working."""

from __future__ import annotations

import sys

from s4chain.cli.main import app

if __name__ == "__main__":
    print("scripts/gas_snapshot.py is deprecated: use `s4chain gas check|update`", file=sys.stderr)
    app(["gas", *sys.argv[1:]], prog_name="s4chain")
