"""Write src/s4chain/solidity/console.sol (what contracts import as `s4chain/console.sol`) from the console.log
signatures s4chain decodes (`s4chain.chain.trace_console.SIGNATURES`). Run it after changing that list;
tests/foundation/test_console.py fails while the shipped file is not its output."""

from __future__ import annotations

from pathlib import Path

from s4chain.chain.trace_console import render_console_sol

TARGET = Path(__file__).resolve().parent.parent / "src" / "s4chain" / "solidity" / "console.sol"

if __name__ == "__main__":
    TARGET.write_text(render_console_sol(), encoding="utf-8")
    print(f"wrote {TARGET}")
