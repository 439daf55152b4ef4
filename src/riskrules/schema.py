"""JSON Schema of the intake record (采集表结构), for intake forms to render.

Every field carries a Chinese title and a bilingual description (from the models); enumerations
list their codes with the Chinese label of each, since an intake form shows labels and sends
codes (both are accepted on input).
"""

from __future__ import annotations

from typing import Any

from .record.codes import Coded
from .record import codes as _codes
from .record.household import Household

__all__ = ["household_json_schema"]


def household_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :class:`~riskrules.Household`."""
    schema = Household.model_json_schema(mode="validation")
    labels = {enum.__name__: enum for enum in vars(_codes).values()
              if isinstance(enum, type) and issubclass(enum, Coded) and enum is not Coded}
    for name, definition in schema.get("$defs", {}).items():
        enum = labels.get(name)
        if enum is not None:
            definition["oneOf"] = [{"const": m.value, "title": m.label_zh} for m in enum]
            definition["x-labels-zh"] = {m.value: m.label_zh for m in enum}
            definition.setdefault("description", enum.__doc__ or name)
    return schema
