"""Properties of the bundled pack over households no one wrote down, drawn by
:mod:`riskrules.testing.strategies` (the strategies a jurisdiction uses for its own pack).

- lowering income never removes a low-income flag;
- adding an assistance measure never adds an assistance gap;
- moving the as-of date forward never clears a breached deadline;
- the same input twice gives identical JSON;
- and the strategies themselves: valid records are assessed, invalid ones refused at the path
  they were broken at.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskrules
from riskrules.testing import strategies as rs

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LOW_INCOME = ("signal.low_income", "signal.income_after_rigid_below_range")


def fired(a: riskrules.Assessment) -> set[str]:
    return {f.rule_id for f in (*a.flags, *a.signals)}


@FAST
@given(st.data())
def test_lowering_income_never_removes_a_low_income_flag(pack: riskrules.RulePack, data: st.DataObject) -> None:
    as_of = data.draw(rs.as_of_dates(), "as_of")
    record = data.draw(rs.households(as_of=as_of), "record")
    lower = copy.deepcopy(record)
    income = lower["income"]
    part = data.draw(st.sampled_from(["wage", "business", "property", "transfer", "production_costs"]), "part")
    if part == "production_costs" or Decimal(income[part]) == 0:
        income["production_costs"] = str(Decimal(income["production_costs"]) + Decimal(data.draw(rs.money(0.01, 5000), "more costs")))
    else:
        income[part] = str(Decimal(income[part]) - Decimal(data.draw(rs.money(0.01, Decimal(income[part])), "less")))
    before = fired(pack.assess(record, as_of=as_of))
    after = fired(pack.assess(lower, as_of=as_of))
    for rule_id in LOW_INCOME:
        assert rule_id not in before or rule_id in after, f"{rule_id} lost when income fell"


@FAST
@given(st.data())
def test_adding_a_measure_never_adds_an_assistance_gap(pack: riskrules.RulePack, data: st.DataObject) -> None:
    as_of = data.draw(rs.as_of_dates(), "as_of")
    record = data.draw(rs.households(as_of=as_of, case=data.draw(st.booleans())), "record")
    more = copy.deepcopy(record)
    more["assistance_measures"].append(data.draw(rs.measures(as_of=as_of), "measure"))

    def gaps(r: dict[str, Any]) -> dict[str, str]:
        return {f.rule_id: f.severity for f in pack.assess(r, as_of=as_of).flags if f.kind == "assistance_gap"}

    before, after = gaps(record), gaps(more)
    # No warning appears; the one notice that may is "developmental help only through a
    # public-welfare job or credit", when the measure added is one of those two.
    assert {r for r, sev in after.items() if sev != "notice"} <= set(before)
    for rule_id in set(after) - set(before):
        assert rule_id == "assistance.developmental_not_priority", rule_id
        assert more["assistance_measures"][-1]["kind"] in ("public_welfare_job", "finance")


@FAST
@given(st.data())
def test_moving_the_as_of_date_forward_never_clears_a_breached_deadline(pack: riskrules.RulePack, data: st.DataObject) -> None:
    first = data.draw(rs.as_of_dates(max_value=rs.LAST_AS_OF - timedelta(days=1)), "first")
    later = data.draw(rs.as_of_dates(min_value=first + timedelta(days=1)), "later")
    # A record of a fixed past: no measure planned after the first date.
    record = data.draw(rs.households(as_of=first, case=True, future_measures=False), "record")
    before = {f.rule_id: f for f in pack.assess(record, as_of=first).flags
              if f.kind == "deadline_breach" and f.conclusion.get("status") == "breached"}
    after = {f.rule_id: f for f in pack.assess(record, as_of=later).flags}
    for rule_id, flag in before.items():
        assert rule_id in after, f"{rule_id} breached on {first}, cleared on {later}"
        days = flag.conclusion.get("days_overdue")
        if isinstance(days, int):
            assert after[rule_id].conclusion.get("days_overdue") == days + (later - first).days


@FAST
@given(rs.as_of_dates(), st.data())
def test_the_same_input_twice_gives_identical_json(pack: riskrules.RulePack, as_of: date, data: st.DataObject) -> None:
    record = data.draw(rs.households(as_of=as_of, complete=data.draw(st.booleans())), "record")
    assert pack.assess(record, as_of=as_of).model_dump_json() == pack.assess(copy.deepcopy(record), as_of=as_of).model_dump_json()


@FAST
@given(rs.invalid_households())
def test_invalid_records_are_refused_where_they_were_broken(pack: riskrules.RulePack, case: rs.Invalid) -> None:
    try:
        pack.assess(case.record, as_of=case.as_of)
    except riskrules.InvalidRecord as e:
        assert case.path in e.paths, (case.why, e.paths)
    else:
        raise AssertionError(f"accepted a record broken by {case.why}")
