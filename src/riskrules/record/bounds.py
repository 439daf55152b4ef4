"""Plausible ranges of the record's whole numbers and dates (取值范围).

A number typed by hand can be off by a few orders of magnitude; one that reaches the rules
unchecked can overflow date arithmetic or make a rule fire on nonsense. Every whole number in
the record is therefore bounded, strictly typed (no bool, float or text) and refused with a
message that names its range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from .problems import bilingual_error

__all__ = ["FIRST_DAY", "LAST_DAY", "IntRange", "bounded_int", "DisabilityGrade", "MonthsAway", "FetchMinutes",
           "HorizontalMetres", "VerticalMetres", "DaysCutOff"]

# Every date in the record lies in these two centuries: nobody alive was born before 1900, and
# a date a whole century away cannot overflow when the rules add deadlines to it.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2099, 12, 31)


@dataclass(frozen=True)
class IntRange:
    """``Annotated[int, IntRange(...)]``: a strict whole number from ``low`` to ``high``."""

    low: int
    high: int
    what_zh: str
    what_en: str
    unit_zh: str
    unit_en: str

    def check(self, value: Any) -> int:
        # bool is an int in Python, but a checkbox is not a count; 3.0 and "3" are not counts
        # either (a form that sends them has a bug worth seeing).
        if isinstance(value, bool) or not isinstance(value, int):
            raise bilingual_error("number_type", f"{self.what_zh}应为整数（不能是布尔值、小数或文本）",
                                  f"{self.what_en} must be a whole number (not a boolean, a decimal or text)")
        # Compare before pydantic sees the number: a huge int must not reach int formatting.
        number = int.__int__(value)
        if number < self.low or number > self.high:
            code = "number_too_small" if number < self.low else "number_too_large"
            unit_en = f" {self.unit_en}" if self.unit_en else ""
            raise bilingual_error(code, f"{self.what_zh}应在 {self.low} 至 {self.high}{self.unit_zh}之间",
                                  f"{self.what_en} must be from {self.low} to {self.high}{unit_en}")
        return number

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # The inner int schema never fails (check() already did); it gives the JSON schema its
        # type, minimum and maximum, and serialises as a plain int.
        return core_schema.no_info_before_validator_function(
            self.check, core_schema.int_schema(ge=self.low, le=self.high, strict=True))


def bounded_int(low: int, high: int, what_zh: str, what_en: str, unit_zh: str = "", unit_en: str = "") -> Any:
    """The annotated type of a whole number from ``low`` to ``high`` inclusive."""
    return Annotated[int, IntRange(low, high, what_zh, what_en, unit_zh, unit_en)]


# Every whole number of the record, with its range.
DisabilityGrade = bounded_int(1, 4, "残疾等级", "disability grade")  # grades 1-4 (GB/T 26341), 1 most severe
MonthsAway = bounded_int(0, 12, "外出务工月数", "months worked away", "个月", "months")  # of the last 12 months
FetchMinutes = bounded_int(0, 1440, "单次取水往返时间", "the round trip to fetch water", "分钟", "minutes")  # one day
# Water is fetched on foot: 100 km away or 10 km higher (above Everest) is a typing error.
HorizontalMetres = bounded_int(0, 100_000, "取水水平距离", "the horizontal distance to water", "米", "m")
VerticalMetres = bounded_int(0, 10_000, "取水垂直距离", "the vertical distance to water", "米", "m")
DaysCutOff = bounded_int(0, 366, "近12个月断水天数", "days without supply in 12 months", "天", "days")  # a leap year
