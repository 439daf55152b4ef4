"""Hardening of the intake record: bounds, strict codes, duplicates, identity numbers, digits,
dates, one list of as-of-checked case dates, and InvalidRecord as the only failure.

Every rule has a refused case and a near case that is accepted (a bound itself is accepted,
one past it is refused).
"""

from __future__ import annotations

import copy
import json
import typing
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from builders import household, open_case, with_measure, with_rigid, with_shock
from hypothesis import given, settings
from hypothesis import strategies as st

import riskrules
from riskrules import Household, InvalidRecord
from riskrules.record import codes
from riskrules.record.checks import dates_after
from riskrules.record.household import CASE_DATE_FIELDS, MonitoringCase
from riskrules.record.values import id_check_digit


def make_id(region: str = "110105", born: date = date(1949, 12, 31), serial: str = "002") -> str:
    """A valid resident identity number (GB 11643 check digit computed)."""
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + id_check_digit(first17)


VALID_ID = make_id()                                  # 11010519491231002X, GB 11643's worked example
OTHER_ID = make_id("230102", date(1980, 5, 1), "123")
FULL_WIDTH_ID = VALID_ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
MASKED_ID = VALID_ID[:4] + "*" * 10 + VALID_ID[-4:]


def rejected(data: Any, **kw: Any) -> InvalidRecord:
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate(data, **kw)
    return info.value


def codes_at(data: Any, **kw: Any) -> dict[str, str]:
    return {p.path: p.code for p in rejected(data, **kw).problems}


def at(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with ``value`` at ``path`` (keys and list indices)."""
    out = copy.deepcopy(data)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def full(**overrides: Any) -> dict[str, Any]:
    """The baseline household with a monitoring case, a shock, a rigid expenditure and a
    measure, so every part of the record has a value to replace."""
    h = household(**overrides)
    h = open_case(h, category="marginal_prone", risk_types=["illness"], township_reviewed_on="2022-06-10",
                  home_visits=["2022-06-20"])
    h = with_shock(h, "serious_illness", "2022-05-01", loss="1000.00")
    h = with_rigid(h, "medical", "2000.00", "2022-05-02")
    h = with_measure(h, "health", "2022-06-20")
    h["income"]["transfer_items"] = [{"kind": "pension", "amount": "0.00"}]
    h["members"][0]["id_number"] = OTHER_ID
    h["members"][0]["birth_date"] = "1980-05-01"
    return h


def test_full_baseline_is_valid() -> None:
    assert Household.model_validate(full()).members[0].id_number is not None


# -- 1. every whole number is bounded and strict ----------------------------------------------
INT_FIELDS = [
    (("members", 0, "disability_grade"), 1, 4),
    (("members", 0, "months_worked_away"), 0, 12),
    (("drinking_water", "fetch_minutes"), 0, 1440),
    (("drinking_water", "horizontal_distance_m"), 0, 100_000),
    (("drinking_water", "vertical_distance_m"), 0, 10_000),
    (("drinking_water", "days_cut_off"), 0, 366),
]


def _int_record(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    h = at(household(), path, value)
    if path[-1] == "disability_grade":
        h["members"][0]["health"] = "disabled"
    return h


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path))


@pytest.mark.parametrize("path, low, high", INT_FIELDS)
def test_whole_numbers_are_bounded_at_both_ends(path: tuple[str | int, ...], low: int, high: int) -> None:
    for ok in (low, high):
        Household.model_validate(_int_record(path, ok))
    for bad, code in ((high + 1, "number_too_large"), (low - 1, "number_too_small"), (2**63, "number_too_large"),
                      (10**5000, "number_too_large"), (-(2**63), "number_too_small")):
        error = rejected(_int_record(path, bad))
        (problem,) = error.problems
        assert (problem.path, problem.code) == (_dotted(path), code)
        assert str(high) in problem.message_zh and str(high) in problem.message_en


@pytest.mark.parametrize("path, low, high", INT_FIELDS)
@pytest.mark.parametrize("value", [True, False, 3.0, "3", Decimal(3), [3]])
def test_whole_numbers_are_strict(path: tuple[str | int, ...], low: int, high: int, value: Any) -> None:
    assert codes_at(_int_record(path, value)) == {_dotted(path): "number_type"}


def test_whole_numbers_are_bounded_in_json_too() -> None:
    text = json.dumps(_int_record(("drinking_water", "fetch_minutes"), 1441))
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate_json(text)
    assert info.value.paths == ["drinking_water.fetch_minutes"]
    assert Household.model_validate_json(text.replace("1441", "1440")).drinking_water.fetch_minutes == 1440  # type: ignore[union-attr]


def test_json_schema_publishes_every_bound() -> None:
    defs = riskrules.household_json_schema()["$defs"]
    for path, low, high in INT_FIELDS:
        model = "Member" if path[0] == "members" else "DrinkingWater"
        (branch,) = [b for b in defs[model]["properties"][path[-1]]["anyOf"] if b.get("type") == "integer"]
        assert (branch["minimum"], branch["maximum"]) == (low, high)


@pytest.mark.parametrize("value, ok", [("10000", True), (10000, True), ("10000.1", False), (10000.1, False),
                                       (float("nan"), False), (float("inf"), False), (Decimal("sNaN"), False)])
def test_litres_are_bounded(value: Any, ok: bool) -> None:
    data = _int_record(("drinking_water", "litres_per_person_day"), value)
    if ok:
        Household.model_validate(data)
    else:
        assert list(codes_at(data)) == ["drinking_water.litres_per_person_day"]


@pytest.mark.parametrize("value, ok", [("100000000.00", True), (100_000_000, True), ("100000000.01", False),
                                       pytest.param(10**5000, False, id="10**5000")])
def test_money_is_bounded(value: Any, ok: bool) -> None:
    data = at(household(), ("income", "wage"), value)
    if ok:
        Household.model_validate(data)
    else:
        assert codes_at(data) == {"income.wage": "money_too_large"}


# -- 2. strict codes: text or member only, no recursion ----------------------------------------
CODE_FIELDS: list[tuple[tuple[str | int, ...], type[codes.Coded]]] = [
    (("household_type",), codes.HouseholdType),
    (("housing_grade",), codes.HousingGrade),
    (("members", 0, "relation"), codes.Relation),
    (("members", 0, "labour_capacity"), codes.LabourCapacity),
    (("members", 0, "health"), codes.Health),
    (("members", 0, "education_exemption"), codes.EducationExemption),
    (("income", "transfer_items", 0, "kind"), codes.TransferKind),
    (("rigid_expenditures", 0, "kind"), codes.ExpenditureKind),
    (("shocks", 0, "kind"), codes.ShockKind),
    (("monitoring_case", "discovery_channel"), codes.DiscoveryChannel),
    (("monitoring_case", "category"), codes.MonitoringCategory),
    (("monitoring_case", "risk_types", 0), codes.RiskType),
    (("monitoring_case", "elimination_method"), codes.EliminationMethod),
    (("assistance_measures", 0, "kind"), codes.MeasureKind),
]


def _deep(depth: int) -> Any:
    value: Any = "ordinary"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("path, enum", CODE_FIELDS, ids=lambda v: getattr(v, "__name__", None))
def test_code_fields_refuse_anything_but_exact_text(path: tuple[str | int, ...], enum: type[codes.Coded]) -> None:
    for bad in (_deep(1000), [enum.codes()[0]], 1, True, 1.5, {"code": enum.codes()[0]}, " " + enum.codes()[0],
                enum.codes()[0].upper() + "x", VALID_ID):
        error = rejected(at(full(), path, bad))
        (problem,) = error.problems
        assert (problem.path, problem.code) == (_dotted(path), "enum")
        for code in enum.codes():  # the message lists what is allowed
            assert code in problem.message_en and code in problem.message_zh
        assert VALID_ID not in str(error)


@pytest.mark.parametrize("path, enum", CODE_FIELDS, ids=lambda v: getattr(v, "__name__", None))
def test_code_fields_take_code_label_or_member_and_write_the_code(path: tuple[str | int, ...],
                                                                  enum: type[codes.Coded]) -> None:
    for member in enum:
        for given_value in (member.value, member.label_zh, member):
            data = at(full(), path, given_value)
            if path[-1] == "elimination_method":
                data["monitoring_case"]["eliminated_on"] = "2022-07-01"
            record = Household.model_validate(data)
            node: Any = json.loads(record.model_dump_json())
            for part in path:
                node = node[part]
            assert node == member.value


def test_json_schema_lists_each_code_definition_with_its_codes() -> None:
    defs = riskrules.household_json_schema()["$defs"]
    enums = [e for e in vars(codes).values() if isinstance(e, type) and issubclass(e, codes.Coded) and e is not codes.Coded]
    assert len(enums) == 14
    for enum in enums:
        definition = defs[enum.__name__]
        assert definition["enum"] == enum.codes()
        assert [o["const"] for o in definition["oneOf"]] == enum.codes()
        assert definition["x-labels-zh"] == {m.value: m.label_zh for m in enum}


def test_deep_nesting_in_json_is_refused() -> None:
    text = json.dumps(household()).replace('"ordinary"', "[" * 100_000 + '"ordinary"' + "]" * 100_000, 1)
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate_json(text)
    assert info.value.problems[0].code == "json_invalid"


# -- 3. duplicates ---------------------------------------------------------------------------
def _two(second: dict[str, Any], first: dict[str, Any] | None = None) -> dict[str, Any]:
    h = household()
    h["members"][0].update(first or {})
    h["members"][1].update(second)
    return h


@pytest.mark.parametrize("other", ["m1", " m1", "m1 ", "M1", "ｍ１", "Ｍ１\u3000"])
def test_member_ids_are_compared_normalised(other: str) -> None:
    error = rejected(_two({"member_id": other}))
    (problem,) = error.problems
    assert (problem.path, problem.code) == ("members[1].member_id", "duplicate_member")
    assert "与第1名成员重复" in problem.message_zh and "same as member 1" in problem.message_en


@pytest.mark.parametrize("other", ["m2", "m11", "m1-a", "n1"])
def test_different_member_ids_are_accepted(other: str) -> None:
    Household.model_validate(_two({"member_id": other}))


def test_duplicate_messages_never_echo_the_id_and_every_duplicate_is_reported() -> None:
    h = household()
    h["members"] = [{"member_id": "Zed-42"}, {"member_id": "zed-42 "}, {"member_id": "q"}, {"member_id": "ＺＥＤ-42"}]
    error = rejected(h)
    assert [(p.path, p.code) for p in error.problems] == [("members[1].member_id", "duplicate_member"),
                                                         ("members[3].member_id", "duplicate_member")]
    shown = str(error) + repr(error) + json.dumps(error.as_dicts(), ensure_ascii=False)
    assert "Zed-42" not in shown and "zed-42" not in shown.lower().replace("members", "")


def test_same_identity_number_on_two_members_is_refused() -> None:
    error = rejected(_two({"id_number": OTHER_ID, "birth_date": None}, {"id_number": OTHER_ID.lower()}))
    (problem,) = error.problems
    assert (problem.path, problem.code) == ("members[1].id_number", "duplicate_id_number")
    assert "与第1名成员重复" in problem.message_zh and "same as member 1" in problem.message_en
    assert OTHER_ID not in str(error)
    # Near cases: two different numbers, or the same masked number (two people may share a mask).
    Household.model_validate(_two({"id_number": make_id("230102", date(1982, 9, 12), "124"), "birth_date": "1982-09-12"},
                                  {"id_number": OTHER_ID}))
    Household.model_validate(_two({"id_number": MASKED_ID}, {"id_number": MASKED_ID}))


def test_duplicates_are_reported_with_other_problems() -> None:
    h = _two({"member_id": "M1"})
    h["region_code"] = "990102"
    h["drinking_water"]["fetch_minutes"] = 1441
    assert codes_at(h) == {"members[1].member_id": "duplicate_member", "region_code": "region_province",
                           "drinking_water.fetch_minutes": "number_too_large"}


# -- 4. identity numbers never leak -------------------------------------------------------------
@pytest.mark.parametrize("field", ["household_id", "member_id"])
@pytest.mark.parametrize("value", [VALID_ID, VALID_ID.lower(), FULL_WIDTH_ID, f"HH-{VALID_ID}", f" {VALID_ID} "])
def test_an_id_must_not_be_an_identity_number(field: str, value: str) -> None:
    data = household(household_id=value) if field == "household_id" else at(household(), ("members", 0, "member_id"), value)
    error = rejected(data)
    (problem,) = error.problems
    assert problem.code == "id_is_identity_number"
    assert problem.message_zh == "编号不能使用居民身份证号码"
    assert problem.message_en == "an id must not be a resident identity number"
    assert VALID_ID not in str(error) and FULL_WIDTH_ID not in str(error)


@pytest.mark.parametrize("value", [VALID_ID[:17] + "1", VALID_ID[:-1], "HH-" + VALID_ID[:17], MASKED_ID, "110105194912310020"])
def test_ids_that_are_not_identity_numbers_are_accepted(value: str) -> None:
    assert Household.model_validate(household(household_id=value)).household_id == value


def _leaky_records() -> list[Any]:
    """Bad records with VALID_ID (or its full-width form) in every place it could slip out."""
    h = household()
    return [
        household(household_id=VALID_ID),
        at(h, ("members", 0, "member_id"), VALID_ID),
        {**h, VALID_ID: 1},
        {**h, FULL_WIDTH_ID: 1},
        {**h, "x" * 60 + VALID_ID: 1},                         # shortened path must not cut the mask
        {**h, "members": [{**h["members"][0], VALID_ID: True}]},
        at(h, ("members", 0, "id_number"), VALID_ID[:17] + "1"),
        at(h, ("members", 0, "id_number"), FULL_WIDTH_ID),
        at(h, ("members", 0, "id_number"), " " + VALID_ID),
        at(at(h, ("members", 0, "id_number"), VALID_ID), ("members", 0, "birth_date"), "1950-01-01"),
        _two({"id_number": VALID_ID, "birth_date": "1949-12-31"}, {"id_number": VALID_ID, "birth_date": "1949-12-31"}),
        at(h, ("household_type",), VALID_ID),
        at(h, ("region_code",), VALID_ID),
        at(h, ("income", "wage"), VALID_ID),
        at(h, ("income", "wage"), int(VALID_ID[:17])),
        at(h, ("drinking_water", "fetch_minutes"), int(VALID_ID[:17] + "0")),
        at(h, ("drinking_water", "litres_per_person_day"), VALID_ID),
        at(h, ("members", 0, "birth_date"), VALID_ID),
        at(h, ("members", 0, "in_school"), VALID_ID),
        at(h, ("members",), VALID_ID),
        at(h, ("shocks",), [{"kind": "accident", "occurred_on": "2022-05-01", VALID_ID: VALID_ID}]),
        VALID_ID,
        [VALID_ID],
    ]


def _assert_no_identity_number(text: str, *, prefix_too: bool = True) -> None:
    """Neither valid number appears, in any case or width; nor (for refusals) its first 17 digits."""
    for number in (VALID_ID, VALID_ID.lower(), FULL_WIDTH_ID, OTHER_ID):
        assert number not in text
    if prefix_too:
        assert VALID_ID[:17] not in text and OTHER_ID[:17] not in text


@pytest.mark.parametrize("data", _leaky_records())
def test_identity_numbers_never_leak_from_a_refusal(data: Any) -> None:
    attempts = [lambda: Household.model_validate(data)]
    try:
        text = json.dumps(data, ensure_ascii=False)
    except ValueError:
        text = None
    if text is not None:
        attempts += [lambda: Household.model_validate_json(text), lambda: Household.model_validate_json(text.encode())]
    for attempt in attempts:
        with pytest.raises(InvalidRecord) as info:
            attempt()
        error = info.value
        assert error.__context__ is None and error.__cause__ is None
        shown = [str(error), repr(error), str(error.args), str(error.__context__), str(error.__cause__),
                 json.dumps(error.as_dicts(), ensure_ascii=False)]
        shown += [f"{p.path} {p.code} {p.message_zh} {p.message_en}" for p in error.problems]
        _assert_no_identity_number("\n".join(shown))


def test_identity_numbers_never_leak_from_an_accepted_record() -> None:
    data = _two({"id_number": make_id("230102", date(1982, 9, 12), "124"), "birth_date": "1982-09-12"},
                {"id_number": VALID_ID, "birth_date": "1949-12-31"})
    record = Household.model_validate(data)
    _assert_no_identity_number(record.model_dump_json() + repr(record) + str(record) + str(record.model_dump())
                               + json.dumps(record.model_dump(mode="json")))
    assert MASKED_ID in record.model_dump_json()
    assert record.members[0].id_number is not None and record.members[0].id_number.reveal() == VALID_ID


# -- 5. ASCII digits only ----------------------------------------------------------------------
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("path, value", [
    (("income", "wage"), "123"),
    (("income", "wage"), "12.50"),
    (("drinking_water", "litres_per_person_day"), "60.5"),
    (("region_code",), "230102"),
    (("members", 0, "birth_date"), "1980-05-01"),
    (("members", 0, "id_number"), OTHER_ID),
])
@pytest.mark.parametrize("digits", [None, FULL_WIDTH, ARABIC_INDIC])
def test_only_ascii_digits(path: tuple[str | int, ...], value: str, digits: dict[int, str] | None) -> None:
    data = at(household(), path, value if digits is None else value.translate(digits))
    if digits is None:
        Household.model_validate(data)
    else:
        assert list(codes_at(data)) == [_dotted(path)]


# -- 6. plausible dates --------------------------------------------------------------------------
@pytest.mark.parametrize("value, ok", [("1900-01-01", True), ("1899-12-31", False), (date(1900, 1, 1), True),
                                       (date(1899, 12, 31), False), ("0001-01-01", False), ("2099-12-31", True),
                                       ("2100-01-01", False), ("9999-12-31", False), (date.max, False)])
def test_every_date_lies_in_1900_to_2099(value: Any, ok: bool) -> None:
    # A measure's end date may lie in the future; a birth date may not be before 1900.
    for path in (("assistance_measures", 0, "ended_on"), ("members", 0, "birth_date"),
                 ("monitoring_case", "home_visits", 0), ("shocks", 0, "occurred_on")):
        data = at(full(), path, value)
        del data["members"][0]["id_number"]                # its birth date would not match
        data["assistance_measures"][0]["started_on"] = None  # nor would an end before the start
        if ok:
            Household.model_validate(data)
        else:
            assert codes_at(data) == {_dotted(path): "date_out_of_range"}


def test_identity_number_birth_date_must_be_plausible() -> None:
    today = date.today()
    for born, ok in ((date(1900, 1, 1), True), (date(1899, 12, 31), False), (today, True),
                     (today + timedelta(days=1), False)):
        data = at(household(), ("members", 0, "id_number"), make_id(born=born))
        data["members"][0]["birth_date"] = None
        if ok:
            Household.model_validate(data)
        else:
            assert codes_at(data) == {"members[0].id_number": "id_birth_range"}


# -- 7. one list of as-of-checked case dates -----------------------------------------------------
def test_case_date_list_covers_every_single_date_of_a_case() -> None:
    def is_single_date(annotation: Any) -> bool:  # Day | None, i.e. Optional[Annotated[date, ...]]
        return any(typing.get_origin(arg) is typing.Annotated and typing.get_args(arg)[0] is date
                   for arg in typing.get_args(annotation))

    single_dates = {name for name, f in MonitoringCase.model_fields.items() if is_single_date(f.annotation)}
    assert len(single_dates) == 9  # not_included_on joined the eight dates of a case
    assert set(CASE_DATE_FIELDS) == single_dates and len(CASE_DATE_FIELDS) == len(set(CASE_DATE_FIELDS))


@pytest.mark.parametrize("name", CASE_DATE_FIELDS)
def test_each_case_date_is_checked_against_as_of_in_both_places(name: str) -> None:
    as_of = date(2022, 7, 31)
    data = household(monitoring_case={name: "2022-08-01"})
    assert codes_at(data, context={"as_of": as_of}) == {f"monitoring_case.{name}": "date_after_as_of"}
    record = Household.model_validate(data)
    assert [(p.path, p.code) for p in dates_after(record, as_of)] == [(f"monitoring_case.{name}", "date_after_as_of")]
    # Near case: on the as-of date itself.
    assert not dates_after(Household.model_validate(household(monitoring_case={name: "2022-07-31"}), context={"as_of": as_of}),
                           as_of)


def test_late_case_dates_are_reported_together() -> None:
    data = household(monitoring_case={"clue_found_on": "2022-08-01", "identified_on": "2022-08-02",
                                      "income_above_range_since": "2022-08-03"})
    assert set(codes_at(data, context={"as_of": date(2022, 7, 31)})) == {
        "monitoring_case.clue_found_on", "monitoring_case.identified_on", "monitoring_case.income_above_range_since"}


# -- 8. InvalidRecord, and only InvalidRecord ----------------------------------------------------
@pytest.mark.parametrize("data", [None, 1, "x", b"{}", [], [household()], 1.5, True, object(), {1: 2}, {"household_id"},
                                  {**household(), "members": iter([])}])
def test_anything_but_a_record_is_invalid_record(data: Any) -> None:
    error = rejected(data)
    assert error.problems and error.__context__ is None and error.__cause__ is None


@pytest.mark.parametrize("text", [b"\xff\xfe{}", b"{\"household_id\": \"\xc3\x28\"}", "", "[" * 100_000, "{" * 5000,
                                  '{"household_id": "h", "members": [' + "9" * 5000 + "]}", 5, None,
                                  json.dumps(household(household_id="x" * 5_000_000))])
def test_anything_but_record_json_is_invalid_record(text: Any) -> None:
    with pytest.raises(InvalidRecord) as info:
        Household.model_validate_json(text)
    assert info.value.problems and info.value.__context__ is None and info.value.__cause__ is None


@pytest.mark.parametrize("context", [None, [], "as_of", {"as_of": "2022-07-31"}, {"as_of": datetime(2022, 7, 31, 12)}])
def test_odd_contexts_do_not_break_validation(context: Any) -> None:
    assert Household.model_validate(household(), context=context).household_id == "HH-0001"


def test_problems_are_bilingual_and_located() -> None:
    data = full()
    data["members"][0]["disability_grade"] = True
    data["drinking_water"]["days_cut_off"] = 367
    data["household_type"] = _deep(50)
    data["shocks"][0]["occurred_on"] = "1899-12-31"
    data["income"]["wage"] = "１２"
    error = rejected(data)
    assert {p.path: p.code for p in error.problems} == {
        "members[0].disability_grade": "number_type", "drinking_water.days_cut_off": "number_too_large",
        "household_type": "enum", "shocks[0].occurred_on": "date_out_of_range", "income.wage": "money_text"}
    for p in error.problems:
        assert p.message_zh and p.message_en and p.message_zh != p.message_en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p.message_zh)


# -- anything at all: a model or InvalidRecord ---------------------------------------------------
_ID_LIKE = [VALID_ID, FULL_WIDTH_ID, VALID_ID.lower(), MASKED_ID, OTHER_ID, VALID_ID[:17] + "1"]
_TEXT = st.text(max_size=12) | st.sampled_from(
    ["１２３", "١٢٣", "123", "12.34", "-1", "1e3", "2022-07-31", "１９００-０１-０１", "1899-12-31", "2100-01-01",
     "230102", "２３０１０２", "脱贫户", "poverty_alleviated", "m1", " M1", "ｍ１", "", " ", *_ID_LIKE])
# Built by map(): hypothesis shows a strategy's repr, and an int of 5000 digits has none.
_HUGE = st.tuples(st.sampled_from([63, 64, 100, 5000]), st.sampled_from([1, -1])).map(lambda e: e[1] * 2 ** e[0])
_SCALARS = (st.none() | st.booleans() | st.integers() | _HUGE | st.floats() | _TEXT
            | st.decimals(allow_nan=True, allow_infinity=True) | st.dates())
_KEYS = _TEXT | st.sampled_from(["household_id", "region_code", "members", "member_id", "kind", "start", "end"])
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
                       max_leaves=12)


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out: list[tuple[str | int, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


_BASE = full()
_BASE_PATHS = _paths(_BASE)


@st.composite
def _mutated(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(_BASE)
    for path in draw(st.lists(st.sampled_from(_BASE_PATHS), min_size=1, max_size=3)):
        try:
            data = at(data, path, draw(_VALUES))
        except (KeyError, IndexError, TypeError):  # an earlier change removed the path
            pass
    return data


def _check_outcome(validate: Any) -> None:
    try:
        record = validate()
    except InvalidRecord as error:
        assert error.problems and error.__context__ is None and error.__cause__ is None
        assert all(p.code != "validation_failed" for p in error.problems), error  # a validator bug, not bad input
        for p in error.problems:
            assert p.path and p.code and p.message_zh and p.message_en
        _assert_no_identity_number(str(error))
    else:
        assert isinstance(record, Household)
        # A wrong check digit is no identity number: such an id may show its first 17 digits.
        _assert_no_identity_number(record.model_dump_json() + repr(record), prefix_too=False)


@settings(max_examples=300, deadline=None)
@given(_VALUES | _mutated())
def test_any_value_gives_a_model_or_invalid_record(data: Any) -> None:
    _check_outcome(lambda: Household.model_validate(data))
    try:
        text = json.dumps(data, default=str)
    except ValueError:  # an int too long to write, or a circular structure
        return
    _check_outcome(lambda: Household.model_validate_json(text))
