"""Encode a household for the back ends (事实编码): derived facts, parameters, deadlines.

The engine fact is the flat mapping both back ends read: the derived facts the pack's rules
name (:mod:`riskrules.facts`), the parameters in force for the household's jurisdiction on the
as-of date, the last day of every deadline period, and the item conditions durable-rules
cannot evaluate, precomputed per item. Parameter blocks and period ends repeat across
households, so both are memoised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Mapping

from ..deadlines.calendar import CalendarNotCovered, WorkCalendar
from ..deadlines.periods import PeriodUnit, add_months, period_end
from ..errors import InvalidRecord, MissingParameter
from ..facts.catalog import FactExtractor, sources_of
from ..language.layout import ZERO, fact_key, set_parameter_fields
from ..language.pyeval import compile_item_condition
from ..record.household import Household
from .compile import ROLL_FORWARD, CompiledPack
from .parameters import ParameterTable, ParameterValue
from .rules import PeriodDef

__all__ = ["Encoded", "FactEncoder"]

_UNCOVERED_MARGIN = 31  # days: far more than any run of rest days a roll-forward could cross


@dataclass(frozen=True)
class Encoded:
    """The engine fact of one household, and the parameter values that went into it: those in
    force on the as-of date, and for each deadline those in force on the day it started."""

    fact: dict[str, Any]
    used: Mapping[str, ParameterValue]
    period_used: Mapping[str, Mapping[str, ParameterValue]]
    bounded: Mapping[str, int] = field(default_factory=dict)  # deadline -> calendar year the pack lacks


class FactEncoder:
    def __init__(self, plan: CompiledPack, parameters: ParameterTable, calendar: WorkCalendar,
                 periods: Mapping[str, PeriodDef]):
        self._plan = plan
        self._extract = FactExtractor(plan.reads_facts, plan.reads_items)
        self._parameters = parameters
        self._calendar = calendar
        self._periods = [(periods[name], fact_key(periods[name].start), fact_key(name)) for name in sorted(plan.reads_periods)]
        self._params = sorted(plan.reads_params)
        self._roll = ROLL_FORWARD in parameters.decls
        self._lowered: list[tuple[str, str, Callable[[Mapping[str, Any], Mapping[str, Any]], Any]]] = [
            (t.key, fact_key(t.collection), compile_item_condition(t.body)) for t in plan.lowered]
        self._block = lru_cache(maxsize=8192)(self._parameter_block)
        self._period_end = lru_cache(maxsize=65536)(self._last_day)

    def encode(self, record: Household, as_of: date, jurisdiction: str) -> Encoded:
        """The engine fact; a date the parameters or the calendar do not cover is an
        :class:`~riskrules.errors.InvalidRecord` naming the field."""
        place = self._parameters.canonical(jurisdiction)
        # Errors are raised outside the handlers, so no exception chain is kept with them.
        missing: MissingParameter | None = None
        try:
            fields, used = self._block(place, as_of)
        except MissingParameter as e:
            missing = e
        if missing is not None:
            raise InvalidRecord.one("as_of", "no_parameter_in_force",
                                    f"评估日期 {as_of} 早于参数 {missing.name} 在辖区 {jurisdiction} 的生效日期",
                                    f"the as-of date {as_of} is before parameter '{missing.name}' takes effect in {jurisdiction}")
        fact = self._extract(record, as_of, {name: used[name].value for name in self._extract.needs})
        fact[ZERO] = 0
        fact.update(fields)
        period_used: dict[str, Mapping[str, ParameterValue]] = {}
        bounded: dict[str, int] = {}
        for pd, start_key, key in self._periods:
            start = fact.get(start_key)
            if start is None:
                continue
            # A deadline takes the values in force on the day it started (the clue day), not on
            # the as-of date: a limit changed later does not move it.
            in_force = self._start_block(pd, place, start)
            if isinstance(in_force, InvalidRecord):
                raise in_force
            period_used[pd.name] = in_force
            length = in_force[pd.length].value
            roll = bool(in_force[ROLL_FORWARD].value) if ROLL_FORWARD in in_force else False
            uncovered: int | None = None
            try:
                fact[key] = self._period_end(start, length.amount, length.unit, roll)
            except CalendarNotCovered as e:
                uncovered = e.year
            if uncovered is not None:
                # The last day falls where the pack has no holiday calendar. Rolling forward (or
                # counting working days) can only make it later, so its earliest possible day
                # decides every comparison with a date up to the as-of date, as long as that day
                # is far enough ahead: the longest run of rest days in China's calendars is 10.
                earliest = self._earliest_day(start, length.amount, length.unit)
                if earliest > as_of.toordinal() + _UNCOVERED_MARGIN:
                    fact[key] = earliest
                    bounded[pd.name] = date.fromordinal(earliest).year
                    continue
                raise InvalidRecord.one(self._path(pd), "calendar_not_covered",
                                        f"期限 {pd.title_zh} 需要 {uncovered} 年的工作日历，规则包中没有（calendars/{uncovered}.yaml）",
                                        f"the deadline '{pd.title_en}' needs the working-day calendar of {uncovered}, "
                                        f"which the rule pack does not have (calendars/{uncovered}.yaml)")
        for key, collection, evaluate in self._lowered:
            for row in fact.get(collection) or ():
                value = evaluate(fact, row)
                if value is not None:
                    row[key] = value
        return Encoded(fact, used, period_used, bounded)

    def _start_block(self, pd: PeriodDef, place: tuple[str, ...], start: int) -> dict[str, ParameterValue] | InvalidRecord:
        # An event before the pack's first values (a clue found in 2020) takes the earliest
        # values the pack has; their effective date, shown with them, says so.
        day = max(date.fromordinal(start), self._parameters.first_day(place[0]))
        names = [pd.length, ROLL_FORWARD] if self._roll else [pd.length]
        try:
            return {name: self._parameters.resolve(name, place[0], day) for name in names}
        except MissingParameter as e:
            return InvalidRecord.one(self._path(pd), "no_parameter_in_force",
                                     f"{pd.title_zh}：{day} 时参数 {e.name} 尚未生效",
                                     f"{pd.title_en}: on {day} parameter '{e.name}' was not yet in force")

    @staticmethod
    def _earliest_day(start: int, amount: int, unit: PeriodUnit) -> int:
        """The earliest the last day can be without the calendar: the period in calendar terms,
        not rolled forward (a working day is at least a day)."""
        first = date.fromordinal(start)
        if unit is PeriodUnit.MONTHS:
            return add_months(first, amount).toordinal()
        if unit is PeriodUnit.YEARS:
            return add_months(first, 12 * amount).toordinal()
        return start + amount

    @staticmethod
    def _path(pd: PeriodDef) -> str:
        sources = sources_of(pd.start)
        return sources[0] if sources else pd.start

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
            elif decl.type not in ("period", "month_day"):
                fields[fact_key(f"params.{name}")] = pv.engine_value(decl)
        return fields, used

    def _last_day(self, start: int, amount: int, unit: PeriodUnit, roll: bool) -> int:
        due = period_end(date.fromordinal(start), amount, unit, calendar=self._calendar, roll_forward_rest_day=roll)
        return due.toordinal()
