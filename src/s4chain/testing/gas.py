"""The gas report of a test run, as `forge test --gas-report` prints it: every transaction any chain of the process
mines is counted per contract and function (calls, min, mean, median, max; each contract's deployment too), with no
call in the tests. Tests may also `record` a figure of their own (a path of several transactions, say): the
highest per key is kept. Printed at the end of the run and written as JSON (`build/gas-report.json`, or
`--s4-gas-report PATH`), which `s4chain gas check` compares with the committed `gas-snapshot.json`.

The JSON file: `{"contracts": {name: {"deployment": stats, "functions": {function: stats}}}, "recorded": {key:
gas}, "partial": [reason, ...]}`, stats being `{"calls", "min", "mean", "median", "max"}`; `partial` says why the run
that wrote it was not the whole suite (a test file named, `-k`, stopped at a failure...), empty for a whole run: the
gate then compares only the figures such a run measured (`s4chain gas check`) and refuses to update the snapshot.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from s4chain.chain.base import TRANSACTION_OBSERVERS, Chain
from s4chain.chain.contract import ContractType
from s4chain.files import write_json_atomic

DEPLOYMENT = "(deployment)"  # the function key of a contract's deployment (no function has this name)
_SELECTORS: dict[int, tuple[list[Any], dict[bytes, str]]] = {}  # id(abi) -> the ABI (kept alive) and its names

# Per contract, per function (or DEPLOYMENT): how many transactions used how much gas.
Calls = dict[str, dict[str, Counter[int]]]


def _function_names(name: str, abi: list[Any]) -> dict[bytes, str]:
    """Each selector's function name; the signature where the name is overloaded."""
    known = _SELECTORS.get(id(abi))
    if known is None or known[0] is not abi:
        names = {}
        for overloads in ContractType.of(abi, name).functions.values():
            for function in overloads.functions:
                names[function.selector] = function.name if len(overloads.functions) == 1 else function.signature
        known = _SELECTORS[id(abi)] = (abi, names)
    return known[1]


def stats(counts: Counter[int]) -> dict[str, int]:
    """calls, min, mean, median (the mean of the middle two for an even count) and max, rounded to gas units."""
    values = sorted(counts.elements())
    middle = len(values) // 2
    median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return {
        "calls": len(values),
        "min": values[0],
        "mean": round(sum(values) / len(values)),
        "median": round(median),
        "max": values[-1],
    }


class GasReport:
    def __init__(self) -> None:
        self.entries: dict[str, int] = {}  # what tests recorded themselves
        self.calls: Calls = {}
        self.partial: list[str] = []  # why the run was not the whole suite (the plugin fills it in at its end)

    def record(self, key: str, gas_used: int) -> int:
        """Record the gas of `key` (e.g. `TokenSale.buy`); the highest figure seen for a key is kept."""
        self.entries[key] = max(gas_used, self.entries.get(key, 0))
        return gas_used

    def observe(self, chain: Chain, address: str, data: bytes | None, gas_used: int) -> None:
        """One mined transaction to (or deployment of) a contract; one the chain does not know is left out."""
        artifact = chain.known_contracts.get(address)
        if artifact is None:
            return
        name, abi = artifact.contract_name, artifact.abi
        if data is None:
            function = DEPLOYMENT
        elif len(data) < 4:
            function = "receive" if not data and any(e.get("type") == "receive" for e in abi) else "fallback"
        else:
            function = _function_names(name, abi).get(data[:4]) or "fallback"
        self.calls.setdefault(name, {}).setdefault(function, Counter())[gas_used] += 1

    # --- pytest-xdist: a worker's figures as plain lists, merged on the controller ---------------------------
    def portable(self) -> dict[str, Any]:
        calls = {c: {f: sorted(n.items()) for f, n in fs.items()} for c, fs in self.calls.items()}
        return {"recorded": self.entries, "calls": calls, "partial": self.partial}

    def merge(self, portable: dict[str, Any]) -> None:
        for key, gas in portable.get("recorded", {}).items():
            self.record(key, gas)
        for contract, functions in portable.get("calls", {}).items():
            for function, pairs in functions.items():
                counts = self.calls.setdefault(contract, {}).setdefault(function, Counter())
                for gas, count in pairs:
                    counts[gas] += count
        self.partial += [reason for reason in portable.get("partial", []) if reason not in self.partial]

    # --- output ----------------------------------------------------------------------------------------------
    def data(self) -> dict[str, Any]:
        contracts = {}
        for contract, functions in sorted(self.calls.items()):
            entry: dict[str, Any] = {}
            if DEPLOYMENT in functions:
                entry["deployment"] = stats(functions[DEPLOYMENT])
            entry["functions"] = {f: stats(n) for f, n in sorted(functions.items()) if f != DEPLOYMENT}
            contracts[contract] = entry
        return {"contracts": contracts, "recorded": dict(sorted(self.entries.items())), "partial": self.partial}

    def write(self, path: Path) -> None:
        write_json_atomic(path, self.data())

    def tables(self) -> list[str]:
        """One table per contract, as forge's gas report: the deployment, then each function called."""
        lines: list[str] = []
        columns = ("min", "mean", "median", "max", "calls")
        for contract, functions in sorted(self.calls.items()):
            rows = [(f, stats(n)) for f, n in sorted(functions.items(), key=lambda i: (i[0] != DEPLOYMENT, i[0]))]
            width = max(len(contract) + 9, *(len(f) for f, _ in rows), len("Function Name"))
            numbers = [max(len(c), *(len(f"{s[c]:,}") for _, s in rows)) for c in columns]
            rule = "+" + "-" * (width + 2) + "".join("+" + "-" * (n + 2) for n in numbers) + "+"
            titles = "".join(f"| {c:>{n}} " for c, n in zip(columns, numbers, strict=True))
            head = f"| {'Function Name':<{width}} {titles}|"
            blank = "".join("| " + " " * n + " " for n in numbers)
            lines += [rule, f"| {contract + ' contract':<{width}} {blank}|", rule, head, rule]
            for function, figures in rows:
                cells = "".join(f"| {figures[c]:>{n},} " for c, n in zip(columns, numbers, strict=True))
                lines.append(f"| {function:<{width}} {cells}|")
            lines += [rule, ""]
        return lines

    def lines(self) -> list[str]:
        """The recorded figures, one line per key."""
        width = max((len(k) for k in self.entries), default=0)
        return [f"{key:<{width}}  {gas:>10,}" for key, gas in sorted(self.entries.items())]


# The reports of the running pytest sessions (a stack: pytester runs sessions inside a session); only the
# innermost one counts a transaction.
REPORTS: list[GasReport] = []


def _observe(chain: Chain, address: str, data: bytes | None, gas_used: int) -> None:
    if REPORTS:
        REPORTS[-1].observe(chain, address, data, gas_used)


if _observe not in TRANSACTION_OBSERVERS:
    TRANSACTION_OBSERVERS.append(_observe)
