"""Rewrites of the rule IR (规则改写): constant folding, negation normal form, splitting on signals.

Each rewrite takes IR and returns IR; the back ends call the ones they need. All of them keep
the meaning in three-valued logic (unknown stays unknown): De Morgan's laws and the folding of
``x and false`` to false hold in Kleene's logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConditionError
from .ir import (
    COMPARISONS,
    Absent,
    And,
    Compare,
    Cond,
    Const,
    InSet,
    Known,
    Not,
    NotInSet,
    Or,
    Quantified,
    Signal,
    Truth,
    TruthValue,
)

__all__ = ["fold_constants", "negation_normal_form", "Disjunct", "split_on_signals", "has_signal"]

_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def fold_constants(cond: Cond) -> Cond:
    """Decide what needs no fact: ``1 < 2`` is true, ``x and false`` is false."""
    if isinstance(cond, Compare) and isinstance(cond.left, Const) and isinstance(cond.right, Const):
        return TruthValue(COMPARISONS[cond.op](cond.left.value, cond.right.value))
    if isinstance(cond, Not):
        inner = fold_constants(cond.item)
        return TruthValue(not inner.value) if isinstance(inner, TruthValue) else Not(inner)
    if isinstance(cond, (And, Or)):
        decisive = isinstance(cond, Or)  # `or` is settled by a true item, `and` by a false one
        items: list[Cond] = []
        for item in cond.items:
            folded = fold_constants(item)
            if isinstance(folded, TruthValue):
                if folded.value is decisive:
                    return folded
                continue
            items.append(folded)
        if not items:
            return TruthValue(not decisive)
        if len(items) == 1:
            return items[0]
        return Or(tuple(items)) if decisive else And(tuple(items))
    if isinstance(cond, Quantified):
        # any()/all() over an unknown or empty collection is not decided by a constant body.
        return Quantified(cond.quantifier, cond.collection, cond.var, fold_constants(cond.body))
    return cond


def negation_normal_form(cond: Cond, negate: bool = False) -> Cond:
    """Push ``not`` down to the leaves; a negated signal is refused (chaining is monotonic)."""
    if isinstance(cond, Not):
        return negation_normal_form(cond.item, not negate)
    if isinstance(cond, And):
        items = tuple(negation_normal_form(c, negate) for c in cond.items)
        return Or(items) if negate else And(items)
    if isinstance(cond, Or):
        items = tuple(negation_normal_form(c, negate) for c in cond.items)
        return And(items) if negate else Or(items)
    if isinstance(cond, Compare):
        return Compare(_NEGATE[cond.op], cond.left, cond.right) if negate else cond
    if isinstance(cond, Truth):
        return Compare("==", cond.ref, Const(False, cond.ref.kind)) if negate else cond
    if isinstance(cond, Known):
        return Absent(cond.ref) if negate else cond
    if isinstance(cond, InSet):
        return NotInSet(cond) if negate else cond
    if isinstance(cond, TruthValue):
        return TruthValue(not cond.value) if negate else cond
    if isinstance(cond, Quantified):
        quantifier = ("all" if cond.quantifier == "any" else "any") if negate else cond.quantifier
        return Quantified(quantifier, cond.collection, cond.var, negation_normal_form(cond.body, negate))
    if isinstance(cond, (Absent, NotInSet)):
        if negate:
            raise TypeError("negation_normal_form is applied to parsed conditions only")
        return cond
    if isinstance(cond, Signal):
        if negate:
            raise ConditionError(
                f"'not signal.{cond.name}': a concluded signal cannot be negated (forward chaining only adds "
                "facts); negate the facts the signal is concluded from, or name them in a definition",
                f"不能否定信号 signal.{cond.name}（前向推理只增加事实）；请对其依据的事实取反，或使用定义",
            )
        return cond
    raise TypeError(f"not a condition: {cond!r}")


@dataclass(frozen=True)
class Disjunct:
    """One way a condition can hold: these signals, and this residual fact condition."""

    signals: tuple[str, ...]
    residual: Cond | None


def split_on_signals(cond: Cond, *, limit: int = 64) -> list[Disjunct]:
    """DNF with respect to signal atoms only; fact conditions stay intact inside the residual.

    A condition that would split into more than ``limit`` disjuncts is refused: each becomes a
    rule of its own in durable-rules, and the count grows as a product of the ``or``s.
    """
    parts = _split(negation_normal_form(cond), limit)
    out: list[Disjunct] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for sigs, residual in parts:
        key = (tuple(sorted(sigs)), repr(residual))
        if key not in seen:
            seen.add(key)
            out.append(Disjunct(tuple(sorted(sigs)), residual))
    return out


def _split(cond: Cond, limit: int) -> list[tuple[frozenset[str], Cond | None]]:
    if isinstance(cond, Signal):
        return [(frozenset([cond.name]), None)]
    if isinstance(cond, Or) and has_signal(cond):
        out: list[tuple[frozenset[str], Cond | None]] = []
        for item in cond.items:
            out.extend(_split(item, limit))
        _check_size(len(out), limit)
        return out
    if isinstance(cond, And) and has_signal(cond):
        acc: list[tuple[frozenset[str], Cond | None]] = [(frozenset(), None)]
        for item in cond.items:
            parts = _split(item, limit)
            _check_size(len(acc) * len(parts), limit)
            acc = [(sigs | s2, _conj(res, r2)) for sigs, res in acc for s2, r2 in parts]
        return acc
    if has_signal(cond):
        raise ConditionError("signals may only be combined with 'and' and 'or'", "信号只能用 and、or 组合")
    return [(frozenset(), cond)]


def _check_size(n: int, limit: int) -> None:
    if n > limit:
        raise ConditionError(
            f"the signals of this condition combine in more than {limit} ways; name parts of it as signals "
            "of their own",
            f"该条件中信号的组合方式超过 {limit} 种，请将其中部分拆分为单独的信号")


def _conj(a: Cond | None, b: Cond | None) -> Cond | None:
    if a is None:
        return b
    if b is None:
        return a
    return And((a, b))


def has_signal(cond: Any) -> bool:
    if isinstance(cond, Signal):
        return True
    if isinstance(cond, (And, Or)):
        return any(has_signal(c) for c in cond.items)
    if isinstance(cond, Not):
        return has_signal(cond.item)
    if isinstance(cond, Quantified):
        return has_signal(cond.body)
    return False
