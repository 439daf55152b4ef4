"""What to ask for (待补充信息): the record fields that would decide an undecided rule.

A rule is undecided when a fact it needs was not collected. The fields to ask for are the
record paths that fact is computed from, narrowed to the items whose own test is undecided
(an adult's schooling does not decide whether a child is out of school), and, through the
signals the rule joins, the fields its undecided producers need.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..facts.catalog import COLLECTIONS, expand_source, item_sources, sources_of
from ..language.layout import fact_key
from ..language.pyeval import Tri
from ..record.household import Household
from .compile import CompiledPack, CompiledRule
from .rules import PeriodDef

__all__ = ["ask_for"]


def ask_for(plan: CompiledPack, periods: Mapping[str, PeriodDef], c: CompiledRule, fact: Mapping[str, Any],
            outcome: Mapping[str, Tri], record: Household, seen: set[str] | None = None) -> list[str]:
    """The record paths to collect so that rule ``c`` can be decided, sorted."""
    seen = seen if seen is not None else set()
    paths: set[str] = set()
    for test in c.quantifiers:
        rows = fact.get(fact_key(test.collection))
        if rows is None:
            paths.add(COLLECTIONS[test.collection][0])
            continue
        for i, row in enumerate(rows):
            if test.evaluate(fact, row) is None:
                for field in test.fields:
                    if row.get(field) is None:
                        paths.update(item_sources(test.collection, field, record, i))
    for ref in c.own_refs:
        if ref.item_of:
            continue
        if ref.is_param or ref.name == "as_of" or fact.get(fact_key(ref.name)) is not None:
            continue
        pd = periods.get(ref.name)
        for source in sources_of(pd.start if pd else ref.name):
            paths.update(expand_source(source, record))
    for sig in c.signals_read:
        for producer in plan.producers.get(sig, ()):
            if outcome.get(producer.rule.id) is None and producer.rule.id not in seen:
                seen.add(producer.rule.id)
                paths.update(ask_for(plan, periods, producer, fact, outcome, record, seen))
    return sorted(paths)
