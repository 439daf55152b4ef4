"""The durable-rules ruleset of a pack, as data (规则集定义): no C core needed.

What the compiler produces for durable-rules -- one :class:`EngineRule` per disjunct of a pack
rule, and the ruleset definition built from them -- is plain JSON. Keeping it apart from the
runner lets a pack be compiled, checked against durable-rules' limits and inspected where
durable-rules cannot be imported (Python 3.13 and later, see :mod:`riskrules.engine.available`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterator

__all__ = ["EngineRule", "RuleNotCompilable", "HOUSEHOLD", "SIGNAL", "SINK", "CLEANUP",
           "ruleset_definition", "definition_json", "strings"]

HOUSEHOLD = "household"
SIGNAL = "signal"
SINK = "__heard__"
CLEANUP = "__cleanup__"


@dataclass(frozen=True)
class EngineRule:
    """One durable-rules rule: a disjunct of a pack rule."""

    name: str          # unique in the ruleset, e.g. "identification.low_income#0"
    rule_id: str       # the pack rule it belongs to
    conditions: list[dict[str, Any]]  # the rule's "all" list
    concludes: str | None


class RuleNotCompilable(ValueError):
    """durable-rules refused one rule (e.g. error 113: more than 32 expressions in one join)."""

    def __init__(self, rule_id: str, detail: str):
        self.rule_id = rule_id
        self.detail = detail
        super().__init__(f"{rule_id}: {detail}")


def ruleset_definition(rules: list[EngineRule]) -> dict[str, Any]:
    """The ruleset as durable-rules reads it, with the two sink rules the runner needs: one that
    hears every household (deleting the state of a session whose fact matched nothing crashes
    the C core) and one that hears the cleanup fact."""
    definition: dict[str, Any] = {}
    for rule in rules:
        if not plain_name(rule.name):
            raise ValueError(f"rule name {rule.name!r} cannot be read back from an action message")
        definition[rule.name] = {"all": rule.conditions}
    definition[f"{SINK}{HOUSEHOLD}"] = {"all": [{"h": {"t": HOUSEHOLD}}]}
    definition[CLEANUP] = {"all": [{"z": {"t": CLEANUP}}]}
    return definition


def definition_json(rules: list[EngineRule]) -> str:
    """The ruleset definition as canonical JSON (sorted keys), for inspection and the docs."""
    return json.dumps(ruleset_definition(rules), sort_keys=True, ensure_ascii=False)


def strings(node: Any) -> Iterator[str]:
    """Every key and text value of a generated condition: the fields it names, and more."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


def plain_name(name: str) -> bool:
    # The name is read back from the head of an action message, as the ruleset spelled it.
    return bool(name) and not any(ch in name for ch in '"\\') and all(ord(ch) >= 0x20 for ch in name)
