"""Encode a household for the back ends (事实编码): derived facts, parameters, deadlines.

The engine fact is the flat mapping both back ends read: the derived facts the pack's rules
name (:mod:`riskrules.facts`), the parameters in force for the household's jurisdiction on the
as-of date, the last day of every deadline period, and the item conditions durable-rules
cannot evaluate, precomputed per item. Parameter blocks and period ends repeat across
households, so both are memoised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Mapping

from ..deadlines.calendar import CalendarNotCovered, WorkCalendar
from ..deadlines.periods import PeriodUnit, period_end
from ..errors import InvalidRecord, MissingParameter
from ..facts.catalog import FactExtractor, sources_of
from ..language.layout import ZERO, fact_key, set_parameter_fields
from ..language.pyeval import compile_item_condition
from ..record.household import Household
from .compile import ROLL_FORWARD, CompiledPack
from .parameters import ParameterTable, ParameterValue
from .rules import PeriodDef

__all__ = ["Encoded", "FactEncoder"]


@dataclass(frozen=True)
class Encoded:
    """The engine fact of one household, and the parameter values that went into it."""

    fact: dict[str, Any]
    used: Mapping[str, ParameterValue]


class FactEncoder:
    def __init__(self, plan: CompiledPack, parameters: ParameterTable, calendar: WorkCalendar,
                 periods: Mapping[str, PeriodDef]):
        self._plan = plan
        self._extract = FactExtractor(plan.reads_facts, plan.reads_items)
        self._parameters = parameters
        self._calendar = calendar
        self._periods = [(periods[name], fact_key(periods[name].start), fact_key(name)) for name in sorted(plan.reads_periods)]
        self._params = sorted(plan.reads_params)
        self._lowered: list[tuple[str, str, Callable[[Mapping[str, Any], Mapping[str, Any]], Any]]] = [
            (t.key, fact_key(t.collection), compile_item_condition(t.body)) for t in plan.lowered]
        self._block = lru_cache(maxsize=8192)(self._parameter_block)
        self._period_end = lru_cache(maxsize=65536)(self._last_day)

    def encode(self, record: Household, as_of: date, jurisdiction: str) -> Encoded:
        """The engine fact; a date the parameters or the calendar do not cover is an
        :class:`~riskrules.errors.InvalidRecord` naming the field."""
        fact = self._extract(record, as_of)
        fact[ZERO] = 0
        # Errors are raised outside the handlers, so no exception chain is kept with them.
        missing: MissingParameter | None = None
        try:
            fields, used = self._block(self._parameters.canonical(jurisdiction), as_of)
        except MissingParameter as e:
            missing = e
        if missing is not None:
            raise InvalidRecord.one("as_of", "no_parameter_in_force",
                                    f"评估日期 {as_of} 早于参数 {missing.name} 在辖区 {jurisdiction} 的生效日期",
                                    f"the as-of date {as_of} is before parameter '{missing.name}' takes effect in {jurisdiction}")
        fact.update(fields)
        roll = bool(used[ROLL_FORWARD].value) if ROLL_FORWARD in used else False
        for pd, start_key, key in self._periods:
            start = fact.get(start_key)
            if start is None:
                continue
            length = used[pd.length].value
            uncovered: int | None = None
            try:
                fact[key] = self._period_end(start, length.amount, length.unit, roll)
            except CalendarNotCovered as e:
                uncovered = e.year
            if uncovered is not None:
                path = sources_of(pd.start)[0] if sources_of(pd.start) else pd.start
                raise InvalidRecord.one(path, "calendar_not_covered",
                                        f"期限 {pd.title_zh} 需要 {uncovered} 年的工作日历，规则包中没有（calendars/{uncovered}.yaml）",
                                        f"the deadline '{pd.title_en}' needs the working-day calendar of {uncovered}, "
                                        f"which the rule pack does not have (calendars/{uncovered}.yaml)")
        for key, collection, evaluate in self._lowered:
            for row in fact.get(collection) or ():
                value = evaluate(fact, row)
                if value is not None:
                    row[key] = value
        return Encoded(fact, used)

    def _parameter_block(self, chain: tuple[str, ...], on: date) -> tuple[dict[str, Any], dict[str, ParameterValue]]:
        place = chain[0] if chain else "CN"
        fields: dict[str, Any] = {}
        used: dict[str, ParameterValue] = {}
        for name in self._params:
            pv = self._parameters.resolve(name, place, on)
            used[name] = pv
            decl = self._parameters.decls[name]
            if decl.type == "text_set":
                fields.update(set_parameter_fields(f"params.{name}", decl.domain, pv.value))
            elif decl.type != "period":
                fields[fact_key(f"params.{name}")] = pv.engine_value(decl)
        return fields, used

    def _last_day(self, start: int, amount: int, unit: PeriodUnit, roll: bool) -> int:
        due = period_end(date.fromordinal(start), amount, unit, calendar=self._calendar, roll_forward_rest_day=roll)
        return due.toordinal()
