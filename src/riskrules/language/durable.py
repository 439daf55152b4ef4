"""The durable-rules back end: generate durable-rules JSON rulesets from rule IR.

What the generator must respect, all measured on durable-rules 2.0.28 (see
``docs/durable-rules-traps.md`` and ``tests/test_durable_traps.py``):

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
  ``0 op (right - left)`` against the constant field ``__zero``.

Negation is pushed to the leaves (Kleene-safe: De Morgan holds in three-valued logic), and a
condition is split into one durable-rules rule per disjunct of the signals it reads: signals
are facts asserted by other rules' actions, joined in the rule's ``all`` list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .ir import Absent, And, Arith, Compare, Const, Expr, InSet, Known, Not, NotInSet, Or, Quantified, Ref, Signal, Truth
from .parser import ConditionError
from .pyeval import fact_key, set_member_key

__all__ = ["Disjunct", "split_on_signals", "to_durable", "collection_count_key", "ZERO", "negation_normal_form",
           "complement_key", "set_parameter_fields", "LoweredItemTest"]

ZERO = "__zero"
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_DURABLE_OP = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_DURABLE_ARITH = {"+": "$add", "-": "$sub", "*": "$mul"}


def collection_count_key(collection: str) -> str:
    return f"__n__{fact_key(collection)}"


def complement_key(param_name: str, code: str) -> str:
    """Field that holds ``code`` when ``code`` is *not* in the set parameter."""
    return f"{set_member_key(param_name, code)}__not"


_NO_CODE = "~"  # never a code: compares unequal to every item


def set_parameter_fields(param_name: str, domain: tuple[str, ...], members: frozenset[str]) -> dict[str, str]:
    """Engine fields of a set parameter. Both fields exist for every code, because comparing
    with a *missing* ``$m`` field matches at the top level of a durable-rules condition
    (measured), while a field holding ``~`` never equals a code."""
    out: dict[str, str] = {}
    for code in domain:
        inside = code in members
        out[set_member_key(param_name, code)] = code if inside else _NO_CODE
        out[complement_key(param_name, code)] = _NO_CODE if inside else code
    return out


def negation_normal_form(cond: Any, negate: bool = False) -> Any:
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
    if isinstance(cond, Quantified):
        if negate:
            flipped = "all" if cond.quantifier == "any" else "any"
            return Quantified(flipped, cond.collection, cond.var, negation_normal_form(cond.body, True))
        return Quantified(cond.quantifier, cond.collection, cond.var, negation_normal_form(cond.body, False))
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
    residual: Any | None


def split_on_signals(cond: Any) -> list[Disjunct]:
    """DNF with respect to signal atoms only; fact conditions stay intact inside the residual."""
    parts = _split(negation_normal_form(cond))
    out: list[Disjunct] = []
    seen: set[tuple[tuple[str, ...], str]] = set()
    for sigs, residual in parts:
        key = (tuple(sorted(sigs)), repr(residual))
        if key not in seen:
            seen.add(key)
            out.append(Disjunct(tuple(sorted(sigs)), residual))
    return out


def _split(cond: Any) -> list[tuple[frozenset[str], Any | None]]:
    if isinstance(cond, Signal):
        return [(frozenset([cond.name]), None)]
    if isinstance(cond, Or) and _has_signal(cond):
        out: list[tuple[frozenset[str], Any | None]] = []
        for item in cond.items:
            out.extend(_split(item))
        return out
    if isinstance(cond, And) and _has_signal(cond):
        acc: list[tuple[frozenset[str], Any | None]] = [(frozenset(), None)]
        for item in cond.items:
            nxt = []
            for sigs, res in acc:
                for s2, r2 in _split(item):
                    nxt.append((sigs | s2, _conj(res, r2)))
            acc = nxt
        return acc
    if _has_signal(cond):
        raise ConditionError("signals may only be combined with 'and' and 'or'",
                             "信号只能用 and、or 组合", line=1)
    return [(frozenset(), cond)]


def _conj(a: Any | None, b: Any | None) -> Any | None:
    if a is None:
        return b
    if b is None:
        return a
    return And((a, b))


def _has_signal(cond: Any) -> bool:
    if isinstance(cond, Signal):
        return True
    if isinstance(cond, (And, Or)):
        return any(_has_signal(c) for c in cond.items)
    if isinstance(cond, Not):
        return _has_signal(cond.item)
    if isinstance(cond, Quantified):
        return _has_signal(cond.body)
    return False


@dataclass(frozen=True)
class LoweredItemTest:
    """An item condition durable-rules cannot evaluate, handed to it as a boolean item field.

    durable-rules 2.0.28 mis-evaluates ``$or`` inside ``$iany``/``$iall`` (measured: an
    equality branch followed by a comparison never matches). Such a body is evaluated per item
    by the reference evaluator before the fact is asserted; the quantifier itself still runs in
    durable-rules, over the field ``key``.
    """

    key: str
    collection: str
    body: Any


def to_durable(cond: Any, lowered: dict[str, LoweredItemTest] | None = None) -> dict[str, Any]:
    """A durable-rules condition over one fact (the household), from a signal-free condition.

    ``lowered`` collects the item conditions that must be precomputed (see
    :class:`LoweredItemTest`); without it such a condition is an error.
    """
    return _Gen(lowered).cond(negation_normal_form(cond), in_item=False)


def _needs_lowering(body: Any) -> bool:
    from .ir import walk

    return any(isinstance(n, (Or, InSet, NotInSet)) for n in walk(body))


class _Gen:
    def __init__(self, lowered: dict[str, LoweredItemTest] | None = None):
        self.lowered = lowered
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
        if isinstance(left, Const) and isinstance(right, Const):
            from .pyeval import _COMPARE  # the same comparison, done now

            return self.constant(_COMPARE[op](left.value, right.value))
        if isinstance(left, Ref):
            field = self.key(left, in_item)
            value = self.value(right, in_item)
            test = {field: value} if op == "==" else {_DURABLE_OP[op]: {field: value}}
            guards = self.guards(right) if not isinstance(right, Const) else []
            return {"$and": [*guards, test]} if guards else test
        diff = {"$sub": {"$l": self.value(right, in_item), "$r": self.value(left, in_item)}}
        test = {ZERO: diff} if op == "==" else {_DURABLE_OP[op]: {ZERO: diff}}
        return {"$and": [*self.guards(left), *self.guards(right), test]}

    def constant(self, value: bool) -> dict[str, Any]:
        return {"$ex": {ZERO: 1}} if value else {"$nex": {ZERO: 1}}

    def cond(self, cond: Any, in_item: bool) -> dict[str, Any]:
        if isinstance(cond, Compare):
            return self.compare(cond, in_item)
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
                if self.lowered is None:
                    raise ConditionError("'or' inside any()/all() needs precomputation; compile it as part of a rule pack",
                                         "any()/all() 内的 or 需要预先计算，请在规则包中编译")
                key = "__q_" + hashlib.sha1(repr((cond.collection, cond.body)).encode()).hexdigest()[:12]
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
