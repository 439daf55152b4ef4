"""The rule IR (规则中间表示): one typed expression tree that every back end compiles from.

The parser builds it from a rule's ``when:`` text; :mod:`.rewrite` transforms it; the
durable-rules generator and the plain-Python evaluator both read it and nothing else. Types
(:class:`~.types.Kind`, scales) live in :mod:`.types`.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Union

from .types import Kind

__all__ = [
    "Ref",
    "Const",
    "Arith",
    "Compare",
    "Truth",
    "And",
    "Or",
    "Not",
    "Signal",
    "Quantified",
    "InSet",
    "Known",
    "Absent",
    "NotInSet",
    "TruthValue",
    "COMPARISONS",
    "Expr",
    "Cond",
    "walk",
    "refs",
    "signals",
]


@dataclass(frozen=True)
class Ref:
    """A named value: a derived fact, a parameter, or a field of the quantified item."""

    name: str              # as written: "income.per_capita_net", "params.monitoring_range", "m.age"
    kind: Kind
    scale: int
    item_of: str | None = None  # the collection when this is the loop variable's field
    field: str = ""            # the item field (when item_of) or the fact name

    @property
    def is_param(self) -> bool:
        return self.name.startswith("params.")


@dataclass(frozen=True)
class Const:
    value: int | bool | str
    kind: Kind
    scale: int = 0


@dataclass(frozen=True)
class Arith:
    op: str  # "+", "-", "*"
    left: "Expr"
    right: "Expr"
    kind: Kind
    scale: int


Expr = Union[Ref, Const, Arith]


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
"""What each comparison operator means, for every back end that computes it in Python."""


@dataclass(frozen=True)
class Compare:
    op: str  # "<", "<=", ">", ">=", "==", "!="
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Truth:
    """A boolean fact used as a condition: true when it is true."""

    ref: Ref


@dataclass(frozen=True)
class And:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Cond", ...]


@dataclass(frozen=True)
class Not:
    item: "Cond"


@dataclass(frozen=True)
class Signal:
    """A signal concluded by another rule (forward chaining)."""

    name: str


@dataclass(frozen=True)
class Quantified:
    """``any(body for var in collection)`` or ``all(...)``."""

    quantifier: str  # "any" | "all"
    collection: str
    var: str
    body: "Cond"


@dataclass(frozen=True)
class InSet:
    """``item in params.some_set``: membership of a code in a set-valued parameter."""

    item: Ref
    param: Ref
    domain: tuple[str, ...]


@dataclass(frozen=True)
class Known:
    """``known(x)``: the fact has been collected (not null)."""

    ref: Ref


@dataclass(frozen=True)
class Absent:
    """``not known(x)``, as negation normal form writes it."""

    ref: Ref


@dataclass(frozen=True)
class NotInSet:
    """``item not in params.some_set``, as negation normal form writes it."""

    inset: InSet


@dataclass(frozen=True)
class TruthValue:
    """A condition whose value is known without any fact (from constant folding)."""

    value: bool


Cond = Union[Compare, Truth, And, Or, Not, Signal, Quantified, InSet, Known, Absent, NotInSet, TruthValue]


def walk(node: object) -> Iterator[object]:
    """Every node of a condition or expression, depth first."""
    yield node
    if isinstance(node, (And, Or)):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, (Compare, Arith)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Quantified):
        yield from walk(node.body)
    elif isinstance(node, (Truth, Known, Absent)):
        yield node.ref
    elif isinstance(node, NotInSet):
        yield from walk(node.inset)
    elif isinstance(node, InSet):
        yield node.item
        yield node.param


def refs(node: object) -> list[Ref]:
    """The references a condition reads, each once, in first-seen order."""
    seen: dict[str, Ref] = {}
    for n in walk(node):
        if isinstance(n, Ref) and n.name not in seen:
            seen[n.name] = n
    return list(seen.values())


def signals(node: object) -> list[str]:
    out: list[str] = []
    for n in walk(node):
        if isinstance(n, Signal) and n.name not in out:
            out.append(n.name)
    return out
