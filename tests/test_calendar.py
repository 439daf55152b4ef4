"""Tests for the working-day calendar (工作日历) and its rule-pack YAML files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from riskrules.deadlines.calendar import (
    CalendarError,
    CalendarNotCovered,
    WorkCalendar,
    load_calendar,
)

CALENDAR_DIR = Path(__file__).parents[1] / "rules" / "calendars"
FESTIVALS = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "抗战胜利纪念日"}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# --- the shipped data ---------------------------------------------------------


def test_every_year_2004_to_2026_present(cal: WorkCalendar) -> None:
    assert cal.years == frozenset(range(2004, 2027))
    for year in range(2004, 2027):
        assert (CALENDAR_DIR / f"{year}.yaml").is_file()


def test_every_file_is_self_consistent() -> None:
    for path in sorted(CALENDAR_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        year = int(path.stem)
        assert data["year"] == year
        assert data["source"]["document"] == f"国务院办公厅关于{year}年部分节假日安排的通知"
        assert data["holidays"], path
        for entry in data["holidays"] + (data.get("adjusted_working_days") or []):
            assert entry["date"].year == year, (path, entry)
            assert entry["name"] in FESTIVALS, (path, entry)
        for entry in data.get("adjusted_working_days") or []:
            assert entry["date"].weekday() >= 5, (path, entry)


def test_2024_spring_festival(cal: WorkCalendar) -> None:
    # 国办发明电〔2023〕7号: 2月10日至17日放假调休；2月4日（星期日）、2月18日（星期日）上班。
    for d in _days(date(2024, 2, 10), date(2024, 2, 17)):
        assert cal.holidays[d] == "春节"
        assert cal.is_rest_day(d)
    assert cal.adjusted_working_days[date(2024, 2, 4)] == "春节"
    assert cal.adjusted_working_days[date(2024, 2, 18)] == "春节"
    assert cal.is_working_day(date(2024, 2, 4))
    assert cal.is_working_day(date(2024, 2, 18))
    assert cal.is_working_day(date(2024, 2, 9))  # 除夕 was only "encouraged" rest


def test_2025_national_day_block(cal: WorkCalendar) -> None:
    # 国办发明电〔2024〕12号: 10月1日至8日放假调休；9月28日（周日）、10月11日（周六）上班。
    block = _days(date(2025, 10, 1), date(2025, 10, 8))
    assert all(d in cal.holidays for d in block)
    assert cal.holidays[date(2025, 10, 6)] == "中秋节"
    assert not any(cal.is_working_day(d) for d in block)
    assert cal.is_working_day(date(2025, 9, 28))
    assert cal.is_working_day(date(2025, 10, 11))
    assert cal.is_working_day(date(2025, 10, 9))


def test_2026_covered_and_matches_notice(cal: WorkCalendar) -> None:
    assert cal.is_covered(date(2026, 12, 31))
    for d in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert cal.holidays[d] == "春节"
    assert set(d for d in cal.adjusted_working_days if d.year == 2026) == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }


def test_special_days(cal: WorkCalendar) -> None:
    assert cal.holidays[date(2015, 9, 3)] == "抗战胜利纪念日"
    assert cal.is_working_day(date(2015, 9, 6))  # Sunday worked in exchange
    # 延长2020年春节假期: 1月31日至2月2日 added; 2月1日 was no longer a working Saturday.
    assert cal.is_rest_day(date(2020, 1, 31))
    assert cal.is_rest_day(date(2020, 2, 1))


def test_plain_weekend_is_rest_but_not_listed(cal: WorkCalendar) -> None:
    d = date(2025, 3, 8)  # an ordinary Saturday
    assert d not in cal.holidays
    assert cal.is_rest_day(d)
    assert cal.is_working_day(date(2025, 3, 10))


def test_sources_recorded(cal: WorkCalendar) -> None:
    assert cal.sources[2025]["reference"] == "国办发明电〔2024〕12号"
    assert cal.sources[2025]["issuer"] == "国务院办公厅"


# --- arithmetic ---------------------------------------------------------------


def test_add_working_days_across_2025_national_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert cal.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)  # 调休 Saturday
    assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # 调休 Sunday


def test_start_day_not_counted(cal: WorkCalendar) -> None:
    # 民法典第二百零一条: a working-day start is still excluded.
    assert cal.add_working_days(date(2025, 3, 10), 1) == date(2025, 3, 11)


def test_hainan_20_working_days_across_spring_festival(cal: WorkCalendar) -> None:
    clue = date(2025, 1, 20)
    due = cal.add_working_days(clue, 20)
    # 1/21-24 (4), 1/26 调休 (5), 1/27 (6), 2/5-7 (9), 2/8 调休 (10), 2/10-14 (15), 2/17-21 (20)
    assert due == date(2025, 2, 21)
    assert cal.working_days_between(clue, due) == 20


def test_add_working_days_rejects_non_positive(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(date(2025, 1, 1), 0)


def test_working_days_between_empty(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2025, 5, 1), date(2025, 5, 1)) == 0
    assert cal.working_days_between(date(2025, 5, 5), date(2025, 5, 1)) == 0


@pytest.mark.parametrize("d", [date(2027, 1, 4), date(2003, 12, 31)])
def test_uncovered_year_raises(cal: WorkCalendar, d: date) -> None:
    with pytest.raises(CalendarNotCovered) as info:
        cal.is_working_day(d)
    assert info.value.year == d.year
    assert info.value.path.name == f"{d.year}.yaml"
    msg = str(info.value)
    assert str(d.year) in msg and f"{d.year}.yaml" in msg
    assert "未覆盖" in msg and "does not cover" in msg
    assert not cal.is_covered(d)


def test_add_working_days_running_off_the_end(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarNotCovered, match="2027"):
        cal.add_working_days(date(2026, 12, 20), 30)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_add_working_days_properties(start: date, n: int) -> None:
    cal = _CAL
    end = cal.add_working_days(start, n)
    assert end > start
    assert cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(start, end - timedelta(days=1)) == n - 1


_CAL = load_calendar(CALENDAR_DIR)


# --- malformed files ----------------------------------------------------------

_HEADER = "year: 2025\nsource:\n  document: 测试通知\n  issuer: 国务院办公厅\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path) -> CalendarError:
    with pytest.raises(CalendarError) as info:
        load_calendar(tmp_path)
    return info.value


def test_good_minimal_file_loads(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "2025.yaml",
        _HEADER + "holidays:\n  - {date: 2025-01-01, name: 元旦}\n  - {date: '2025-05-01', name: 劳动节}\n",
    )
    cal = load_calendar(tmp_path)
    assert cal.years == {2025}
    assert cal.holidays == {date(2025, 1, 1): "元旦", date(2025, 5, 1): "劳动节"}
    with pytest.raises(CalendarNotCovered) as info:
        cal.is_working_day(date(2027, 1, 1))
    assert info.value.path == tmp_path / "2027.yaml"


def test_duplicate_date(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "2025.yaml",
        _HEADER + "holidays:\n  - {date: 2025-01-01, name: 元旦}\n  - {date: 2025-01-01, name: 元旦}\n",
    )
    err = _error(tmp_path)
    assert "2025.yaml" in str(err) and "line 7" in str(err)
    assert err.line == 7 and "duplicate" in str(err)


def test_holiday_also_working_day(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "2025.yaml",
        _HEADER
        + "holidays:\n  - {date: 2025-01-26, name: 春节}\n"
        + "adjusted_working_days:\n  - {date: 2025-01-26, name: 春节}\n",
    )
    err = _error(tmp_path)
    assert "2025.yaml" in str(err) and "line 8" in str(err)


def test_date_outside_year(tmp_path: Path) -> None:
    _write(tmp_path, "2025.yaml", _HEADER + "holidays:\n  - {date: 2024-10-01, name: 国庆节}\n")
    err = _error(tmp_path)
    assert "2025.yaml" in str(err) and "line 6" in str(err)


def test_year_key_differs_from_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "2024.yaml", _HEADER + "holidays:\n  - {date: 2025-01-01, name: 元旦}\n")
    err = _error(tmp_path)
    assert "2024.yaml" in str(err) and "line 1" in str(err)


def test_unknown_key(tmp_path: Path) -> None:
    _write(tmp_path, "2025.yaml", _HEADER + "holidays:\n  - {date: 2025-01-01, name: 元旦, days: 1}\n")
    err = _error(tmp_path)
    assert "2025.yaml" in str(err) and "line 6" in str(err) and "days" in str(err)


@pytest.mark.parametrize("bad", ["2025/01/01", "'20250101'", "2025-01-01 10:00:00", "[2025, 1, 1]", "'2025-02-30'"])
def test_bad_date_values(tmp_path: Path, bad: str) -> None:
    _write(tmp_path, "2025.yaml", _HEADER + f"holidays:\n  - date: {bad}\n    name: 元旦\n")
    err = _error(tmp_path)
    assert "2025.yaml" in str(err) and "line 6" in str(err)


def test_unsafe_tag_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "2025.yaml", _HEADER + "holidays: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(CalendarError):
        load_calendar(tmp_path)


def test_adjusted_working_day_on_weekday(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "2025.yaml",
        _HEADER + "holidays:\n  - {date: 2025-01-01, name: 元旦}\nadjusted_working_days:\n  - {date: 2025-01-02, name: 元旦}\n",
    )
    err = _error(tmp_path)
    assert "line 8" in str(err)
