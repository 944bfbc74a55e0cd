"""Gas figures recorded by contract suites, printed as a table at the end of the run and written to
`build/gas-report.json`, which the gas snapshot check compares with the committed `gas-snapshot.json`."""

from __future__ import annotations

from pathlib import Path

from s4chain.files import write_json_atomic


class GasReport:
    def __init__(self) -> None:
        self.entries: dict[str, int] = {}

    def record(self, key: str, gas_used: int) -> int:
        """Record the gas of `key` (e.g. `TokenSale.buy`); the highest figure seen for a key is kept."""
        self.entries[key] = max(gas_used, self.entries.get(key, 0))
        return gas_used

    def write(self, path: Path) -> None:
        write_json_atomic(path, dict(sorted(self.entries.items())))

    def lines(self) -> list[str]:
        width = max((len(k) for k in self.entries), default=0)
        return [f"{key:<{width}}  {gas:>10,}" for key, gas in sorted(self.entries.items())]
