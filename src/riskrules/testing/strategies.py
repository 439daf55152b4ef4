"""Hypothesis strategies for household records (属性测试数据生成), valid and invalid.

Needs ``hypothesis`` (``pip install 'riskrules[testing]'``). A jurisdiction that ships its own
pack can state properties its rules must keep, for households it never wrote down::

    from datetime import date
    from hypothesis import given, settings
    import riskrules
    from riskrules.testing import strategies as rs

    pack = riskrules.load_rules("my-rules")

    @settings(max_examples=100, deadline=None)
    @given(rs.households(as_of=date(2023, 6, 30), regions=["230102"]))
    def test_no_household_is_both_marginal_and_unstable(record):
        ids = pack.assess(record, as_of=date(2023, 6, 30)).rule_ids()
        assert not {"identification.marginal_prone", "identification.unstable_out_of_poverty"} <= set(ids)

    @given(rs.invalid_households())
    def test_bad_records_are_refused_at_the_right_field(case):
        with pytest.raises(riskrules.InvalidRecord) as info:
            pack.assess(case.record, as_of=case.as_of)
        assert case.path in info.value.paths

Every record :func:`households` draws is valid for its as-of date: it passes
``pack.validate(record, as_of)`` and is assessed without error by the bundled pack (dates up to
2026, the last year with a working-day calendar). Records are plain dicts, as an intake form
sends them: money as text with two decimals, dates as ISO text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Sequence

from hypothesis import strategies as st

from ..record.codes import (
    DiscoveryChannel,
    EducationExemption,
    ExpenditureKind,
    Health,
    HouseholdType,
    HousingGrade,
    LabourCapacity,
    MeasureKind,
    MonitoringCategory,
    ShockKind,
)
from .builders import AS_OF, HAINAN, HEILONGJIANG, REGION

__all__ = [
    "REGIONS",
    "FIRST_AS_OF",
    "LAST_AS_OF",
    "money",
    "as_of_dates",
    "members",
    "income_windows",
    "monitoring_cases",
    "measures",
    "households",
    "Invalid",
    "invalid_households",
]

REGIONS: tuple[str, ...] = (REGION, HEILONGJIANG, HAINAN)
"""Qin'an (national values only), Harbin (Heilongjiang's values), Haikou (Hainan's)."""
FIRST_AS_OF = date(2021, 1, 1)    # the bundled pack's parameters take effect
LAST_AS_OF = date(2026, 11, 30)   # Hainan's 20 working days still end inside the 2026 calendar


def _codes(enum: Any) -> list[str]:
    return [e.value for e in enum]


def _iso(d: date) -> str:
    return d.isoformat()


def money(min_value: Decimal | int | str = 0, max_value: Decimal | int | str = 100_000) -> st.SearchStrategy[str]:
    """Yuan as text with two decimals, from ``min_value`` to ``max_value``."""
    low, high = int(Decimal(str(min_value)) * 100), int(Decimal(str(max_value)) * 100)
    return st.integers(low, high).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")


def as_of_dates(min_value: date = FIRST_AS_OF, max_value: date = LAST_AS_OF) -> st.SearchStrategy[date]:
    """As-of dates on which the bundled pack can assess any record :func:`households` draws."""
    return st.dates(min_value, max_value)


def _days_before(as_of: date, most: int, least: int = 0) -> st.SearchStrategy[date]:
    return st.integers(least, most).map(lambda n: as_of - timedelta(days=n))


def _maybe(strategy: st.SearchStrategy[Any], complete: bool) -> st.SearchStrategy[Any]:
    return strategy if complete else st.one_of(st.none(), strategy)


def _year_before(end: date) -> date:
    """The first day of the 12-month window ending on ``end``."""
    try:
        start = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - 1, day=28)
    return start + timedelta(days=1)


@st.composite
def members(draw: st.DrawFn, *, as_of: date = AS_OF, min_size: int = 1, max_size: int = 6,
            complete: bool = True) -> list[dict[str, Any]]:
    """Household members ``m1``, ``m2``…: adults and children born up to 90 years before ``as_of``."""
    n = draw(st.integers(min_size, max_size))
    out = []
    for i in range(n):
        age_days = draw(st.integers(0, 90 * 365))
        born = as_of - timedelta(days=age_days)
        child = age_days < 18 * 365
        health = draw(_maybe(st.sampled_from(_codes(Health)), complete))
        m: dict[str, Any] = {
            "member_id": f"m{i + 1}",
            "birth_date": _iso(born),
            "relation": "head" if i == 0 else draw(st.sampled_from(["spouse", "child", "parent", "grandchild", "sibling"])),
            "labour_capacity": draw(_maybe(st.sampled_from(["none"] if child else _codes(LabourCapacity)), complete)),
            "health": health,
            "basic_medical_insurance": draw(_maybe(st.booleans(), complete)),
            "willing_to_work": draw(_maybe(st.booleans(), complete)),
        }
        if health == "disabled" and draw(st.booleans()):
            m["disability_grade"] = draw(st.integers(1, 4))
        if child:
            m["in_school"] = draw(_maybe(st.booleans(), complete))
            m["education_exemption"] = draw(st.one_of(st.none(), st.sampled_from(_codes(EducationExemption))))
            m["completed_compulsory_education"] = draw(st.one_of(st.none(), st.booleans()))
        else:
            m["months_worked_away"] = draw(_maybe(st.integers(0, 12), complete))
        out.append(m)
    return out


@st.composite
def income_windows(draw: st.DrawFn, *, end: date, max_income: int = 120_000) -> dict[str, Any]:
    """A 12-month income window ending on ``end``, every part known."""
    wage = Decimal(draw(money(0, max_income)))
    business = Decimal(draw(money(0, max_income // 4)))
    prop = Decimal(draw(money(0, 5_000)))
    transfer = Decimal(draw(money(0, 20_000)))
    costs = Decimal(draw(money(0, business))) if business else Decimal("0.00")
    return {"start": _iso(_year_before(end)), "end": _iso(end), "wage": f"{wage}", "business": f"{business}",
            "property": f"{prop}", "transfer": f"{transfer}", "production_costs": f"{costs}"}


@st.composite
def measures(draw: st.DrawFn, *, as_of: date = AS_OF, future: bool = True) -> dict[str, Any]:
    """One assistance measure started in the two years before ``as_of`` (or, with ``future``,
    up to 60 days after it: a measure planned for later), possibly already ended."""
    start = as_of - timedelta(days=draw(st.integers(-60 if future else 0, 730)))
    item: dict[str, Any] = {"kind": draw(st.sampled_from(_codes(MeasureKind))), "started_on": _iso(start)}
    if draw(st.booleans()):
        item["ended_on"] = _iso(start + timedelta(days=draw(st.integers(0, 400))))
    return item


@st.composite
def monitoring_cases(draw: st.DrawFn, *, as_of: date = AS_OF, complete: bool = True) -> dict[str, Any]:
    """A monitoring case whose dates are in order and none after ``as_of``."""
    clue = as_of - timedelta(days=draw(st.integers(0, 3 * 365)))
    span = (as_of - clue).days

    def after(start: date) -> date:
        return start + timedelta(days=draw(st.integers(0, (as_of - start).days)))

    case: dict[str, Any] = {"clue_found_on": _iso(clue),
                            "discovery_channel": draw(st.sampled_from(_codes(DiscoveryChannel))),
                            "green_channel": draw(_maybe(st.booleans(), complete)),
                            "concentrated_checks": []}
    if draw(st.booleans()):
        start = after(clue)
        case["publicity_start"] = _iso(start)
        case["publicity_end"] = _iso(after(start))
    identified = None
    if span and draw(st.booleans()):
        identified = after(clue)
        case["identified_on"] = _iso(identified)
        if draw(st.booleans()):
            case["category"] = draw(st.sampled_from(_codes(MonitoringCategory)))
        checks = sorted({after(identified) for _ in range(draw(st.integers(0, 3)))})
        case["concentrated_checks"] = [_iso(d) for d in checks]
        if draw(st.booleans()):
            case["home_visits"] = [_iso(d) for d in sorted({after(identified) for _ in range(draw(st.integers(0, 4)))})]
        if draw(st.integers(0, 3)) == 0:
            case["eliminated_on"] = _iso(after(identified))
        if draw(st.booleans()):
            case["income_above_range_since"] = _iso(as_of - timedelta(days=draw(st.integers(0, 3 * 365))))
    elif span and draw(st.integers(0, 3)) == 0:
        case["not_included_on"] = _iso(after(clue))
        case["not_included_reason"] = "经核实收入稳定，不予纳入"
    if draw(st.booleans()):
        case["assistance_started_on"] = _iso(after(clue))
    return case


@st.composite
def households(draw: st.DrawFn, *, as_of: date = AS_OF, regions: Sequence[str] = REGIONS, complete: bool = True,
               case: bool | None = None, future_measures: bool = True) -> dict[str, Any]:
    """A valid household record for ``as_of``.

    ``complete`` (default) draws every fact; without it some facts are left unknown (``None``)
    and rules may be undecided. ``case`` forces a monitoring case (True) or none (False);
    ``future_measures=False`` keeps every measure's start on or before ``as_of``, so that the
    record describes a fixed past whatever later date it is assessed on.
    """
    end = as_of - timedelta(days=draw(st.integers(0, 90)))
    income = draw(income_windows(end=end))
    previous = draw(st.one_of(st.none(), income_windows(end=_year_before(end) - timedelta(days=1)))) \
        if not complete else draw(income_windows(end=_year_before(end) - timedelta(days=1)))
    window_start = date.fromisoformat(income["start"])
    rigid = []
    for _ in range(draw(st.integers(0, 3))):
        item: dict[str, Any] = {"kind": draw(st.sampled_from(_codes(ExpenditureKind))), "out_of_pocket": draw(money(0, 30_000))}
        if draw(st.booleans()):
            item["spent_on"] = _iso(window_start + timedelta(days=draw(st.integers(0, (end - window_start).days))))
        rigid.append(item)
    shocks = []
    for _ in range(draw(st.integers(0, 2))):
        shocks.append({"kind": draw(st.sampled_from(_codes(ShockKind))),
                       "occurred_on": _iso(draw(_days_before(as_of, 2 * 365))),
                       "facts_verified": draw(_maybe(st.booleans(), complete)),
                       "basic_living_severely_affected": draw(_maybe(st.booleans(), complete)),
                       "resolved": draw(st.one_of(st.none(), st.booleans())),
                       "loss": draw(st.one_of(st.none(), money(0, 50_000)))})
    water = {
        "litres_per_person_day": f"{draw(st.integers(0, 1200)) / 10:.1f}",
        "piped_to_home": draw(st.booleans()),
        "fetch_minutes": draw(st.integers(0, 60)),
        "horizontal_distance_m": draw(st.integers(0, 2000)),
        "vertical_distance_m": draw(st.integers(0, 200)),
        "days_cut_off": draw(st.integers(0, 60)),
        "quality_checked": draw(st.booleans()),
        "quality_acceptable": draw(st.booleans()),
        "water_scarce_area": draw(st.booleans()),
    }
    has_case = draw(st.booleans()) if case is None else case
    return {
        "household_id": f"HH-{draw(st.integers(1, 99999)):05d}",
        "region_code": draw(st.sampled_from(list(regions))),
        "household_type": draw(_maybe(st.sampled_from(_codes(HouseholdType)), complete)),
        "relocation_site": draw(_maybe(st.booleans(), complete)),
        "members": draw(members(as_of=as_of, complete=complete)),
        "income": income,
        "previous_income": previous,
        "rigid_expenditures": rigid,
        "housing_grade": draw(_maybe(st.sampled_from(_codes(HousingGrade)), complete)),
        "food_secured": draw(st.one_of(st.none(), st.booleans())),
        "clothing_secured": draw(st.one_of(st.none(), st.booleans())),
        "drinking_water": water,
        "shocks": shocks,
        "assistance_measures": draw(st.lists(measures(as_of=as_of, future=future_measures), max_size=3)),
        "monitoring_case": draw(monitoring_cases(as_of=as_of, complete=complete)) if has_case else None,
    }


@dataclass(frozen=True)
class Invalid:
    """A record that must be refused, the as-of date to assess it on, and a field path the
    :class:`~riskrules.errors.InvalidRecord` must name."""

    record: dict[str, Any]
    as_of: date
    path: str
    why: str


def _break(record: dict[str, Any], as_of: date, how: str, draw: st.DrawFn) -> str:
    """Make one thing wrong with ``record`` (in place); return the path that must be named."""
    m0 = record["members"][0]
    if how == "empty_id":
        record["household_id"] = ""
        return "household_id"
    if how == "unknown_province":
        record["region_code"] = draw(st.sampled_from(["990102", "000000", "720101"]))
        return "region_code"
    if how == "region_format":
        record["region_code"] = draw(st.sampled_from(["62052", "6205221", "abcdef", ""]))
        return "region_code"
    if how == "household_type":
        record["household_type"] = draw(st.sampled_from(["rich", "贫困户", "ORDINARY ", 3]))
        return "household_type"
    if how == "no_members":
        record["members"] = []
        return "members"
    if how == "born_after_as_of":
        m0["birth_date"] = _iso(as_of + timedelta(days=draw(st.integers(1, 400))))
        return "members[0].birth_date"
    if how == "no_such_date":
        m0["birth_date"] = draw(st.sampled_from(["2021-02-29", "1990-13-01", "1990-1-1", "01/05/1990"]))
        return "members[0].birth_date"
    if how == "disability_grade":
        m0["health"], m0["disability_grade"] = "disabled", draw(st.sampled_from([0, 5, 99, -1]))
        return "members[0].disability_grade"
    if how == "money_decimals":
        record["income"]["wage"] = draw(st.sampled_from(["12.345", "-1.00", "abc", "1e3", ""]))
        return "income.wage"
    if how == "window_reversed":
        income = record["income"]
        income["start"], income["end"] = income["end"], _iso(date.fromisoformat(income["end"]) - timedelta(days=draw(st.integers(1, 300))))
        record["previous_income"] = None
        return "income.end"
    if how == "cut_off_days":
        record["drinking_water"]["days_cut_off"] = draw(st.sampled_from([367, 1000, -1]))
        return "drinking_water.days_cut_off"
    if how == "shock_kind":
        record["shocks"] = [{"kind": draw(st.sampled_from(["meteor", "", "flood"])), "occurred_on": _iso(as_of)}]
        return "shocks[0].kind"
    if how == "identified_before_clue":
        clue = as_of - timedelta(days=draw(st.integers(1, 300)))
        record["monitoring_case"] = {"clue_found_on": _iso(clue),
                                     "identified_on": _iso(clue - timedelta(days=draw(st.integers(1, 30))))}
        return "monitoring_case.identified_on"
    if how == "case_after_as_of":
        record["monitoring_case"] = {"clue_found_on": _iso(as_of + timedelta(days=draw(st.integers(1, 300))))}
        return "monitoring_case.clue_found_on"
    raise AssertionError(how)


_BREAKS = ("empty_id", "unknown_province", "region_format", "household_type", "no_members", "born_after_as_of",
           "no_such_date", "disability_grade", "money_decimals", "window_reversed", "cut_off_days", "shock_kind",
           "identified_before_clue", "case_after_as_of")


@st.composite
def invalid_households(draw: st.DrawFn, *, as_of: date | None = None, regions: Sequence[str] = REGIONS) -> Invalid:
    """A valid household with exactly one thing wrong, and the path that names it."""
    day = as_of if as_of is not None else draw(as_of_dates())
    record = draw(households(as_of=day, regions=regions))
    how = draw(st.sampled_from(_BREAKS))
    path = _break(record, day, how, draw)
    return Invalid(record=record, as_of=day, path=path, why=how)
