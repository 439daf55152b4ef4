"""The summary report of a screening run (汇总报告), with the measures HLJ reported (docs/policy.md):
households and people identified, assistance measures and measures per household, households
and people with risk eliminated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from ..assessment import Assessment
from ..record.household import Household

__all__ = ["ScreeningSummary", "summarise"]


@dataclass(frozen=True)
class ScreeningSummary:
    households: int
    people: int
    monitoring_households: int
    monitoring_people: int
    by_category: dict[str, int]
    measures: int
    measures_per_household: Decimal
    eliminated_households: int
    eliminated_people: int
    flags_by_kind: dict[str, int]

    def lines(self) -> list[str]:
        cats = "，".join(f"{k} {v}" for k, v in sorted(self.by_category.items())) or "无"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.flags_by_kind.items())) or "none"
        return [
            f"评估农户 {self.households} 户 {self.people} 人 / households assessed: {self.households} ({self.people} people)",
            f"应纳入或在监测对象 {self.monitoring_households} 户 {self.monitoring_people} 人（{cats}）"
            f" / monitoring objects: {self.monitoring_households} households, {self.monitoring_people} people",
            f"帮扶措施 {self.measures} 项，户均 {self.measures_per_household} 项 / assistance measures: {self.measures}, "
            f"{self.measures_per_household} per household",
            f"已标注风险消除 {self.eliminated_households} 户 {self.eliminated_people} 人 / risk eliminated: "
            f"{self.eliminated_households} households, {self.eliminated_people} people",
            f"标记 / flags: {kinds}",
        ]


def summarise(pairs: Iterable[tuple[Household, Assessment]], as_of: date) -> ScreeningSummary:
    households = people = mon_h = mon_p = measures = elim_h = elim_p = 0
    by_category: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for record, assessment in pairs:
        size = len(record.members)
        households += 1
        people += size
        case = record.monitoring_case
        category = assessment.category
        identified = case is not None and case.identified_on is not None and case.identified_on <= as_of
        if category is not None or identified:
            mon_h += 1
            mon_p += size
            key = category or (case.category.value if case is not None and case.category is not None else "recorded")
            by_category[key] = by_category.get(key, 0) + 1
            measures += len(record.assistance_measures or ())
        if case is not None and case.eliminated_on is not None and case.eliminated_on <= as_of:
            elim_h += 1
            elim_p += size
        for flag in assessment.flags:
            kinds[flag.kind] = kinds.get(flag.kind, 0) + 1
    per = (Decimal(measures) / mon_h).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if mon_h else Decimal("0.00")
    return ScreeningSummary(households, people, mon_h, mon_p, by_category, measures, per, elim_h, elim_p, kinds)
