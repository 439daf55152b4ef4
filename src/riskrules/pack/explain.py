"""Explain a flag (解释): the facts and parameters a rule compared, and its sentence in Chinese
and English, with the values as a caseworker reads them.

The output models are built without validation: every value here was checked when the record
was validated or the pack was loaded, and validating again would only cost time. A parameter's
description is the same for every household that uses it, so it is built once. Rendering can
wait: a flag made with ``explain=False`` renders its details when asked.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from ..assessment import FactUsed, Flag, FlagKind, ParameterUsed
from ..facts.catalog import COLLECTIONS, FACTS, display_value
from ..language.layout import fact_key
from ..language.types import Kind, ValueType
from .compile import CompiledPack, CompiledRule
from .parameters import ParameterTable, ParameterValue
from .rules import PeriodDef

__all__ = ["FlagBuilder"]

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_NO_ITEMS = "（无/none）"


class FlagBuilder:
    def __init__(self, plan: CompiledPack, parameters: ParameterTable, periods: Mapping[str, PeriodDef]):
        self._plan = plan
        self._parameters = parameters
        self._periods = periods
        self._parameter_used: dict[tuple[str, str, date], tuple[ParameterUsed, str]] = {}

    def flag(self, c: CompiledRule, fact: Mapping[str, Any], used: Mapping[str, ParameterValue], risk_types: list[str],
             signals: set[str], explain: bool = True) -> Flag:
        """The flag of a rule that fired; without ``explain``, its facts, parameters and
        sentences are left for :meth:`Flag.explained` to render when asked."""
        rule = c.rule
        conclusion: dict[str, Any] = dict(rule.conclusion)
        for name, (fn, kind, scale) in c.values.items():
            conclusion[name] = _conclusion_value(kind, scale, fn(fact, {}))
        joined = [s for s in c.signals_read if s in signals]
        light = dict(kind=rule.kind, rule_id=rule.id, title_zh=rule.title_zh, title_en=rule.title_en, conclusion=conclusion,
                     risk_types=risk_types if rule.kind is FlagKind.MONITORING_OBJECT else [], citation=rule.source)
        if explain:
            return Flag._build(**light, **self._details(c, fact, used, joined))

        def render() -> Flag:
            return Flag._build(**light, **self._details(c, fact, used, joined))

        flag = Flag._build(**light, facts=None, parameters=None, signals=joined, explanation_zh=None, explanation_en=None)
        flag.__pydantic_private__["_render"] = render  # type: ignore[index]
        return flag

    def _details(self, c: CompiledRule, fact: Mapping[str, Any], used: Mapping[str, ParameterValue],
                 joined: list[str]) -> dict[str, Any]:
        rule = c.rule
        facts: list[FactUsed] = []
        params: list[ParameterUsed] = []
        shown: dict[str, str] = {"as_of": date.fromordinal(fact["as_of"]).isoformat()}
        for ref in c.reads:
            if ref.item_of:
                continue
            if ref.is_param:
                name = ref.name[len("params."):]
                described, text = self._parameter(name, used[name])
                params.append(described)
                shown[ref.name] = text
                continue
            raw = fact.get(fact_key(ref.name))
            text = display_value(ValueType(ref.kind, ref.scale), raw)
            title_zh, title_en = self._titles(ref.name)
            facts.append(FactUsed._build(name=ref.name, title_zh=title_zh, title_en=title_en, value=text, raw=raw))
            shown[ref.name] = text
        for coll, fields in c.item_refs.items():
            rows = fact.get(fact_key(coll)) or []
            for fname, vt in sorted(fields.items()):
                it = COLLECTIONS[coll][2][fname]
                values = "; ".join(f"#{i + 1} {display_value(vt, row.get(fname))}" for i, row in enumerate(rows)) or _NO_ITEMS
                facts.append(FactUsed._build(name=f"{coll}[].{fname}", title_zh=it.title_zh, title_en=it.title_en,
                                             value=values, raw=[row.get(fname) for row in rows]))
        for pname in c.period_params:
            params.append(self._parameter(pname, used[pname])[0])
        for name, (fn, kind, scale) in c.values.items():
            shown[name] = display_value(ValueType(kind, scale), fn(fact, {}))
        for k, v in rule.conclusion.items():
            shown[k] = str(v)
        titles = [self._plan.producers[s][0].rule for s in joined]
        shown_zh = {**shown, "signals": "、".join(t.title_zh for t in titles)}
        shown_en = {**shown, "signals": "; ".join(t.title_en for t in titles)}
        return dict(facts=facts, parameters=params, signals=joined, explanation_zh=_fill(rule.explain_zh, shown_zh),
                    explanation_en=_fill(rule.explain_en, shown_en))

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


def _fill(template: str, shown: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: shown.get(m.group(1), m.group(0)), template)
