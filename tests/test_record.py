"""The intake record: validation, bilingual errors, no silent coercion, identity masking."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import riskrules
from riskrules import Household, InvalidRecord
from riskrules.record.codes import HouseholdType, LabourCapacity, MeasureKind
from riskrules.record.values import id_check_digit

VALID_ID = "11010519491231002X"  # GB 11643's own worked example


def base(**extra: object) -> dict:
    record = {
        "household_id": "HH-001",
        "region_code": "230102",
        "members": [{"member_id": "m1", "birth_date": "1980-05-01"}],
    }
    record.update(extra)
    return record


def problems(data: dict, **kw: object) -> dict[str, str]:
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate(data, **kw)
    return {p.path: p.code for p in info.value.problems}


def test_minimal_partial_record_validates_and_unknown_stays_none() -> None:
    h = Household.model_validate(base())
    assert h.income is None and h.shocks is None and h.members[0].basic_medical_insurance is None


def test_enums_accept_code_or_chinese_label_and_serialise_to_code() -> None:
    a = Household.model_validate(base(household_type="脱贫户"))
    b = Household.model_validate(base(household_type="poverty_alleviated"))
    assert a.household_type is HouseholdType.POVERTY_ALLEVIATED == b.household_type
    assert json.loads(a.model_dump_json())["household_type"] == "poverty_alleviated"
    m = Household.model_validate(base(members=[{"member_id": "m1", "labour_capacity": "弱劳动力或半劳动力"}]))
    assert m.members[0].labour_capacity is LabourCapacity.WEAK
    assert len(MeasureKind) == 14


def test_unknown_label_is_rejected_with_both_languages() -> None:
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate(base(household_type="贫困户"))
    (p,) = info.value.problems
    assert p.path == "household_type" and p.message_zh and p.message_en


@pytest.mark.parametrize("value, ok", [("1234.56", Decimal("1234.56")), (1234.5, Decimal("1234.50")), (0, Decimal("0.00")),
                                       ("0.10", Decimal("0.10"))])
def test_money_is_exact_decimal(value: object, ok: Decimal) -> None:
    h = Household.model_validate(base(income={"start": "2021-08-01", "end": "2022-07-31", "wage": value}))
    assert h.income is not None and h.income.wage == ok and isinstance(h.income.wage, Decimal)


@pytest.mark.parametrize("value, code", [("abc", "money_text"), ("", "money_text"), (12.345, "money_decimals"),
                                         ("12.345", "money_text"), (-1, "money_negative"), (True, "money_type"),
                                         (" 12", "money_text"), ("1e3", "money_text")])
def test_money_refuses_to_guess(value: object, code: str) -> None:
    found = problems(base(income={"start": "2021-08-01", "end": "2022-07-31", "wage": value}))
    assert found == {"income.wage": code}


@pytest.mark.parametrize("field, value", [("months_worked_away", "3"), ("months_worked_away", 3.0),
                                          ("basic_medical_insurance", "true"), ("basic_medical_insurance", 1),
                                          ("birth_date", 0), ("birth_date", "2020/01/01"), ("birth_date", ""),
                                          ("birth_date", "2021-02-29")])
def test_no_silent_coercion(field: str, value: object) -> None:
    found = problems(base(members=[{"member_id": "m1", field: value}]))
    assert list(found) == [f"members[0].{field}"]


def test_five_mistakes_are_reported_together() -> None:
    data = base(
        region_code="990102",                                                    # 1 province code
        members=[{"member_id": "m1", "birth_date": "1980-05-01", "months_worked_away": 13}],  # 2 > 12 months
        income={"start": "2022-08-01", "end": "2022-07-31"},                     # 3 window reversed
        monitoring_case={"clue_found_on": "2022-07-10", "identified_on": "2022-07-01"},  # 4 before clue
        drinking_water={"days_cut_off": -1},                                     # 5 negative days
    )
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate(data)
    assert set(info.value.paths) == {"region_code", "members[0].months_worked_away", "income.end",
                                     "monitoring_case.identified_on", "drinking_water.days_cut_off"}
    for p in info.value.problems:
        assert p.message_zh and p.message_en and p.message_zh != p.message_en
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("data, path", [
    (base(members=[]), "members"),
    (base(members=[{"member_id": "a"}, {"member_id": "a"}]), "members[1].member_id"),  # the duplicate, not the list
    (base(income={"start": "2021-08-01", "end": "2022-07-31", "wage": "1.001"}), "income.wage"),
    (base(monitoring_case={"publicity_start": "2022-07-10", "publicity_end": "2022-07-05"}), "monitoring_case.publicity_end"),
    (base(monitoring_case={"identified_on": "2022-07-10", "eliminated_on": "2022-07-05"}), "monitoring_case.eliminated_on"),
    (base(members=[{"member_id": "m1", "health": "healthy", "disability_grade": 2}]), "members[0].disability_grade"),
    (base(region_code="2301"), "region_code"),
    (base(unexpected="x"), "unexpected"),
])
def test_impossible_records_are_rejected(data: dict, path: str) -> None:
    assert path in problems(data)


def test_birth_after_as_of_is_rejected_when_assessing() -> None:
    data = base(members=[{"member_id": "m1", "birth_date": "2022-08-01"}])
    assert "members[0].birth_date" in problems(data, context={"as_of": date(2022, 7, 31)})
    record = Household.model_validate(data)  # fine without an as-of date
    with pytest.raises(InvalidRecord) as info:
        riskrules.load_rules().assess(record, as_of=date(2022, 7, 31))
    assert info.value.paths == ["members[0].birth_date"]


def test_village_code_is_accepted() -> None:
    assert Household.model_validate(base(region_code="230102001001")).region_code == "230102001001"


def test_identity_number_check_digit_and_masking() -> None:
    assert id_check_digit(VALID_ID[:17]) == "X"
    h = Household.model_validate(base(members=[{"member_id": "m1", "id_number": VALID_ID, "birth_date": "1949-12-31"}]))
    shown = repr(h) + str(h) + h.model_dump_json()
    assert VALID_ID not in shown and "1101**********002X" in shown
    assert h.members[0].id_number is not None and h.members[0].id_number.reveal() == VALID_ID
    full = h.model_dump_json(context={"reveal_identity": True})
    assert VALID_ID in full and Household.model_validate_json(full) == h


def test_wrong_identity_number_is_rejected_without_echoing_it() -> None:
    wrong = VALID_ID[:17] + "1"
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate(base(members=[{"member_id": "m1", "id_number": wrong}]))
    assert info.value.paths == ["members[0].id_number"]
    assert wrong not in str(info.value)
    assert info.value.problems[0].code == "id_check_digit"


def test_masked_identity_number_round_trips_unverified() -> None:
    h = Household.model_validate(base(members=[{"member_id": "m1", "id_number": "1101**********002X"}]))
    assert h.members[0].id_number is not None and not h.members[0].id_number.verified
    assert Household.model_validate_json(h.model_dump_json()) == h


def test_identity_birth_date_must_match() -> None:
    assert "members[0].birth_date" in problems(base(members=[{"member_id": "m1", "id_number": VALID_ID,
                                                              "birth_date": "1950-01-01"}]))


def test_json_schema_has_chinese_title_and_description_on_every_field() -> None:
    schema = riskrules.household_json_schema()
    seen = 0

    def walk(node: object) -> None:
        nonlocal seen
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                seen += 1
                assert prop.get("title") and any("\u4e00" <= ch <= "\u9fff" for ch in prop["title"]), name
                assert prop.get("description") and " / " in prop["description"], name
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert seen > 60
    assert schema["$defs"]["HouseholdType"]["x-labels-zh"] == {"poverty_alleviated": "脱贫户", "ordinary": "一般农户"}


# -- generated records: model -> JSON -> model is the identity -----------------------------
_days = st.dates(min_value=date(1930, 1, 1), max_value=date(2022, 7, 31))
_money = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
_opt = lambda s: st.none() | s  # noqa: E731


@st.composite
def members(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 6))
    return [{
        "member_id": f"m{i}",
        "birth_date": draw(_opt(_days)),
        "labour_capacity": draw(_opt(st.sampled_from(LabourCapacity.codes() + [m.label_zh for m in LabourCapacity]))),
        "basic_medical_insurance": draw(_opt(st.booleans())),
        "months_worked_away": draw(_opt(st.integers(0, 12))),
        "in_school": draw(_opt(st.booleans())),
    } for i in range(n)]


@st.composite
def households(draw: st.DrawFn) -> dict:
    start = draw(st.dates(min_value=date(2019, 1, 1), max_value=date(2021, 12, 31)))
    return {
        "household_id": draw(st.text(min_size=1, max_size=12)),
        "region_code": draw(st.sampled_from(["230102", "460100", "110105", "230102001001"])),
        "household_type": draw(_opt(st.sampled_from(HouseholdType.codes()))),
        "members": draw(members()),
        "income": draw(_opt(st.fixed_dictionaries({
            "start": st.just(start), "end": st.just(start.replace(year=start.year + 1) if (start.month, start.day) != (2, 29) else start),
            "wage": _opt(_money), "business": _opt(_money), "property": _opt(_money), "transfer": _opt(_money),
            "production_costs": _opt(_money)}))),
        "rigid_expenditures": draw(_opt(st.lists(st.fixed_dictionaries({
            "kind": st.sampled_from(["medical", "education", "disaster"]), "out_of_pocket": _money,
            "spent_on": _opt(_days)}), max_size=3))),
        "housing_grade": draw(_opt(st.sampled_from(["A", "B", "C", "D", "no_house"]))),
        "drinking_water": draw(_opt(st.fixed_dictionaries({
            "litres_per_person_day": _opt(st.decimals(min_value=0, max_value=200, places=1)),
            "days_cut_off": _opt(st.integers(0, 366)), "piped_to_home": _opt(st.booleans())}))),
    }


@settings(max_examples=150, deadline=None)
@given(households())
def test_model_json_model_is_identity(data: dict) -> None:
    record = Household.model_validate(data)
    again = Household.model_validate_json(record.model_dump_json(context={"reveal_identity": True}))
    assert again == record
    assert again.model_dump_json() == record.model_dump_json()
