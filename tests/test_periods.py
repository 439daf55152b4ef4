"""Tests for Civil Code period counting (《民法典》期间计算)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskrules.deadlines.calendar import WorkCalendar
from riskrules.deadlines.periods import PeriodUnit, days_late, period_end

CALENDAR_DIR = Path(__file__).parents[1] / "rules" / "calendars"


def test_art_201_start_day_not_counted() -> None:
    # 线索 found 1 July, 15 calendar days -> last day 16 July.
    assert period_end(date(2022, 7, 1), 15, PeriodUnit.CALENDAR_DAYS) == date(2022, 7, 16)


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (date(2022, 8, 31), 6, PeriodUnit.MONTHS, date(2023, 2, 28)),
        (date(2023, 8, 31), 6, PeriodUnit.MONTHS, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, PeriodUnit.MONTHS, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, PeriodUnit.MONTHS, date(2024, 2, 29)),
        (date(2024, 2, 29), 1, PeriodUnit.YEARS, date(2025, 2, 28)),
        (date(2024, 3, 15), 3, PeriodUnit.MONTHS, date(2024, 6, 15)),
        (date(2023, 6, 30), 2, PeriodUnit.YEARS, date(2025, 6, 30)),
    ],
)
def test_art_202_corresponding_day(start: date, amount: int, unit: PeriodUnit, expected: date) -> None:
    assert period_end(start, amount, unit) == expected


def test_art_203_roll_forward(cal: WorkCalendar) -> None:
    start = date(2024, 9, 16)
    assert period_end(start, 15, PeriodUnit.CALENDAR_DAYS) == date(2024, 10, 1)
    assert period_end(start, 15, PeriodUnit.CALENDAR_DAYS, calendar=cal) == date(2024, 10, 1)
    assert period_end(start, 15, PeriodUnit.CALENDAR_DAYS, calendar=cal, roll_forward_rest_day=True) == date(
        2024, 10, 8
    )


def test_roll_forward_over_plain_weekend(cal: WorkCalendar) -> None:
    # 2025-03-08 is an ordinary Saturday; weekly rest days are 法定休假日 too.
    assert period_end(
        date(2025, 2, 21), 15, PeriodUnit.CALENDAR_DAYS, calendar=cal, roll_forward_rest_day=True
    ) == date(2025, 3, 10)


def test_roll_forward_not_onto_adjusted_working_day(cal: WorkCalendar) -> None:
    # 2024-02-18 is a Sunday but a 调休 working day, so the period ends there.
    assert period_end(
        date(2024, 2, 3), 15, PeriodUnit.CALENDAR_DAYS, calendar=cal, roll_forward_rest_day=True
    ) == date(2024, 2, 18)


def test_roll_forward_months(cal: WorkCalendar) -> None:
    assert period_end(date(2025, 8, 1), 2, PeriodUnit.MONTHS, calendar=cal, roll_forward_rest_day=True) == date(
        2025, 10, 9
    )


def test_roll_forward_needs_calendar() -> None:
    with pytest.raises(ValueError, match="calendar|WorkCalendar"):
        period_end(date(2024, 9, 16), 15, PeriodUnit.CALENDAR_DAYS, roll_forward_rest_day=True)


def test_working_days(cal: WorkCalendar) -> None:
    assert period_end(date(2025, 9, 30), 1, PeriodUnit.WORKING_DAYS, calendar=cal) == date(2025, 10, 9)
    assert period_end(date(2025, 1, 20), 20, "working_days", calendar=cal) == date(2025, 2, 21)  # type: ignore[arg-type]


def test_working_days_need_calendar() -> None:
    with pytest.raises(ValueError):
        period_end(date(2025, 1, 20), 20, PeriodUnit.WORKING_DAYS)


def test_zero_and_negative_amounts(cal: WorkCalendar) -> None:
    for unit in PeriodUnit:
        assert period_end(date(2025, 10, 1), 0, unit, calendar=cal) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        period_end(date(2025, 1, 1), -1, PeriodUnit.CALENDAR_DAYS)
    with pytest.raises(TypeError):
        period_end(date(2025, 1, 1), True, PeriodUnit.CALENDAR_DAYS)


def test_unit_values() -> None:
    assert [u.value for u in PeriodUnit] == ["calendar_days", "working_days", "months", "years"]
    assert PeriodUnit("months") is PeriodUnit.MONTHS


@pytest.mark.parametrize(
    ("done_on", "due", "as_of", "expected"),
    [
        (date(2025, 3, 5), date(2025, 3, 1), date(2025, 4, 1), 4),
        (date(2025, 2, 25), date(2025, 3, 1), date(2025, 4, 1), 0),
        (date(2025, 3, 1), date(2025, 3, 1), date(2025, 4, 1), 0),
        (None, date(2025, 3, 1), date(2025, 3, 11), 10),
        (None, date(2025, 3, 1), date(2025, 2, 1), 0),
    ],
)
def test_days_late(done_on: date | None, due: date, as_of: date, expected: int) -> None:
    assert days_late(done_on, due, as_of) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), st.integers(-1200, 1200))
def test_add_months_is_dateutils_relativedelta(day: date, months: int) -> None:
    from dateutil.relativedelta import relativedelta

    from riskrules.deadlines.periods import add_months

    assert add_months(day, months) == day + relativedelta(months=months)
