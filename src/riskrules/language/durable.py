"""The durable-rules back end: generate durable-rules JSON conditions from rule IR.

What the generator must respect, all measured on durable-rules 2.0.28 (``docs/durable-rules.md``
and ``tests/test_durable_traps.py``):

- a missing field inside arithmetic is *not* a non-match -- ``0 < missing - 20`` fires -- so
  every field read inside an expression is guarded with ``$ex``;
- ``$iall`` over an empty list is false, while ``all()`` of nothing is true;
- inside ``$iany``/``$iall`` a right-hand ``$m`` reads the outer fact, never the item, while
  ``$ex`` reads the item: an item field may only be compared with constants and parameters;
- comparing with a ``$m`` field that is missing *matches* at the top level: parameters are
  always present, set parameters carry a field for every code, other facts are guarded;
- ``$div`` truncates to an integer, so the language has no division at all;
- ``$or`` inside ``$iany``/``$iall`` is mis-evaluated, so such item conditions are lowered to a
  precomputed boolean item field (:class:`LoweredItemTest`);
- the left side of a comparison must be a field name: two computed sides are compared as
  ``0 op (right - left)`` against the constant field ``ZERO``;
- the C core fails on too many ``and``/``or`` in one condition (error 113), on more than 64
  tests of one node matching at once (error 303) and loops forever at 512:
  :func:`check_limits` refuses such conditions before the ruleset reaches it.

The input is a signal-free condition (the residual of :func:`.rewrite.split_on_signals`);
negation is pushed to the leaves first. This module reads the IR, the rewrites and the fact
layout; it never imports another back end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConditionError
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
    NotInSet,
    Or,
    Quantified,
    Ref,
    Truth,
    TruthValue,
    walk,
)
from .layout import ZERO, collection_count_key, complement_key, fact_key, lowered_key, set_member_key
from .rewrite import negation_normal_form

__all__ = ["LoweredItemTest", "DurableCondition", "to_durable", "check_limits", "DurableLimits", "LIMITS"]

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_DURABLE_ARITH = {"+": "$add", "-": "$sub", "*": "$mul"}
_NEVER = "$i.__never"  # an item field no item has: a constant inside any()/all()


@dataclass(frozen=True)
class LoweredItemTest:
    """An item condition durable-rules cannot evaluate, handed to it as a boolean item field.

    durable-rules 2.0.28 mis-evaluates ``$or`` inside ``$iany``/``$iall`` (measured: an
    equality branch followed by a comparison never matches). Such a body is evaluated per item
    by the encoder before the fact is asserted; the quantifier itself still runs in
    durable-rules, over the field ``key``.
    """

    key: str
    collection: str
    body: Cond


@dataclass(frozen=True)
class DurableCondition:
    """A durable-rules condition over the household fact, and the item tests it needs."""

    json: dict[str, Any]
    lowered: tuple[LoweredItemTest, ...]


@dataclass(frozen=True)
class DurableLimits:
    """What the durable-rules 2.0.28 C core accepts, measured (``docs/durable-rules.md``)."""

    # Error 113 counts 2 for each $and/$or of one fact pattern and fails at 32; comparisons with
    # constants or fields of the same fact cost nothing.
    junction_cost: int = 31
    # More than 64 tests under one node matching one fact at once is error 303 at assertion, and
    # 512 tests under one node make assertion loop forever: an `or` stays at 64 terms.
    or_terms: int = 64
    depth: int = 15            # $and/$or nesting: 16 levels is error 113


LIMITS = DurableLimits()


def to_durable(cond: Cond) -> DurableCondition:
    """A durable-rules condition over one fact (the household), from a signal-free condition."""
    gen = _Gen()
    body = gen.cond(negation_normal_form(cond), in_item=False)
    return DurableCondition(body, tuple(gen.lowered.values()))


def check_limits(condition: dict[str, Any], limits: DurableLimits = LIMITS) -> None:
    """Refuse a generated condition the C core would refuse, fail on, or hang on."""
    cost = _cost(condition, limits, depth=0)
    if cost > limits.junction_cost:
        raise ConditionError(
            f"this condition combines too many 'and'/'or' for durable-rules ({cost // 2} where it accepts "
            f"{limits.junction_cost // 2}): name parts of it as signals",
            f"该条件中 and/or 组合过多（{cost // 2} 处，durable-rules 最多 {limits.junction_cost // 2} 处），请拆分为信号")


def _cost(node: Any, limits: DurableLimits, depth: int) -> int:
    """What error 113 counts in a generated condition."""
    if depth > limits.depth:
        raise ConditionError(f"this condition nests 'and'/'or' more than {limits.depth} deep",
                             f"该条件中 and/or 的嵌套超过 {limits.depth} 层")
    if not isinstance(node, dict) or len(node) != 1:
        return 0
    (key, value), = node.items()
    if key in ("$and", "$or"):
        if key == "$or" and len(value) > limits.or_terms:
            raise ConditionError(
                f"an 'or' of {len(value)} terms is more than durable-rules can run ({limits.or_terms}); split it into "
                "signals",
                f"or 的分支数 {len(value)} 超过 durable-rules 可运行的上限 {limits.or_terms}，请拆分为信号")
        return 2 + sum(_cost(item, limits, depth + 1) for item in value)
    if key in ("$iany", "$iall"):
        (_, inner), = value.items()
        return _cost(inner, limits, depth + 1)
    return 0


def _needs_lowering(body: Cond) -> bool:
    return any(isinstance(n, (Or, InSet, NotInSet)) for n in walk(body))


class _Gen:
    def __init__(self) -> None:
        self.lowered: dict[str, LoweredItemTest] = {}

    def key(self, ref: Ref, in_item: bool) -> str:
        if ref.item_of:
            if not in_item:
                raise ConditionError(f"'{ref.name}' is used outside its any()/all()", f"'{ref.name}' 只能在 any()/all() 内使用")
            return f"$i.{ref.field}"
        return fact_key(ref.name)

    def value(self, expr: Expr, in_item: bool) -> Any:
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, Ref):
            if expr.item_of:
                raise ConditionError(
                    f"'{expr.name}' must stand alone on one side of a comparison (durable-rules cannot read an item "
                    "field inside an expression)",
                    f"'{expr.name}' 必须单独位于比较的一侧（durable-rules 不能在表达式中读取列表元素字段）")
            if in_item and not expr.is_param:
                # An $ex guard inside $iany reads the item, not the household, so a missing
                # household fact could not be guarded there.
                raise ConditionError(
                    f"inside any()/all(), compare item fields with constants or parameters, not with '{expr.name}'",
                    f"在 any()/all() 内只能将列表字段与常量或参数比较，不能与 '{expr.name}' 比较")
            return {"$m": fact_key(expr.name)}
        if isinstance(expr, Arith):
            return {_DURABLE_ARITH[expr.op]: {"$l": self.value(expr.left, in_item), "$r": self.value(expr.right, in_item)}}
        raise TypeError(expr)

    def guards(self, expr: Expr) -> list[dict[str, Any]]:
        # A missing field inside $m arithmetic does not make the comparison fail (measured):
        # require every field read by the expression to exist.
        out: list[dict[str, Any]] = []
        stack: list[Expr] = [expr]
        while stack:
            e = stack.pop()
            # Parameters are always present in the fact: no guard needed for them.
            if isinstance(e, Ref) and not e.item_of and not e.is_param:
                out.append({"$ex": {fact_key(e.name): 1}})
            elif isinstance(e, Arith):
                stack.extend((e.left, e.right))
        return out

    def compare(self, cmp: Compare, in_item: bool) -> dict[str, Any]:
        left, right, op = cmp.left, cmp.right, cmp.op
        if not isinstance(left, Ref) and isinstance(right, Ref):
            left, right, op = right, left, _FLIP[op]
        if isinstance(left, Ref):
            field = self.key(left, in_item)
            value = self.value(right, in_item)
            test = {field: value} if op == "==" else {_DURABLE_OP[op]: {field: value}}
            guards = self.guards(right) if not isinstance(right, Const) else []
            return {"$and": [*guards, test]} if guards else test
        diff = {"$sub": {"$l": self.value(right, in_item), "$r": self.value(left, in_item)}}
        test = {ZERO: diff} if op == "==" else {_DURABLE_OP[op]: {ZERO: diff}}
        return {"$and": [*self.guards(left), *self.guards(right), test]}

    def constant(self, value: bool, in_item: bool) -> dict[str, Any]:
        if in_item:
            return {"$nex": {_NEVER: 1}} if value else {"$ex": {_NEVER: 1}}
        return {"$ex": {ZERO: 1}} if value else {"$nex": {ZERO: 1}}

    def cond(self, cond: Cond, in_item: bool) -> dict[str, Any]:
        if isinstance(cond, Compare):
            if isinstance(cond.left, Const) and isinstance(cond.right, Const):
                return self.constant(COMPARISONS[cond.op](cond.left.value, cond.right.value), in_item)
            return self.compare(cond, in_item)
        if isinstance(cond, TruthValue):
            return self.constant(cond.value, in_item)
        if isinstance(cond, Truth):
            return {self.key(cond.ref, in_item): True}
        if isinstance(cond, Known):
            return {"$ex": {self.key(cond.ref, in_item): 1}}
        if isinstance(cond, Absent):
            return {"$nex": {self.key(cond.ref, in_item): 1}}
        if isinstance(cond, And):
            return {"$and": [self.cond(c, in_item) for c in cond.items]}
        if isinstance(cond, Or):
            return {"$or": [self.cond(c, in_item) for c in cond.items]}
        if isinstance(cond, Quantified):
            if in_item:
                raise ConditionError("nested any()/all() are not supported", "不支持嵌套的 any()/all()")
            coll = fact_key(cond.collection)
            if _needs_lowering(cond.body):
                key = lowered_key(cond.collection, cond.body)
                self.lowered[key] = LoweredItemTest(key, cond.collection, cond.body)
                body = {f"$i.{key}": True}
            else:
                body = self.cond(cond.body, in_item=True)
            if cond.quantifier == "any":
                return {"$iany": {coll: body}}
            # all() of an empty list is true; durable-rules' $iall of [] is false.
            return {"$or": [{collection_count_key(cond.collection): 0}, {"$iall": {coll: body}}]}
        if isinstance(cond, InSet):
            field = self.key(cond.item, in_item)
            return {"$or": [{field: {"$m": set_member_key(cond.param.name, code)}} for code in cond.domain]}
        if isinstance(cond, NotInSet):
            field = self.key(cond.inset.item, in_item)
            return {"$or": [{field: {"$m": complement_key(cond.inset.param.name, code)}} for code in cond.inset.domain]}
        raise TypeError(f"cannot generate {cond!r}")
