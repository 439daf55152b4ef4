"""The form-ready schema of the intake record (表单结构): what a JSON-Schema form library renders.

The plain schema (:func:`riskrules.schema.household_json_schema`) is pydantic's, for validation:
an optional field there is ``anyOf [X, null]``, an enumeration both ``enum`` and ``oneOf``, money
"number or string". A form library turns each ``anyOf`` into an "option 1 / option 2" picker and
shows the English codes of ``enum``. The form schema says the same record another way:

- an optional field is one plain nullable type (``"type": ["string", "null"]``);
- a choice is one ``oneOf`` of ``{"const": code, "title": 中文, "description": English}`` (a
  yes/no field too, with 未知 for an optional one: unknown is not no);
- money is a string with its pattern (exact yuan and fen, no float), with its unit;
- every field has its Chinese ``title``, its English ``x-title-en`` and, where it has one, its
  unit (``x-unit``: 元, 升/人/天, 分钟, 米, 天);
- no ``$ref``: every object is written out, so any library (and draft-07 validators) reads it.

It is built from the models, so a field added to the record appears here without a change; the
top-level fields are grouped into sections in the order a caseworker fills them (one table,
:data:`SECTIONS`; a field it does not name goes to the last section, 其他).

Beside it, :func:`form_ui_schema` gives UI hints in react-jsonschema-form's ``uiSchema`` form
(``ui:order``, ``ui:widget``, ``ui:help``), which other renderers may read or ignore.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..record.bounds import IntRange
from ..record.codes import Coded
from ..record.household import Household
from ..record.values import PROVINCE_CODES, ResidentId, _parse_yuan
from .labels import flag_labels

__all__ = [
    "FALLBACK_SECTION",
    "MONEY_PATTERN",
    "REGION_PATTERN",
    "SECTIONS",
    "FieldDoc",
    "Section",
    "english_title",
    "field_doc",
    "form_bundle",
    "form_schema",
    "form_ui_schema",
    "section_of",
    "tighten_patterns",
]

MONEY_PATTERN = r"^[0-9]+(\.[0-9]{1,2})?$"
# A region code as the record checks it: 6 or 12 digits, the first two a province of GB/T 2260.
REGION_PATTERN = "^(" + "|".join(sorted(PROVINCE_CODES)) + ")([0-9]{4}|[0-9]{10})$"
_GENERIC_REGION = r"^([0-9]{6}|[0-9]{12})$"


def tighten_patterns(schema: Any) -> Any:
    """``schema`` with the generic region-code pattern narrowed to real province prefixes, so
    that a form (or a generated client) refuses "000000" as the record does."""
    if isinstance(schema, dict):
        if schema.get("pattern") == _GENERIC_REGION:
            schema["pattern"] = REGION_PATTERN
        for value in schema.values():
            tighten_patterns(value)
    elif isinstance(schema, list):
        for value in schema:
            tighten_patterns(value)
    return schema


@dataclass(frozen=True)
class Section:
    """A group of top-level fields, as a caseworker fills them (表单分区)."""

    id: str
    title_zh: str
    title_en: str
    fields: tuple[str, ...]

    def as_dict(self, present: list[str] | None = None) -> dict[str, Any]:
        return {"id": self.id, "title_zh": self.title_zh, "title_en": self.title_en,
                "fields": list(self.fields if present is None else present)}


# The one table of sections. It names top-level fields of the record only; a field it does not
# name (a new one) is shown in FALLBACK_SECTION, so nothing is ever left off the form.
SECTIONS: tuple[Section, ...] = (
    Section("household", "家庭基本信息", "household", ("household_id", "region_code", "household_type", "relocation_site")),
    Section("members", "家庭成员", "members", ("members",)),
    Section("income", "收入", "income", ("income", "previous_income")),
    Section("expenditure", "支出", "expenditure", ("rigid_expenditures",)),
    Section("guarantees", "两不愁三保障", "food, clothing, education, medical care, housing",
            ("food_secured", "clothing_secured", "food_and_clothing_secured", "housing_grade")),
    Section("water", "饮水", "drinking water", ("drinking_water",)),
    Section("shocks", "突发事件", "shocks", ("shocks",)),
    Section("case", "监测记录", "monitoring case", ("monitoring_case",)),
    Section("measures", "帮扶措施", "assistance measures", ("assistance_measures",)),
)
FALLBACK_SECTION = Section("other", "其他", "other", ())

_SECTION_OF = {name: s for s in SECTIONS for name in s.fields}
_ORDER = {name: i for i, name in enumerate(n for s in SECTIONS for n in s.fields)}

# Units the types do not carry themselves ((model, field) -> (中文, English)).
_UNITS: dict[tuple[str, str], tuple[str, str]] = {
    ("DrinkingWater", "litres_per_person_day"): ("升/人/天", "litres per person per day"),
}
_YUAN = ("元", "yuan")

_YES_NO = ({"const": True, "title": "是", "description": "yes"}, {"const": False, "title": "否", "description": "no"})
_UNKNOWN = {"const": None, "title": "未知", "description": "unknown (not yet asked)"}


def section_of(field: str) -> Section:
    """The section a top-level field of the record is shown in."""
    return _SECTION_OF.get(field, FALLBACK_SECTION)


def english_title(info: FieldInfo, name: str) -> str:
    """A field's English title: the English half of its bilingual description ("中文 / English"),
    up to its first comma or semicolon, without parentheses ("members (at least one)" ->
    "members"); its name where it has none."""
    text = info.description or ""
    if " / " not in text:
        return name.replace("_", " ")
    full = text.split(" / ", 1)[1].strip()
    short = re.sub(r"\s*\([^)]*\)", "", re.split(r"[;,]", full, maxsplit=1)[0]).strip()
    return short or full


@dataclass(frozen=True)
class FieldDoc:
    """What a form needs to say about one field of the record."""

    title_zh: str
    title_en: str
    unit_zh: str | None
    unit_en: str | None
    is_list: bool
    is_object: bool


# ---------------------------------------------------------------------------------------------
# What a field's annotation is


@dataclass(frozen=True)
class _Shape:
    kind: str  # model, list, coded, bool, money, int, decimal, date, identity, text
    nullable: bool
    inner: Any = None        # the model, the enum, or the list's item annotation
    int_range: IntRange | None = None
    decimal_places: int = 2


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(the annotation without None and Annotated, whether None is allowed, its metadata)."""
    nullable = False
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            metadata.extend(extra)
            annotation = base
            continue
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) < len(typing.get_args(annotation)):
                nullable = True
            if len(args) == 1:
                annotation = args[0]
                continue
        return annotation, nullable, metadata


def _shape(annotation: Any, metadata: list[Any]) -> _Shape:
    base, nullable, inner_meta = _unwrap(annotation)
    meta = [*metadata, *inner_meta]
    int_range = next((m for m in meta if isinstance(m, IntRange)), None)
    if any(getattr(m, "func", None) is _parse_yuan for m in meta):
        return _Shape("money", nullable)
    if typing.get_origin(base) is list:
        return _Shape("list", nullable, typing.get_args(base)[0])
    if isinstance(base, type):
        if issubclass(base, BaseModel):
            return _Shape("model", nullable, base)
        if issubclass(base, Coded):
            return _Shape("coded", nullable, base)
        if base is bool:
            return _Shape("bool", nullable)
        if base is int:
            return _Shape("int", nullable, int_range=int_range)
        if issubclass(base, Decimal):
            places = next((m.decimal_places for m in meta if getattr(m, "decimal_places", None) is not None), 2)
            return _Shape("decimal", nullable, decimal_places=places)
        if issubclass(base, date):
            return _Shape("date", nullable)
        if base is ResidentId:
            return _Shape("identity", nullable)
    return _Shape("text", nullable)


# ---------------------------------------------------------------------------------------------
# The schema


def _type(name: str, nullable: bool) -> dict[str, Any]:
    return {"type": [name, "null"] if nullable else name}


def _choices(options: list[dict[str, Any]], nullable: bool) -> list[dict[str, Any]]:
    return [*options, dict(_UNKNOWN)] if nullable else options


def _denull(prop: dict[str, Any]) -> dict[str, Any]:
    """pydantic's JSON schema of a field, without its ``anyOf [X, null]`` (X itself)."""
    branches = prop.get("anyOf")
    if not branches:
        return prop
    rest = [b for b in branches if b != {"type": "null"}]
    if len(rest) == 1:
        return rest[0]
    numeric = [b for b in rest if b.get("type") in ("number", "integer")]
    return numeric[0] if numeric else rest[0]


_CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format")


def _kept(json: dict[str, Any]) -> dict[str, Any]:
    return tighten_patterns({k: json[k] for k in _CONSTRAINTS if k in json})


def _unit(model: type[BaseModel], name: str, shape: _Shape) -> tuple[str, str] | None:
    if (model.__name__, name) in _UNITS:
        return _UNITS[(model.__name__, name)]
    if shape.kind == "money":
        return _YUAN
    if shape.int_range is not None and shape.int_range.unit_zh:
        return shape.int_range.unit_zh, shape.int_range.unit_en
    return None


def _value_schema(shape: _Shape, json: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value of ``shape``; ``json`` is pydantic's (without null) for constraints."""
    n = shape.nullable
    if shape.kind == "model":
        return _object_schema(shape.inner, nullable=n)
    if shape.kind == "coded":
        enum: type[Coded] = shape.inner
        return {**_type("string", n),
                "oneOf": _choices([{"const": m.value, "title": m.label_zh, "description": m.value.replace("_", " ")}
                                   for m in enum], n)}
    if shape.kind == "bool":
        return {**_type("boolean", n), "oneOf": _choices([dict(o) for o in _YES_NO], n)}
    if shape.kind == "money":
        return {**_type("string", n), "pattern": MONEY_PATTERN}
    if shape.kind == "int":
        out = {**_type("integer", n), **_kept(json)}
        if shape.int_range is not None:
            out.update(minimum=shape.int_range.low, maximum=shape.int_range.high)
        return out
    if shape.kind == "decimal":
        # As the record writes it (JSON text, exact), like money: "35.5".
        places = shape.decimal_places
        tail = "" if places == 0 else (r"(\.[0-9])?" if places == 1 else rf"(\.[0-9]{{1,{places}}})?")
        out = {**_type("string", n), "pattern": f"^[0-9]+{tail}$"}
        if "maximum" in json:
            out["x-maximum"] = json["maximum"]
        return out
    if shape.kind == "date":
        return {**_type("string", n), "format": "date"}
    if shape.kind == "identity":
        return {**_type("string", n), **_kept(json), "maxLength": 18}
    if shape.kind == "list":
        item_shape = _shape(shape.inner, [])
        items_json = json.get("items", {}) if isinstance(json.get("items"), dict) else {}
        out = {**_type("array", n), "items": _value_schema(item_shape, items_json)}
        for key in ("minItems", "maxItems"):
            if key in json:
                out[key] = json[key]
        if item_shape.kind == "coded":  # a set of choices: checkboxes
            out["uniqueItems"] = True
        return out
    text = {**_type(json.get("type", "string") if isinstance(json.get("type"), str) else "string", n), **_kept(json)}
    return text


def _fields(model: type[BaseModel]) -> Iterator[tuple[str, FieldInfo, _Shape, dict[str, Any]]]:
    props = _model_json(model).get("properties", {})
    for name, info in model.model_fields.items():
        shape = _shape(info.annotation, list(info.metadata))
        yield name, info, shape, _denull(props.get(name, {}))


@cache
def _model_json(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def _object_schema(model: type[BaseModel], nullable: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, info, shape, json in _fields(model):
        # The field's own title and description win over its model's (上期家庭收入, not 家庭收入).
        field: dict[str, Any] = {"title": info.title or name, "x-title-en": english_title(info, name)}
        if info.description:
            field["description"] = info.description
        field.update((k, v) for k, v in _value_schema(shape, json).items() if k not in ("title", "description"))
        unit = _unit(model, name, shape)
        if unit is not None:
            field["x-unit"], field["x-unit-en"] = unit
        properties[name] = field
        if info.is_required():
            required.append(name)
    doc = (model.__doc__ or model.__name__).strip().splitlines()[0]
    out: dict[str, Any] = {**_type("object", nullable), "title": _model_title(model), "description": doc,
                           "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _model_title(model: type[BaseModel]) -> str:
    """A model's Chinese name: the start of its docstring (家庭成员 (a member...) -> 家庭成员)."""
    doc = (model.__doc__ or model.__name__).strip().splitlines()[0]
    for stop in (" (", "（", ":", "："):
        doc = doc.split(stop, 1)[0]
    return doc.strip(" .")


def _ordered_top(properties: dict[str, Any]) -> list[str]:
    known = sorted((n for n in properties if n in _ORDER), key=_ORDER.__getitem__)
    return known + [n for n in properties if n not in _ORDER]


def form_schema(model: type[Household] = Household) -> dict[str, Any]:
    """The form-ready JSON Schema of :class:`~riskrules.Household` (see the module docstring).

    Its keywords are common to JSON Schema draft-07 and 2020-12. Top-level properties are in
    section order, and each names its section in ``x-section``. ``model`` is for a record
    extended by a caller (or a test): its new fields go to the section the table gives them."""
    schema = _object_schema(model)
    schema["title"] = "农户信息采集表"
    schema["description"] = "农户信息采集记录 / household intake record: " \
                            "未知的留空，不等于“否”或 0 / leave unknown fields empty: unknown is not no or 0"
    props = schema["properties"]
    for name in props:
        props[name]["x-section"] = section_of(name).id
    schema["properties"] = {n: props[n] for n in _ordered_top(props)}
    schema["x-sections"] = sections(model)
    return schema


def sections(model: type[Household] = Household) -> list[dict[str, Any]]:
    """The sections in order, each with the record's top-level fields it holds (empty ones left out)."""
    names = list(model.model_fields)
    out = []
    for s in (*SECTIONS, FALLBACK_SECTION):
        present = [n for n in (s.fields if s is not FALLBACK_SECTION else names) if n in names and section_of(n) is s]
        if present:
            out.append(s.as_dict(present))
    return out


def _ui_of(model: type[BaseModel]) -> dict[str, Any]:
    ui: dict[str, Any] = {}
    for name, info, shape, _ in _fields(model):
        hint: dict[str, Any] = {}
        inner = _shape(shape.inner, []) if shape.kind == "list" else None
        if shape.kind == "bool":
            hint["ui:widget"] = "radio"
            hint["ui:options"] = {"inline": True}
        elif shape.kind == "model":
            hint.update(_ui_of(shape.inner))
        elif shape.kind == "list" and inner is not None:
            if inner.kind == "coded":
                hint["ui:widget"] = "checkboxes"
                hint["ui:options"] = {"inline": True}
            elif inner.kind == "model":
                hint["items"] = _ui_of(inner.inner)
            hint.setdefault("ui:options", {})["orderable"] = False
        elif shape.kind == "money":
            hint["ui:placeholder"] = "0.00"
        elif shape.kind == "int":
            hint["ui:options"] = {"inputType": "number"}  # a nullable type is not "number" to the library
        elif shape.kind == "decimal":
            hint["ui:placeholder"] = "0"
        elif shape.kind == "identity":
            hint["ui:options"] = {"autocomplete": "off"}
        unit = _unit(model, name, shape)
        if unit is not None:
            hint["ui:help"] = f"单位：{unit[0]} / unit: {unit[1]}"
        if hint:
            ui[name] = hint
    return ui


def form_ui_schema(model: type[Household] = Household) -> dict[str, Any]:
    """UI hints beside :func:`form_schema`, in react-jsonschema-form's ``uiSchema`` form."""
    ui = _ui_of(model)
    ui["ui:order"] = _ordered_top(dict.fromkeys(model.model_fields))
    ui["ui:submitButtonOptions"] = {"submitText": "评估 / assess"}
    return ui


def form_bundle(model: type[Household] = Household) -> dict[str, Any]:
    """``{"schema": form schema, "uiSchema": UI hints, "sections": [...], "labels": {...}}``: what
    a form renders, and the labels of the flags it shows (see :func:`.labels.flag_labels`)."""
    return {"schema": form_schema(model), "uiSchema": form_ui_schema(model), "sections": sections(model),
            "labels": flag_labels()}


# ---------------------------------------------------------------------------------------------
# Field titles by path (for "what to ask next")


def _model_at(model: type[BaseModel], parts: list[str]) -> tuple[type[BaseModel], str] | None:
    """The model holding the last field of ``parts`` (indices removed) and that field's name."""
    for i, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return None
        if i == len(parts) - 1:
            return model, part
        shape = _shape(info.annotation, list(info.metadata))
        if shape.kind == "list":
            shape = _shape(shape.inner, [])
        if shape.kind != "model":
            return None
        model = shape.inner
    return None


def field_doc(parts: list[str]) -> FieldDoc | None:
    """Titles, unit and shape of the record field at ``parts`` (``["members", "health"]``)."""
    found = _model_at(Household, parts)
    if found is None:
        return None
    model, name = found
    info = model.model_fields[name]
    shape = _shape(info.annotation, list(info.metadata))
    unit = _unit(model, name, shape)
    return FieldDoc(title_zh=info.title or name, title_en=english_title(info, name),
                    unit_zh=unit[0] if unit else None, unit_en=unit[1] if unit else None,
                    is_list=shape.kind == "list", is_object=shape.kind == "model")
