"""Decide a batch column-wise (列式判定): facts, parameters, deadlines, then every rule in order.

The order is the reference runner's: a rule's outcome is a column, and a rule that concludes a
signal updates the signal's column before any rule that reads it runs. ``any()``/``all()``
are decided on the child tables first (one ``group_by`` per collection) and joined to the
households. The result has one row per household of the batch that the slow path does not
take: its outcomes (true, false, or null for undecided) by rule id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from ..errors import EngineError
from ..language.columnar import (
    condition,
    household_refs,
    item_condition,
    quantifier_aggregates,
    quantifier_column,
    quantifier_value,
    quantifiers,
    set_flag_column,
    signal_column,
    signal_update,
)
from ..language.ir import InSet, Quantified, walk
from ..language.layout import fact_key
from ..pack.pack import RulePack
from .facts import COUNTS, HOUSEHOLD_FACTS, ITEM_FIELDS, aggregates, household_facts, item_table
from .normalise import H, Prepared
from .parameters import CHAIN, PLACE, DeadlineTable, PlaceTable

__all__ = ["Decided", "Decider", "without_columnar_form"]


@dataclass
class Decided:
    """The outcome of a batch: the households decided here, and those that go the slow way."""

    facts: pl.DataFrame        # __h, __place, __chain, every fact, parameter and deadline column the rules read
    outcomes: pl.DataFrame     # __h, one nullable boolean per rule id
    children: dict[str, pl.DataFrame]  # item tables by collection (@field columns), for explanations
    slow: pl.Series            # __h of the households the slow path decides


class Decider:
    """Decides batches of one pack on one as-of date (and one jurisdiction, or each household's own)."""

    def __init__(self, pack: RulePack, as_of: date, jurisdiction: str | None = None):
        self.pack = pack
        self.as_of = as_of
        self.jurisdiction = jurisdiction
        self.plan = pack._plan
        self.places = PlaceTable(pack, as_of)
        self.deadlines = DeadlineTable(pack, as_of)
        self.fact_names = sorted(n for n in self.plan.reads_facts if n != "as_of")
        missing = without_columnar_form(pack, as_of)
        if missing:  # refused before any household is read, not halfway through a population
            raise EngineError(f"the columnar back end has no form of {', '.join(missing)}: add it to riskrules.columnar.facts, "
                              f"or assess this pack household by household / 列式后端缺少以下事实的实现：{', '.join(missing)}")
        self.rules = [c.rule for c in self.plan.order]
        # Every any()/all() of the pack, by collection, with the household columns its body reads.
        by_coll: dict[str, dict[str, Quantified]] = {}
        for rule in self.rules:
            for q in quantifiers(rule.condition):
                by_coll.setdefault(q.collection, {})[quantifier_column(q)] = q
        self.quantified = {coll: list(qs.values()) for coll, qs in by_coll.items()}
        # Built once: building the expressions costs more than deciding a small batch with them.
        self.compiled = [(rule.id, condition(rule.condition), rule.concludes) for rule in self.rules]
        self.item_compiled = {coll: [item_condition(q.body).alias(quantifier_column(q)) for q in qs]
                              for coll, qs in self.quantified.items()}

    def decide(self, prepared: Prepared) -> Decided:
        house = prepared.house.filter(~prepared.suspect)
        keep = house[H].implode()
        children = {path: child.filter(pl.col(H).is_in(keep)) for path, child in prepared.children.items()}
        place = pl.lit(self.jurisdiction) if self.jurisdiction else pl.col("region_code")
        house = house.with_columns(place.alias(PLACE), pl.lit(self.as_of, dtype=pl.Date).alias("__as_of"))
        codes = house[PLACE].unique().sort().to_list()
        house = house.join(self.places.frame(codes), on=PLACE, how="left")
        slow = [house.filter(~pl.col("__place_ok"))[H]]
        house = house.filter(pl.col("__place_ok"))
        house = aggregates(house, children, self.as_of)
        param_cols = [c for c in house.columns if c.startswith("params__")]
        facts = house.select(H, PLACE, CHAIN, "__as_of", *param_cols, *[c for c in house.columns if c.endswith(".__n")],
                             pl.lit(self.as_of, dtype=pl.Date).alias(fact_key("as_of")),
                             *household_facts(self.fact_names))
        facts, bad = self._deadlines(facts)
        slow.append(bad)
        facts = facts.filter(~pl.col(H).is_in(bad.implode()))
        facts, items = self._quantifiers(facts, house, children)
        outcomes = self._rules(facts)
        return Decided(facts, outcomes, items, pl.concat(slow).unique().sort())

    def _deadlines(self, facts: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
        bad: list[pl.Series] = [pl.Series(H, [], dtype=pl.Int64)]
        for pd, start_key, key in self.deadlines.periods:
            pairs = facts.select(CHAIN, start_key).drop_nulls().unique().sort(CHAIN, start_key)
            table = self.deadlines.frame(pd.name, pairs, start_key, key)
            facts = facts.join(table, on=[CHAIN, start_key], how="left")
            bad.append(facts.filter(pl.col(key + "__bad").fill_null(False))[H])
            facts = facts.drop(key + "__bad")
        return facts, pl.concat(bad).unique()

    def _quantifiers(self, facts: pl.DataFrame, house: pl.DataFrame,
                     children: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
        items: dict[str, pl.DataFrame] = {}
        for coll, fields in sorted(self.plan.reads_items.items()):
            if coll not in COUNTS:
                continue
            table = COUNTS[coll].rsplit(".", 1)[0]
            child = children.get(table)
            if child is None:
                continue
            child = child.filter(pl.col(H).is_in(facts[H].implode()))
            items[coll] = item_table(coll, sorted(fields), child, house, self.as_of)
        for coll, qs in sorted(self.quantified.items()):
            reads: dict[str, None] = {}
            for q in qs:
                for ref in household_refs(q.body):
                    if ref.kind.value == "text_set":
                        continue
                    reads[fact_key(ref.name)] = None
                for node in _insets(q.body):
                    for code in node.domain:
                        reads[set_flag_column(node.param.name, code)] = None
            rows = items[coll].join(facts.select(H, *reads), on=H, how="left") if reads else items[coll]
            values = rows.select(H, *self.item_compiled[coll])
            agg = values.group_by(H).agg(*[a for q in qs for a in quantifier_aggregates(q, quantifier_column(q))])
            facts = facts.join(agg, on=H, how="left").with_columns(
                *[quantifier_value(q, COUNTS[coll]).alias(quantifier_column(q)) for q in qs])
        return facts, items

    def _rules(self, facts: pl.DataFrame) -> pl.DataFrame:
        lf = facts.lazy()
        signals = sorted({r.concludes for r in self.rules if r.concludes} | {s for r in self.rules for s in r.reads_signals()})
        lf = lf.with_columns(*[pl.lit(False).alias(signal_column(s)) for s in signals])
        for rule_id, result, concludes in self.compiled:
            lf = lf.with_columns(result.alias(rule_id))
            if concludes:
                lf = lf.with_columns(signal_update(signal_column(concludes), pl.col(rule_id)).alias(signal_column(concludes)))
        return lf.select(H, *[r.id for r in self.rules]).collect()


def without_columnar_form(pack: RulePack, as_of: date) -> list[str]:
    """The facts and item fields ``pack`` reads that the columnar back end cannot compute."""
    plan = pack._plan
    missing = [name for name in sorted(plan.reads_facts) if name != "as_of" and name not in HOUSEHOLD_FACTS]
    for coll, fields in sorted(plan.reads_items.items()):
        known = ITEM_FIELDS[coll][1](as_of) if coll in ITEM_FIELDS and coll in COUNTS else {}
        missing += [f"{coll}[].{f}" for f in sorted(fields) if f not in known]
    return missing


def _insets(body: object) -> list[InSet]:
    return [n for n in walk(body) if isinstance(n, InSet)]
