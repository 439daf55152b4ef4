"""The types of the condition language (条件语言的类型), apart from its parser.

Numbers are integers at a known decimal *scale* (money at scale 2 is fen; a share of 0.3 at
scale 1 is 3), so every back end computes exactly and no float ever appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Kind", "ValueType", "NUMERIC"]


class Kind(str, Enum):
    """The type of a value in the condition language."""

    MONEY = "money"    # yuan, held as integer fen (scale 2)
    NUMBER = "number"  # a count, days, litres, a share
    DATE = "date"      # held as a proleptic ordinal (date.toordinal())
    BOOL = "bool"
    TEXT = "text"      # an enumeration code
    TEXT_SET = "text_set"  # a parameter holding a set of codes, used only with `in`


NUMERIC = (Kind.MONEY, Kind.NUMBER)


@dataclass(frozen=True)
class ValueType:
    """What the language knows of a name: its kind, its scale, and for codes their domain."""

    kind: Kind
    scale: int = 0
    domain: tuple[str, ...] = ()
