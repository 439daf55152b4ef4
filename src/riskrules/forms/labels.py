"""Chinese labels of every code a form or a page shows (代码的中文名称): the record's
enumerations, and the kinds and severities of flags.

One table, read by the validation schema, the form schema, the service's OpenAPI document and
the intake page, so that a label is written once, where its enumeration is defined.
"""

from __future__ import annotations

from typing import Any

from ..assessment import FlagKind, Severity
from ..record import codes as _codes
from ..record.codes import Coded

__all__ = ["flag_labels", "label_enum_definitions"]


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
