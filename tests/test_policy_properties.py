"""Readings of the policy that must hold for every household, not only the ones written down.

A guarantee gap is never silent: a household above the monitoring range with a known failure of
food, clothing, the three guarantees or drinking water always ends with at least one flag (an
alert outside an open case; an assistance gap, or its elimination flag, inside one).
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskrules
from riskrules.testing import strategies as rs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _gap(record: dict[str, Any], kind: str, as_of: date) -> None:
    """Make ``kind`` a known failure in ``record`` (in place)."""
    if kind == "housing":
        record["housing_grade"] = "D"
    elif kind == "uninsured":
        record["members"][0]["basic_medical_insurance"] = False
    elif kind == "water":
        record["drinking_water"]["litres_per_person_day"] = "10.0"
    elif kind == "food":
        record["food_secured"] = False
    elif kind == "clothing":
        record["clothing_secured"] = False
    elif kind == "school":
        record["members"].append({"member_id": "kid", "birth_date": date(as_of.year - 10, 1, 15).isoformat(),
                                  "relation": "child", "labour_capacity": "none", "in_school": False})


def _above_range(record: dict[str, Any]) -> None:
    """Per-capita net income far above any range the bundled pack holds."""
    size = len(record["members"])
    record["income"].update(wage=f"{50_000 * size}.00", business="0.00", property="0.00", transfer="0.00",
                            production_costs="0.00")


@FAST
@given(st.data(), st.sampled_from(["housing", "uninsured", "water", "food", "clothing", "school"]))
def test_a_known_gap_above_the_range_is_never_silent(pack: riskrules.RulePack, data: st.DataObject, kind: str) -> None:
    as_of = data.draw(rs.as_of_dates(), "as_of")
    record = copy.deepcopy(data.draw(rs.households(as_of=as_of), "record"))
    _above_range(record)
    _gap(record, kind, as_of)
    a = pack.assess(record, as_of=as_of)
    assert a.flags, (kind, [u.rule_id for u in a.undecided])
