"""Period counting under the Civil Code (《民法典》第二百零一条至第二百零四条, 期间计算).

- 第二百零一条: 按照年、月、日、小时计算期间的，开始的当日不计入，自下一日开始计算。
- 第二百零二条: 按照年、月计算期间的，到期月的对应日为期间的最后一日；没有对应日的，
  月末日为期间的最后一日。
- 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
- 第二百零四条: 法律另有规定或者当事人另有约定的除外 — hence rolling forward is
  opt-in (``roll_forward_rest_day``), because monitoring rules often fix their own counting.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta
from enum import Enum

from riskrules.deadlines.calendar import WorkCalendar

__all__ = ["PeriodUnit", "add_months", "days_late", "period_end"]


class PeriodUnit(str, Enum):
    """Unit of a time limit (期限单位)."""

    CALENDAR_DAYS = "calendar_days"  # 日（自然日）
    WORKING_DAYS = "working_days"  # 工作日
    MONTHS = "months"  # 月
    YEARS = "years"  # 年


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months (negative: back), art. 202: the corresponding day of the
    target month, or its last day when it has none (31 Aug + 6 months = 28/29 Feb).

    The same answer as ``day + dateutil.relativedelta(months=months)`` (a property test holds
    them together), without its cost on the hot path of every assessment.
    """
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def period_end(
    start: date,
    amount: int,
    unit: PeriodUnit,
    *,
    calendar: WorkCalendar | None = None,
    roll_forward_rest_day: bool = False,
) -> date:
    """Return the last day (期间的最后一日) of a period starting on ``start``.

    - Art. 201: the start day is not counted — a clue found 1 July with a
      15-calendar-day limit ends 16 July.
    - Art. 202: months/years end on the corresponding day (对应日), or the last
      day of the month when there is none — 31 Aug + 6 months is 28/29 Feb,
      31 Jan + 1 month is 28/29 Feb, 29 Feb 2024 + 1 year is 28 Feb 2025.
    - Art. 203: with ``roll_forward_rest_day``, a last day that is a rest day
      (weekend or statutory holiday, 法定休假日) moves to the next working day.

    ``amount == 0`` returns ``start``. Working days, and rolling forward, need a
    ``calendar``; without one a ``ValueError`` is raised rather than assuming
    a Monday–Friday week, which would be wrong around every 调休.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, got {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must be >= 0, got {amount}")
    unit = PeriodUnit(unit)
    needs_calendar = unit is PeriodUnit.WORKING_DAYS or (roll_forward_rest_day and amount > 0)
    if needs_calendar and calendar is None:
        raise ValueError(f"a WorkCalendar is required for {unit.value}" + (" with roll_forward_rest_day" if roll_forward_rest_day else ""))
    if amount == 0:
        return start

    if unit is PeriodUnit.CALENDAR_DAYS:
        end = start + timedelta(days=amount)
    elif unit is PeriodUnit.WORKING_DAYS:
        assert calendar is not None
        # Already a working day, so art. 203 never applies.
        return calendar.add_working_days(start, amount)
    elif unit is PeriodUnit.MONTHS:
        end = add_months(start, amount)
    else:
        end = add_months(start, 12 * amount)

    if roll_forward_rest_day:
        assert calendar is not None
        while calendar.is_rest_day(end):
            end += timedelta(days=1)
    return end


def days_late(done_on: date | None, due: date, as_of: date) -> int:
    """Days overdue (逾期天数): against ``done_on`` if done, else against ``as_of``; never negative."""
    reference = done_on if done_on is not None else as_of
    return max(0, (reference - due).days)
