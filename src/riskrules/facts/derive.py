"""Derived facts (派生事实): pure functions of a record and an as-of date.

No engine, no parameters: each function returns ``None`` when the record does not hold what it
needs (unknown is not zero). Money comes back as ``Decimal`` yuan; :mod:`.catalog` turns the
results into the integer fen, integer days and date ordinals the engine reads.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from ..deadlines.periods import add_months
from ..record.codes import ExpenditureKind, Health, HousingGrade
from ..record.household import AssistanceMeasure, Household, IncomeWindow, Member, RigidExpenditure

__all__ = [
    "age_on",
    "school_year_cutoff",
    "school_age",
    "completed_compulsory",
    "years_without_check",
    "gross_income",
    "within_last_12_months",
    "is_twelve_months",
    "household_size",
    "net_income",
    "per_capita",
    "per_capita_net_income",
    "income_fall",
    "rigid_window",
    "rigid_out_of_pocket",
    "per_capita_rigid_out_of_pocket",
    "compulsory_age_children_out_of_school",
    "uninsured_members",
    "housing_secured",
    "labour_capable_members",
    "has_labour_capacity",
    "days_since_clue",
    "measure_active",
    "first_assistance_on",
    "assistance_begun",
    "months_between",
]

_FEN = Decimal("0.01")
_ONE_DAY = timedelta(days=1)


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a date (周岁).

    Someone born on 29 February is a year older on 28 February of a common year: a year counted
    from 29 February has no corresponding day and ends on the month's last day (Civil Code
    art. 202) -- the same answer as dateutil's relativedelta, computed without it because this
    runs for every member of every assessment.
    """
    if on < birth:
        raise ValueError("born after the date")
    years = on.year - birth.year
    birthday = (birth.month, birth.day)
    if birthday == (2, 29) and not calendar.isleap(on.year):
        birthday = (2, 28)
    if (on.month, on.day) < birthday:
        years -= 1
    return years


def school_year_cutoff(on: date, month: int, day: int) -> date:
    """The enrolment cut-off of the school year ``on`` falls in (入学年龄截止日): the school year
    starts the day after the cut-off, so on the cut-off itself the previous one still runs. A
    child who is 6 by 31 August starts in September."""
    this_year = date(on.year, month, min(day, calendar.monthrange(on.year, month)[1]))
    if on > this_year:
        return this_year
    return date(on.year - 1, month, min(day, calendar.monthrange(on.year - 1, month)[1]))


def school_age(birth: date, on: date, month: int, day: int) -> int:
    """Age counted by the school year (按学年计算的年龄): age on the current school year's cut-off."""
    cutoff = school_year_cutoff(on, month, day)
    return 0 if birth > cutoff else age_on(birth, cutoff)


def completed_compulsory(member: Member, age: int | None, first_age: int) -> bool | None:
    """完成九年义务教育: as recorded; otherwise no while the child cannot yet be in the ninth
    year (a child who started at 6 is in grade 9 at school age 14 and may finish it in June, so
    from that year on the record must say); otherwise unknown."""
    if member.completed_compulsory_education is not None:
        return member.completed_compulsory_education
    if age is not None and age < first_age + 8:
        return False
    return None


def years_without_check(record: Household, on: date) -> list[int] | None:
    """The calendar years with no concentrated check (未开展集中排查的年度) while the case was open:
    every year after the year of identification, ended before ``on``, at whose end the case was
    still open. Unknown when the checks were not collected; none without an identified case."""
    case = record.monitoring_case
    if case is None or case.identified_on is None:
        return []
    if case.concentrated_checks is None:
        return None
    checked = {day.year for day in case.concentrated_checks if day <= on}
    return [year for year in range(case.identified_on.year + 1, on.year)
            if (case.eliminated_on is None or case.eliminated_on > date(year, 12, 31)) and year not in checked]


def household_size(record: Household) -> int:
    """家庭人口数."""
    return len(record.members)


def net_income(window: IncomeWindow | None) -> Decimal | None:
    """家庭纯收入: wage + business + property + transfer − production costs (docs/policy.md).

    Unknown when any of the five parts is unknown: a blank is not zero.
    """
    if window is None:
        return None
    parts = (window.wage, window.business, window.property, window.transfer, window.production_costs)
    if any(p is None for p in parts):
        return None
    wage, business, prop, transfer, costs = parts  # type: ignore[misc]
    return wage + business + prop + transfer - costs  # type: ignore[operator]


def gross_income(window: IncomeWindow | None) -> Decimal | None:
    """家庭年收入: wage + business + property + transfer, before production costs."""
    if window is None:
        return None
    total = Decimal("0.00")
    for part in (window.wage, window.business, window.property, window.transfer):
        if part is None:
            return None
        total += part
    return total


def is_twelve_months(start: date, end: date) -> bool:
    """A window from ``start`` to ``end`` (both included) is 12 months: it ends the day before
    the corresponding day 12 months on (Civil Code art. 202: 1 Aug to 31 Jul, 1 Mar to 28/29 Feb)."""
    return end == add_months(start, 12) - _ONE_DAY


def within_last_12_months(day: date, as_of: date) -> bool:
    """近12个月内: after the day 12 months before the as-of date, and not after it (Civil Code
    art. 201-202: months end on the corresponding day, or the month's end)."""
    return add_months(as_of, -12) < day <= as_of


def per_capita(amount: Decimal | None, size: int) -> Decimal | None:
    """Per head, rounded half up to the fen as income statistics are reported."""
    if amount is None:
        return None
    return (amount / size).quantize(_FEN, rounding=ROUND_HALF_UP)


def per_capita_net_income(record: Household, previous: bool = False) -> Decimal | None:
    """人均纯收入 (元/人/年) of the current window, or of the previous one."""
    window = record.previous_income if previous else record.income
    return per_capita(net_income(window), household_size(record))


def income_fall(record: Household) -> Decimal | None:
    """收入减少额: previous window's net income minus the current one (negative: a rise)."""
    now, before = net_income(record.income), net_income(record.previous_income)
    if now is None or before is None:
        return None
    return before - now


def rigid_window(record: Household, as_of: date) -> tuple[date, date]:
    """The 12 months whose rigid spending counts: the income window, else the 12 months to as_of."""
    if record.income is not None:
        return record.income.start, record.income.end
    return add_months(as_of, -12) + _ONE_DAY, as_of


def _in_window(items: Iterable[RigidExpenditure], start: date, end: date) -> list[RigidExpenditure]:
    # An undated expenditure was reported for the current window.
    return [e for e in items if e.spent_on is None or start <= e.spent_on <= end]


def rigid_out_of_pocket(record: Household, as_of: date, kind: ExpenditureKind | None = None) -> Decimal | None:
    """合规自付刚性支出 in the window, all kinds or one kind."""
    if record.rigid_expenditures is None:
        return None
    start, end = rigid_window(record, as_of)
    items = _in_window(record.rigid_expenditures, start, end)
    return sum((e.out_of_pocket for e in items if kind is None or e.kind is kind), Decimal("0.00"))


def per_capita_rigid_out_of_pocket(record: Household, as_of: date) -> Decimal | None:
    """人均合规自付支出."""
    return per_capita(rigid_out_of_pocket(record, as_of), household_size(record))


def _compulsory_age(member: Member, on: date, youngest: int = 6, oldest: int = 15) -> bool | None:
    if member.birth_date is None:
        return None
    return youngest <= age_on(member.birth_date, on) <= oldest


def child_out_of_school(member: Member, on: date) -> bool | None:
    """A compulsory-age child (6–15) not in school and without a health exemption (失学辍学)."""
    in_age = _compulsory_age(member, on)
    if in_age is False:
        return False
    if member.in_school is True or member.education_exemption is not None:
        return False if in_age is True else None
    if in_age is None or member.in_school is None:
        return None
    return True


def compulsory_age_children_out_of_school(record: Household, on: date) -> int | None:
    """义务教育阶段失学辍学人数 (unknown if any member's status is unknown and none is known out)."""
    return _count(child_out_of_school(m, on) for m in record.members)


def uninsured_members(record: Household) -> int | None:
    """未参加基本医疗保险人数."""
    return _count(None if m.basic_medical_insurance is None else not m.basic_medical_insurance for m in record.members)


def housing_secured(record: Household) -> bool | None:
    """住房安全有保障: grade A or B (C, D and no house are not)."""
    if record.housing_grade is None:
        return None
    return record.housing_grade in (HousingGrade.A, HousingGrade.B)


def labour_capable_members(record: Household) -> int | None:
    """有劳动能力的人数 (技能、普通、弱或半劳动力)."""
    return _count(None if m.labour_capacity is None else m.labour_capacity.is_capable for m in record.members)


def has_labour_capacity(record: Household) -> bool | None:
    """有劳动能力: at least one capable member; no when every member is known to have none."""
    flags = [None if m.labour_capacity is None else m.labour_capacity.is_capable for m in record.members]
    if any(flags):
        return True
    if all(f is False for f in flags):
        return False
    return None


def severely_disabled(member: Member) -> bool | None:
    """重度残疾: grade 1 or 2."""
    if member.health is None:
        return None
    if member.health is not Health.DISABLED:
        return False
    return None if member.disability_grade is None else member.disability_grade <= 2


def days_since_clue(record: Household, as_of: date) -> int | None:
    """自发现风险线索以来的天数."""
    case = record.monitoring_case
    if case is None or case.clue_found_on is None:
        return None
    return (as_of - case.clue_found_on).days


def measure_active(measure: AssistanceMeasure, on: date) -> bool | None:
    """措施在评估日有效: started on or before, not ended before."""
    if measure.started_on is None:
        return None
    return measure.started_on <= on and (measure.ended_on is None or measure.ended_on >= on)


def first_assistance_on(record: Household, on: date) -> date | None:
    """首项帮扶措施落实日期: the case's assistance start, or the earliest measure start.

    A measure planned to start after the as-of date has not started: it does not count.
    """
    dates = [m.started_on for m in record.assistance_measures or () if m.started_on is not None and m.started_on <= on]
    case = record.monitoring_case
    if case is not None and case.assistance_started_on is not None and case.assistance_started_on <= on:
        dates.append(case.assistance_started_on)
    return min(dates) if dates else None


def assistance_begun(record: Household, on: date) -> bool | None:
    """已开始落实帮扶: a start date on the case or a measure that has started by ``on``.

    No when every measure's start is known and none has started (and the case records none);
    unknown when the measures were not collected or a measure has no start date.
    """
    if first_assistance_on(record, on) is not None:
        return True
    measures = record.assistance_measures
    if measures is None or any(m.started_on is None for m in measures):
        return None
    return False


def months_between(earlier: date, later: date) -> int:
    """Calendar months from one date's month to another's (same month 0, next month 1)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _count(flags: Iterable[bool | None]) -> int | None:
    """How many are true; unknown when some are unknown and the rest cannot settle a zero."""
    values = list(flags)
    if any(v is None for v in values):
        # An exact count is not established while one member is unknown.
        return None
    return sum(1 for v in values if v)
