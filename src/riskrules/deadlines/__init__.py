"""Deadlines (期限): working-day calendars and Civil Code period arithmetic."""

from riskrules.deadlines.calendar import (
    CalendarError,
    CalendarNotCovered,
    WorkCalendar,
    load_calendar,
)
from riskrules.deadlines.periods import PeriodUnit, days_late, period_end

__all__ = [
    "CalendarError",
    "CalendarNotCovered",
    "PeriodUnit",
    "WorkCalendar",
    "days_late",
    "load_calendar",
    "period_end",
]
