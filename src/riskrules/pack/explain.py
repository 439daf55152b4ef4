"""Explain a flag (解释): the facts and parameters a rule compared, and its sentence in Chinese
and English, with the values as a caseworker reads them.

The output models are built without validation: every value here was checked when the record
was validated or the pack was loaded, and validating again would only cost time. A parameter's
description is the same for every household that uses it, so it is built once. Rendering
waits until someone reads a flag's details (see :class:`~riskrules.assessment.Flag`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from ..assessment import FactUsed, Flag, FlagKind, ParameterUsed
from ..facts.catalog import COLLECTIONS, FACTS, display_value
from ..language.layout import fact_key
from ..language.types import Kind, ValueType
from .compile import CompiledPack, CompiledRule
from .encode import Encoded
from .parameters import ParameterTable, ParameterValue
from .rules import PeriodDef

__all__ = ["FlagBuilder"]

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_NO_ITEMS = "（无/none）"
_NO_ITEM: Mapping[str, Any] = {}


@dataclass(frozen=True)
class _Plan:
    """What explaining one rule reads, worked out once per pack rather than per household."""

    facts: tuple[tuple[str, str, ValueType, str, str], ...]     # name, engine key, type, titles
    params: tuple[tuple[str, str], ...]                         # name, placeholder ("params.x")
    items: tuple[tuple[str, str, str, ValueType, str, str], ...]  # collection key, name, field, type, titles
    periods: tuple[str, ...]                                    # deadlines read: their parameters as of their start
    fact_params: tuple[str, ...]                                # parameters the item fields read were computed with
    values: tuple[tuple[str, Any, ValueType], ...]              # name, compiled expression, type
    explain_zh: "Template"
    explain_en: "Template"


class FlagBuilder:
    def __init__(self, plan: CompiledPack, parameters: ParameterTable, periods: Mapping[str, PeriodDef]):
        self._plan = plan
        self._parameters = parameters
        self._periods = periods
        self._parameter_used: dict[tuple[str, str, date], tuple[ParameterUsed, str]] = {}
        self._plans = {c.rule.id: self._plan_of(c) for c in plan.order}

    def _plan_of(self, c: CompiledRule) -> _Plan:
        facts, params = [], []
        for ref in c.reads:
            if ref.item_of:
                continue
            if ref.is_param:
                params.append((ref.name[len("params."):], ref.name))
            else:
                facts.append((ref.name, fact_key(ref.name), ValueType(ref.kind, ref.scale), *self._titles(ref.name)))
        items = []
        for coll, fields in c.item_refs.items():
            for fname, vt in sorted(fields.items()):
                it = COLLECTIONS[coll][2][fname]
                items.append((fact_key(coll), f"{coll}[].{fname}", fname, vt, it.title_zh, it.title_en))
        values = tuple((name, fn, ValueType(kind, scale)) for name, (fn, kind, scale) in c.values.items())
        return _Plan(tuple(facts), tuple(params), tuple(items), tuple(c.periods), tuple(c.fact_params), values,
                     Template(c.rule.explain_zh), Template(c.rule.explain_en))

    def flag(self, c: CompiledRule, encoded: Encoded, risk_types: list[str], signals: set[str]) -> Flag:
        """The flag of a rule that fired; its facts, parameters and sentences render when read."""
        rule = c.rule
        fact = encoded.fact
        conclusion: dict[str, Any] = dict(rule.conclusion)
        for name, (fn, kind, scale) in c.values.items():
            conclusion[name] = _conclusion_value(kind, scale, fn(fact, _NO_ITEM))
        joined = [s for s in c.signals_read if s in signals]
        return Flag._build(
            {"_details": {"signals": joined}, "_render": lambda: self._details(c, encoded, joined)},
            kind=rule.kind, severity=rule.severity, rule_id=rule.id, title_zh=rule.title_zh, title_en=rule.title_en, conclusion=conclusion,
            risk_types=risk_types if rule.kind is FlagKind.MONITORING_OBJECT else [], citation=rule.source)

    def reading(self, c: CompiledRule, encoded: Encoded) -> tuple[list[FactUsed], list[ParameterUsed], dict[str, str]]:
        """What a rule read for a household, fired or not: the facts and parameters with the
        values compared, and each value as the explanation shows it."""
        plan = self._plans[c.rule.id]
        fact, used = encoded.fact, encoded.used
        facts: list[FactUsed] = []
        params: list[ParameterUsed] = []
        shown: dict[str, str] = {"as_of": date.fromordinal(fact["as_of"]).isoformat()}
        for name, placeholder in plan.params:
            described, text = self._parameter(name, used[name])
            params.append(described)
            shown[placeholder] = text
        for name, key, vt, title_zh, title_en in plan.facts:
            raw = fact.get(key)
            text = display_value(vt, raw)
            if name in encoded.bounded:
                year = encoded.bounded[name]
                text += f" 或之后（规则包未收录{year}年节假日安排）/ or later (no {year} holiday calendar in the pack)"
            facts.append(FactUsed._build(name=name, title_zh=title_zh, title_en=title_en, value=text, raw=raw))
            shown[name] = text
        for coll_key, name, fname, vt, title_zh, title_en in plan.items:
            rows = fact.get(coll_key) or []
            values = "; ".join(f"#{i + 1} {display_value(vt, row.get(fname))}" for i, row in enumerate(rows)) or _NO_ITEMS
            facts.append(FactUsed._build(name=name, title_zh=title_zh, title_en=title_en, value=values,
                                         raw=[row.get(fname) for row in rows]))
        listed = {(p.name, p.jurisdiction, p.effective) for p in params}
        extra = [pv for period in plan.periods for pv in encoded.period_used.get(period, {}).values()]
        extra += [used[name] for name in plan.fact_params]
        for pv in extra:
            if (pv.name, pv.jurisdiction, pv.effective) not in listed:
                listed.add((pv.name, pv.jurisdiction, pv.effective))
                params.append(self._parameter(pv.name, pv)[0])
        return facts, params, shown

    def _details(self, c: CompiledRule, encoded: Encoded, joined: list[str]) -> dict[str, Any]:
        rule = c.rule
        plan = self._plans[rule.id]
        fact = encoded.fact
        facts, params, shown = self.reading(c, encoded)
        for name, fn, vt in plan.values:
            shown[name] = display_value(vt, fn(fact, _NO_ITEM))
        for k, v in rule.conclusion.items():
            shown[k] = str(v)
        titles = [self._plan.producers[s][0].rule for s in joined]
        shown_zh = {**shown, "signals": "、".join(t.title_zh for t in titles)}
        shown_en = {**shown, "signals": "; ".join(t.title_en for t in titles)}
        return dict(facts=facts, parameters=params, explanation_zh=plan.explain_zh.fill(shown_zh),
                    explanation_en=plan.explain_en.fill(shown_en))

    def _parameter(self, name: str, pv: ParameterValue) -> tuple[ParameterUsed, str]:
        key = (name, pv.jurisdiction, pv.effective)
        known = self._parameter_used.get(key)
        if known is None:
            decl = self._parameters.decls[name]
            text = f"{pv.value:,.2f} 元" if decl.type == "money" else pv.display(decl.labels)
            described = ParameterUsed._build(name=name, title_zh=decl.title_zh, title_en=decl.title_en, value=text,
                                                      jurisdiction=pv.jurisdiction, effective=pv.effective, local=pv.local,
                                                      source=pv.source)
            known = self._parameter_used[key] = (described, text)
        return known

    def _titles(self, name: str) -> tuple[str, str]:
        if name in FACTS:
            return FACTS[name].title_zh, FACTS[name].title_en
        if name in self._periods:
            return self._periods[name].title_zh, self._periods[name].title_en
        if name == "as_of":
            return "评估日期", "as-of date"
        return name, name


def _conclusion_value(kind: Kind, scale: int, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is Kind.DATE:
        return date.fromordinal(raw).isoformat()
    if kind is Kind.MONEY or scale:
        return str(Decimal(raw).scaleb(-scale))
    return raw


class Template:
    """An explanation sentence split once into text and ``{placeholder}`` parts, so filling it
    per household is a join, not a regular-expression pass."""

    def __init__(self, text: str):
        parts = _PLACEHOLDER.split(text)
        self._text = parts[0::2]
        self._names = parts[1::2]

    def fill(self, shown: Mapping[str, str]) -> str:
        out = [self._text[0]]
        for name, text in zip(self._names, self._text[1:]):
            out.append(shown.get(name, "{" + name + "}"))
            out.append(text)
        return "".join(out)
