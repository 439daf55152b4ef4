"""Whatever a caller hands to ``assess``, the answer is an assessment or an InvalidRecord:
never another exception, never a crash."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskrules
from builders import HAINAN, household, open_case, with_shock

_scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62, max_value=2**70)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
            | st.sampled_from(["", "１２３", "2022-02-30", "2022-07-01", "脱贫户", "ordinary", "230102199001011234",
                               "12.345", "1e3", "-1", "999999999999"]))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)

_BASES = [household(), open_case(household(household_type="poverty_alleviated"), "2022-06-16"),
          with_shock(open_case(household(region_code=HAINAN), "2022-06-16"), "natural_disaster", "2022-05-01")]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


@st.composite
def _records(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(_json)
    record = copy.deepcopy(draw(st.sampled_from(_BASES)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(record)))
        target = record
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = draw(_json)
    return record


_as_of = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)) | st.sampled_from(
    [date(2022, 7, 31), date(2021, 1, 1), date(2020, 12, 31), date(2026, 12, 31), date(2027, 1, 5)])
_jurisdiction = st.none() | st.sampled_from(["CN", "23", "46", "460105", "XX", "", "2301020010011", "9" * 12]) | st.text(max_size=6)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_records(), _as_of, _jurisdiction)
def test_assess_answers_or_refuses_whatever_it_is_given(pack: riskrules.RulePack, record: Any, as_of: date,
                                                        jurisdiction: Any) -> None:
    try:
        result = pack.assess(record, as_of=as_of, jurisdiction=jurisdiction)
    except riskrules.InvalidRecord as e:
        assert e.problems and all(p.path and p.message_zh and p.message_en for p in e.problems)
        assert e.__context__ is None and e.__cause__ is None
        return
    assert isinstance(result, riskrules.Assessment)
    result.model_dump_json()
