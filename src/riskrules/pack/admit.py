"""The entrance check (准入检查): one place that decides whether a record, its as-of date and its
jurisdiction can be assessed, used by the library and the command line alike.

Every problem is an :class:`~riskrules.errors.InvalidRecord` with a path (``as_of`` and
``jurisdiction`` name the call's own arguments), so a caller needs one ``except``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from ..errors import InvalidRecord, Problem
from ..record.checks import dates_after
from ..record.household import Household
from .parameters import JURISDICTION, ParameterTable

__all__ = ["admit", "LAST_DAY"]

LAST_DAY = date(2099, 12, 31)  # no record date lies beyond it either


def admit(record: Household | Mapping[str, Any], as_of: Any, jurisdiction: Any,
          parameters: ParameterTable) -> tuple[Household, date, str]:
    """The validated record, the as-of date and the jurisdiction to assess it in."""
    problems: list[Problem] = []
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise InvalidRecord.one("as_of", "as_of_type", "评估日期应为日期（datetime.date）",
                                "the as-of date must be a datetime.date")
    if jurisdiction is not None and (not isinstance(jurisdiction, str) or not JURISDICTION.match(jurisdiction)):
        problems.append(Problem("jurisdiction", "jurisdiction_format", "辖区应为 CN 或 2、4、6、9、12 位行政区划代码前缀",
                                "a jurisdiction is CN or a region-code prefix of 2, 4, 6, 9 or 12 digits"))
    household: Household | None = None
    if isinstance(record, Household):
        household = record
    else:
        try:
            household = Household.model_validate(record, context={"as_of": as_of})
        except InvalidRecord as e:
            problems.extend(e.problems)
    if household is not None:
        problems.extend(dates_after(household, as_of))
        place = jurisdiction if isinstance(jurisdiction, str) and not problems else household.region_code
        first = parameters.first_day(place) if JURISDICTION.match(place) else None
        if first is not None and not first <= as_of <= LAST_DAY:
            problems.append(Problem("as_of", "as_of_out_of_range", f"评估日期应在 {first} 至 {LAST_DAY} 之间（规则包参数自 {first} 起生效）",
                                    f"the as-of date must be from {first} to {LAST_DAY}: the pack's parameters take "
                                    f"effect on {first}"))
    if problems or household is None:
        raise InvalidRecord(problems)
    return household, as_of, jurisdiction or household.region_code
