"""The columnar back end (列式后端): rule IR to Polars expressions, in three-valued logic.

A whole population is decided at once: every household is a row of one frame, every fact a
column, and a rule's condition one Polars expression over those columns. Polars' ``&``, ``|``
and ``~`` on nullable booleans follow Kleene's logic, so a null (an unknown fact) behaves as
the plain-Python evaluator's ``None``: ``unknown and false`` is false, ``unknown or true`` is
true, a comparison with an unknown side is unknown.

``any()``/``all()`` read a child table (members, shocks, measures): the body is an expression
over one row per item (:func:`item_condition`), aggregated per household
(:func:`quantifier_aggregates`, :func:`quantifier_value`) -- ``any`` of no item is false,
``all`` of no item is true, and over a collection that was not collected both are unknown.
Signals are columns updated rule by rule in the pack's order (:func:`signal_update`), as the
reference runner updates its state.

Column names: a household fact, parameter, deadline or ``as_of`` is :func:`~.layout.fact_key`
of its name; an item field is :func:`item_column`; whether a code belongs to a set parameter is
the boolean :func:`set_flag_column`. Money and numbers are ``Int64`` at their scale (money in
fen), dates ``pl.Date``, codes text: no float anywhere. This module reads the IR, the types and
the fact layout; it never imports another back end.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from .ir import (
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
    walk,
)
from .layout import fact_key, lowered_key, set_member_key
from .types import Kind

__all__ = [
    "ITEM_PREFIX",
    "item_column",
    "set_flag_column",
    "signal_column",
    "quantifier_column",
    "quantifiers",
    "household_refs",
    "expression",
    "condition",
    "item_condition",
    "quantifier_aggregates",
    "quantifier_value",
    "signal_update",
]

ITEM_PREFIX = "@"
"""Item fields are prefixed in a child table, so none can clash with a household column."""

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # pl.Date counts days from 1970-01-01


def item_column(field: str) -> str:
    """Column of an item field in its child table (``@age``)."""
    return ITEM_PREFIX + field


def set_flag_column(param_name: str, code: str) -> str:
    """Boolean column: ``code`` belongs to the set parameter ``param_name`` for this household."""
    return set_member_key(param_name, code) + "__in"


def signal_column(name: str) -> str:
    """Column holding a signal's state: true (concluded), null (undecided) or false."""
    return "__signal__" + name


def quantifier_column(q: Quantified) -> str:
    """Household column holding the value of one ``any()``/``all()``."""
    return "__agg" + lowered_key(q.collection, (q.quantifier, q.body))[3:]


def quantifiers(cond: Cond) -> list[Quantified]:
    """Each ``any()``/``all()`` of a condition, once."""
    out: dict[str, Quantified] = {}
    for node in walk(cond):
        if isinstance(node, Quantified):
            out.setdefault(quantifier_column(node), node)
    return list(out.values())


def household_refs(body: Cond) -> list[Ref]:
    """The household facts and parameters an item condition reads (to be joined to its items)."""
    seen: dict[str, Ref] = {}
    for node in walk(body):
        if isinstance(node, Ref) and not node.item_of:
            seen.setdefault(node.name, node)
        if isinstance(node, InSet):
            seen.setdefault(node.param.name, node.param)
    return list(seen.values())


def _day_number(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Int64)


def _const(c: Const) -> pl.Expr:
    if c.kind is Kind.DATE:
        return pl.lit(date.fromordinal(int(c.value)), dtype=pl.Date)
    if c.kind is Kind.BOOL:
        return pl.lit(bool(c.value), dtype=pl.Boolean)
    if c.kind is Kind.TEXT:
        return pl.lit(str(c.value), dtype=pl.String)
    return pl.lit(int(c.value), dtype=pl.Int64)


def _ref(ref: Ref, in_item: bool) -> pl.Expr:
    if ref.item_of:
        if not in_item:
            raise TypeError(f"'{ref.name}' is used outside its any()/all()")
        return pl.col(item_column(ref.field))
    return pl.col(fact_key(ref.name))


def expression(expr: Expr, *, in_item: bool = False) -> pl.Expr:
    """The expression's value per row; null when any value it reads is unknown."""
    if isinstance(expr, Const):
        return _const(expr)
    if isinstance(expr, Ref):
        return _ref(expr, in_item)
    if isinstance(expr, Arith):
        left, right = expression(expr.left, in_item=in_item), expression(expr.right, in_item=in_item)
        if expr.kind is Kind.DATE:
            # date ± days: computed on day numbers, read back as a date.
            days = _day_number(left) + right if expr.op == "+" else _day_number(left) - right
            return days.cast(pl.Date)
        if _is_date(expr.left):  # date - date: a number of days
            left, right = _day_number(left), _day_number(right)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        return left * right
    raise TypeError(f"not an expression: {expr!r}")


def _is_date(expr: Expr) -> bool:
    return expr.kind is Kind.DATE


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def condition(cond: Cond) -> pl.Expr:
    """A household-level condition: a nullable boolean per household (null: undecided)."""
    return _cond(cond, in_item=False)


def item_condition(body: Cond) -> pl.Expr:
    """The body of an ``any()``/``all()`` over one row per item of its child table."""
    return _cond(body, in_item=True)


def _in_set(inset: InSet, in_item: bool) -> pl.Expr:
    code = expression(inset.item, in_item=in_item)
    hits = [(code == pl.lit(c, dtype=pl.String)) & pl.col(set_flag_column(inset.param.name, c)) for c in inset.domain]
    # A code outside the domain is in no set (the plain-Python evaluator finds no field for it).
    member = pl.any_horizontal(hits) if hits else pl.lit(False)
    return pl.when(code.is_null()).then(pl.lit(None, dtype=pl.Boolean)).otherwise(member)


def _cond(cond: Cond, in_item: bool) -> pl.Expr:
    if isinstance(cond, Compare):
        return _COMPARE[cond.op](expression(cond.left, in_item=in_item), expression(cond.right, in_item=in_item))
    if isinstance(cond, Truth):
        return expression(cond.ref, in_item=in_item).cast(pl.Boolean)
    if isinstance(cond, TruthValue):
        return pl.lit(cond.value, dtype=pl.Boolean)
    if isinstance(cond, Known):
        return expression(cond.ref, in_item=in_item).is_not_null()
    if isinstance(cond, Absent):
        return expression(cond.ref, in_item=in_item).is_null()
    if isinstance(cond, Signal):
        if in_item:
            raise TypeError("a signal cannot be read inside any()/all()")
        return pl.col(signal_column(cond.name))
    if isinstance(cond, Not):
        return ~_cond(cond.item, in_item)
    if isinstance(cond, NotInSet):
        return ~_in_set(cond.inset, in_item)
    if isinstance(cond, InSet):
        return _in_set(cond, in_item)
    if isinstance(cond, And):
        return pl.all_horizontal([_cond(c, in_item) for c in cond.items])
    if isinstance(cond, Or):
        return pl.any_horizontal([_cond(c, in_item) for c in cond.items])
    if isinstance(cond, Quantified):
        if in_item:
            raise TypeError("nested any()/all() are not supported")
        return pl.col(quantifier_column(cond))
    raise TypeError(f"not a condition: {cond!r}")


def quantifier_aggregates(q: Quantified, value: str) -> list[pl.Expr]:
    """Per-household aggregates (for ``group_by(household).agg``) of the item column ``value``
    holding the body of ``q``: whether some item is true, false, unknown."""
    name = quantifier_column(q)
    v = pl.col(value)
    return [v.eq_missing(True).any().alias(name + "__t"), v.eq_missing(False).any().alias(name + "__f"),
            v.is_null().any().alias(name + "__u")]


def quantifier_value(q: Quantified, count: str) -> pl.Expr:
    """The household value of ``q`` from its aggregates (null after the join where a household
    has no item) and ``count``, the number of items (null: the collection was not collected)."""
    name = quantifier_column(q)
    some_true = pl.col(name + "__t").fill_null(False)
    some_false = pl.col(name + "__f").fill_null(False)
    some_unknown = pl.col(name + "__u").fill_null(False)
    unknown = pl.lit(None, dtype=pl.Boolean)
    decisive, other = (some_true, True) if q.quantifier == "any" else (some_false, False)
    return (pl.when(pl.col(count).is_null()).then(unknown)
            .when(decisive).then(pl.lit(other))
            .when(some_unknown).then(unknown)
            .otherwise(pl.lit(not other)))


def signal_update(state: str, result: pl.Expr) -> pl.Expr:
    """A signal's state after one more rule that concludes it: concluded stays concluded; a
    rule that fires concludes it; an undecided rule leaves it undecided; a rule that does not
    fire changes nothing (the reference runner's update, column-wise)."""
    s = pl.col(state)
    return (pl.when(s.eq_missing(True)).then(pl.lit(True))
            .when(result.is_null()).then(pl.lit(None, dtype=pl.Boolean))
            .when(result).then(pl.lit(True))
            .otherwise(s))
