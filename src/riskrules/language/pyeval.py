"""The plain-Python back end: evaluate rule IR over an engine fact, in three-valued logic.

A fact that was not collected is absent from the engine fact, and a condition that depends on
it is *unknown* (``None``), not false -- Kleene's logic: ``unknown and false`` is false,
``unknown or true`` is true, and otherwise unknown stays unknown. This back end decides which
rules are undecided, computes conclusion values, and is the oracle that the durable-rules
back end is tested against; the benchmark uses it as the plain-Python baseline. It reads the
IR and the fact layout; it never imports another back end.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .ir import (
    COMPARISONS,
    Absent,
    And,
    Arith,
    Compare,
    Cond,
    Const,
    Expr,
    InSet,
    Known,
    Not,
    NotInSet,
    Or,
    Quantified,
    Ref,
    Signal,
    Truth,
    TruthValue,
)
from .layout import fact_key, set_member_key

__all__ = ["compile_condition", "compile_expression", "compile_item_condition", "Tri"]

Tri = bool | None
Fact = Mapping[str, Any]
Signals = Mapping[str, Tri]
_Fn = Callable[[Fact, Mapping[str, Any], Signals], Any]


def compile_expression(expr: Expr) -> Callable[[Fact, Mapping[str, Any]], Any]:
    """A function (fact, item) -> the expression's engine value, or None when unknown."""
    if isinstance(expr, Const):
        value = expr.value
        return lambda fact, item: value
    if isinstance(expr, Ref):
        key = expr.field if expr.item_of else fact_key(expr.name)
        if expr.item_of:
            return lambda fact, item: item.get(key)
        return lambda fact, item: fact.get(key)
    if isinstance(expr, Arith):
        left, right = compile_expression(expr.left), compile_expression(expr.right)
        op = expr.op

        def arith(fact: Fact, item: Mapping[str, Any]) -> Any:
            a = left(fact, item)
            if a is None:
                return None
            b = right(fact, item)
            if b is None:
                return None
            return a + b if op == "+" else a - b if op == "-" else a * b

        return arith
    raise TypeError(f"not an expression: {expr!r}")


def compile_condition(cond: Cond) -> Callable[[Fact, Signals], Tri]:
    """A function (fact, signals) -> True, False or None (unknown).

    ``signals`` maps a signal to True (concluded) or None (undecided); absent means false.
    """
    fn = _compile(cond)
    empty: Mapping[str, Any] = {}
    return lambda fact, signals: fn(fact, empty, signals)


def _junction(parts: list[_Fn], decisive: bool) -> _Fn:
    """``and`` (decided by the first false) or ``or`` (by the first true), three-valued."""

    def junction(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
        unknown = False
        for part in parts:
            v = part(fact, item, signals)
            if v is decisive:
                return decisive
            if v is None:
                unknown = True
        return None if unknown else not decisive

    return junction


def compile_item_condition(cond: Cond) -> Callable[[Fact, Mapping[str, Any]], Tri]:
    """A function (fact, item) -> the condition on one item of a collection."""
    fn = _compile(cond)
    none: Signals = {}
    return lambda fact, item: fn(fact, item, none)


def _compile(cond: Cond) -> _Fn:
    if isinstance(cond, Compare):
        left, right = compile_expression(cond.left), compile_expression(cond.right)
        test = COMPARISONS[cond.op]

        def compare(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
            a = left(fact, item)
            if a is None:
                return None
            b = right(fact, item)
            if b is None:
                return None
            return test(a, b)

        return compare
    if isinstance(cond, Truth):
        value = compile_expression(cond.ref)

        def truth(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
            v = value(fact, item)
            return None if v is None else bool(v)

        return truth
    if isinstance(cond, TruthValue):
        constant = cond.value
        return lambda fact, item, signals: constant
    if isinstance(cond, Known):
        value = compile_expression(cond.ref)
        return lambda fact, item, signals: value(fact, item) is not None
    if isinstance(cond, Absent):
        value = compile_expression(cond.ref)
        return lambda fact, item, signals: value(fact, item) is None
    if isinstance(cond, Signal):
        name = cond.name
        # A signal is true when concluded, unknown when its own rules were undecided.
        return lambda fact, item, signals: signals.get(name, False)
    if isinstance(cond, (Not, NotInSet)):
        inner = _compile(cond.item if isinstance(cond, Not) else cond.inset)

        def negate(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
            v = inner(fact, item, signals)
            return None if v is None else not v

        return negate
    if isinstance(cond, (And, Or)):
        return _junction([_compile(c) for c in cond.items], decisive=isinstance(cond, Or))
    if isinstance(cond, Quantified):
        body = _compile(cond.body)
        key = fact_key(cond.collection)
        want_any = cond.quantifier == "any"

        def quantified(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
            items = fact.get(key)
            if items is None:
                return None
            unknown = False
            for it in items:
                v = body(fact, it, signals)
                if v is None:
                    unknown = True
                elif v is want_any:
                    return want_any
            return None if unknown else not want_any

        return quantified
    if isinstance(cond, InSet):
        value = compile_expression(cond.item)
        pname = cond.param.name

        def member(fact: Fact, item: Mapping[str, Any], signals: Signals) -> Tri:
            code = value(fact, item)
            if code is None:
                return None
            return fact.get(set_member_key(pname, code)) == code

        return member
    raise TypeError(f"not a condition: {cond!r}")
