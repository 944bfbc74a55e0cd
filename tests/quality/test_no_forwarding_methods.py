"""Drivers keep only what is domain (issue 13): a method that only hands its own parameters on to one contract
function is what a scenario's fallback to the ABI already does (docs/scenarios.md, "Actions"), so none may exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DRIVERS = Path(__file__).resolve().parents[2] / "src" / "s4chain" / "drivers"
# Calls that change nothing a contract sees: the contract layer takes accounts and any-case addresses itself.
TRANSPARENT = {"address_of", "to_checksum_address"}


def _forwarded(node: ast.expr, parameters: set[str]) -> str | None:
    """The parameter `node` passes on unchanged, if it does."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in TRANSPARENT:
        if len(node.args) != 1 or node.keywords:
            return None
        node = node.args[0]
    return node.id if isinstance(node, ast.Name) and node.id in parameters else None


def forwarding_methods(source: str) -> list[str]:
    """`Class.method` of every method whose body (after its docstring) only returns or makes one call of
    `self.<contract>.<function>(...)` with its own parameters, each passed on unchanged (`sender=` included)."""
    found = []
    for cls in (node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)):
        for method in (node for node in cls.body if isinstance(node, ast.FunctionDef)):
            body = method.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if len(body) != 1 or not isinstance(body[0], ast.Return | ast.Expr):
                continue
            call = body[0].value
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Attribute)
                and isinstance(call.func.value.value, ast.Name)
                and call.func.value.value.id == "self"
            ):
                continue
            parameters = {a.arg for a in [*method.args.args, *method.args.kwonlyargs]} - {"self"}
            passed = [_forwarded(a, parameters) for a in [*call.args, *(k.value for k in call.keywords)]]
            if all(passed) and len(set(passed)) == len(passed):
                found.append(f"{cls.name}.{method.name}")
    return found


@pytest.mark.parametrize("path", sorted(DRIVERS.glob("*.py")), ids=lambda p: p.name)
def test_no_driver_method_only_forwards_a_call(path: Path) -> None:
    assert forwarding_methods(path.read_text()) == [], (
        "delete these: a scenario calls the contract function by name (or through the driver's ACTIONS, "
        "where the scenario knows it by another name), Python code calls the contract"
    )


def test_the_rule_finds_forwarding_and_spares_domain_methods() -> None:
    source = '''
class Driver:
    def claim(self, investor):
        """Claim."""
        return self.sale.claim(sender=investor)

    def bind(self, manufacturer, machine_id, device):
        return self.registry.bindDevice(machine_id, address_of(device), sender=manufacturer)

    def renamed(self, firm, mission_id):
        self.escrow.cancelMission(mission_id, sender=firm)

    def in_euros(self, investor, amount):
        return self.sale.buy(eur(amount), sender=investor)

    def constant(self, sme, account):
        return self.token.grantRole(self.token.MINTER_ROLE(), account, sender=sme)

    def supplied(self, platform):
        return self.ledger.registerOffer(self.sale, sender=platform)

    def hashed(self, firm, mission_id, reason):
        return self.escrow.rejectMilestone(mission_id, as_hash(reason), sender=firm)

    def two_steps(self, investor, amount):
        self.approve(investor, amount)
        return self.sale.buy(amount, sender=investor)
'''
    assert forwarding_methods(source) == ["Driver.claim", "Driver.bind", "Driver.renamed"]
