"""Checks of an already-validated record against an as-of date (评估日期一致性).

A record validated without an as-of date may still hold dates after the date it is assessed
on (a member born later, a case identified later): such a record describes a future, and
assessing it would give a wrong answer rather than an error.
"""

from __future__ import annotations

from datetime import date

from ..errors import Problem
from .household import CASE_DATE_FIELDS, Household

__all__ = ["dates_after"]


def dates_after(record: Household, as_of: date) -> list[Problem]:
    """Every date in the record that lies after ``as_of``, as problems with field paths.

    An income window may end after the as-of date (a window still running); it may not start
    after it. An assistance measure may be planned to start later: it counts from its start.
    """
    problems: list[Problem] = []

    def late(path: str, value: date | None) -> None:
        if value is not None and value > as_of:
            problems.append(Problem(path, "date_after_as_of", f"日期 {value} 晚于评估日期 {as_of}",
                                    f"date {value} is after the as-of date {as_of}"))

    for i, m in enumerate(record.members):
        late(f"members[{i}].birth_date", m.birth_date)
    for name in ("income", "previous_income"):
        window = getattr(record, name)
        if window is not None:
            late(f"{name}.start", window.start)
    for i, e in enumerate(record.rigid_expenditures or ()):
        late(f"rigid_expenditures[{i}].spent_on", e.spent_on)
    for i, s in enumerate(record.shocks or ()):
        late(f"shocks[{i}].occurred_on", s.occurred_on)
    case = record.monitoring_case
    if case is not None:
        for name in CASE_DATE_FIELDS:  # the same list MonitoringCase checks when validating
            late(f"monitoring_case.{name}", getattr(case, name))
        for i, day in enumerate(case.concentrated_checks or ()):
            late(f"monitoring_case.concentrated_checks[{i}]", day)
        for i, day in enumerate(case.home_visits or ()):
            late(f"monitoring_case.home_visits[{i}]", day)
    return problems
