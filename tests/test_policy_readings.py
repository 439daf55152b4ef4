"""Readings of the policy that need a changed pack or a date near the calendar's end to show:
parameters are those in force when the thing happened, an event before the pack's first values
takes its earliest ones, and a deadline in a year without a holiday calendar is known by its
earliest possible day while that day is far enough ahead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.testing.builders import household, open_case, with_case


def _dated_limit(pack_dir: Path) -> riskrules.RulePack:
    """The bundled pack with the national identification limit raised to 30 days from 2022-07-10."""
    cn = pack_dir / "parameters" / "CN.yaml"
    text = cn.read_text(encoding="utf-8")
    anchor = "  identification_time_limit:\n    values:\n"
    new_value = ("      - effective: 2022-07-10\n        value: {amount: 30, unit: calendar_days}\n        local: true\n"
                 "        source: {document: 测试, issuer: 测试, date: 2022-07-10, clause: 测试, quote: 30天}\n")
    cn.write_text(text.replace(anchor, anchor + new_value, 1), encoding="utf-8")
    return riskrules.load_rules(pack_dir)


def test_a_deadline_takes_the_limit_in_force_on_the_clue_day(pack_dir: Path) -> None:
    pack = _dated_limit(pack_dir)
    before = pack.assess(with_case(household(), clue_found_on="2022-07-01"), as_of=date(2022, 7, 31))
    flag = before.flag("deadline.identification_overdue")
    limit = next(p for p in flag.parameters if p.name == "identification_time_limit")
    assert limit.effective == date(2021, 1, 1) and flag.conclusion["due"] == "2022-07-18"
    # The limit that took effect on 2022-07-10 counts only for clues found from that day.
    after = pack.assess(with_case(household(), clue_found_on="2022-07-12"), as_of=date(2022, 7, 31))
    assert "deadline.identification_overdue" not in after.rule_ids()
    assert pack.reading(with_case(household(), clue_found_on="2022-07-12"), date(2022, 7, 31),
                        "deadline.identification_overdue").outcome == "not_fired"


def test_an_event_before_the_first_values_takes_the_earliest_ones(pack: riskrules.RulePack) -> None:
    h = open_case(household(), "2021-01-20", clue_found_on="2020-12-20")
    a = pack.assess(h, as_of=date(2022, 3, 1))
    late = a.flag("deadline.identification_late")
    # 15 days from 2020-12-20 is 2021-01-04, a Monday after the New Year holiday.
    assert late.conclusion == {"status": "completed_late", "due": "2021-01-04", "days_overdue": 16}
    assert {p.effective for p in late.parameters} == {date(2021, 1, 1)}


def test_a_deadline_in_a_year_without_a_calendar_is_its_earliest_day_when_far_enough_ahead(pack: riskrules.RulePack) -> None:
    h = open_case(household(), "2026-06-01", clue_found_on="2026-05-20")
    reading = pack.reading(h, date(2026, 11, 29), "deadline.labour_capable_still_at_risk")
    assert reading.outcome == "not_fired"
    shown = {f.name: f.value for f in reading.facts}
    assert shown["deadline.labour_review"].startswith("2027-06-01 或之后") and "no 2027 holiday calendar" in shown["deadline.labour_review"]
    # Near the last day, the calendar decides: an error naming the file to add.
    with pytest.raises(riskrules.InvalidRecord) as info:
        pack.assess(with_case(household(region_code="460105"), clue_found_on="2026-12-20"), as_of=date(2026, 12, 28))
    assert "calendars/2027.yaml" in info.value.problems[0].message_en
