"""What to ask next: ``pack.next_questions(partial_record, as_of)``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

import riskrules
from riskrules import FlagKind, InvalidRecord
from riskrules.forms.questions import NextQuestions, next_questions, path_parts, pointer_of

AS_OF = date(2022, 7, 31)


def _start(**extra: Any) -> dict[str, Any]:
    return {"household_id": "h1", "region_code": "230128", "members": [{"member_id": "m1"}], **extra}


INCOME = {"start": "2021-08-01", "end": "2022-07-31", "wage": "3000", "business": "1000", "property": "0",
          "transfer": "500", "production_costs": "200"}


def _ask(pack: riskrules.RulePack, record: Any, as_of: date = AS_OF) -> NextQuestions:
    return next_questions(pack, record, as_of)


def _by_pointer(result: NextQuestions) -> dict[str, Any]:
    return {q.pointer: q for q in result.questions}


def test_a_new_household_is_asked_for_its_income_first(pack: riskrules.RulePack) -> None:
    result = _ask(pack, _start())
    qs = _by_pointer(result)
    assert next(iter(qs)) == "/income" and {"/shocks", "/household_type"} <= set(qs)
    income = qs["/income"]
    assert (income.title_zh, income.collect, income.section, income.section_title_zh) == ("家庭收入", "fields", "income", "收入")
    assert income.fields == ["/income/start", "/income/end", "/income/wage", "/income/business", "/income/property",
                             "/income/transfer", "/income/production_costs"]  # transfer_items is not needed
    assert {r.title_zh for r in income.decides} >= {"边缘易致贫户", "脱贫不稳定户"}
    assert qs["/shocks"].collect == "list" and qs["/shocks"].fields == ["/shocks"]
    health = qs["/members/0/health"]
    assert (health.label_zh, health.path, health.collect) == ("家庭成员 m1 · 健康状况", "members[0].health", "value")
    settles = [q.settles for q in result.questions]
    assert settles == sorted(settles, reverse=True)
    assert result.flags == [] and result.rule_pack.version == pack.version


def test_internal_signals_never_appear(pack: riskrules.RulePack) -> None:
    for record in (_start(), *(riskrules.load_example(n) for n in riskrules.example_names())):
        result = _ask(pack, record)
        assessment = pack.assess(record, AS_OF)
        assert all(u.kind is not FlagKind.SIGNAL for u in result.undecided)
        assert all(r.kind is not FlagKind.SIGNAL for q in result.questions for r in q.decides)
        visible = {u.rule_id for u in assessment.undecided if u.kind is not FlagKind.SIGNAL}
        assert {u.rule_id for u in result.undecided} == visible
        # Every question comes from what a visible rule asks for, and every such path is asked.
        asked = {pointer_of(path_parts(p)) for u in assessment.undecided if u.rule_id in visible for p in u.ask_for}
        covered = {f for q in result.questions for f in (q.pointer, *q.fields)}
        assert asked <= covered
        assert {q.pointer for q in result.questions} <= asked

def test_a_field_only_a_signal_needs_is_not_asked(pack: riskrules.RulePack) -> None:
    for record in (_start(), _start(household_type="ordinary", income=INCOME),
                   *(riskrules.load_example(n) for n in riskrules.example_names())):
        assessment = pack.assess(record, AS_OF)
        by_kind: dict[bool, set[str]] = {True: set(), False: set()}
        for u in assessment.undecided:
            by_kind[u.kind is FlagKind.SIGNAL].update(pointer_of(path_parts(p)) for p in u.ask_for)
        signal_only = by_kind[True] - by_kind[False]
        covered = {f for q in _ask(pack, record).questions for f in (q.pointer, *q.fields)}
        assert not signal_only & covered


def test_answers_change_the_questions_and_bring_flags(pack: riskrules.RulePack) -> None:
    step1 = _ask(pack, _start(household_type="poverty_alleviated"))
    step2 = _ask(pack, _start(household_type="poverty_alleviated", income=INCOME))
    assert "/income" in _by_pointer(step1) and "/income" not in _by_pointer(step2)
    assert "identification.unstable_out_of_poverty" in [f.rule_id for f in step2.flags]
    assert step2.flags == pack.assess(_start(household_type="poverty_alleviated", income=INCOME), AS_OF).flags
    assert len(step2.undecided) < len(step1.undecided)
    # Saying "no shocks, no rigid spending" ([] is an answer; null is not yet asked) settles more.
    step3 = _ask(pack, _start(household_type="poverty_alleviated", income=INCOME, shocks=[], rigid_expenditures=[]))
    assert "/shocks" in _by_pointer(step2) and not {"/shocks", "/rigid_expenditures"} & set(_by_pointer(step3))
    assert len(step3.undecided) < len(step2.undecided)


def test_an_incomplete_object_asks_only_for_what_matters(pack: riskrules.RulePack) -> None:
    partial = {k: v for k, v in INCOME.items() if k not in ("property", "transfer")}
    qs = _by_pointer(_ask(pack, _start(household_type="ordinary", income=partial)))
    assert qs["/income"].fields == ["/income/property", "/income/transfer"]
    # A measure without a start date: its start is needed, not its end (an open measure has none).
    record = _start(household_type="ordinary", income=INCOME, shocks=[],
                    monitoring_case={"clue_found_on": "2022-05-01", "identified_on": "2022-05-10"},
                    assistance_measures=[{"kind": "industry"}])
    covered = {f for q in _ask(pack, record).questions for f in q.fields}
    assert "/assistance_measures/0/started_on" in covered and "/assistance_measures/0/ended_on" not in covered
    # A filled-in object whose rule waits for something else is not asked about.
    complete = _ask(pack, _start(household_type="ordinary", income=INCOME))
    assert "/income" not in _by_pointer(complete) and "/previous_income" in _by_pointer(complete)


def test_a_field_asked_for_inside_a_missing_object_is_part_of_its_question(pack: riskrules.RulePack) -> None:
    qs = _by_pointer(_ask(pack, _start()))
    # data_quality.income_window_not_12_months asks for income.start and income.end
    assert "/income/start" not in qs and "/income/end" not in qs
    assert any(r.rule_id == "data_quality.income_window_not_12_months" for r in qs["/income"].decides)


def test_ranking_shares_each_outcome_among_its_questions(pack: riskrules.RulePack) -> None:
    result = _ask(pack, _start())
    total_rules = len(result.undecided)
    assert sum(q.settles for q in result.questions) == pytest.approx(total_rules, abs=0.01)
    for q in result.questions:
        assert 0 <= q.settles_alone <= len(q.decides)


def test_the_pack_method_and_determinism(pack: riskrules.RulePack) -> None:
    record = riskrules.load_example("ready_for_elimination")
    one = pack.next_questions(record, AS_OF).model_dump_json()
    assert one == next_questions(pack, record, AS_OF).model_dump_json()
    assert json.loads(one)["household_id"] == record.household_id


def test_a_record_that_cannot_be_accepted_raises(pack: riskrules.RulePack) -> None:
    with pytest.raises(InvalidRecord) as info:
        _ask(pack, {"household_id": "h1", "region_code": "230128", "members": [{"member_id": "m1", "birth_date": "2030-01-01"}]})
    assert info.value.paths == ["members[0].birth_date"]


@pytest.mark.parametrize("path, pointer", [("members[0].health", "/members/0/health"), ("income", "/income"),
                                           ("monitoring_case.publicity_end", "/monitoring_case/publicity_end"),
                                           ("a/b~c", "/a~1b~0c")])
def test_pointers(path: str, pointer: str) -> None:
    assert pointer_of(path_parts(path)) == pointer
