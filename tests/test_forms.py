"""The form-ready schema (``riskrules schema --form``): plain nullable types, one ``oneOf`` of
``const`` + Chinese title per choice, money as a string with its pattern, units, sections in a
caseworker's order, UI hints; built from the models, so new fields flow in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import Field

import riskrules
from riskrules.cli import main
from riskrules.forms.schema import (
    FALLBACK_SECTION,
    MONEY_PATTERN,
    REGION_PATTERN,
    SECTIONS,
    form_bundle,
    form_schema,
    form_ui_schema,
    section_of,
)
from riskrules.record.codes import Health
from riskrules.record.household import Household
from riskrules.record.values import Yuan

EXPECTED_SECTIONS = ["家庭基本信息", "家庭成员", "收入", "支出", "两不愁三保障", "饮水", "突发事件", "监测记录", "帮扶措施"]


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _fields(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field schema of an object schema, items of arrays included, with its path."""
    for name, prop in node.get("properties", {}).items():
        yield f"{path}/{name}", prop
        yield from _fields(prop, f"{path}/{name}")
        items = prop.get("items")
        if isinstance(items, dict):
            yield from _fields(items, f"{path}/{name}/-")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return form_schema()


def test_no_anyof_no_enum_no_ref(schema: dict[str, Any]) -> None:
    # anyOf becomes an "option 1 / option 2" picker in form libraries; enum shows English codes.
    for node in _walk(schema):
        assert "anyOf" not in node and "enum" not in node and "$ref" not in node and "$defs" not in node


def test_an_object_field_keeps_its_own_title(schema: dict[str, Any]) -> None:
    assert schema["properties"]["income"]["title"] == "家庭收入"
    assert schema["properties"]["previous_income"]["title"] == "上期家庭收入"
    assert schema["properties"]["members"]["items"]["title"] == "家庭成员"


def test_every_field_has_a_chinese_title_and_an_english_one(schema: dict[str, Any]) -> None:
    seen = 0
    for path, prop in _fields(schema):
        seen += 1
        assert _cjk(prop["title"]), path
        assert any("a" <= ch <= "z" for ch in prop["x-title-en"].lower()), path
    assert seen > 70


def test_optional_fields_are_plain_nullable_types(schema: dict[str, Any]) -> None:
    for model_schema in (schema, schema["properties"]["members"]["items"], schema["properties"]["monitoring_case"]):
        required = set(model_schema.get("required", []))
        for name, prop in model_schema["properties"].items():
            types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            assert ("null" in types) == (name not in required), name
            assert len([t for t in types if t != "null"]) == 1, name


def test_every_choice_is_one_oneof_of_const_with_a_chinese_title(schema: dict[str, Any]) -> None:
    choices = [(path, prop) for path, prop in _fields(schema) if "oneOf" in prop]
    choices += [(path + "/-", prop["items"]) for path, prop in _fields(schema) if "oneOf" in prop.get("items", {})]
    assert len(choices) >= 25
    for path, prop in choices:
        for option in prop["oneOf"]:
            assert set(option) == {"const", "title", "description"}, path
            assert _cjk(option["title"]), path
            assert not _cjk(option["description"]), path
    health = schema["properties"]["members"]["items"]["properties"]["health"]
    assert [o["const"] for o in health["oneOf"]] == [*Health.codes(), None]
    assert [o["title"] for o in health["oneOf"]][:2] == ["健康", "长期慢性病"]


def test_yes_no_fields_say_unknown_too(schema: dict[str, Any]) -> None:
    insured = schema["properties"]["members"]["items"]["properties"]["basic_medical_insurance"]
    assert insured["type"] == ["boolean", "null"]
    assert [(o["const"], o["title"]) for o in insured["oneOf"]] == [(True, "是"), (False, "否"), (None, "未知")]


def test_money_is_one_type_with_its_pattern_and_unit(schema: dict[str, Any]) -> None:
    wage = schema["properties"]["income"]["properties"]["wage"]
    assert wage == {**wage, "type": ["string", "null"], "pattern": MONEY_PATTERN, "x-unit": "元"}
    amount = schema["properties"]["income"]["properties"]["transfer_items"]["items"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["pattern"] == MONEY_PATTERN
    money = [path for path, prop in _fields(schema) if prop.get("pattern") == MONEY_PATTERN]
    assert len(money) >= 12
    assert all(prop.get("x-unit") == "元" for _, prop in _fields(schema) if prop.get("pattern") == MONEY_PATTERN)


def test_units(schema: dict[str, Any]) -> None:
    units = {path: prop["x-unit"] for path, prop in _fields(schema) if "x-unit" in prop}
    assert units["/drinking_water/litres_per_person_day"] == "升/人/天"
    assert units["/drinking_water/fetch_minutes"] == "分钟"
    assert units["/drinking_water/horizontal_distance_m"] == "米"
    assert units["/drinking_water/days_cut_off"] == "天"
    assert units["/income/wage"] == "元"
    assert {"元", "升/人/天", "分钟", "米", "天"} <= set(units.values())


def test_sections_in_a_caseworkers_order(schema: dict[str, Any]) -> None:
    sections = schema["x-sections"]
    assert [s["title_zh"] for s in sections][: len(EXPECTED_SECTIONS)] == EXPECTED_SECTIONS
    listed = [f for s in sections for f in s["fields"]]
    assert sorted(listed) == sorted(Household.model_fields), "every top-level field in exactly one section"
    assert list(schema["properties"]) == listed, "properties in section order"
    for s in sections:
        for name in s["fields"]:
            assert schema["properties"][name]["x-section"] == s["id"]


def test_the_section_table_names_top_level_fields_only() -> None:
    known = set(Household.model_fields)
    for s in SECTIONS:
        assert s.title_zh and s.title_en
    # Names the table holds for fields of the concurrent policy work may not exist yet; the
    # ones that do must be top-level fields, and nothing is left without a section.
    assert {"household_id", "members", "income", "drinking_water", "monitoring_case"} <= {f for s in SECTIONS for f in s.fields} & known
    assert section_of("a_field_added_tomorrow") is FALLBACK_SECTION


def test_a_new_field_flows_into_the_form_and_the_fallback_section() -> None:
    class Tomorrow(Household):
        pension_card: bool | None = Field(default=None, title="是否持有养老金卡", description="是否持有 / holds a pension card")
        savings: Yuan | None = Field(default=None, title="存款（元）", description="存款 / savings")

    schema = form_schema(Tomorrow)
    assert schema["properties"]["pension_card"]["oneOf"][0] == {"const": True, "title": "是", "description": "yes"}
    assert schema["properties"]["savings"]["pattern"] == MONEY_PATTERN
    assert schema["x-sections"][-1]["id"] == FALLBACK_SECTION.id
    assert schema["x-sections"][-1]["fields"] == ["pension_card", "savings"]
    assert list(schema["properties"])[-2:] == ["pension_card", "savings"]
    assert form_ui_schema(Tomorrow)["ui:order"][-2:] == ["pension_card", "savings"]


def test_region_codes_are_checked_for_a_province_in_both_schemas(schema: dict[str, Any]) -> None:
    assert schema["properties"]["region_code"]["pattern"] == REGION_PATTERN
    assert riskrules.household_json_schema()["properties"]["region_code"]["pattern"] == REGION_PATTERN


def test_ui_hints() -> None:
    ui = form_ui_schema()
    assert ui["ui:order"] == [f for s in form_schema()["x-sections"] for f in s["fields"]]
    assert ui["relocation_site"]["ui:widget"] == "radio"
    assert ui["members"]["items"]["in_school"]["ui:widget"] == "radio"
    assert ui["monitoring_case"]["risk_types"]["ui:widget"] == "checkboxes"
    assert ui["income"]["wage"]["ui:help"].startswith("单位：元")
    assert ui["drinking_water"]["fetch_minutes"]["ui:options"]["inputType"] == "number"


def test_bundle_and_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--form"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(form_bundle()))
    assert set(printed) == {"schema", "uiSchema", "sections", "labels"}
    assert printed["labels"]["severities"]["warning"] == ["警示", "warning"]  # not 预警, which names the alerts
    assert printed["labels"]["kinds"]["risk_alert"][0] == "风险预警" and "signal" not in printed["labels"]["kinds"]
    assert riskrules.schema.household_form_schema() == form_bundle()


def test_the_plain_schema_stays_for_validation() -> None:
    plain = riskrules.household_json_schema()
    assert "$defs" in plain and "enum" in plain["$defs"]["Health"]


def _json_record(record: Household) -> dict[str, Any]:
    return json.loads(record.model_dump_json(exclude_none=True))


@pytest.mark.parametrize("draft", ["Draft7Validator", "Draft202012Validator"])
def test_the_form_schema_accepts_every_example_and_refuses_what_the_record_refuses(schema: dict[str, Any], draft: str) -> None:
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    validator = getattr(jsonschema_rs, draft)(schema)
    for name in riskrules.example_names():
        record = _json_record(riskrules.load_example(name))
        errors = [e.message for e in validator.iter_errors(record)]
        assert not errors, (name, errors)
    # Explicit nulls are fine (unknown); a code, a yes/no and money of the wrong shape are not.
    good = {"household_id": "h1", "region_code": "230102", "household_type": None,
            "members": [{"member_id": "m1", "health": None, "in_school": None}], "shocks": None}
    assert validator.is_valid(good)
    refused_by_both = [{**good, "household_type": "poor"}, {**good, "region_code": "000000"},
                       {**good, "members": [{"member_id": "m1", "in_school": "yes"}]},
                       {**good, "income": {"start": "2021-08-01", "end": "2022-07-31", "wage": "12.345"}}]
    for bad in refused_by_both:
        assert not validator.is_valid(bad), bad
        with pytest.raises(riskrules.InvalidRecord):
            Household.model_validate(bad)
    # The record also takes money as a JSON number; a form sends it as text, exactly.
    as_number = {**good, "income": {"start": "2021-08-01", "end": "2022-07-31", "wage": 12}}
    assert not validator.is_valid(as_number)
    assert Household.model_validate(as_number).income.wage == Decimal("12.00")  # type: ignore[union-attr]
