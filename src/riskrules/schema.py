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

from .forms.labels import flag_labels, label_enum_definitions
from .forms.schema import form_bundle, tighten_patterns
from .record.household import Household

__all__ = ["household_form_schema", "household_json_schema", "label_enum_definitions", "flag_labels"]


def household_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`~riskrules.Household`, for validation."""
    schema = Household.model_json_schema(mode="validation")
    label_enum_definitions(schema.get("$defs", {}))
    return tighten_patterns(schema)


def household_form_schema() -> dict[str, Any]:
    """The form-ready schema of the record with its UI hints and sections:
    ``{"schema": ..., "uiSchema": ..., "sections": [...]}`` (see :mod:`riskrules.forms.schema`)."""
    return form_bundle()
