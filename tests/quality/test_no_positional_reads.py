"""No positional struct read (issue 13): the contract layer answers a struct, or several return values, as a named
tuple, so drivers and the replay read its fields by name. A read by position (`record[6]`, or
`amount, status, *_ = ...`) reads another field, without a word, once the struct is reordered to pack storage."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "s4chain"
SOURCES = sorted([*(SRC / "drivers").glob("*.py"), *(SRC / "scenarios").glob("*.py")])


def _contract_call(node: ast.AST) -> bool:
    """`self.<contract>.<function>(...)`: a call of a contract the driver holds (its chain's methods aside)."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Attribute)
        and isinstance(node.func.value.value, ast.Name)
        and node.func.value.value.id == "self"
        and node.func.value.attr != "chain"
    )


def positional_reads(source: str) -> list[str]:
    """`function:line` of every contract call result read by position: indexed with a number, directly or through
    the name it was assigned to, or unpacked into several names."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        results = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _contract_call(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        results.add(target.id)
                    elif isinstance(target, ast.Tuple | ast.List):
                        found.append(f"{function.name}:{node.lineno}")
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.slice, ast.Constant | ast.UnaryOp)  # `[6]`, `[-1]`
                and (_contract_call(node.value) or (isinstance(node.value, ast.Name) and node.value.id in results))
            ):
                found.append(f"{function.name}:{node.lineno}")
    return sorted(set(found), key=lambda where: int(where.rsplit(":", 1)[1]))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_contract_result_is_read_by_position(path: Path) -> None:
    assert positional_reads(path.read_text()) == [], "read these fields by name (`record.freelancer`)"


def test_the_rule_finds_reads_by_position_and_spares_reads_by_name() -> None:
    source = """
class Driver:
    def state(self, mission_id):
        record = self.escrow.missionOf(mission_id)
        first = self.chain.get_events()[0]
        accounts = self.chain.accounts[1]
        if record.status and record[6]:
            pass
        amount, status, *_ = self.escrow.milestoneOf(mission_id, 0)
        return self.sale.payouts()[-1], self.sale.payouts().feeWei, self.tokens["EUR"]

    def named(self, lot_id):
        state = self.contract.getLot(lot_id)
        return state.holder, state.pendingReceiver
"""
    assert positional_reads(source) == ["state:7", "state:9", "state:10"]
