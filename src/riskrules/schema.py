"""JSON Schema of the intake record (采集表结构).

Two schemas of the same record:

- :func:`household_json_schema`, for validation: pydantic's own, every field with a Chinese
  title and a bilingual description; enumerations list their codes with the Chinese label of
  each (both are accepted on input);
- :func:`household_form_schema`, for intake forms: plain nullable types, one ``oneOf`` of
  ``const`` + Chinese ``title`` per choice, money as a string with its pattern, units, sections
  in the order a caseworker fills them, and UI hints beside it (see :mod:`riskrules.forms.schema`).
"""

from __future__ import annotations

from typing import Any

from .assessment import FlagKind, Severity
from .record import codes as _codes
from .record.codes import Coded
from .record.household import Household

__all__ = ["household_form_schema", "household_json_schema", "label_enum_definitions", "flag_labels"]


def _labelled_enums() -> dict[str, dict[str, str]]:
    """Every enumeration riskrules reads or writes, by name: code -> Chinese label."""
    out = {enum.__name__: {m.value: m.label_zh for m in enum}
           for enum in vars(_codes).values() if isinstance(enum, type) and issubclass(enum, Coded) and enum is not Coded}
    for kind in (FlagKind, Severity):
        out[kind.__name__] = {m.value: m.title_zh for m in kind}
    return out


def label_enum_definitions(definitions: dict[str, Any]) -> dict[str, Any]:
    """Give every enumeration among ``definitions`` (``$defs`` or OpenAPI components) its
    Chinese labels: a ``oneOf`` of ``const`` + ``title`` and an ``x-labels-zh`` table."""
    labels = _labelled_enums()
    for name, definition in definitions.items():
        table = labels.get(name)
        if table is not None and "enum" in definition:
            definition["oneOf"] = [{"const": code, "title": zh} for code, zh in table.items()]
            definition["x-labels-zh"] = dict(table)
            definition.setdefault("description", name)
    return definitions


def flag_labels() -> dict[str, dict[str, list[str]]]:
    """The labels a page shows beside a flag (标记类型与严重程度), Chinese and English:
    ``{"kinds": {code: [zh, en]}, "severities": {code: [zh, en]}}``."""
    return {"kinds": {k.value: [k.title_zh, k.title_en] for k in FlagKind if k is not FlagKind.SIGNAL},
            "severities": {s.value: [s.title_zh, s.value] for s in Severity}}


def household_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`~riskrules.Household`, for validation."""
    from .forms.schema import tighten_patterns

    schema = Household.model_json_schema(mode="validation")
    label_enum_definitions(schema.get("$defs", {}))
    return tighten_patterns(schema)


def household_form_schema() -> dict[str, Any]:
    """The form-ready schema of the record with its UI hints and sections:
    ``{"schema": ..., "uiSchema": ..., "sections": [...]}`` (see :mod:`riskrules.forms.schema`)."""
    from .forms.schema import form_bundle

    return form_bundle()
