"""Derived facts column-wise (列式派生事实): :mod:`riskrules.facts.catalog` and
:mod:`riskrules.facts.derive`, one Polars expression per fact.

Each household fact of the catalogue has its twin in :data:`HOUSEHOLD_FACTS`, each item field in
:data:`ITEM_FIELDS`, computed from the typed columns of :mod:`.normalise` and the per-household
aggregates of the child tables (members, measures, expenditures, checks, visits). They return
what the catalogue returns -- money in fen, counts, codes, booleans -- with dates as ``pl.Date``
(the catalogue's day ordinals, which :mod:`.encoded` converts back), and null where the
catalogue gives ``None``. A test holds every fact of the catalogue to its twin on generated
populations, household by household; a catalogue fact without a twin is an
:class:`~riskrules.errors.EngineError` when a pack that reads it is screened.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

import polars as pl

from ..deadlines.periods import add_months
from ..errors import EngineError
from ..language.columnar import item_column
from ..language.layout import fact_key
from .normalise import H
from .parameters import COMPULSORY_FROM, SCHOOL_CUTOFF

__all__ = ["HOUSEHOLD_FACTS", "ITEM_FIELDS", "household_facts", "item_table", "aggregates", "age_on", "COUNTS"]

c = pl.col
_NULL_BOOL = pl.lit(None, dtype=pl.Boolean)
_NULL_INT = pl.lit(None, dtype=pl.Int64)
_CAPABLE = ["skilled", "ordinary", "weak"]   # LabourCapacity.is_capable
_SECURED = ["A", "B"]                        # housing grades that are secure

COUNTS = {"members": "members.__n", "shocks": "shocks.__n", "measures": "assistance_measures.__n"}
"""The number of items of each collection a rule can quantify over (null: not collected)."""


def age_on(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years on ``on`` (周岁); a 29 February birthday counts on 28 February in common years."""
    month, day = birth.dt.month().cast(pl.Int64), birth.dt.day().cast(pl.Int64)
    day = pl.when((month == 2) & (day == 29) & ~on.dt.is_leap_year()).then(pl.lit(28, dtype=pl.Int64)).otherwise(day)
    before = (on.dt.month().cast(pl.Int64) * 100 + on.dt.day().cast(pl.Int64)) < (month * 100 + day)
    return on.dt.year().cast(pl.Int64) - birth.dt.year().cast(pl.Int64) - before.cast(pl.Int64)


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return later.cast(pl.Int64) - earlier.cast(pl.Int64)


def _per_capita(amount: pl.Expr, size: pl.Expr) -> pl.Expr:
    """Per head, rounded half up (away from zero) to the fen, exactly: in integers."""
    magnitude = (amount.abs() * 2 + size) // (size * 2)
    return pl.when(amount < 0).then(-magnitude).otherwise(magnitude)


def _all_known(*parts: str) -> pl.Expr:
    return pl.all_horizontal([c(p).is_not_null() for p in parts])


def _sum_when_known(*parts: str, minus: str | None = None) -> pl.Expr:
    names = [*parts, *([minus] if minus else [])]
    total = pl.sum_horizontal([c(p) for p in parts])
    if minus:
        total = total - c(minus)
    return pl.when(_all_known(*names)).then(total)


def _net(w: str) -> pl.Expr:
    return _sum_when_known(f"{w}.wage", f"{w}.business", f"{w}.property", f"{w}.transfer", minus=f"{w}.production_costs")


def _case(expr: pl.Expr, without_case: pl.Expr | None = None) -> pl.Expr:
    """A fact of the monitoring case; ``without_case`` when there is none."""
    return pl.when(c("monitoring_case.__present")).then(expr).otherwise(without_case)


def _case_date(name: str) -> pl.Expr:
    return _case(c(f"monitoring_case.{name}"))


def _case_flag(name: str) -> pl.Expr:
    return _case(c(f"monitoring_case.{name}").is_not_null(), pl.lit(False))


def _first_assistance() -> pl.Expr:
    started = c("monitoring_case.assistance_started_on")
    own = pl.when(c("monitoring_case.__present") & (started <= c("__as_of"))).then(started)
    return pl.min_horizontal(c("__first_measure"), own)


def _assistance_begun() -> pl.Expr:
    measures_unknown = c("assistance_measures.__n").is_null() | c("__measure_undated").fill_null(False)
    return _case(pl.when(_first_assistance().is_not_null()).then(pl.lit(True))
                 .when(measures_unknown).then(_NULL_BOOL).otherwise(pl.lit(False)), pl.lit(False))


def _years_without_check() -> tuple[pl.Expr, pl.Expr]:
    """Count and first of the ended years after identification with the case open and no check."""
    identified = c("monitoring_case.identified_on")
    eliminated = c("monitoring_case.eliminated_on")
    low = identified.dt.year().cast(pl.Int64) + 1
    high = pl.min_horizontal(c("__as_of").dt.year().cast(pl.Int64) - 1,
                             eliminated.dt.year().cast(pl.Int64) - 1)  # open at the end of the year
    span = pl.max_horizontal(high - low + 1, pl.lit(0))
    none = ~c("monitoring_case.__present") | identified.is_null()
    unknown = c("monitoring_case.concentrated_checks.__n").is_null()
    checked = c("__checked_years").fill_null(0)
    run = c("__checked_run").fill_null(0)
    count = pl.when(none).then(pl.lit(0, dtype=pl.Int64)).when(unknown).then(_NULL_INT).otherwise(span - checked)
    first = pl.when(none | unknown).then(_NULL_INT).when(low + run <= high).then(low + run)
    return count, first


def _household_facts() -> dict[str, Callable[[], pl.Expr]]:
    count2, first2 = (lambda: _years_without_check()[0]), (lambda: _years_without_check()[1])
    size = c("members.__n")
    return {
        "household.type": lambda: c("household_type"),
        "household.size": lambda: size,
        "household.relocation_site": lambda: c("relocation_site"),
        "household.labour_capable_members": lambda: c("__capable_count"),
        "household.has_labour_capacity": lambda: c("__has_labour"),
        "household.active_measures": lambda: pl.when(c("assistance_measures.__n").is_not_null()
                                                     & ~c("__measure_undated").fill_null(False))
        .then(c("__measures_active").fill_null(0)),
        "income.start": lambda: c("income.start"),
        "income.end": lambda: c("income.end"),
        "income.window_is_12_months": lambda: pl.when(c("income.__present")).then(
            c("income.end") == (c("income.start").dt.offset_by("12mo") - timedelta(days=1))),
        "income.total": lambda: _sum_when_known("income.wage", "income.business", "income.property", "income.transfer"),
        "income.net": lambda: _net("income"),
        "income.per_capita_net": lambda: _per_capita(_net("income"), size),
        "income.previous_net": lambda: _net("previous_income"),
        "income.previous_per_capita_net": lambda: _per_capita(_net("previous_income"), size),
        "income.fall": lambda: _net("previous_income") - _net("income"),
        "income.per_capita_after_rigid": lambda: _per_capita(_net("income"), size) - _per_capita(c("__rigid"), size),
        "expenditure.rigid_out_of_pocket": lambda: c("__rigid"),
        "expenditure.medical_out_of_pocket": lambda: c("__medical"),
        "expenditure.per_capita_rigid": lambda: _per_capita(c("__rigid"), size),
        "medical.uninsured_members": lambda: c("__uninsured"),
        "housing.grade": lambda: c("housing_grade"),
        "housing.secured": lambda: c("housing_grade").is_in(_SECURED),
        "water.litres_per_person_day": lambda: c("drinking_water.litres_per_person_day"),
        "water.piped_to_home": lambda: c("drinking_water.piped_to_home"),
        "water.fetch_minutes": lambda: c("drinking_water.fetch_minutes"),
        "water.horizontal_distance_m": lambda: c("drinking_water.horizontal_distance_m"),
        "water.vertical_distance_m": lambda: c("drinking_water.vertical_distance_m"),
        "water.days_cut_off": lambda: c("drinking_water.days_cut_off"),
        "water.quality_checked": lambda: c("drinking_water.quality_checked"),
        "water.quality_acceptable": lambda: c("drinking_water.quality_acceptable"),
        "water.scarce_area": lambda: c("drinking_water.water_scarce_area"),
        "case.exists": lambda: c("monitoring_case.__present"),
        "case.clue_found_on": lambda: _case_date("clue_found_on"),
        "case.identified": lambda: _case_flag("identified_on"),
        "case.identified_on": lambda: _case_date("identified_on"),
        "case.publicity_days": lambda: _case(_days(c("monitoring_case.publicity_end"), c("monitoring_case.publicity_start"))),
        "case.green_channel": lambda: _case(c("monitoring_case.green_channel").fill_null(False), pl.lit(False)),
        "case.assistance_started": lambda: _case_flag("assistance_started_on"),
        "case.assistance_begun": _assistance_begun,
        "case.first_assistance_on": _first_assistance,
        "case.eliminated": lambda: _case_flag("eliminated_on"),
        "case.eliminated_on": lambda: _case_date("eliminated_on"),
        "case.months_identification_to_elimination": lambda: _case(
            (c("monitoring_case.eliminated_on").dt.year().cast(pl.Int64) - c("monitoring_case.identified_on").dt.year().cast(pl.Int64)) * 12
            + c("monitoring_case.eliminated_on").dt.month().cast(pl.Int64) - c("monitoring_case.identified_on").dt.month().cast(pl.Int64)),
        "case.category": lambda: _case_date("category"),
        "case.last_concentrated_check": lambda: _case(c("__last_check")),
        "case.income_above_range_since": lambda: _case_date("income_above_range_since"),
        "case.not_included": lambda: _case_flag("not_included_on"),
        "case.not_included_on": lambda: _case_date("not_included_on"),
        "case.township_reviewed_on": lambda: _case_date("township_reviewed_on"),
        "case.publicity_end": lambda: _case_date("publicity_end"),
        "case.publicity_days_inclusive": lambda: _case(
            _days(c("monitoring_case.publicity_end"), c("monitoring_case.publicity_start")) + 1),
        "case.years_without_check": count2,
        "case.first_year_without_check": first2,
        "case.last_home_visit": lambda: _case(c("__last_visit")),
        "case.home_visit_count": lambda: _case(pl.when(c("monitoring_case.home_visits.__n").is_not_null())
                                               .then(c("__visits").fill_null(0)), pl.lit(0, dtype=pl.Int64)),
        "food.secured": lambda: c("food_secured"),
        "clothing.secured": lambda: c("clothing_secured"),
        "case.days_since_clue": lambda: _case(_days(c("__as_of"), c("monitoring_case.clue_found_on"))),
    }


HOUSEHOLD_FACTS = _household_facts()
"""Each household fact of the catalogue, by name: a function returning its expression."""


def _shock_relative(case_date: str, without: bool, op: str) -> pl.Expr:
    """A shock compared with a date of the case (``after identification``...)."""
    other = c(case_date)
    occurred = c("occurred_on")
    compared = occurred < other if op == "<" else occurred > other
    return (pl.when(~c("monitoring_case.__present") | other.is_null()).then(pl.lit(without))
            .when(occurred.is_null()).then(_NULL_BOOL).otherwise(compared))


def _member_fields() -> dict[str, Callable[[], pl.Expr]]:
    birth = c("birth_date")
    school = pl.when(birth.is_not_null()).then(
        pl.when(birth > c(SCHOOL_CUTOFF)).then(pl.lit(0, dtype=pl.Int64)).otherwise(age_on(birth, c(SCHOOL_CUTOFF))))
    return {
        "age": lambda: pl.when(birth.is_not_null()).then(age_on(birth, c("__as_of"))),
        "labour_capable": lambda: c("labour_capacity").is_in(_CAPABLE),
        "labour_capacity": lambda: c("labour_capacity"),
        "health": lambda: c("health"),
        "severely_disabled": lambda: pl.when(c("health").is_null()).then(_NULL_BOOL)
        .when(c("health") != "disabled").then(pl.lit(False))
        .otherwise(c("disability_grade") <= 2),
        "in_school": lambda: c("in_school"),
        "exempted": lambda: c("education_exemption").is_not_null(),
        "insured": lambda: c("basic_medical_insurance"),
        "willing_to_work": lambda: c("willing_to_work"),
        "school_age": lambda: school,
        "completed_compulsory": lambda: pl.when(c("completed_compulsory_education").is_not_null())
        .then(c("completed_compulsory_education"))
        .when(school < c(COMPULSORY_FROM) + 8).then(pl.lit(False)),
        "months_worked_away": lambda: c("months_worked_away"),
    }


def _shock_fields(as_of: date) -> dict[str, Callable[[], pl.Expr]]:
    occurred = c("occurred_on")
    year_ago = add_months(as_of, -12)
    return {
        "kind": lambda: c("kind"),
        "occurred_on": lambda: occurred,
        "days_ago": lambda: _days(c("__as_of"), occurred),
        "recent": lambda: (occurred > year_ago) & (occurred <= c("__as_of")),
        "loss": lambda: c("loss"),
        "facts_verified": lambda: c("facts_verified"),
        "resolved": lambda: c("resolved"),
        "before_income_recovery": lambda: _shock_relative("monitoring_case.income_above_range_since", False, "<"),
        "severe": lambda: c("basic_living_severely_affected"),
        "after_identification": lambda: _shock_relative("monitoring_case.identified_on", False, ">"),
        "after_elimination": lambda: _shock_relative("monitoring_case.eliminated_on", True, ">"),
    }


def _measure_active() -> pl.Expr:
    started, ended = c("started_on"), c("ended_on")
    return pl.when(started.is_null()).then(_NULL_BOOL).otherwise(
        (started <= c("__as_of")) & (ended.is_null() | (ended >= c("__as_of"))))


def _measure_fields() -> dict[str, Callable[[], pl.Expr]]:
    return {"kind": lambda: c("kind"), "started_on": lambda: c("started_on"), "active": _measure_active}


ITEM_FIELDS: dict[str, tuple[str, Callable[[date], dict[str, Callable[[], pl.Expr]]], tuple[str, ...]]] = {
    # collection: (child table, its fields, the household columns the fields read)
    "members": ("members", lambda on: _member_fields(), (SCHOOL_CUTOFF, COMPULSORY_FROM)),
    "shocks": ("shocks", _shock_fields, ("monitoring_case.__present", "monitoring_case.income_above_range_since",
                                         "monitoring_case.identified_on", "monitoring_case.eliminated_on")),
    "measures": ("assistance_measures", lambda on: _measure_fields(), ()),
}
"""Each collection of the catalogue: its child table, its item fields, what else they read."""


def _in_window(window_start: pl.Expr, window_end: pl.Expr) -> pl.Expr:
    spent = c("spent_on")
    return spent.is_null() | ((spent >= window_start) & (spent <= window_end))


def aggregates(house: pl.DataFrame, children: dict[str, pl.DataFrame], as_of: date) -> pl.DataFrame:
    """The household frame with the per-household aggregates the facts read."""
    on = pl.lit(as_of, dtype=pl.Date)
    out = house
    m = children.get("members")
    if m is not None:
        capable = c("labour_capacity").is_in(_CAPABLE)
        insured = c("basic_medical_insurance")
        agg = m.group_by(H).agg(
            pl.when(c("labour_capacity").is_null().any()).then(_NULL_INT).otherwise(capable.sum().cast(pl.Int64))
            .alias("__capable_count"),
            pl.when(capable.fill_null(False).any()).then(pl.lit(True))
            .when(c("labour_capacity").is_not_null().all()).then(pl.lit(False)).otherwise(_NULL_BOOL).alias("__has_labour"),
            pl.when(insured.is_null().any()).then(_NULL_INT).otherwise((insured == False).sum().cast(pl.Int64))  # noqa: E712
            .alias("__uninsured"))
        out = out.join(agg, on=H, how="left")
    a = children.get("assistance_measures")
    if a is not None:
        agg = a.group_by(H).agg(
            c("started_on").is_null().any().alias("__measure_undated"),
            (c("started_on").is_not_null() & (c("started_on") <= on) & (c("ended_on").is_null() | (c("ended_on") >= on)))
            .sum().cast(pl.Int64).alias("__measures_active"),
            c("started_on").filter(c("started_on") <= on).min().alias("__first_measure"))
        out = out.join(agg, on=H, how="left")
    e = children.get("rigid_expenditures")
    if e is not None:
        window = out.select(H, pl.when(c("income.__present")).then(c("income.start"))
                            .otherwise(pl.lit(add_months(as_of, -12) + timedelta(days=1))).alias("__ws"),
                            pl.when(c("income.__present")).then(c("income.end")).otherwise(on).alias("__we"))
        inside = e.join(window, on=H).filter(_in_window(c("__ws"), c("__we")))
        agg = inside.group_by(H).agg(c("out_of_pocket").sum().cast(pl.Int64).alias("__rigid_items"),
                                     c("out_of_pocket").filter(c("kind") == "medical").sum().cast(pl.Int64).alias("__medical_items"))
        out = out.join(agg, on=H, how="left")
    known = c("rigid_expenditures.__n").is_not_null()
    out = out.with_columns(pl.when(known).then(c("__rigid_items").fill_null(0)).alias("__rigid") if e is not None
                           else _NULL_INT.alias("__rigid"),
                           pl.when(known).then(c("__medical_items").fill_null(0)).alias("__medical") if e is not None
                           else _NULL_INT.alias("__medical"))
    k = children.get("monitoring_case.concentrated_checks")
    if k is not None:
        past = k.filter(c("value") <= on)
        bounds = out.select(H, (c("monitoring_case.identified_on").dt.year().cast(pl.Int64) + 1).alias("__lo"),
                            pl.min_horizontal(pl.lit(as_of.year - 1, dtype=pl.Int64),
                                              c("monitoring_case.eliminated_on").dt.year().cast(pl.Int64) - 1).alias("__hi"))
        years = (past.select(H, c("value").dt.year().cast(pl.Int64).alias("__y")).unique().join(bounds, on=H)
                 .filter((c("__y") >= c("__lo")) & (c("__y") <= c("__hi"))).sort(H, "__y")
                 .with_columns(pl.int_range(1, pl.len() + 1).over(H).cast(pl.Int64).alias("__rank")))
        agg_years = years.group_by(H).agg(pl.len().cast(pl.Int64).alias("__checked_years"),
                                          (c("__y") - c("__rank") == c("__lo") - 1).sum().cast(pl.Int64).alias("__checked_run"))
        out = out.join(past.group_by(H).agg(c("value").max().alias("__last_check")), on=H, how="left")
        out = out.join(agg_years, on=H, how="left")
    v = children.get("monitoring_case.home_visits")
    if v is not None:
        past = v.filter(c("value") <= on)
        out = out.join(past.group_by(H).agg(c("value").max().alias("__last_visit"), pl.len().cast(pl.Int64).alias("__visits")),
                       on=H, how="left")
    for name, dtype in (("__capable_count", pl.Int64), ("__has_labour", pl.Boolean), ("__uninsured", pl.Int64),
                        ("__measure_undated", pl.Boolean), ("__measures_active", pl.Int64), ("__first_measure", pl.Date),
                        ("__last_check", pl.Date), ("__checked_years", pl.Int64), ("__checked_run", pl.Int64),
                        ("__last_visit", pl.Date), ("__visits", pl.Int64)):
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return out


def household_facts(names: list[str]) -> list[pl.Expr]:
    """The expressions of household facts ``names``, each aliased to its engine key."""
    out = []
    for name in names:
        fn = HOUSEHOLD_FACTS.get(name)
        if fn is None:
            raise EngineError(f"the columnar back end has no form of fact '{name}': add it to riskrules.columnar.facts "
                              f"/ 列式后端缺少事实 {name} 的实现")
        out.append(fn().alias(fact_key(name)))
    return out


def item_table(collection: str, fields: list[str], child: pl.DataFrame, house: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per item of ``collection``: ``__h``, ``__i`` and the item fields ``fields`` (as
    ``@field`` columns), with the household columns they read joined in."""
    table, make, reads = ITEM_FIELDS[collection]
    exprs = make(as_of)
    joined = child.join(house.select(H, *reads), on=H, how="left") if reads else child
    out = []
    for f in fields:
        fn = exprs.get(f)
        if fn is None:
            raise EngineError(f"the columnar back end has no form of item field '{collection}[].{f}' / 列式后端缺少列表字段 {f}")
        out.append(fn().alias(item_column(f)))
    return joined.with_columns(pl.lit(as_of, dtype=pl.Date).alias("__as_of")).select(H, "__i", *out)
