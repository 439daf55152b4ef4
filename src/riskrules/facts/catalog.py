"""The fact catalog (事实目录): every name a rule condition may read, and how to compute it.

Each fact has a type for the condition language, Chinese and English titles for explanations,
and the record fields it comes from -- the fields an intake form must ask for when a rule
cannot be decided. :func:`engine_fact` turns a record into the flat dictionary of integers,
booleans and codes that both back ends read (money in fen, dates as ordinals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

from ..language.layout import collection_count_key, fact_key
from ..language.types import Kind, ValueType
from ..record.codes import ExpenditureKind, Health, HouseholdType, HousingGrade, LabourCapacity, MeasureKind, MonitoringCategory, ShockKind
from ..record.household import Household
from ..record.values import to_fen
from . import derive as d

__all__ = ["FactSpec", "FACTS", "COLLECTIONS", "FactExtractor", "engine_fact", "fact_types", "collection_types", "display_value"]


@dataclass(frozen=True)
class FactSpec:
    name: str
    vtype: ValueType
    title_zh: str
    title_en: str
    sources: tuple[str, ...]
    compute: Callable[[Household, date], Any]


def _fen(x: Decimal | None) -> int | None:
    return None if x is None else to_fen(x)


def _day(x: date | None) -> int | None:
    return None if x is None else x.toordinal()


def _code(x: Any) -> str | None:
    return None if x is None else x.value


MONEY = ValueType(Kind.MONEY, 2)
NUMBER = ValueType(Kind.NUMBER, 0)
DATE = ValueType(Kind.DATE, 0)
BOOL = ValueType(Kind.BOOL, 0)


def _text(enum: Any) -> ValueType:
    return ValueType(Kind.TEXT, 0, tuple(enum.codes()))


def _case(attr: str, conv: Callable[[Any], Any] = lambda v: v, without_case: Any = None) -> Callable[[Household, date], Any]:
    """A fact of the monitoring case. A household with no case (``monitoring_case`` null) has
    not been identified, marked eliminated or sent through the green channel: those flags are
    false, not unknown; its dates stay unknown."""
    def get(r: Household, on: date) -> Any:
        case = r.monitoring_case
        return without_case if case is None else conv(getattr(case, attr))
    return get


def _water(attr: str) -> Callable[[Household, date], Any]:
    def get(r: Household, on: date) -> Any:
        w = r.drinking_water
        return None if w is None else getattr(w, attr)
    return get


def _litres(r: Household, on: date) -> int | None:
    w = r.drinking_water
    if w is None or w.litres_per_person_day is None:
        return None
    return int(w.litres_per_person_day * 10)


def _active_measures(r: Household, on: date) -> int | None:
    if r.assistance_measures is None:
        return None
    flags = [d.measure_active(m, on) for m in r.assistance_measures]
    # A measure with no start date may or may not be in force: the count is not known.
    return None if any(f is None for f in flags) else sum(1 for f in flags if f)


def _assistance_begun(r: Household, on: date) -> bool | None:
    if r.monitoring_case is None:
        return False
    return d.assistance_begun(r, on)


def _months_ident_to_elim(r: Household, on: date) -> int | None:
    c = r.monitoring_case
    if c is None or c.identified_on is None or c.eliminated_on is None:
        return None
    return d.months_between(c.identified_on, c.eliminated_on)


def _last_check(r: Household, on: date) -> int | None:
    c = r.monitoring_case
    past = [x for x in (c.concentrated_checks or ()) if x <= on] if c is not None else []
    return max(past).toordinal() if past else None


def _publicity_days(r: Household, on: date) -> int | None:
    c = r.monitoring_case
    if c is None or c.publicity_start is None or c.publicity_end is None:
        return None
    # Civil Code art. 201: the day publicity starts is not counted (docs/policy.md).
    return (c.publicity_end - c.publicity_start).days


def _publicity_days_inclusive(r: Household, on: date) -> int | None:
    days = _publicity_days(r, on)
    return None if days is None else days + 1  # as a notice states it: 3 to 7 July is 5 days


def _years_without_check_count(r: Household, on: date) -> int | None:
    years = d.years_without_check(r, on)
    return None if years is None else len(years)


def _first_year_without_check(r: Household, on: date) -> int | None:
    years = d.years_without_check(r, on)
    return years[0] if years else None


def _visit_count(r: Household, on: date) -> int | None:
    c = r.monitoring_case
    if c is None:
        return 0
    return None if c.home_visits is None else sum(1 for x in c.home_visits if x <= on)


def _last_visit(r: Household, on: date) -> int | None:
    c = r.monitoring_case
    past = [x for x in (c.home_visits or ()) if x <= on] if c is not None else []
    return max(past).toordinal() if past else None


def _per_capita_after_rigid(r: Household, on: date) -> int | None:
    income = d.per_capita_net_income(r)
    rigid = d.per_capita_rigid_out_of_pocket(r, on)
    return None if income is None or rigid is None else to_fen(income - rigid)


_CASE_SRC = ("monitoring_case",)

_SPECS: list[FactSpec] = [
    FactSpec("household.type", _text(HouseholdType), "户类型", "household type", ("household_type",),
             lambda r, on: _code(r.household_type)),
    FactSpec("household.size", NUMBER, "家庭人口数", "household size", ("members",), lambda r, on: d.household_size(r)),
    FactSpec("household.relocation_site", BOOL, "易地搬迁安置", "in a relocation site", ("relocation_site",),
             lambda r, on: r.relocation_site),
    FactSpec("household.labour_capable_members", NUMBER, "有劳动能力人数", "labour-capable members",
             ("members[].labour_capacity",), lambda r, on: d.labour_capable_members(r)),
    FactSpec("household.has_labour_capacity", BOOL, "有劳动能力", "has labour capacity", ("members[].labour_capacity",),
             lambda r, on: d.has_labour_capacity(r)),
    FactSpec("household.active_measures", NUMBER, "有效帮扶措施数", "assistance measures in force",
             ("assistance_measures",), _active_measures),
    FactSpec("income.start", DATE, "收入统计期起", "first day of the income window", ("income.start",),
             lambda r, on: None if r.income is None else _day(r.income.start)),
    FactSpec("income.end", DATE, "收入统计期止", "last day of the income window", ("income.end",),
             lambda r, on: None if r.income is None else _day(r.income.end)),
    FactSpec("income.window_is_12_months", BOOL, "收入统计期为12个月", "the income window covers 12 months",
             ("income.start", "income.end"), lambda r, on: None if r.income is None else d.is_twelve_months(r.income.start, r.income.end)),
    FactSpec("income.total", MONEY, "家庭年收入", "household income (before production costs)", ("income",),
             lambda r, on: _fen(d.gross_income(r.income))),
    FactSpec("income.net", MONEY, "家庭纯收入", "household net income", ("income",), lambda r, on: _fen(d.net_income(r.income))),
    FactSpec("income.per_capita_net", MONEY, "人均纯收入", "per-capita net income", ("income",),
             lambda r, on: _fen(d.per_capita_net_income(r))),
    FactSpec("income.previous_net", MONEY, "上期家庭纯收入", "previous window's net income", ("previous_income",),
             lambda r, on: _fen(d.net_income(r.previous_income))),
    FactSpec("income.previous_per_capita_net", MONEY, "上期人均纯收入", "previous per-capita net income",
             ("previous_income",), lambda r, on: _fen(d.per_capita_net_income(r, previous=True))),
    FactSpec("income.fall", MONEY, "收入减少额", "fall in net income", ("income", "previous_income"),
             lambda r, on: _fen(d.income_fall(r))),
    FactSpec("income.per_capita_after_rigid", MONEY, "扣除刚性支出后人均纯收入", "per-capita income after rigid spending",
             ("income", "rigid_expenditures"), _per_capita_after_rigid),
    FactSpec("expenditure.rigid_out_of_pocket", MONEY, "合规自付刚性支出", "compliant out-of-pocket rigid spending",
             ("rigid_expenditures",), lambda r, on: _fen(d.rigid_out_of_pocket(r, on))),
    FactSpec("expenditure.medical_out_of_pocket", MONEY, "合规自付医疗支出", "compliant out-of-pocket medical spending",
             ("rigid_expenditures",), lambda r, on: _fen(d.rigid_out_of_pocket(r, on, ExpenditureKind.MEDICAL))),
    FactSpec("expenditure.per_capita_rigid", MONEY, "人均合规自付支出", "per-capita compliant out-of-pocket spending",
             ("rigid_expenditures",), lambda r, on: _fen(d.per_capita_rigid_out_of_pocket(r, on))),
    FactSpec("medical.uninsured_members", NUMBER, "未参加基本医疗保险人数", "members without basic medical insurance",
             ("members[].basic_medical_insurance",), lambda r, on: d.uninsured_members(r)),
    FactSpec("housing.grade", _text(HousingGrade), "住房安全等级", "housing safety grade", ("housing_grade",),
             lambda r, on: _code(r.housing_grade)),
    FactSpec("housing.secured", BOOL, "住房安全有保障", "housing secured", ("housing_grade",), lambda r, on: d.housing_secured(r)),
    FactSpec("water.litres_per_person_day", ValueType(Kind.NUMBER, 1), "人均日供水量（升）", "litres per person per day",
             ("drinking_water.litres_per_person_day",), _litres),
    FactSpec("water.piped_to_home", BOOL, "自来水入户", "piped to the home", ("drinking_water.piped_to_home",), _water("piped_to_home")),
    FactSpec("water.fetch_minutes", NUMBER, "取水往返时间（分钟）", "minutes to fetch water", ("drinking_water.fetch_minutes",),
             _water("fetch_minutes")),
    FactSpec("water.horizontal_distance_m", NUMBER, "取水水平距离（米）", "horizontal distance (m)",
             ("drinking_water.horizontal_distance_m",), _water("horizontal_distance_m")),
    FactSpec("water.vertical_distance_m", NUMBER, "取水垂直距离（米）", "vertical distance (m)",
             ("drinking_water.vertical_distance_m",), _water("vertical_distance_m")),
    FactSpec("water.days_cut_off", NUMBER, "近12个月断水天数", "days cut off in 12 months", ("drinking_water.days_cut_off",),
             _water("days_cut_off")),
    FactSpec("water.quality_checked", BOOL, "水质经检测或评价", "water quality checked", ("drinking_water.quality_checked",),
             _water("quality_checked")),
    FactSpec("water.quality_acceptable", BOOL, "水质合格", "water quality acceptable", ("drinking_water.quality_acceptable",),
             _water("quality_acceptable")),
    FactSpec("water.scarce_area", BOOL, "缺水地区", "water-scarce area", ("drinking_water.water_scarce_area",),
             _water("water_scarce_area")),
    FactSpec("case.exists", BOOL, "已建立监测案卷", "a monitoring case exists", _CASE_SRC, lambda r, on: r.monitoring_case is not None),
    FactSpec("case.clue_found_on", DATE, "发现风险线索日期", "date the risk clue was found", ("monitoring_case.clue_found_on",),
             _case("clue_found_on", _day)),
    FactSpec("case.identified", BOOL, "已识别认定", "identified (county approval recorded)", ("monitoring_case.identified_on",),
             _case("identified_on", lambda v: v is not None, False)),
    FactSpec("case.identified_on", DATE, "县级审定日期", "identification date", ("monitoring_case.identified_on",),
             _case("identified_on", _day)),
    FactSpec("case.publicity_days", NUMBER, "村内公示天数", "days of village publicity",
             ("monitoring_case.publicity_start", "monitoring_case.publicity_end"), _publicity_days),
    FactSpec("case.green_channel", BOOL, "绿色通道", "green channel", ("monitoring_case.green_channel",),
             _case("green_channel", lambda v: bool(v), False)),
    FactSpec("case.assistance_started", BOOL, "已记录帮扶开始日期", "assistance start date recorded",
             ("monitoring_case.assistance_started_on",), _case("assistance_started_on", lambda v: v is not None, False)),
    FactSpec("case.assistance_begun", BOOL, "已开始落实帮扶", "assistance has begun",
             ("monitoring_case.assistance_started_on", "assistance_measures[].started_on"), _assistance_begun),
    FactSpec("case.first_assistance_on", DATE, "首项帮扶措施日期", "first assistance date",
             ("monitoring_case.assistance_started_on", "assistance_measures[].started_on"), lambda r, on: _day(d.first_assistance_on(r, on))),
    FactSpec("case.eliminated", BOOL, "已标注风险消除", "risk marked eliminated", ("monitoring_case.eliminated_on",),
             _case("eliminated_on", lambda v: v is not None, False)),
    FactSpec("case.eliminated_on", DATE, "风险消除日期", "elimination date", ("monitoring_case.eliminated_on",),
             _case("eliminated_on", _day)),
    FactSpec("case.months_identification_to_elimination", NUMBER, "识别至消除间隔月数",
             "calendar months from identification to elimination",
             ("monitoring_case.identified_on", "monitoring_case.eliminated_on"), _months_ident_to_elim),
    FactSpec("case.category", _text(MonitoringCategory), "记录的监测对象类别", "recorded category", ("monitoring_case.category",),
             _case("category", _code)),
    FactSpec("case.last_concentrated_check", DATE, "最近一次集中排查日期", "last concentrated check",
             ("monitoring_case.concentrated_checks",), _last_check),
    FactSpec("case.income_above_range_since", DATE, "收入稳定超过监测范围起始日期", "income above the range since",
             ("monitoring_case.income_above_range_since",), _case("income_above_range_since", _day)),
    FactSpec("case.not_included", BOOL, "线索已办结不予纳入", "clue closed without identification", ("monitoring_case.not_included_on",),
             _case("not_included_on", lambda v: v is not None, False)),
    FactSpec("case.not_included_on", DATE, "不予纳入日期", "date the clue was closed", ("monitoring_case.not_included_on",),
             _case("not_included_on", _day)),
    FactSpec("case.township_reviewed_on", DATE, "乡镇审核日期", "township review date", ("monitoring_case.township_reviewed_on",),
             _case("township_reviewed_on", _day)),
    FactSpec("case.publicity_end", DATE, "村内公示结束日期", "village publicity end", ("monitoring_case.publicity_end",),
             _case("publicity_end", _day)),
    FactSpec("case.publicity_days_inclusive", NUMBER, "村内公示天数（首尾两日均计入）", "days of village publicity, both ends counted",
             ("monitoring_case.publicity_start", "monitoring_case.publicity_end"), _publicity_days_inclusive),
    FactSpec("case.years_without_check", NUMBER, "未开展集中排查的年度数", "years with no concentrated check",
             ("monitoring_case.concentrated_checks",), _years_without_check_count),
    FactSpec("case.first_year_without_check", NUMBER, "最早未开展集中排查的年度", "first year with no concentrated check",
             ("monitoring_case.concentrated_checks",), _first_year_without_check),
    FactSpec("case.last_home_visit", DATE, "最近一次入户走访日期", "last home visit", ("monitoring_case.home_visits",),
             _last_visit),
    FactSpec("case.home_visit_count", NUMBER, "入户走访次数", "home visits on record", ("monitoring_case.home_visits",),
             _visit_count),
    FactSpec("food.secured", BOOL, "不愁吃", "food secured", ("food_secured",), lambda r, on: r.food_secured),
    FactSpec("clothing.secured", BOOL, "不愁穿", "clothing secured", ("clothing_secured",), lambda r, on: r.clothing_secured),
    FactSpec("case.days_since_clue", NUMBER, "自发现线索以来天数", "days since the risk clue", ("monitoring_case.clue_found_on",),
             lambda r, on: d.days_since_clue(r, on)),
]

FACTS: dict[str, FactSpec] = {s.name: s for s in _SPECS}


@dataclass(frozen=True)
class ItemField:
    vtype: ValueType
    title_zh: str
    title_en: str
    source: str | tuple[str, ...]   # the item's field(s) it is computed from
    compute: Callable[..., Any]     # (item, record, as_of), or (item, record, as_of, parameters) with ``needs``
    needs: tuple[str, ...] = ()     # the parameters the computation reads (a local cut-off date, an age)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


def _member_age(m: Any, r: Household, on: date) -> int | None:
    return None if m.birth_date is None else d.age_on(m.birth_date, on)


def _school_age(m: Any, r: Household, on: date, params: Mapping[str, Any]) -> int | None:
    cutoff = params["school_year_cutoff"]
    return None if m.birth_date is None else d.school_age(m.birth_date, on, cutoff.month, cutoff.day)


def _completed(m: Any, r: Household, on: date, params: Mapping[str, Any]) -> bool | None:
    first = int(params["compulsory_age_from"])
    return d.completed_compulsory(m, _school_age(m, r, on, params), first)


def _before_recovery(s: Any, r: Household, on: date) -> bool | None:
    case = r.monitoring_case
    since = None if case is None else case.income_above_range_since
    if since is None:
        return False  # no recovery is recorded: the shock is not behind one
    # Stability must be counted after the shock: a shock on the day income is counted above the
    # range again is not behind that recovery.
    return None if s.occurred_on is None else s.occurred_on < since


def _after_identification(s: Any, r: Household, on: date) -> bool | None:
    case = r.monitoring_case
    if case is None or case.identified_on is None:
        return False
    return None if s.occurred_on is None else s.occurred_on > case.identified_on


def _after_elimination(s: Any, r: Household, on: date) -> bool | None:
    case = r.monitoring_case
    if case is None or case.eliminated_on is None:
        return True
    return None if s.occurred_on is None else s.occurred_on > case.eliminated_on


COLLECTIONS: dict[str, tuple[str, Callable[[Household], Any], dict[str, ItemField]]] = {
    "members": ("members", lambda r: r.members, {
        "age": ItemField(NUMBER, "年龄", "age", "birth_date", _member_age),
        "labour_capable": ItemField(BOOL, "有劳动能力", "labour-capable", "labour_capacity",
                                    lambda m, r, on: None if m.labour_capacity is None else m.labour_capacity.is_capable),
        "labour_capacity": ItemField(_text(LabourCapacity), "劳动能力", "labour capacity", "labour_capacity",
                                     lambda m, r, on: _code(m.labour_capacity)),
        "health": ItemField(_text(Health), "健康状况", "health", "health", lambda m, r, on: _code(m.health)),
        "severely_disabled": ItemField(BOOL, "重度残疾（1-2级）", "severely disabled (grade 1-2)", ("health", "disability_grade"),
                                       lambda m, r, on: d.severely_disabled(m)),
        "in_school": ItemField(BOOL, "在校", "in school", "in_school", lambda m, r, on: m.in_school),
        "exempted": ItemField(BOOL, "有义务教育豁免", "has an education exemption", ("education_exemption",),
                              lambda m, r, on: m.education_exemption is not None),
        "insured": ItemField(BOOL, "参加基本医疗保险", "insured", "basic_medical_insurance", lambda m, r, on: m.basic_medical_insurance),
        "willing_to_work": ItemField(BOOL, "有就业意愿", "willing to work", "willing_to_work", lambda m, r, on: m.willing_to_work),
        "school_age": ItemField(NUMBER, "学年年龄", "age counted by the school year", "birth_date", _school_age,
                                ("school_year_cutoff",)),
        "completed_compulsory": ItemField(BOOL, "已完成九年义务教育", "has completed compulsory education",
                                          ("completed_compulsory_education", "birth_date"), _completed,
                                          ("school_year_cutoff", "compulsory_age_from")),
        "months_worked_away": ItemField(NUMBER, "外出务工月数", "months worked away", "months_worked_away",
                                        lambda m, r, on: m.months_worked_away),
    }),
    "shocks": ("shocks", lambda r: r.shocks, {
        "kind": ItemField(_text(ShockKind), "事件类别", "kind", "kind", lambda s, r, on: _code(s.kind)),
        "occurred_on": ItemField(DATE, "发生日期", "date", "occurred_on", lambda s, r, on: _day(s.occurred_on)),
        "days_ago": ItemField(NUMBER, "距评估日天数", "days before the as-of date", "occurred_on",
                              lambda s, r, on: None if s.occurred_on is None else (on - s.occurred_on).days),
        "recent": ItemField(BOOL, "发生在近12个月内", "in the 12 months before the as-of date", "occurred_on",
                            lambda s, r, on: None if s.occurred_on is None else d.within_last_12_months(s.occurred_on, on)),
        "loss": ItemField(MONEY, "损失金额", "loss", "loss", lambda s, r, on: _fen(s.loss)),
        "facts_verified": ItemField(BOOL, "事实清楚", "facts verified", "facts_verified", lambda s, r, on: s.facts_verified),
        "resolved": ItemField(BOOL, "影响已消除", "resolved", "resolved", lambda s, r, on: s.resolved),
        "before_income_recovery": ItemField(BOOL, "发生在收入恢复之前", "before income recovered above the range",
                                            ("occurred_on",), _before_recovery),
        "severe": ItemField(BOOL, "基本生活严重困难", "basic living severely affected", "basic_living_severely_affected",
                            lambda s, r, on: s.basic_living_severely_affected),
        "after_identification": ItemField(BOOL, "发生在识别认定之后", "after identification", "occurred_on", _after_identification),
        "after_elimination": ItemField(BOOL, "发生在风险消除之后（或未消除）", "after the risk was marked eliminated (or never was)",
                                       "occurred_on", _after_elimination),
    }),
    "measures": ("assistance_measures", lambda r: r.assistance_measures, {
        "kind": ItemField(_text(MeasureKind), "措施类型", "kind", "kind", lambda x, r, on: _code(x.kind)),
        "started_on": ItemField(DATE, "开始日期", "start", "started_on", lambda x, r, on: _day(x.started_on)),
        "active": ItemField(BOOL, "有效", "in force", "started_on", lambda x, r, on: d.measure_active(x, on)),
    }),
}


def fact_types() -> dict[str, ValueType]:
    return {name: spec.vtype for name, spec in FACTS.items()}


def item_needs(collection: str, field: str) -> tuple[str, ...]:
    """The parameters an item field's computation reads."""
    return COLLECTIONS[collection][2][field].needs


def collection_types() -> dict[str, dict[str, ValueType]]:
    return {name: {f: it.vtype for f, it in fields.items()} for name, (_, _, fields) in COLLECTIONS.items()}


class FactExtractor:
    """Computes the engine fact for a fixed set of facts and collections (a rule pack's), with
    every engine key worked out once rather than per household."""

    def __init__(self, names: Iterable[str] | None = None,
                 collections: Iterable[str] | Mapping[str, Iterable[str]] | None = None):
        """``collections`` names the collections to compute, or maps each to the item fields
        wanted (all fields when only named)."""
        wanted = None if names is None else set(names)
        self._facts = [(fact_key(n), spec.compute) for n, spec in FACTS.items() if wanted is None or n in wanted]
        if collections is None:
            colls: dict[str, set[str] | None] = {c: None for c in COLLECTIONS}
        elif isinstance(collections, Mapping):
            colls = {c: set(f) for c, f in collections.items()}
        else:
            colls = {c: None for c in collections}
        self._collections = [(fact_key(c), collection_count_key(c), getter,
                              [(f, it.compute, bool(it.needs)) for f, it in fields.items()
                               if colls[c] is None or f in colls[c]])  # type: ignore[operator]
                             for c, (_, getter, fields) in COLLECTIONS.items() if c in colls]
        self.needs = frozenset(p for c, (_, _, fields) in COLLECTIONS.items() if c in colls for f, it in fields.items()
                               if colls[c] is None or f in colls[c] for p in it.needs)  # type: ignore[operator]
        """The parameters the computed item fields read: hand their values to each call."""

    def __call__(self, record: Household, as_of: date, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The flat engine fact: only known values, as integers, booleans and codes. ``params``
        holds the value of each parameter in :attr:`needs`."""
        out: dict[str, Any] = {"as_of": as_of.toordinal()}
        for key, compute in self._facts:
            value = compute(record, as_of)
            if value is not None:
                out[key] = value
        for key, count_key, getter, fields in self._collections:
            items = getter(record)
            if items is None:
                continue
            rows = []
            for item in items:
                row = {}
                for fname, compute_item, with_params in fields:
                    v = compute_item(item, record, as_of, params) if with_params else compute_item(item, record, as_of)
                    if v is not None:
                        row[fname] = v
                rows.append(row)
            out[key] = rows
            out[count_key] = len(rows)  # all() of an empty list, see language.durable
        return out


def engine_fact(record: Household, as_of: date, names: frozenset[str] | None = None,
                collections: frozenset[str] | None = None, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The flat engine fact of ``record``, restricted to ``names``/``collections`` when given
    (durable-rules refuses a message of more than 252 fields, and every field costs)."""
    return FactExtractor(names, collections)(record, as_of, params)


def display_value(vtype: ValueType, value: Any) -> str:
    """An engine value as a caseworker reads it: 6,900.00 元, 2022-07-16, 是/否."""
    if value is None:
        return "未记录/not recorded"
    if vtype.kind is Kind.MONEY:
        amount = Decimal(value).scaleb(-vtype.scale)
        return f"{amount:,.2f} 元"
    if vtype.kind is Kind.DATE:
        return date.fromordinal(value).isoformat()
    if vtype.kind is Kind.BOOL:
        return "是/yes" if value else "否/no"
    if vtype.kind is Kind.NUMBER and vtype.scale:
        return str(Decimal(value).scaleb(-vtype.scale))
    if vtype.kind is Kind.TEXT_SET:
        return ", ".join(value)
    return str(value)


def sources_of(name: str) -> tuple[str, ...]:
    if name in FACTS:
        return FACTS[name].sources
    if name in COLLECTIONS:
        return (COLLECTIONS[name][0],)
    return ()


def expand_source(path: str, record: Household) -> list[str]:
    """``members[].labour_capacity`` -> the paths of the members whose value is missing."""
    if "[]." not in path:
        return [path]
    head, _, field = path.partition("[].")
    items = getattr(record, head, None)
    if items is None:
        return [head]
    missing = [f"{head}[{i}].{field}" for i, item in enumerate(items) if getattr(item, field, None) is None]
    return missing or [path]


def item_sources(collection: str, field: str, record: Household, index: int) -> list[str]:
    """The fields of item ``index`` to ask for when its ``field`` is unknown: the missing ones."""
    path, getter, fields = COLLECTIONS[collection]
    item = (getter(record) or [])[index]
    names = fields[field].sources
    missing = [n for n in names if getattr(item, n, None) is None]
    return [f"{path}[{index}].{n}" for n in (missing or names)]

