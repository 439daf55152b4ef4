"""Derived facts against hand-computed values (no engine)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from riskrules import Household
from riskrules.facts import derive as d
from riskrules.facts.catalog import engine_fact


def household(**extra: object) -> Household:
    data: dict = {
        "household_id": "H",
        "region_code": "230102",
        "members": [
            {"member_id": "a", "birth_date": "1980-02-29", "labour_capacity": "ordinary", "basic_medical_insurance": True},
            {"member_id": "b", "birth_date": "2012-09-01", "in_school": False, "basic_medical_insurance": False,
             "labour_capacity": "none"},
            {"member_id": "c", "birth_date": "1950-01-01", "labour_capacity": "lost", "basic_medical_insurance": True},
        ],
    }
    data.update(extra)
    return Household.model_validate(data)


INCOME = {"start": "2021-11-01", "end": "2022-10-31", "wage": "12000.00", "business": "3000.50",
          "property": "100.00", "transfer": "2400.00", "production_costs": "1500.00"}
PREVIOUS = {"start": "2020-11-01", "end": "2021-10-31", "wage": "20000.00", "business": "3000.00",
            "property": "0", "transfer": "1000.00", "production_costs": "1000.00"}


def test_per_capita_net_income_is_exact_and_rounds_half_up() -> None:
    h = household(income=INCOME)
    assert d.net_income(h.income) == Decimal("16000.50")
    assert d.per_capita_net_income(h) == Decimal("5333.50")  # 16000.50 / 3
    h2 = household(income={**INCOME, "business": "3000.51"})  # 16000.51 / 3 = 5333.503...
    assert d.per_capita_net_income(h2) == Decimal("5333.50")
    h3 = household(income={**INCOME, "business": "3000.52"})  # 5333.5066... -> 5333.51
    assert d.per_capita_net_income(h3) == Decimal("5333.51")


def test_unknown_income_part_makes_net_income_unknown() -> None:
    h = household(income={**INCOME, "property": None})
    assert d.net_income(h.income) is None and d.per_capita_net_income(h) is None


def test_income_fall_across_year_end_windows() -> None:
    h = household(income=INCOME, previous_income=PREVIOUS)
    assert d.income_fall(h) == Decimal("23000.00") - Decimal("16000.50")


def test_rigid_spending_counts_only_inside_the_window() -> None:
    h = household(income=INCOME, rigid_expenditures=[
        {"kind": "medical", "out_of_pocket": "3000.00", "spent_on": "2021-12-31"},   # inside, across year end
        {"kind": "medical", "out_of_pocket": "500.00", "spent_on": "2021-10-31"},    # day before the window
        {"kind": "education", "out_of_pocket": "800.00", "spent_on": "2022-10-31"},  # last day, inside
        {"kind": "medical", "out_of_pocket": "100.00"},                              # undated: current window
    ])
    on = date(2022, 11, 30)
    assert d.rigid_out_of_pocket(h, on) == Decimal("3900.00")
    assert d.rigid_out_of_pocket(h, on, d.ExpenditureKind.MEDICAL) == Decimal("3100.00")
    assert d.per_capita_rigid_out_of_pocket(h, on) == Decimal("1300.00")


def test_without_income_window_rigid_spending_uses_twelve_months_to_as_of() -> None:
    h = household(rigid_expenditures=[{"kind": "medical", "out_of_pocket": "10.00", "spent_on": "2021-08-01"},
                                      {"kind": "medical", "out_of_pocket": "20.00", "spent_on": "2021-07-31"}])
    assert d.rigid_window(h, date(2022, 7, 31)) == (date(2021, 8, 1), date(2022, 7, 31))
    assert d.rigid_out_of_pocket(h, date(2022, 7, 31)) == Decimal("10.00")


@pytest.mark.parametrize("on, age", [(date(2023, 2, 27), 42), (date(2023, 2, 28), 43), (date(2024, 2, 28), 43),
                                     (date(2024, 2, 29), 44), (date(1980, 2, 29), 0), (date(1981, 2, 28), 1)])
def test_leap_day_birthday(on: date, age: int) -> None:
    assert d.age_on(date(1980, 2, 29), on) == age


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)), st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_age_agrees_with_relativedelta(a: date, b: date) -> None:
    birth, on = min(a, b), max(a, b)
    assert d.age_on(birth, on) == relativedelta(on, birth).years


def test_children_insurance_labour() -> None:
    h = household()
    on = date(2022, 7, 31)
    assert d.compulsory_age_children_out_of_school(h, on) == 1  # b is 9, not in school
    assert d.uninsured_members(h) == 1
    assert d.labour_capable_members(h) == 1
    assert d.has_labour_capacity(h) is True


def test_unknown_member_makes_counts_unknown() -> None:
    h = Household.model_validate({"household_id": "H", "region_code": "230102",
                                  "members": [{"member_id": "a", "labour_capacity": "none"}, {"member_id": "b"}]})
    assert d.uninsured_members(h) is None
    assert d.has_labour_capacity(h) is None
    all_none = Household.model_validate({"household_id": "H", "region_code": "230102",
                                         "members": [{"member_id": "a", "labour_capacity": "none"},
                                                     {"member_id": "b", "labour_capacity": "lost"}]})
    assert d.has_labour_capacity(all_none) is False


@pytest.mark.parametrize("born, in_school, exemption, expected", [
    ("2016-07-31", False, None, True),    # exactly 6 on the as-of date
    ("2016-08-01", False, None, False),   # 5
    ("2006-08-01", False, None, True),    # 15
    ("2006-07-31", False, None, False),   # 16 today
    ("2012-01-01", False, "送教上门", False),
    ("2012-01-01", True, None, False),
    ("2012-01-01", None, None, None),
])
def test_child_out_of_school(born: str, in_school: bool | None, exemption: str | None, expected: bool | None) -> None:
    h = Household.model_validate({"household_id": "H", "region_code": "230102", "members": [
        {"member_id": "k", "birth_date": born, "in_school": in_school, "education_exemption": exemption}]})
    assert d.child_out_of_school(h.members[0], date(2022, 7, 31)) is expected


def test_housing_and_days_since_clue() -> None:
    assert d.housing_secured(household(housing_grade="B")) is True
    assert d.housing_secured(household(housing_grade="C")) is False
    assert d.housing_secured(household(housing_grade="no_house")) is False
    assert d.housing_secured(household()) is None
    h = household(monitoring_case={"clue_found_on": "2021-12-25"})
    assert d.days_since_clue(h, date(2022, 1, 9)) == 15


def test_months_between_and_first_assistance() -> None:
    assert d.months_between(date(2022, 1, 31), date(2022, 2, 1)) == 1
    assert d.months_between(date(2021, 12, 15), date(2022, 1, 14)) == 1
    h = household(monitoring_case={"identified_on": "2022-01-10", "assistance_started_on": "2022-02-01"},
                  assistance_measures=[{"kind": "就业帮扶", "started_on": "2022-01-20"}])
    assert d.first_assistance_on(h, date(2022, 7, 31)) == date(2022, 1, 20)
    assert d.first_assistance_on(h, date(2022, 1, 25)) == date(2022, 1, 20)
    assert d.first_assistance_on(h, date(2022, 1, 19)) is None  # nothing had started yet


def test_engine_fact_holds_only_integers_booleans_and_codes() -> None:
    h = household(income=INCOME, previous_income=PREVIOUS, housing_grade="C",
                  drinking_water={"litres_per_person_day": 34.9, "days_cut_off": 3},
                  monitoring_case={"clue_found_on": "2022-07-01"})
    from riskrules.pack.parameters import MonthDay

    fact = engine_fact(h, date(2022, 11, 30), params={"school_year_cutoff": MonthDay(8, 31), "compulsory_age_from": 6})
    assert fact["income__per_capita_net"] == 533350
    assert fact["income__fall"] == 700000 - 50
    assert fact["water__litres_per_person_day"] == 349
    assert fact["case__clue_found_on"] == date(2022, 7, 1).toordinal()
    assert fact["housing__grade"] == "C"
    assert "income__per_capita_after_rigid" not in fact  # rigid spending not collected: absent, not zero

    def scalars(v: object) -> bool:
        if isinstance(v, list):
            return all(isinstance(row, dict) and all(scalars(x) for x in row.values()) for row in v)
        return isinstance(v, (int, bool, str)) and not isinstance(v, float)

    assert all(scalars(v) for v in fact.values())


def test_every_engine_value_of_thousands_of_households_fits_the_engine(pack: object) -> None:
    """What the durable-rules runner relies on instead of checking each call: every value of
    every encoded fact (facts, parameters, deadlines, precomputed item tests) is a boolean, a
    code or an integer within 64 bits, for the 3,000 varied households of the byte-identity
    test and every bundled example."""
    import sys
    from pathlib import Path

    import riskrules

    sys.path.insert(0, str(Path(__file__).parent / "golden"))
    from population import population

    def fits(v: object) -> bool:
        if isinstance(v, bool) or isinstance(v, str):
            return True
        if isinstance(v, int):
            return -(2**53) <= v <= 2**53  # the runner encodes strict 53-bit integers
        if isinstance(v, list):
            return all(isinstance(row, dict) and all(fits(x) for x in row.values()) for row in v)
        return False

    records = [(riskrules.Household.model_validate(r), a) for r, a in population(3000)]
    records += [(r, date(2022, 7, 31)) for r in riskrules.load_examples().values()]
    for record, as_of in records:
        fact, _ = pack.engine_fact(record, as_of, record.region_code)  # type: ignore[attr-defined]
        bad = {k: v for k, v in fact.items() if not fits(v)}
        assert not bad, (record.household_id, bad)
