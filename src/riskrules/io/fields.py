"""The record's fields as paths (字段路径), each with the kind of value it takes, read off the
intake record model itself: a field added to the record is mappable without a change here.

Paths are written as in problems: ``income.wage``; a list of items uses ``[]``
(``members[].birth_date``) or an index (``members[0].birth_date``); a list of plain values is
one path (``monitoring_case.risk_types``).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel

from ..record.bounds import IntRange
from ..record.codes import Coded
from ..record.household import Household
from ..record.values import Day, ResidentId, Yuan

__all__ = ["ITEM_LISTS", "FieldSpec", "field_of", "generic_path", "record_fields"]

# Value kinds: text, code, bool, date, money, int, decimal, id_number; "list:<kind>" for a list
# of plain values.


@dataclass(frozen=True)
class FieldSpec:
    path: str                       # generic path: members[].birth_date
    kind: str                       # text, code, bool, date, money, int, decimal, id_number, list:<kind>
    enum: type[Coded] | None = None  # for code and list:code
    title_zh: str = ""


_YUAN_META = typing.get_args(Yuan)[1:]
_DAY_META = typing.get_args(Day)[1:]


def _split(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The annotation without Optional and Annotated, and all its metadata."""
    meta = list(metadata)
    tp = annotation
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            args = typing.get_args(tp)
            tp, meta = args[0], meta + list(args[1:])
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, meta
            tp = args[0]
        else:
            return tp, meta


def _scalar(tp: Any, meta: list[Any]) -> tuple[str, type[Coded] | None] | None:
    if any(m in _YUAN_META for m in meta):
        return "money", None
    if any(m in _DAY_META for m in meta):
        return "date", None
    if any(isinstance(m, IntRange) for m in meta):
        return "int", None
    if isinstance(tp, type):
        if issubclass(tp, Coded):
            return "code", tp
        if tp is bool:
            return "bool", None
        if tp is int:
            return "int", None
        if tp is str:
            return "text", None
        if tp is Decimal:
            return "decimal", None
        if tp is date:
            return "date", None
        if tp is ResidentId:
            return "id_number", None
    return None


def _walk(model: type[BaseModel], prefix: str, out: dict[str, FieldSpec], lists: list[str]) -> None:
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        tp, meta = _split(info.annotation, info.metadata)
        title = info.title or ""
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            item, item_meta = _split(item, [])
            if isinstance(item, type) and issubclass(item, BaseModel):
                lists.append(path)
                out[path] = FieldSpec(path, "items", None, title)
                _walk(item, f"{path}[].", out, lists)
                continue
            scalar = _scalar(item, item_meta)
            if scalar is not None:
                out[path] = FieldSpec(path, f"list:{scalar[0]}", scalar[1], title)
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            _walk(tp, f"{path}.", out, lists)
            continue
        scalar = _scalar(tp, meta)
        if scalar is not None:
            out[path] = FieldSpec(path, scalar[0], scalar[1], title)


@cache
def _catalogue() -> tuple[dict[str, FieldSpec], tuple[str, ...]]:
    out: dict[str, FieldSpec] = {}
    lists: list[str] = []
    _walk(Household, "", out, lists)
    return out, tuple(lists)


def record_fields() -> dict[str, FieldSpec]:
    """Every field of the record by generic path (``members[].birth_date``)."""
    return _catalogue()[0]


def item_lists() -> tuple[str, ...]:
    """The paths of lists of items: ``members``, ``assistance_measures``, ``income.transfer_items``..."""
    return _catalogue()[1]


ITEM_LISTS = item_lists


_INDEX = re.compile(r"\[[0-9]+\]")


def generic_path(path: str) -> str:
    """``members[2].birth_date`` -> ``members[].birth_date``."""
    return _INDEX.sub("[]", path)


def field_of(path: str) -> FieldSpec | None:
    """The field a (generic or indexed) path names, or None."""
    return record_fields().get(generic_path(path))
