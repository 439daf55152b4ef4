"""Every rule of the bundled pack, tested against POLICY.md: for each rule id, a record that
fires it (with its conclusion values), a near miss that changes one fact just across the line
(and must be *decided* false, not undecided), and its boundaries (exact thresholds, deadlines
counted by the Civil Code, art. 201-203 and 1259; POLICY.md §13).

Where a rule behaves against POLICY.md, the policy-correct expectation is written down and
marked ``xfail(strict=True)`` with the reason, so fixing the rule turns the suite red until the
marker is removed.

A new rule without tests fails :func:`test_every_rule_has_tests`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

import riskrules
from builders import (
    AS_OF,
    HAINAN,
    HEILONGJIANG,
    add_member,
    child,
    household,
    member,
    open_case,
    with_case,
    with_fields,
    with_income,
    with_income_parts,
    with_measure,
    with_member,
    with_previous_income,
    with_rigid,
    with_shock,
    with_steady_income,
    with_water,
)

D = date.fromisoformat


@dataclass(frozen=True)
class Case:
    """One record assessed on one date, and what one rule must conclude about it."""

    label: str
    record: dict[str, Any]
    as_of: date = AS_OF
    fires: bool = True
    conclusion: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)  # fact name -> displayed value
    param_from: dict[str, str] = field(default_factory=dict)  # parameter -> jurisdiction it came from
    text: tuple[str, ...] = ()  # each must appear in the Chinese or English explanation
    jurisdiction: str | None = None
    xfail: str | None = None


def fires(label: str, record: dict[str, Any], as_of: date | str = AS_OF, **kw: Any) -> Case:
    return Case(label, record, D(as_of) if isinstance(as_of, str) else as_of, True, **kw)


def silent(label: str, record: dict[str, Any], as_of: date | str = AS_OF, **kw: Any) -> Case:
    return Case(label, record, D(as_of) if isinstance(as_of, str) else as_of, False, **kw)


FIRES: dict[str, Case] = {}
NEAR: dict[str, Case] = {}
BOUNDARY: dict[str, list[Case]] = {}


def rule(rule_id: str, fire: Case, near: Case, boundary: list[Case]) -> None:
    assert rule_id not in FIRES, f"{rule_id} specified twice"
    assert fire.fires and not near.fires
    FIRES[rule_id], NEAR[rule_id], BOUNDARY[rule_id] = fire, near, boundary


# ---------------------------------------------------------------------------------------------
# Shared records
# ---------------------------------------------------------------------------------------------

def fell(h: dict[str, Any], net: str) -> dict[str, Any]:
    """Net income down to ``net`` from 20,000.00, with a recorded cause: a seriously ill member."""
    return with_member(with_income(h, net), "m1", health="serious_illness")


BASE = household()  # ordinary, two labour-capable adults, net 20,000.00 (10,000.00 per capita)
POOR = household(household_type="poverty_alleviated")  # 脱贫户, otherwise the same


def per_capita(h: dict[str, Any], amount: str) -> dict[str, Any]:
    """Per-capita net income ``amount`` in both windows: no income fall, so only the range counts."""
    return with_steady_income(h, per_capita=amount)


# Household income (家庭年收入, income.total) 20,000.00 but net income 15,000.00 after 5,000.00 of
# production costs, in both windows: the medical and rigid-spending shares are of the 20,000.00.
COSTLY = with_previous_income(with_income_parts(BASE, wage="20000.00", production_costs="5000.00"), "15000.00")


def no_labour(h: dict[str, Any]) -> dict[str, Any]:
    """Both adults without labour capacity (丧失劳动力 / 无劳动力)."""
    h = with_member(h, "m1", labour_capacity="lost", willing_to_work=False)
    return with_member(h, "m2", labour_capacity="none", willing_to_work=False)


def aged(years: int, on: date = AS_OF) -> str:
    """A birth date making someone exactly ``years`` old on ``on`` (birthday that day)."""
    return on.replace(year=on.year - years).isoformat()


def aged_day_before_birthday(years: int, on: date = AS_OF) -> str:
    """A birth date making someone ``years`` old on ``on``, turning ``years + 1`` the next day."""
    nxt = date.fromordinal(on.toordinal() + 1)
    return nxt.replace(year=nxt.year - years - 1).isoformat()


def with_child(h: dict[str, Any], born: str, in_school: bool | None = False, exemption: str | None = None) -> dict[str, Any]:
    return add_member(h, child("c1", born=born, in_school=in_school, exemption=exemption))


# An open case: identified 2022-06-16 (clue 2022-06-01), publicity 06-02..06-08, assessed 2022-07-31.
# Assistance is due 15 days from the clue, on 2022-06-16.
OPEN = open_case(BASE)
OPEN_MEASURED = with_measure(OPEN, "employment", "2022-06-16")  # assistance in time, developmental


def water_fetched(**fields: Any) -> dict[str, Any]:
    """Water that is not piped: fetched within 20 minutes, but far away horizontally and vertically."""
    base = dict(piped_to_home=False, fetch_minutes=20, horizontal_distance_m=900, vertical_distance_m=100)
    base.update(fields)
    return with_water(BASE, **base)


# ---------------------------------------------------------------------------------------------
# identification.yaml: signals
# ---------------------------------------------------------------------------------------------

rule("signal.low_income",
     fires("5000_per_capita", per_capita(BASE, "5000.00"), facts={"income.per_capita_net": "5,000.00 元"}),
     silent("6000.00_at_the_range_is_not_below", per_capita(BASE, "6000.00")),
     [fires("5999.99_below_range", per_capita(BASE, "5999.99"), facts={"income.per_capita_net": "5,999.99 元"}),
      silent("6000.00_not_below_art_1259", per_capita(BASE, "6000.00")),
      silent("6000.01_above_range", per_capita(BASE, "6000.01")),
      # per capita is rounded half up to the fen: 17,999.99 / 3 = 5,999.996... -> 6,000.00 (not below),
      # 17,999.98 / 3 = 5,999.993... -> 5,999.99 (below)
      silent("three_members_rounded_to_6000.00",
             with_income(add_member(BASE, member("m3", born="1950-01-01", relation="parent")), "17999.99")),
      fires("three_members_rounded_to_5999.99",
            with_income(add_member(BASE, member("m3", born="1950-01-01", relation="parent")), "17999.98"),
            facts={"income.per_capita_net": "5,999.99 元"})])

rule("signal.sharp_income_fall",
     fires("fall_25_percent", fell(BASE, "15000.00"), facts={"income.fall": "5,000.00 元"}),
     silent("fall_19.99_percent", fell(BASE, "16000.01")),
     [fires("fall_exactly_20_percent", fell(BASE, "16000.00"), facts={"income.fall": "4,000.00 元"}),
      silent("fall_just_under_20_percent", fell(BASE, "16000.01")),
      # 「因病因灾…收入减少20%以上」: a fall with no recorded cause is not this signal
      silent("fall_without_a_recorded_cause", with_income(BASE, "15000.00")),
      fires("fall_after_a_shock_in_the_last_12_months",
            with_shock(with_income(BASE, "15000.00"), "job_loss", "2021-08-01", severe=False)),
      silent("fall_after_a_shock_12_months_to_the_day",
             with_shock(with_income(BASE, "15000.00"), "job_loss", "2021-07-31", severe=False)),
      silent("rise_is_not_a_fall", with_income(BASE, "30000.00")),
      silent("no_previous_income_base", with_previous_income(with_income(BASE, "0.00"), "0.00"))])

rule("signal.medical_burden",
     fires("medical_40_percent", with_rigid(BASE, "medical", "8000.00"),
           facts={"expenditure.medical_out_of_pocket": "8,000.00 元", "income.total": "20,000.00 元"}),
     silent("medical_just_under_30_percent", with_rigid(BASE, "medical", "5999.99")),
     [fires("medical_exactly_30_percent", with_rigid(BASE, "medical", "6000.00")),
      silent("medical_29.99_percent", with_rigid(BASE, "medical", "5999.99")),
      # 家庭年收入 is before production costs: 5,999.99 is 40 % of net income 15,000.00 but
      # under 30 % of household income 20,000.00
      silent("share_of_household_income_not_net_income", with_rigid(COSTLY, "medical", "5999.99")),
      fires("30_percent_of_household_income_with_costs", with_rigid(COSTLY, "medical", "6000.00"),
            facts={"income.total": "20,000.00 元"}),
      fires("transfers_are_household_income",
            with_rigid(with_income_parts(BASE, wage="10000.00", transfer="10000.00"), "medical", "6000.00")),
      silent("non_medical_spending_not_counted", with_rigid(BASE, "education", "8000.00")),
      silent("spent_outside_income_window", with_rigid(BASE, "medical", "8000.00", spent_on="2021-06-30")),
      fires("spent_on_last_day_of_window", with_rigid(BASE, "medical", "8000.00", spent_on="2022-06-30"))])

rule("signal.rigid_expenditure_hardship",
     fires("rigid_90_percent", with_rigid(BASE, "education", "18000.00"),
           facts={"expenditure.rigid_out_of_pocket": "18,000.00 元", "income.total": "20,000.00 元"}),
     silent("rigid_exactly_80_percent", with_rigid(BASE, "education", "16000.00")),
     [silent("exactly_80_percent_not_exceeding", with_rigid(BASE, "education", "16000.00")),
      fires("80_percent_plus_one_fen", with_rigid(BASE, "education", "16000.01")),
      fires("kinds_add_up", with_rigid(with_rigid(BASE, "disability", "8000.00"), "accident", "8000.01")),
      # all of net income 15,000.00, but 75 % of household income 20,000.00
      silent("share_of_household_income_not_net_income", with_rigid(COSTLY, "education", "15000.00")),
      fires("80_percent_of_household_income_plus_one_fen", with_rigid(COSTLY, "education", "16000.01"))])

rule("signal.income_after_rigid_below_range",
     fires("after_rigid_5000", with_rigid(BASE, "education", "10000.00"),
           facts={"income.per_capita_after_rigid": "5,000.00 元"}),
     silent("after_rigid_exactly_6000_is_not_below", with_rigid(BASE, "education", "8000.00")),
     [silent("after_rigid_exactly_6000_is_not_below", with_rigid(BASE, "education", "8000.00")),
      fires("after_rigid_5999.99", with_rigid(BASE, "education", "8000.02"),
            facts={"income.per_capita_after_rigid": "5,999.99 元"}),
      silent("after_rigid_6000.01", with_rigid(BASE, "education", "7999.98")),
      silent("no_rigid_spending", with_rigid(per_capita(BASE, "5000.00"), "education", "0.00"))])

rule("signal.child_out_of_school",
     fires("child_10_out_of_school", with_child(BASE, aged(10))),
     silent("child_10_home_teaching", with_child(BASE, aged(10), exemption="home_teaching")),
     [fires("age_6_on_birthday", with_child(BASE, aged(6))),
      silent("age_5_day_before_6th_birthday", with_child(BASE, aged_day_before_birthday(5))),
      fires("age_15_day_before_16th_birthday", with_child(BASE, aged_day_before_birthday(15))),
      silent("age_16_on_birthday", with_child(BASE, aged(16))),
      silent("in_school", with_child(BASE, aged(10), in_school=True)),
      silent("health_deferral", with_child(BASE, aged(10), exemption="health_deferral"))])

rule("signal.uninsured_member",
     fires("one_uninsured", with_member(BASE, "m2", basic_medical_insurance=False)),
     silent("all_insured", BASE),
     [fires("exactly_one_of_two_uninsured", with_member(BASE, "m1", basic_medical_insurance=False)),
      silent("zero_uninsured", BASE),
      fires("child_uninsured", add_member(BASE, child("c1", born=aged(8), basic_medical_insurance=False)))])

rule("signal.housing_unsafe",
     fires("grade_D", household(housing_grade="D"), conclusion={"grade": "D"}),
     silent("grade_B", household(housing_grade="B")),
     [fires("grade_C_partly_dangerous", household(housing_grade="C"), conclusion={"grade": "C"}),
      silent("grade_B_structure_safe", household(housing_grade="B")),
      silent("grade_A", household(housing_grade="A")),
      fires("no_house", household(housing_grade="no_house"), conclusion={"grade": "no_house"})])

rule("signal.water_unsafe",
     fires("34.9_litres", with_water(BASE, litres_per_person_day="34.9")),
     silent("35_litres", with_water(BASE, litres_per_person_day="35.0")),
     [silent("35.0_litres_ok", with_water(BASE, litres_per_person_day="35.0")),
      fires("34.9_litres_short", with_water(BASE, litres_per_person_day="34.9")),
      silent("20_litres_in_scarce_area", with_water(BASE, litres_per_person_day="20.0", water_scarce_area=True)),
      fires("19.9_litres_in_scarce_area", with_water(BASE, litres_per_person_day="19.9", water_scarce_area=True)),
      fires("20_litres_not_scarce", with_water(BASE, litres_per_person_day="20.0", water_scarce_area=False)),
      silent("fetch_20_minutes", water_fetched(fetch_minutes=20)),
      fires("fetch_21_minutes", water_fetched(fetch_minutes=21)),
      silent("horizontal_800_m", water_fetched(fetch_minutes=30, horizontal_distance_m=800)),
      fires("horizontal_801_m", water_fetched(fetch_minutes=30, horizontal_distance_m=801)),
      silent("vertical_80_m", water_fetched(fetch_minutes=30, vertical_distance_m=80)),
      fires("vertical_81_m", water_fetched(fetch_minutes=30, vertical_distance_m=81)),
      silent("cut_off_36_days", with_water(BASE, days_cut_off=36)),
      fires("cut_off_37_days", with_water(BASE, days_cut_off=37)),
      fires("quality_unacceptable", with_water(BASE, quality_acceptable=False))])

# risk types -------------------------------------------------------------------------------

rule("risk.illness",
     fires("seriously_ill_member", with_member(BASE, "m2", health="serious_illness")),
     silent("chronic_illness_only", with_member(BASE, "m2", health="chronic_illness")),
     [fires("medical_exactly_30_percent", with_rigid(BASE, "medical", "6000.00")),
      silent("medical_29.99_percent", with_rigid(BASE, "medical", "5999.99")),
      silent("medical_share_of_household_income_not_net", with_rigid(COSTLY, "medical", "5999.99"))])

rule("risk.disability",
     fires("grade_1", with_member(BASE, "m2", health="disabled", disability_grade=1)),
     silent("grade_3", with_member(BASE, "m2", health="disabled", disability_grade=3)),
     [fires("grade_2_severe", with_member(BASE, "m2", health="disabled", disability_grade=2)),
      silent("grade_3_not_severe", with_member(BASE, "m2", health="disabled", disability_grade=3))])


def _shock_rule(rule_id: str, kind: str, other_kind: str) -> None:
    """近12个月内, counted by months (art. 201-202): after the day 12 months before the as-of date,
    up to and including the as-of date. 12 months before 2022-07-31 is 2021-07-31."""
    rule(rule_id,
         fires("shock_3_months_ago", with_shock(BASE, kind, "2022-04-30")),
         silent("other_kind", with_shock(BASE, other_kind, "2022-04-30")),
         [fires("day_after_the_day_12_months_before", with_shock(BASE, kind, "2021-08-01")),
          silent("12_months_to_the_day", with_shock(BASE, kind, "2021-07-31")),
          fires("on_the_as_of_date", with_shock(BASE, kind, AS_OF)),
          # 12 months before 2023-02-28 is 2022-02-28
          silent("28_feb_12_months_before_28_feb", with_shock(BASE, kind, "2022-02-28"), "2023-02-28"),
          fires("1_mar_within_12_months_of_28_feb", with_shock(BASE, kind, "2022-03-01"), "2023-02-28"),
          # 12 months before 2025-02-28 is 2024-02-28, so 29 Feb 2024 is inside (366 days earlier)
          fires("29_feb_2024_within_12_months_of_28_feb_2025", with_shock(BASE, kind, "2024-02-29"), "2025-02-28")])


_shock_rule("risk.natural_disaster", "natural_disaster", "accident")
_shock_rule("risk.accident", "accident", "natural_disaster")
_shock_rule("risk.business_failure", "business_failure", "job_loss")
_shock_rule("risk.unstable_employment", "job_loss", "business_failure")

rule("risk.lack_of_labour",
     fires("all_members_without_labour", no_labour(BASE)),
     silent("one_weak_labourer", with_member(no_labour(BASE), "m2", labour_capacity="weak")),
     [silent("weak_labour_counts_as_capacity", with_member(no_labour(BASE), "m1", labour_capacity="weak")),
      fires("lost_and_none", no_labour(BASE)),
      silent("one_capable_adult_with_a_child",
             add_member(with_member(no_labour(BASE), "m1", labour_capacity="ordinary"), child("c1", born=aged(8))))])

# categories: they partition on the range (below -> the income categories; at or above -> sudden)

rule("identification.unstable_out_of_poverty",
     fires("poverty_alleviated_5000", per_capita(POOR, "5000.00"), conclusion={"category": "unstable_out_of_poverty"}),
     silent("ordinary_household_5000", per_capita(BASE, "5000.00")),
     [fires("5999.99_below_range", per_capita(POOR, "5999.99"), conclusion={"category": "unstable_out_of_poverty"}),
      silent("6000.00_not_below_range", per_capita(POOR, "6000.00")),
      silent("6000.00_with_medical_burden_is_sudden_instead", with_rigid(per_capita(POOR, "6000.00"), "medical", "3600.00"))])

rule("identification.marginal_prone",
     fires("ordinary_5000", per_capita(BASE, "5000.00"), conclusion={"category": "marginal_prone"}),
     silent("poverty_alleviated_5000", per_capita(POOR, "5000.00")),
     [fires("5999.99_below_range", per_capita(BASE, "5999.99"), conclusion={"category": "marginal_prone"}),
      silent("6000.00_not_below_range", per_capita(BASE, "6000.00")),
      silent("6000.00_with_medical_burden_is_sudden_instead", with_rigid(per_capita(BASE, "6000.00"), "medical", "3600.00"))])

rule("identification.sudden_severe_difficulty",
     fires("medical_40_percent_income_above_range", with_rigid(BASE, "medical", "8000.00"),
           conclusion={"category": "sudden_severe_difficulty"}),
     silent("medical_29.99_percent", with_rigid(BASE, "medical", "5999.99")),
     [# household income 12,000.00; medical 3,600.00 is 30 %
      fires("6000.00_not_below_range_with_medical_burden", with_rigid(per_capita(BASE, "6000.00"), "medical", "3600.00"),
            conclusion={"category": "sudden_severe_difficulty"}),
      silent("5999.99_below_range_so_marginal_instead", with_rigid(per_capita(BASE, "5999.99"), "medical", "3600.00")),
      fires("6000.01_above_range_with_medical_burden", with_rigid(per_capita(BASE, "6000.01"), "medical", "3600.00")),
      fires("income_fall_exactly_20_percent", fell(BASE, "16000.00")),
      silent("income_fall_just_under_20_percent", fell(BASE, "16000.01")),
      fires("rigid_spending_80_percent_plus_one_fen", with_rigid(BASE, "education", "16000.01")),
      fires("after_rigid_5999.99", with_rigid(BASE, "education", "8000.02")),
      silent("after_rigid_exactly_6000", with_rigid(BASE, "education", "8000.00")),
      fires("poverty_alleviated_household_too", with_rigid(POOR, "medical", "8000.00"),
            conclusion={"category": "sudden_severe_difficulty"})])

# ---------------------------------------------------------------------------------------------
# green_channel.yaml (POLICY.md §6)
# ---------------------------------------------------------------------------------------------

HLJ = household(region_code=HEILONGJIANG)
# Identified 2021-12-01, risk marked eliminated 2022-06-15.
ELIMINATED = open_case(BASE, "2021-12-01", eliminated_on="2022-06-15")

rule("green_channel.assist_first",
     fires("severe_verified_disaster", with_shock(BASE, "natural_disaster", "2022-07-20"), conclusion={"action": "assist_first"},
           param_from={"green_channel_shock_kinds": "CN"}, text=("自然灾害/natural_disaster",)),
     silent("facts_not_verified", with_shock(BASE, "natural_disaster", "2022-07-20", verified=False)),
     [silent("not_severe", with_shock(BASE, "natural_disaster", "2022-07-20", severe=False)),
      silent("accident_not_national", with_shock(BASE, "accident", "2022-07-20")),
      # Heilongjiang's wider kinds are in effect from 2021-01-01 (before the 2022-08-15 press conference)
      fires("accident_in_heilongjiang", with_shock(HLJ, "accident", "2022-07-20"), conclusion={"action": "assist_first"},
            param_from={"green_channel_shock_kinds": "23"},
            text=("意外事故/accident、自然灾害/natural_disaster、公共卫生事件/public_health_event",)),
      fires("public_health_event_in_heilongjiang", with_shock(HLJ, "public_health_event", "2022-01-10")),
      silent("job_loss_not_even_in_heilongjiang", with_shock(HLJ, "job_loss", "2022-07-20")),
      fires("day_after_the_day_12_months_before", with_shock(BASE, "natural_disaster", "2021-08-01")),
      silent("12_months_to_the_day", with_shock(BASE, "natural_disaster", "2021-07-31")),
      fires("open_case", with_shock(OPEN, "natural_disaster", "2022-07-20")),
      silent("disaster_before_the_risk_was_eliminated", with_shock(ELIMINATED, "natural_disaster", "2022-03-01")),
      # POLICY.md §6 has no exception for a household whose earlier risk was eliminated; §8 makes a
      # new risk the end of elimination: only shocks on or before the elimination date are excluded.
      fires("new_disaster_after_the_risk_was_eliminated", with_shock(ELIMINATED, "natural_disaster", "2022-07-20"))])

GREEN = with_case(BASE, clue_found_on="2022-07-20", green_channel=True)

rule("green_channel.assistance_start_missing",
     fires("green_case_without_start", GREEN, conclusion={"action": "record_assistance_start"}),
     silent("green_case_with_a_measure_started", with_measure(GREEN, "comprehensive_security", "2022-07-21")),
     [silent("start_recorded_on_the_case", with_case(GREEN, assistance_started_on="2022-07-21")),
      silent("assistance_started_on_the_as_of_date", with_case(GREEN, assistance_started_on=AS_OF)),
      silent("a_measure_of_any_kind_counts", with_measure(GREEN, "health", "2022-07-20")),
      silent("a_measure_already_ended_still_started", with_measure(GREEN, "social", "2022-07-20", "2022-07-25")),
      silent("ordinary_case_without_start", with_case(BASE, clue_found_on="2022-07-20", green_channel=False)),
      silent("no_case_at_all", with_shock(BASE, "natural_disaster", "2022-07-20")),
      fires("identified_green_case_still_without_start", with_case(GREEN, identified_on="2022-07-25"))])

# ---------------------------------------------------------------------------------------------
# deadlines.yaml (Civil Code counting, POLICY.md §5, §9, §13)
# ---------------------------------------------------------------------------------------------

CLUE = with_case(BASE, clue_found_on="2022-07-01")  # due 2022-07-16 (15 calendar days, start day not counted)
HAINAN_CLUE = with_case(household(region_code=HAINAN), clue_found_on="2022-09-26")
# 20 working days from Mon 2022-09-26: 09-27..09-30 (4), National Day 10-01..10-07 off,
# Sat/Sun 10-08 and 10-09 adjusted working days (6), 10-10..10-14 (11), 10-17..10-21 (16),
# 10-24..10-27 (20) -> last day Thursday 2022-10-27.
HAINAN_DUE = "2022-10-27"

rule("deadline.identification_overdue",
     fires("15_days_overdue", CLUE, "2022-07-31", conclusion={"status": "breached", "due": "2022-07-16", "days_overdue": 15}),
     silent("green_channel_case", with_case(CLUE, green_channel=True), "2022-07-31"),
     [silent("as_of_on_day_15", CLUE, "2022-07-16"),
      fires("as_of_day_16", CLUE, "2022-07-17", conclusion={"due": "2022-07-16", "days_overdue": 1}),
      silent("identified_before_as_of", with_case(CLUE, identified_on="2022-07-20"), "2022-07-31"),
      silent("no_case_at_all", BASE),
      silent("hainan_on_20th_working_day", HAINAN_CLUE, HAINAN_DUE),
      fires("hainan_day_after", HAINAN_CLUE, "2022-10-28", conclusion={"due": HAINAN_DUE, "days_overdue": 1},
            param_from={"identification_time_limit": "46"})])

rule("deadline.identification_late",
     fires("identified_4_days_late", with_case(CLUE, identified_on="2022-07-20"),
           conclusion={"status": "completed_late", "due": "2022-07-16", "days_overdue": 4}),
     silent("identified_on_day_15", with_case(CLUE, identified_on="2022-07-16")),
     [silent("identified_day_15_in_time", with_case(CLUE, identified_on="2022-07-16")),
      fires("identified_day_16_late_by_1", with_case(CLUE, identified_on="2022-07-17"),
            conclusion={"due": "2022-07-16", "days_overdue": 1}),
      silent("green_channel_case_late", with_case(CLUE, identified_on="2022-07-20", green_channel=True)),
      # Deadline falls on National Day 2022-10-01: not rolled forward (deadline_roll_forward = false).
      fires("due_on_holiday_not_rolled_forward",
            with_case(BASE, clue_found_on="2022-09-16", identified_on="2022-10-08"), "2022-10-31",
            conclusion={"due": "2022-10-01", "days_overdue": 7}),
      silent("hainan_20_working_days_in_time", with_case(HAINAN_CLUE, identified_on=HAINAN_DUE), "2022-10-31"),
      fires("hainan_one_day_late", with_case(HAINAN_CLUE, identified_on="2022-10-28"), "2022-10-31",
            conclusion={"due": HAINAN_DUE, "days_overdue": 1}, param_from={"identification_time_limit": "46"}),
      silent("jurisdiction_argument_overrides_region_code",
             with_case(household(), clue_found_on="2022-09-26", identified_on=HAINAN_DUE), "2022-10-31", jurisdiction="46"),
      fires("same_day_late_under_national_15_days",
            with_case(household(), clue_found_on="2022-09-26", identified_on=HAINAN_DUE), "2022-10-31",
            conclusion={"due": "2022-10-11", "days_overdue": 16})])

rule("deadline.identification_due_soon",
     fires("2_days_left", CLUE, "2022-07-14", conclusion={"status": "due_soon", "due": "2022-07-16", "days_remaining": 2}),
     silent("4_days_left", CLUE, "2022-07-12"),
     [fires("3_days_left", CLUE, "2022-07-13", conclusion={"days_remaining": 3}),
      silent("4_days_left", CLUE, "2022-07-12"),
      fires("due_today", CLUE, "2022-07-16", conclusion={"days_remaining": 0}),
      silent("overdue_not_due_soon", CLUE, "2022-07-17"),
      silent("already_identified", with_case(CLUE, identified_on="2022-07-10"), "2022-07-14"),
      fires("hainan_3_days_before_20th_working_day", HAINAN_CLUE, "2022-10-24", conclusion={"due": HAINAN_DUE}),
      silent("hainan_national_due_date_not_yet_due_soon", HAINAN_CLUE, "2022-10-10")])

PUBLICITY = with_case(BASE, clue_found_on="2022-06-01", publicity_start="2022-06-10")

rule("deadline.publicity_too_short",
     fires("2_days", with_case(PUBLICITY, publicity_end="2022-06-12"), conclusion={"status": "breached"},
           facts={"case.publicity_days": "2"}),
     silent("5_days", with_case(PUBLICITY, publicity_end="2022-06-15")),
     [silent("06-10_to_06-15_is_5_days", with_case(PUBLICITY, publicity_end="2022-06-15")),
      fires("06-10_to_06-14_is_4_days", with_case(PUBLICITY, publicity_end="2022-06-14"), facts={"case.publicity_days": "4"}),
      fires("same_day_is_0_days", with_case(PUBLICITY, publicity_end="2022-06-10"), facts={"case.publicity_days": "0"}),
      silent("no_case_at_all", BASE)])

# Clue 2022-07-01, identified 2022-07-10: "about half a month from discovery to measures" (§9),
# so a measure is due by 2022-07-16, counted from the clue, not from identification.
LATER_IDENT = open_case(BASE, "2022-07-10", clue_found_on="2022-07-01")

rule("deadline.assistance_missing",
     fires("15_days_overdue_from_discovery", LATER_IDENT, "2022-07-31",
           conclusion={"status": "breached", "due": "2022-07-16", "days_overdue": 15}),
     silent("measure_started_on_due_date", with_measure(LATER_IDENT, "employment", "2022-07-16"), "2022-07-31"),
     [silent("as_of_on_due_date", LATER_IDENT, "2022-07-16"),
      fires("as_of_day_after", LATER_IDENT, "2022-07-17", conclusion={"due": "2022-07-16", "days_overdue": 1}),
      fires("not_yet_identified", CLUE, "2022-07-17", conclusion={"due": "2022-07-16", "days_overdue": 1}),
      silent("assistance_started_recorded_on_case", with_case(LATER_IDENT, assistance_started_on="2022-07-05"), "2022-07-31"),
      silent("a_measure_already_ended_was_still_started", with_measure(LATER_IDENT, "social", "2022-07-05", "2022-07-12"),
             "2022-07-31"),
      silent("eliminated_case", with_case(LATER_IDENT, eliminated_on="2022-07-20"), "2022-07-31"),
      silent("no_case_at_all", BASE),
      # Hainan counts identification in working days, but assistance in the national 15 calendar days.
      silent("hainan_15th_calendar_day", HAINAN_CLUE, "2022-10-11"),
      fires("hainan_16th_calendar_day", HAINAN_CLUE, "2022-10-12", conclusion={"due": "2022-10-11", "days_overdue": 1},
            param_from={"assistance_time_limit": "CN"})])

rule("deadline.assistance_late",
     fires("started_4_days_late", with_measure(LATER_IDENT, "employment", "2022-07-20"),
           conclusion={"status": "completed_late", "due": "2022-07-16", "days_overdue": 4}),
     silent("started_on_due_date", with_measure(LATER_IDENT, "employment", "2022-07-16")),
     [silent("started_on_due_date", with_measure(LATER_IDENT, "employment", "2022-07-16")),
      fires("started_day_after", with_measure(LATER_IDENT, "employment", "2022-07-17"),
            conclusion={"due": "2022-07-16", "days_overdue": 1}),
      silent("earliest_measure_counts", with_measure(with_measure(LATER_IDENT, "health", "2022-07-25"), "employment", "2022-07-15")),
      silent("case_start_date_counts", with_case(with_measure(LATER_IDENT, "employment", "2022-07-25"), assistance_started_on="2022-07-12")),
      # identified on the 15th day; a measure the day after identification is already late
      fires("day_after_identification_on_day_15", with_measure(open_case(BASE, "2022-07-16"), "employment", "2022-07-17"),
            conclusion={"due": "2022-07-16", "days_overdue": 1}),
      silent("no_case_at_all", with_measure(BASE, "employment", "2022-07-20"))])

IDENT_0716 = open_case(BASE, "2022-07-16")  # clue 2022-07-01

rule("deadline.concentrated_check_overdue",
     fires("31_days_overdue", with_case(IDENT_0716, concentrated_checks=["2022-08-31"]), "2023-10-01",
           conclusion={"status": "breached", "due": "2023-08-31", "days_overdue": 31}),
     silent("checked_again", with_case(IDENT_0716, concentrated_checks=["2022-08-31", "2023-08-20"]), "2023-10-01"),
     [silent("12_months_to_the_day", with_case(IDENT_0716, concentrated_checks=["2022-08-31"]), "2023-08-31"),
      fires("day_after", with_case(IDENT_0716, concentrated_checks=["2022-08-31"]), "2023-09-01",
            conclusion={"due": "2023-08-31", "days_overdue": 1}),
      silent("29_feb_plus_12_months_is_28_feb", with_case(open_case(BASE, "2024-02-01"), concentrated_checks=["2024-02-29"]),
             "2025-02-28"),
      fires("29_feb_plus_12_months_day_after", with_case(open_case(BASE, "2024-02-01"), concentrated_checks=["2024-02-29"]),
            "2025-03-01", conclusion={"due": "2025-02-28", "days_overdue": 1}),
      silent("eliminated_case", with_case(IDENT_0716, concentrated_checks=["2022-08-31"], eliminated_on="2023-03-01"), "2023-10-01")])

rule("deadline.first_concentrated_check_overdue",
     fires("31_days_overdue", IDENT_0716, "2023-08-16", conclusion={"status": "breached", "due": "2023-07-16", "days_overdue": 31}),
     silent("one_check_on_record", with_case(IDENT_0716, concentrated_checks=["2023-01-10"]), "2023-08-16"),
     [silent("a_year_to_the_day", IDENT_0716, "2023-07-16"),
      fires("day_after", IDENT_0716, "2023-07-17", conclusion={"due": "2023-07-16", "days_overdue": 1}),
      # a recorded check (even one before identification) is judged by deadline.concentrated_check_overdue
      silent("a_check_on_record_is_the_other_rule", with_case(IDENT_0716, concentrated_checks=["2022-07-01"]), "2023-07-17")])

rule("deadline.labour_capable_still_at_risk",
     fires("a_month_after_a_year", IDENT_0716, "2023-08-16", conclusion={"status": "breached", "due": "2023-07-16", "days_overdue": 31}),
     silent("no_labour_capacity", no_labour(IDENT_0716), "2023-08-16"),
     [silent("one_year_to_the_day", IDENT_0716, "2023-07-16"),
      fires("day_after", IDENT_0716, "2023-07-17", conclusion={"due": "2023-07-16", "days_overdue": 1}),
      silent("29_feb_plus_1_year_is_28_feb", open_case(BASE, "2024-02-29"), "2025-02-28"),
      fires("29_feb_plus_1_year_day_after", open_case(BASE, "2024-02-29"), "2025-03-01", conclusion={"due": "2025-02-28"}),
      silent("eliminated", with_case(IDENT_0716, eliminated_on="2023-03-01"), "2023-08-16")])

# ---------------------------------------------------------------------------------------------
# elimination.yaml (POLICY.md §8)
# ---------------------------------------------------------------------------------------------

# Identified 31 Aug 2022 (clue 16 Aug), income above the range since 1 Aug 2022, employment
# measure from 31 Aug 2022 (in time): every criterion is met on 28 Feb 2023 (31 Aug + 6 months,
# art. 202).
READY_UNMEASURED = open_case(BASE, "2022-08-31", income_above_range_since="2022-08-01")
READY = with_measure(READY_UNMEASURED, "employment", "2022-08-31")
READY_DAY = "2023-02-28"
LATER = "2023-03-15"
# The same in a leap year: 31 Aug 2023 + 6 months = 29 Feb 2024.
READY_LEAP = with_measure(open_case(BASE, "2023-08-31", income_above_range_since="2023-08-01"), "employment", "2023-08-31")

# the five criteria ------------------------------------------------------------------------

rule("elimination.criterion_income_stable",
     fires("above_range_since_1_aug", READY, LATER, facts={"income.per_capita_net": "10,000.00 元"}),
     silent("above_range_a_day_short_of_6_months", with_case(READY, income_above_range_since="2022-09-16"), LATER),
     [fires("above_range_6_months_to_the_day", with_case(READY, income_above_range_since="2022-09-15"), LATER),
      silent("since_31_aug_day_before_28_feb", with_case(READY, income_above_range_since="2022-08-31"), "2023-02-27"),
      fires("since_31_aug_on_28_feb", with_case(READY, income_above_range_since="2022-08-31"), READY_DAY),
      silent("per_capita_6000.00_not_above_range", per_capita(READY, "6000.00"), LATER),
      fires("per_capita_6000.01_above_range", per_capita(READY, "6000.01"), LATER)])

rule("elimination.criterion_time_since_identification",
     fires("exactly_6_months_after_31_aug", READY, READY_DAY),
     silent("a_day_short_of_6_months", READY, "2023-02-27"),
     [fires("later", READY, LATER),
      silent("not_yet_identified", with_case(READY, identified_on=None), LATER),
      fires("leap_year_29_feb", READY_LEAP, "2024-02-29"),
      silent("leap_year_28_feb", READY_LEAP, "2024-02-28")])

rule("elimination.criterion_measures",
     fires("one_measure", READY, LATER, facts={"household.active_measures": "1"}),
     silent("no_measure", READY_UNMEASURED, LATER),
     [silent("measure_ended_day_before", with_measure(READY_UNMEASURED, "employment", "2022-08-31", "2023-03-14"), LATER),
      fires("measure_ends_on_as_of", with_measure(READY_UNMEASURED, "employment", "2022-08-31", LATER), LATER),
      fires("measure_starts_on_as_of", with_measure(READY_UNMEASURED, "employment", LATER), LATER),
      silent("measure_starts_after_as_of", with_measure(READY_UNMEASURED, "employment", "2023-03-16"), LATER),
      fires("any_kind_counts", with_measure(READY_UNMEASURED, "health", "2022-08-31"), LATER)])

rule("elimination.criterion_guarantees",
     fires("all_secured", READY, LATER),
     silent("housing_grade_C", with_fields(READY, housing_grade="C"), LATER),
     [fires("housing_grade_B", with_fields(READY, housing_grade="B"), LATER),
      silent("no_case_at_all", BASE),
      silent("child_15_out_of_school", with_child(READY, aged_day_before_birthday(15, D(LATER))), LATER),
      fires("child_16_out_of_school", with_child(READY, aged(16, D(LATER))), LATER),
      silent("one_member_uninsured", with_member(READY, "m1", basic_medical_insurance=False), LATER),
      fires("cut_off_36_days", with_water(READY, days_cut_off=36), LATER),
      silent("cut_off_37_days", with_water(READY, days_cut_off=37), LATER)])

rule("elimination.criterion_no_new_risk",
     fires("no_shock_no_hardship", READY, LATER),
     silent("shock_day_after_identification", with_shock(READY, "accident", "2022-09-01", severe=False), LATER),
     [fires("shock_on_identification_day", with_shock(READY, "accident", "2022-08-31", severe=False), LATER),
      silent("medical_exactly_30_percent", with_rigid(READY, "medical", "6000.00"), LATER),
      fires("medical_29.99_percent", with_rigid(READY, "medical", "5999.99"), LATER),
      silent("income_fall_exactly_20_percent", fell(READY, "16000.00"), LATER),
      fires("income_fall_just_under_20_percent", fell(READY, "16000.01"), LATER),
      silent("rigid_80_percent_plus_one_fen", with_rigid(READY, "disability", "16000.01"), LATER),
      silent("after_rigid_5999.99", with_rigid(READY, "education", "8000.02"), LATER),
      fires("after_rigid_exactly_6000", with_rigid(READY, "education", "8000.00"), LATER),
      silent("no_case_at_all", BASE),
      silent("already_eliminated", with_case(READY, eliminated_on=READY_DAY), LATER)])

rule("elimination.eligible",
     fires("all_criteria_met", READY, LATER, conclusion={"status": "eligible"}),
     silent("no_measure", READY_UNMEASURED, LATER),
     [fires("exactly_6_months_after_31_aug", READY, READY_DAY),
      silent("a_day_short_of_6_months", READY, "2023-02-27"),
      fires("leap_year_29_feb", READY_LEAP, "2024-02-29"),
      silent("leap_year_28_feb", READY_LEAP, "2024-02-28"),
      silent("income_stable_since_31_aug_reaches_6_months_on_28_feb_not_before",
             with_case(READY, income_above_range_since="2022-08-31"), "2023-02-27"),
      fires("income_stable_since_31_aug_on_28_feb", with_case(READY, income_above_range_since="2022-08-31"), READY_DAY),
      silent("per_capita_6000.00_not_above_range", per_capita(READY, "6000.00"), LATER),
      fires("per_capita_6000.01_above_range", per_capita(READY, "6000.01"), LATER),
      silent("new_shock_after_identification", with_shock(READY, "accident", "2022-12-01", severe=False), LATER),
      silent("no_labour_capacity", no_labour(READY), LATER),
      silent("water_not_safe", with_water(READY, days_cut_off=37), LATER),
      silent("housing_not_safe", with_fields(READY, housing_grade="D"), LATER),
      # POLICY.md §8: never while rigid spending is uncontrolled (Hainan); risk resolved (Qin'an)
      silent("still_a_sudden_severe_difficulty_household", with_rigid(READY, "medical", "8000.00"), LATER),
      fires("medical_just_under_30_percent", with_rigid(READY, "medical", "5999.99"), LATER),
      silent("income_fell_20_percent", fell(READY, "16000.00"), LATER),
      silent("already_eliminated", with_case(READY, eliminated_on=READY_DAY), LATER)])

# the blocked criteria ---------------------------------------------------------------------

rule("elimination.blocked_income",
     fires("income_inside_range", per_capita(OPEN, "5000.00"), conclusion={"status": "blocked", "criterion": "income_stable"}),
     silent("stable_since_january", with_case(OPEN, income_above_range_since="2022-01-31")),
     [silent("stable_6_months_to_the_day", with_case(OPEN, income_above_range_since="2022-01-31")),
      fires("a_day_short_of_6_months", with_case(OPEN, income_above_range_since="2022-02-01"),
            conclusion={"criterion": "income_stable"}),
      fires("per_capita_6000.00_not_above_range", per_capita(with_case(OPEN, income_above_range_since="2022-01-01"), "6000.00")),
      silent("per_capita_6000.01_above_range", per_capita(with_case(OPEN, income_above_range_since="2022-01-01"), "6000.01")),
      fires("31_aug_plus_6_months_day_before", with_case(READY, income_above_range_since="2022-08-31"), "2023-02-27"),
      silent("31_aug_plus_6_months", with_case(READY, income_above_range_since="2022-08-31"), READY_DAY)])

rule("elimination.blocked_hardship",
     fires("medical_40_percent", with_rigid(OPEN, "medical", "8000.00"),
           conclusion={"status": "blocked", "criterion": "hardship_resolved"},
           facts={"expenditure.rigid_out_of_pocket": "8,000.00 元", "income.total": "20,000.00 元"}),
     silent("medical_29.99_percent", with_rigid(OPEN, "medical", "5999.99")),
     [fires("medical_exactly_30_percent", with_rigid(OPEN, "medical", "6000.00")),
      fires("income_fall_exactly_20_percent", fell(OPEN, "16000.00"), facts={"income.fall": "4,000.00 元"}),
      silent("income_fall_just_under_20_percent", fell(OPEN, "16000.01")),
      fires("rigid_80_percent_plus_one_fen", with_rigid(OPEN, "disability", "16000.01")),
      fires("after_rigid_5999.99", with_rigid(OPEN, "education", "8000.02")),
      silent("after_rigid_exactly_6000", with_rigid(OPEN, "education", "8000.00")),
      silent("no_labour_capacity_keeps_monitoring_instead", no_labour(with_rigid(OPEN, "medical", "8000.00"))),
      silent("not_yet_identified", with_rigid(CLUE, "medical", "8000.00")),
      silent("already_eliminated", with_case(with_rigid(OPEN, "medical", "8000.00"), eliminated_on="2022-07-20"))])

rule("elimination.blocked_too_recent",
     fires("identified_6_weeks_ago", OPEN, conclusion={"status": "blocked", "criterion": "time_since_identification",
                                                      "earliest": "2022-12-16"}),
     silent("identified_6_months_ago", OPEN, "2022-12-16"),
     [fires("day_before_28_feb", READY, "2023-02-27", conclusion={"earliest": READY_DAY}),
      silent("31_aug_plus_6_months_is_28_feb", READY, READY_DAY),
      fires("leap_day_before_29_feb", READY_LEAP, "2024-02-28", conclusion={"earliest": "2024-02-29"}),
      silent("31_aug_plus_6_months_is_29_feb_in_leap_year", READY_LEAP, "2024-02-29")])

rule("elimination.blocked_no_measure",
     fires("no_measure", OPEN, conclusion={"status": "blocked", "criterion": "assistance_measures"}),
     silent("one_measure", OPEN_MEASURED),
     [fires("measure_ended_day_before", with_measure(OPEN, "employment", "2022-06-16", "2022-07-30")),
      silent("measure_ends_on_as_of", with_measure(OPEN, "employment", "2022-06-16", "2022-07-31")),
      fires("measure_starts_after_as_of", with_measure(OPEN, "employment", "2022-08-01")),
      silent("measure_starts_on_as_of", with_measure(OPEN, "employment", "2022-07-31"))])

rule("elimination.blocked_guarantees",
     fires("housing_grade_C", with_fields(OPEN, housing_grade="C"), conclusion={"status": "blocked", "criterion": "three_guarantees"}),
     silent("housing_grade_B", with_fields(OPEN, housing_grade="B")),
     [fires("child_15_out_of_school", with_child(OPEN, aged_day_before_birthday(15))),
      silent("child_16_out_of_school", with_child(OPEN, aged(16))),
      fires("child_6_out_of_school", with_child(OPEN, aged(6))),
      silent("child_5_out_of_school", with_child(OPEN, aged_day_before_birthday(5))),
      fires("one_member_uninsured", with_member(OPEN, "m1", basic_medical_insurance=False))])

rule("elimination.blocked_water",
     fires("cut_off_37_days", with_water(OPEN, days_cut_off=37), conclusion={"status": "blocked", "criterion": "drinking_water"}),
     silent("cut_off_36_days", with_water(OPEN, days_cut_off=36)),
     [silent("35_litres", with_water(OPEN, litres_per_person_day="35.0")),
      fires("34.9_litres", with_water(OPEN, litres_per_person_day="34.9")),
      silent("fetch_20_minutes", with_water(OPEN, piped_to_home=False, fetch_minutes=20, horizontal_distance_m=900, vertical_distance_m=100)),
      fires("fetch_21_minutes", with_water(OPEN, piped_to_home=False, fetch_minutes=21, horizontal_distance_m=900, vertical_distance_m=100))])

rule("elimination.blocked_new_risk",
     fires("shock_after_identification", with_shock(OPEN, "accident", "2022-07-01"),
           conclusion={"status": "blocked", "criterion": "no_new_risk", "identified_on": "2022-06-16"}),
     silent("shock_before_identification", with_shock(OPEN, "accident", "2022-06-10")),
     [silent("shock_on_identification_day", with_shock(OPEN, "accident", "2022-06-16")),
      fires("shock_day_after_identification", with_shock(OPEN, "accident", "2022-06-17"))])

rule("elimination.keep_monitoring",
     fires("no_labour_capacity", no_labour(OPEN), conclusion={"status": "keep_monitoring"}),
     silent("one_weak_labourer", with_member(no_labour(OPEN), "m2", labour_capacity="weak")),
     [silent("weak_labour_is_capacity", with_member(no_labour(OPEN), "m1", labour_capacity="weak")),
      fires("lost_and_none", no_labour(OPEN)),
      silent("not_yet_identified", no_labour(with_case(BASE, clue_found_on="2022-07-20")))])

# ---------------------------------------------------------------------------------------------
# assistance.yaml (POLICY.md §9)
# ---------------------------------------------------------------------------------------------

rule("assistance.no_developmental_measure",
     fires("able_willing_health_measure_only", with_measure(OPEN, "health", "2022-06-16"),
           conclusion={"missing_measure": ["industry", "employment"]}),
     silent("employment_measure", OPEN_MEASURED),
     [fires("no_measure_at_all", OPEN),
      fires("employment_measure_ended_day_before", with_measure(OPEN, "employment", "2022-06-16", "2022-07-30")),
      silent("employment_measure_ends_on_as_of", with_measure(OPEN, "employment", "2022-06-16", "2022-07-31")),
      silent("industry_measure", with_measure(OPEN, "industry", "2022-06-16")),
      silent("able_but_unwilling",
             with_member(with_member(OPEN, "m1", willing_to_work=False), "m2", willing_to_work=False)),
      fires("weak_labour_and_willing", with_member(no_labour(OPEN), "m1", labour_capacity="weak", willing_to_work=True))])

rule("assistance.no_comprehensive_security",
     fires("no_labour_no_measure", no_labour(OPEN), conclusion={"missing_measure": ["comprehensive_security"]}),
     silent("comprehensive_security_in_force", with_measure(no_labour(OPEN), "comprehensive_security", "2022-06-16")),
     [silent("weak_labourer_is_capacity", with_member(no_labour(OPEN), "m1", labour_capacity="weak")),
      fires("other_measure_does_not_count", with_measure(no_labour(OPEN), "health", "2022-06-16")),
      fires("security_ended_day_before", with_measure(no_labour(OPEN), "comprehensive_security", "2022-06-16", "2022-07-30"))])

rule("assistance.education_gap",
     fires("child_out_of_school_no_measure", with_child(OPEN, aged(10)), conclusion={"missing_measure": ["compulsory_education"]}),
     silent("compulsory_education_measure", with_measure(with_child(OPEN, aged(10)), "compulsory_education", "2022-06-16")),
     [silent("other_education_measure_counts", with_measure(with_child(OPEN, aged(10)), "other_education", "2022-06-16")),
      fires("child_aged_15", with_child(OPEN, aged_day_before_birthday(15))),
      silent("child_aged_16", with_child(OPEN, aged(16))),
      fires("employment_measure_does_not_count", with_child(OPEN_MEASURED, aged(10))),
      silent("not_an_open_case", with_child(with_case(BASE, clue_found_on="2022-07-20"), aged(10)))])

rule("assistance.housing_gap",
     fires("grade_D_no_measure", with_fields(OPEN, housing_grade="D"), conclusion={"missing_measure": ["housing_safety"]}),
     silent("housing_safety_measure", with_measure(with_fields(OPEN, housing_grade="D"), "housing_safety", "2022-06-16")),
     [fires("grade_C", with_fields(OPEN, housing_grade="C")),
      silent("grade_B", with_fields(OPEN, housing_grade="B")),
      fires("employment_measure_does_not_count", with_fields(OPEN_MEASURED, housing_grade="D")),
      silent("relocation_counts", with_measure(with_fields(OPEN, housing_grade="no_house"), "relocation", "2022-06-16"))])

rule("assistance.water_gap",
     fires("34.9_litres_no_measure", with_water(OPEN, litres_per_person_day="34.9"),
           conclusion={"missing_measure": ["drinking_water_safety"]}),
     silent("drinking_water_measure", with_measure(with_water(OPEN, litres_per_person_day="34.9"), "drinking_water_safety", "2022-06-16")),
     [silent("35_litres", with_water(OPEN, litres_per_person_day="35.0")),
      fires("34.9_litres", with_water(OPEN, litres_per_person_day="34.9")),
      silent("cut_off_36_days", with_water(OPEN, days_cut_off=36)),
      fires("cut_off_37_days", with_water(OPEN, days_cut_off=37)),
      fires("employment_measure_does_not_count", with_water(OPEN_MEASURED, days_cut_off=37)),
      fires("water_measure_ended_day_before",
            with_measure(with_water(OPEN, days_cut_off=37), "drinking_water_safety", "2022-06-16", "2022-07-30"))])

rule("assistance.health_gap",
     fires("seriously_ill_no_health_measure", with_member(OPEN, "m2", health="serious_illness"),
           conclusion={"missing_measure": ["health"]}),
     silent("health_measure", with_measure(with_member(OPEN, "m2", health="serious_illness"), "health", "2022-06-16")),
     [fires("medical_exactly_30_percent", with_rigid(OPEN, "medical", "6000.00")),
      silent("medical_29.99_percent", with_rigid(OPEN, "medical", "5999.99")),
      fires("employment_measure_does_not_count", with_member(OPEN_MEASURED, "m2", health="serious_illness"))])

# ---------------------------------------------------------------------------------------------
# data_quality.yaml
# ---------------------------------------------------------------------------------------------

rule("data_quality.eliminated_too_soon",
     fires("next_month", with_case(OPEN, eliminated_on="2022-07-20"),
           conclusion={"problem": "eliminated_too_soon", "identified_on": "2022-06-16", "eliminated_on": "2022-07-20"}),
     silent("two_months_later", with_case(OPEN, eliminated_on="2022-08-01"), "2022-08-31"),
     [fires("31_jul_to_31_aug", with_case(open_case(BASE, "2022-07-31"), eliminated_on="2022-08-31"), "2022-09-30"),
      silent("31_jul_to_1_sep", with_case(open_case(BASE, "2022-07-31"), eliminated_on="2022-09-01"), "2022-09-30"),
      fires("same_day", with_case(OPEN, eliminated_on="2022-06-16"))])

rule("data_quality.eliminated_before_earliest",
     fires("a_day_before_6_months", with_case(READY, eliminated_on="2023-02-27"), LATER,
           conclusion={"problem": "eliminated_before_earliest", "eliminated_on": "2023-02-27", "earliest": READY_DAY}),
     silent("31_aug_plus_6_months_is_28_feb", with_case(READY, eliminated_on=READY_DAY), LATER),
     [fires("leap_year_28_feb", with_case(READY_LEAP, eliminated_on="2024-02-28"), "2024-03-15",
            conclusion={"earliest": "2024-02-29"}),
      silent("leap_year_29_feb", with_case(READY_LEAP, eliminated_on="2024-02-29"), "2024-03-15"),
      fires("next_month", with_case(OPEN, eliminated_on="2022-07-20")),
      silent("not_eliminated", READY, LATER),
      silent("no_case_at_all", BASE)])

rule("data_quality.eliminated_without_labour",
     fires("no_labour_eliminated", no_labour(with_case(READY, eliminated_on="2023-03-01")), LATER,
           conclusion={"problem": "eliminated_without_labour", "eliminated_on": "2023-03-01"}),
     silent("weak_labourer_eliminated", with_member(no_labour(with_case(READY, eliminated_on="2023-03-01")), "m2",
                                                     labour_capacity="weak"), LATER),
     [silent("not_eliminated_keeps_monitoring", no_labour(READY), LATER),
      fires("lost_and_none", no_labour(with_case(READY, eliminated_on="2023-03-01")), LATER)])

def window(h: dict[str, Any], start: str, end: str) -> dict[str, Any]:
    out = dict(h)
    out["income"] = dict(h["income"], start=start, end=end)
    return out


rule("data_quality.income_window_not_12_months",
     fires("three_month_window", window(BASE, "2022-04-01", "2022-06-30"),
           conclusion={"problem": "income_window_not_12_months", "start": "2022-04-01", "end": "2022-06-30"}),
     silent("twelve_month_window", window(BASE, "2021-07-01", "2022-06-30")),
     [fires("one_day_short", window(BASE, "2021-07-02", "2022-06-30")),
      fires("one_day_long", window(BASE, "2021-07-01", "2022-07-01")),
      silent("march_to_end_of_february_common_year", window(BASE, "2022-03-01", "2023-02-28"), "2023-03-31"),
      silent("march_to_29_february_leap_year", window(BASE, "2023-03-01", "2024-02-29"), "2024-03-31"),
      fires("to_28_february_in_a_leap_year", window(BASE, "2023-03-01", "2024-02-28"), "2024-03-31")])

rule("data_quality.category_contradicts_unstable",
     fires("recorded_marginal", with_case(per_capita(POOR, "5000.00"), clue_found_on="2022-07-20", category="marginal_prone"),
           conclusion={"problem": "category_contradiction", "computed": "unstable_out_of_poverty"}),
     silent("recorded_unstable", with_case(per_capita(POOR, "5000.00"), clue_found_on="2022-07-20", category="unstable_out_of_poverty")),
     [fires("5999.99_below_range", with_case(per_capita(POOR, "5999.99"), clue_found_on="2022-07-20", category="marginal_prone")),
      silent("6000.00_not_below_range", with_case(per_capita(POOR, "6000.00"), clue_found_on="2022-07-20", category="marginal_prone")),
      silent("no_category_recorded", with_case(per_capita(POOR, "5000.00"), clue_found_on="2022-07-20"))])

rule("data_quality.category_contradicts_marginal",
     fires("recorded_unstable", with_case(per_capita(BASE, "5000.00"), clue_found_on="2022-07-20", category="unstable_out_of_poverty"),
           conclusion={"problem": "category_contradiction", "computed": "marginal_prone"}),
     silent("recorded_marginal", with_case(per_capita(BASE, "5000.00"), clue_found_on="2022-07-20", category="marginal_prone")),
     [fires("5999.99_below_range", with_case(per_capita(BASE, "5999.99"), clue_found_on="2022-07-20", category="sudden_severe_difficulty")),
      silent("6000.00_not_below_range", with_case(per_capita(BASE, "6000.00"), clue_found_on="2022-07-20", category="unstable_out_of_poverty"))])

rule("data_quality.category_contradicts_sudden",
     fires("recorded_marginal", with_case(with_rigid(BASE, "medical", "8000.00"), clue_found_on="2022-07-20", category="marginal_prone"),
           conclusion={"problem": "category_contradiction", "computed": "sudden_severe_difficulty"}),
     silent("recorded_sudden", with_case(with_rigid(BASE, "medical", "8000.00"), clue_found_on="2022-07-20",
                                         category="sudden_severe_difficulty")),
     [fires("medical_exactly_30_percent", with_case(with_rigid(BASE, "medical", "6000.00"), clue_found_on="2022-07-20",
                                                    category="marginal_prone")),
      silent("medical_29.99_percent", with_case(with_rigid(BASE, "medical", "5999.99"), clue_found_on="2022-07-20",
                                                category="marginal_prone")),
      # at the range itself a medical burden makes the household sudden, not marginal
      fires("6000.00_with_medical_burden_recorded_marginal",
            with_case(with_rigid(per_capita(BASE, "6000.00"), "medical", "3600.00"), clue_found_on="2022-07-20",
                      category="marginal_prone")),
      silent("5999.99_with_medical_burden_recorded_marginal",
             with_case(with_rigid(per_capita(BASE, "5999.99"), "medical", "3600.00"), clue_found_on="2022-07-20",
                       category="marginal_prone"))])


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------

_UNFILLED = re.compile(r"\{[a-z_][a-z0-9_.]*\}")


def _param(rule_id: str, case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(rule_id, case, id=f"{rule_id}-{case.label}", marks=marks)


def _check(pack: riskrules.RulePack, rule_id: str, case: Case) -> None:
    a = pack.assess(case.record, as_of=case.as_of, jurisdiction=case.jurisdiction)
    fired = {f.rule_id for f in (*a.flags, *a.signals)}
    undecided = {u.rule_id: u.ask_for for u in a.undecided}
    assert rule_id not in undecided, f"{rule_id} undecided, asks for {undecided[rule_id]}"
    if not case.fires:
        assert rule_id not in fired, f"{rule_id} fired: {a.flag(rule_id).explanation_en}"
        return
    assert rule_id in fired, f"{rule_id} did not fire; fired: {sorted(fired)}"
    flag = a.flag(rule_id)
    kind = pack.rule(rule_id).kind
    assert flag.kind == kind
    assert (flag in a.signals) == (kind == "signal")
    for key, value in case.conclusion.items():
        assert flag.conclusion.get(key) == value, f"conclusion[{key}] = {flag.conclusion.get(key)!r}, expected {value!r}"
    shown = {f.name: f.value for f in flag.facts}
    for name, value in case.facts.items():
        assert shown.get(name) == value, f"fact {name} shown as {shown.get(name)!r}, expected {value!r}"
    params = {p.name: p.jurisdiction for p in flag.parameters}
    for name, place in case.param_from.items():
        assert params.get(name) == place, f"parameter {name} from {params.get(name)!r}, expected {place!r}"
    for text in (flag.explanation_zh, flag.explanation_en):
        assert text and not _UNFILLED.search(text), f"unfilled placeholder in {text!r}"
    for part in case.text:
        assert part in flag.explanation_zh or part in flag.explanation_en, f"{part!r} not in the explanation"
    assert flag.citation.document and flag.citation.quote


@pytest.mark.parametrize(("rule_id", "case"), [_param(r, c) for r, c in FIRES.items()])
def test_fires(pack: riskrules.RulePack, rule_id: str, case: Case) -> None:
    _check(pack, rule_id, case)


@pytest.mark.parametrize(("rule_id", "case"), [_param(r, c) for r, c in NEAR.items()])
def test_near_miss(pack: riskrules.RulePack, rule_id: str, case: Case) -> None:
    _check(pack, rule_id, case)


@pytest.mark.parametrize(("rule_id", "case"), [_param(r, c) for r, cs in BOUNDARY.items() for c in cs])
def test_boundary(pack: riskrules.RulePack, rule_id: str, case: Case) -> None:
    _check(pack, rule_id, case)


def test_every_rule_has_tests(pack: riskrules.RulePack) -> None:
    ids = {r.id for r in pack.rules}
    assert len(ids) == len(pack.rules), "duplicate rule ids in the pack"
    for name, table in (("fires", FIRES), ("near miss", NEAR), ("boundary", BOUNDARY)):
        missing = sorted(ids - set(table))
        assert not missing, f"rules without a {name} test: {missing}"
        stale = sorted(set(table) - ids)
        assert not stale, f"tests for rules no longer in the pack: {stale}"
    for rule_id, cases in BOUNDARY.items():
        sides = {c.fires for c in cases if not c.xfail}
        assert sides == {True, False}, f"{rule_id}: boundary cases must cover both sides of the line"


def test_baseline_household_triggers_nothing(pack: riskrules.RulePack) -> None:
    a = pack.assess(household(), as_of=AS_OF)
    assert a.flags == [] and a.signals == []
    assert a.jurisdiction == "620522"
    # With no monitoring case the case facts are decided (not identified, not eliminated, no
    # green channel), so every case rule is decided false and nothing is left to ask.
    assert a.undecided == []


def test_baseline_open_case_with_measure_is_clean_apart_from_elimination_timing(pack: riskrules.RulePack) -> None:
    h = with_case(OPEN_MEASURED, income_above_range_since="2022-01-01")
    a = pack.assess(h, as_of=AS_OF)
    assert [f.rule_id for f in a.flags] == ["elimination.blocked_too_recent"]
    assert {f.rule_id for f in a.signals} == {
        "elimination.criterion_income_stable", "elimination.criterion_measures",
        "elimination.criterion_guarantees", "elimination.criterion_no_new_risk"}
    assert a.undecided == []
