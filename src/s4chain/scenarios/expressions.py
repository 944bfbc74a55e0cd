"""A small, safe expression language for scenario files: `${revoke_rate * 100}` in a value, and the outcomes a
scenario reports (`sale.raised / sale.goal`, `sum(l.quantity for l in chain.lots if l.recalled)`).

Only arithmetic, comparisons, `and`/`or`/`not`, `x if c else y`, attribute and item access, generator
expressions and a few functions: no other call, no import, no dunder. A file is input, not code."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_RANGE = 100_000  # range() in a formula stays small: a file cannot plan unbounded work


def _range(*bounds: int) -> list[int]:
    numbers = range(*bounds)
    if len(numbers) > MAX_RANGE:
        raise ExpressionError(f"range of {len(numbers):,} numbers; at most {MAX_RANGE:,}")
    return list(numbers)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "all": all,
    "any": any,
    "float": float,
    "int": int,
    "len": len,
    "list": list,
    "range": _range,
    "max": max,
    "min": min,
    "round": round,
    "sum": sum,
    "sqrt": math.sqrt,
    "log": math.log,
    "exp": math.exp,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
MAX_LENGTH = 500  # an expression is a formula, not a program


class ExpressionError(ValueError):
    """An expression that cannot be read or evaluated; the message says why."""


class Record(dict[str, Any]):
    """A driver read's fields (a dict), `sale.raised` in an expression; `reads` are the methods it may call
    (`lease.statement(1)`), each answering another Record."""

    def __init__(self, fields: Mapping[str, Any], reads: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__(fields)
        self.reads = dict(reads or {})


def plain_numbers(value: Any) -> Any:
    """A replay's JSON-friendly values (Decimals as text) and driver reads' results (pydantic models, Decimals)
    as numbers and Records, for expressions."""
    if hasattr(value, "model_dump"):
        return plain_numbers(value.model_dump())
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return Record({key: plain_numbers(item) for key, item in value.items()})
    if isinstance(value, list):
        return [plain_numbers(item) for item in value]
    if isinstance(value, str) and value and (value[0].isdigit() or value[0] == "-"):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        return int(number) if number == number.to_integral_value() and "." not in value else float(number)
    return value


def parse(text: str) -> ast.Expression:
    """The expression's tree, checked to use only what `evaluate` allows."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression is at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(f"(\n{text.strip()}\n)", mode="eval")  # in parentheses: a formula may span lines
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is no expression ({exc.msg})") from None
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if "__" in name:
            raise ExpressionError(f"{text!r}: names with '__' are not allowed")
        if isinstance(node, ast.Call) and not (
            (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or isinstance(node.func, ast.Attribute)
        ):
            raise ExpressionError(f"{text!r}: only {', '.join(FUNCTIONS)} and a set's reads may be called")
    return tree


def names(text: str) -> set[str]:
    """The free names an expression reads (not those its generator expressions bind)."""
    tree = parse(text)
    bound = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.comprehension)
        for target in ast.walk(node.target)
        if isinstance(target, ast.Name)
    }
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - bound - set(FUNCTIONS) - {"True", "False", "None"}


def evaluate(text: str, scope: Mapping[str, Any]) -> Any:
    """The value of `text` with `scope`'s names."""
    tree = parse(text)
    try:
        return _Evaluator(dict(scope)).visit(tree.body)
    except ExpressionError:
        raise
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise ExpressionError(f"{text!r}: {type(exc).__name__}: {exc}") from None


@dataclass(frozen=True)
class _Read:
    function: Callable[..., Any]


class _Evaluator:
    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope

    def visit(self, node: ast.AST) -> Any:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.scope:
            return self.scope[node.id]
        if node.id in FUNCTIONS:
            return FUNCTIONS[node.id]
        raise ExpressionError(f"unknown name {node.id!r} (known: {', '.join(sorted(self.scope)) or 'none'})")

    def _Attribute(self, node: ast.Attribute) -> Any:
        value = self.visit(node.value)
        if isinstance(value, dict):
            if node.attr in value:
                return value[node.attr]
            reads = value.reads if isinstance(value, Record) else {}
            if node.attr in reads:
                return _Read(reads[node.attr])
            known = ", ".join([*value, *(f"{name}()" for name in reads)])
            raise ExpressionError(f"no field or read {node.attr!r} (known: {known})")
        raise ExpressionError(f"{node.attr!r} of a {type(value).__name__}: only a read's fields have attributes")

    def _Subscript(self, node: ast.Subscript) -> Any:
        return self.visit(node.value)[self.visit(node.slice)]

    def _BinOp(self, node: ast.BinOp) -> Any:
        function = _BINARY.get(type(node.op))
        if function is None:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 100:
            raise ExpressionError("exponents stay within 100")
        return function(left, right)

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return not value
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.visit(operand)
            if isinstance(node.op, ast.And) != bool(value):  # `and` stops at a false one, `or` at a true one
                return value
        return value

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.visit(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def _Call(self, node: ast.Call) -> Any:
        if node.keywords:
            raise ExpressionError("functions take positional arguments only")
        arguments = [self.visit(argument) for argument in node.args]
        if isinstance(node.func, ast.Name):
            return FUNCTIONS[node.func.id](*arguments)  # parse() allowed only these names
        read = self.visit(node.func)
        if not isinstance(read, _Read):
            raise ExpressionError(f"{ast.unparse(node.func)} is no read to call")
        return plain_numbers(read.function(*arguments))

    def _Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.visit(item) for item in node.elts)

    def _List(self, node: ast.List) -> Any:
        return [self.visit(item) for item in node.elts]

    def _GeneratorExp(self, node: ast.GeneratorExp) -> Any:
        return list(self._comprehension(node.elt, node.generators))

    _ListComp = _GeneratorExp

    def _comprehension(self, element: ast.expr, generators: list[ast.comprehension]) -> Any:
        first, rest = generators[0], generators[1:]
        if not isinstance(first.target, ast.Name):
            raise ExpressionError("a generator binds one name")
        saved = dict(self.scope)
        try:
            for item in self.visit(first.iter):
                self.scope[first.target.id] = item
                if all(self.visit(condition) for condition in first.ifs):
                    if rest:
                        yield from self._comprehension(element, rest)
                    else:
                        yield self.visit(element)
        finally:
            self.scope = saved
