"""The intake record as a table (农户记录的表结构): one row per household, nested columns.

The shape is read off the record model (:class:`~riskrules.record.household.Household`) itself,
so a field added to the record is a column here without a change: a sub-model is a struct, a
list of sub-models a list of structs (a child table once exploded), a list of dates or codes a
list of values. Each leaf carries its kind and the bounds the model declares.

:func:`arrow_schema` is the Parquet/Arrow layout a province writes (money as ``decimal(18,2)``,
dates as ``date32``, codes as text); :func:`records_to_table` turns records (dicts as JSON
gives them, or validated ``Household`` objects) into such a table.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, Iterable, Mapping

import pyarrow as pa
from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import BaseModel

from ..record.bounds import IntRange
from ..record.codes import Coded
from ..record.household import Household
from ..record.values import Day, ResidentId, Yuan

__all__ = ["Leaf", "Group", "record_shape", "arrow_schema", "records_to_table", "records_to_batch", "MONEY_TYPE", "leaves"]

MONEY_TYPE = pa.decimal128(18, 2)   # wide enough to hold, and refuse, an amount over the bound
DECIMAL_TYPE = pa.decimal128(9, 1)  # litres per person per day

_YUAN = typing.get_args(Yuan)[1:]
_DAY = typing.get_args(Day)[1:]


@dataclass(frozen=True)
class Leaf:
    """A scalar field: ``kind`` is text, code, bool, date, money, int, decimal or id_number."""

    name: str
    path: str                       # income.wage, members[].birth_date
    kind: str
    required: bool
    enum: type[Coded] | None = None
    low: int | None = None          # bounds of an int, or of a decimal
    high: int | None = None
    min_len: int | None = None      # text length
    max_len: int | None = None


@dataclass(frozen=True)
class Group:
    """A sub-model (``struct``), a list of sub-models (``items``) or of scalars (``values``)."""

    name: str
    path: str
    kind: str                        # struct | items | values
    required: bool
    fields: tuple["Leaf | Group", ...] = ()
    value: Leaf | None = None        # the scalar of a list of values
    min_items: int = 0
    max_items: int | None = None


def _split(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any], bool]:
    """The annotation without Optional and Annotated, its metadata, and whether None is allowed."""
    meta = list(metadata)
    tp, optional = annotation, False
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            args = typing.get_args(tp)
            tp, meta = args[0], meta + list(args[1:])
        elif origin is typing.Union or type(tp).__name__ == "UnionType":
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(tp))
            tp = args[0]
        else:
            return tp, meta, optional


def _leaf(name: str, path: str, tp: Any, meta: list[Any], required: bool) -> Leaf:
    lengths = {type(m): m for m in meta if isinstance(m, (MinLen, MaxLen))}
    min_len = lengths[MinLen].min_length if MinLen in lengths else None  # type: ignore[attr-defined]
    max_len = lengths[MaxLen].max_length if MaxLen in lengths else None  # type: ignore[attr-defined]
    ranges = [m for m in meta if isinstance(m, IntRange)]
    if any(m in _YUAN for m in meta):
        return Leaf(name, path, "money", required)
    if any(m in _DAY for m in meta) or tp is date:
        return Leaf(name, path, "date", required)
    if ranges:
        return Leaf(name, path, "int", required, low=ranges[0].low, high=ranges[0].high)
    if isinstance(tp, type) and issubclass(tp, Coded):
        return Leaf(name, path, "code", required, enum=tp)
    if tp is bool:
        return Leaf(name, path, "bool", required)
    if tp is ResidentId:
        return Leaf(name, path, "id_number", required)
    if tp is str:
        return Leaf(name, path, "text", required, min_len=min_len, max_len=max_len)
    if tp is Decimal:
        low = next((int(m.ge) for m in meta if isinstance(m, Ge)), None)
        high = next((int(m.le) for m in meta if isinstance(m, Le)), None)
        return Leaf(name, path, "decimal", required, low=low, high=high)
    raise TypeError(f"record field {path} has a type the columnar back end does not know: {tp!r}")


def _group(model: type[BaseModel], name: str, path: str, kind: str, required: bool, min_items: int = 0,
           max_items: int | None = None) -> Group:
    prefix = f"{path}[]." if kind == "items" else f"{path}." if path else ""
    fields: list[Leaf | Group] = []
    for fname, info in model.model_fields.items():
        fpath = prefix + fname
        tp, meta, _ = _split(info.annotation, list(info.metadata))
        need = info.is_required()
        if typing.get_origin(tp) is list:
            (item,) = typing.get_args(tp)
            item_tp, item_meta, _ = _split(item, [])
            lo = next((m.min_length for m in meta if isinstance(m, MinLen)), 0)
            hi = next((m.max_length for m in meta if isinstance(m, MaxLen)), None)
            if isinstance(item_tp, type) and issubclass(item_tp, BaseModel):
                fields.append(_group(item_tp, fname, fpath, "items", need, lo, hi))
            else:
                value = _leaf(fname, f"{fpath}[]", item_tp, item_meta, True)
                fields.append(Group(fname, fpath, "values", need, value=value, min_items=lo, max_items=hi))
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            fields.append(_group(tp, fname, fpath, "struct", need))
        else:
            fields.append(_leaf(fname, fpath, tp, meta, need))
    return Group(name, path, kind, required, tuple(fields), min_items=min_items, max_items=max_items)


@cache
def record_shape() -> Group:
    """The household record as a tree of groups and leaves."""
    return _group(Household, "", "", "struct", True)


def leaves(group: Group) -> list[Leaf]:
    """The scalar leaves of a struct group, struct fields included (``income.wage``), but not
    those inside lists."""
    out: list[Leaf] = []
    for f in group.fields:
        if isinstance(f, Leaf):
            out.append(f)
        elif f.kind == "struct":
            out.extend(leaves(f))
    return out


_ARROW = {"text": pa.string(), "code": pa.string(), "id_number": pa.string(), "bool": pa.bool_(), "date": pa.date32(),
          "money": MONEY_TYPE, "int": pa.int64(), "decimal": DECIMAL_TYPE}


def _arrow_type(node: Leaf | Group) -> pa.DataType:
    if isinstance(node, Leaf):
        return _ARROW[node.kind]
    if node.kind == "values":
        assert node.value is not None
        return pa.list_(_ARROW[node.value.kind])
    struct = pa.struct([pa.field(f.name, _arrow_type(f)) for f in node.fields])
    return pa.list_(struct) if node.kind == "items" else struct


@cache
def arrow_schema() -> pa.Schema:
    """The table layout of household records (Parquet or Arrow): one row per household."""
    return pa.schema([pa.field(f.name, _arrow_type(f)) for f in record_shape().fields])


def _py(node: Leaf, value: Any) -> Any:
    """A leaf value as its Arrow column holds it: money and litres as Decimal, dates as date."""
    if value is None:
        return None
    if node.kind in ("money", "decimal"):
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if node.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(value)
    if node.kind == "code":
        return value.value if isinstance(value, Coded) else value
    if node.kind == "id_number":
        return value.reveal() if isinstance(value, ResidentId) else value
    return value


def _convert(group: Group, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in group.fields:
        value = data.get(f.name)
        if value is None:
            out[f.name] = None
        elif isinstance(f, Leaf):
            out[f.name] = _py(f, value)
        elif f.kind == "struct":
            out[f.name] = _convert(f, value)
        elif f.kind == "items":
            out[f.name] = [_convert(f, item) for item in value]
        else:
            assert f.value is not None
            out[f.name] = [_py(f.value, v) for v in value]
    return out


def records_to_table(records: Iterable[Household | Mapping[str, Any]]) -> pa.Table:
    """Valid records as a table of :func:`arrow_schema` (a ``Household``, or a dict as JSON gives
    it: money as text or numbers, dates as ``YYYY-MM-DD``). A value that the layout cannot hold
    (text in a date column) raises: tables of unchecked input come from a Parquet file, or from
    :func:`riskrules.columnar.screen`'s record input, which sends such rows the slow way."""
    rows = []
    for r in records:
        data = r.model_dump(context={"reveal_identity": True}) if isinstance(r, Household) else r
        rows.append(_convert(record_shape(), data))
    return pa.Table.from_pylist(rows, schema=arrow_schema())


class _Unfit(Exception):
    """A value the loose layout cannot hold as the model would read it: the record goes the slow way."""


def _loose_money(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _Unfit
    if isinstance(value, (Decimal, int)):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # what the model reads a float as; an exponent is refused by the text check
    raise _Unfit


def _loose_date(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value.isoformat()
    raise _Unfit


def _loose_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise _Unfit


def _loose_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and -2**62 < value < 2**62:
        return value
    raise _Unfit


def _loose_code(value: Any) -> Any:
    if isinstance(value, Coded):
        return value.value
    if isinstance(value, str):
        return str.__str__(value)
    raise _Unfit


def _loose_identity(value: Any) -> Any:
    if isinstance(value, ResidentId):
        return value.reveal()
    if isinstance(value, str):
        return str.__str__(value)
    raise _Unfit


def _loose_text(value: Any) -> Any:
    if isinstance(value, str):
        return str.__str__(value)
    raise _Unfit


_LOOSE_LEAF = {"money": _loose_money, "decimal": _loose_money, "date": _loose_date, "bool": _loose_bool, "int": _loose_int,
               "code": _loose_code, "id_number": _loose_identity}


def _loose(node: Leaf, value: Any) -> Any:
    """A leaf of an unchecked record, as text where the model parses text (money, dates); any
    value of a type the model would not take as it is raises :class:`_Unfit`."""
    return _LOOSE_LEAF.get(node.kind, _loose_text)(value)


_LEAF, _STRUCT, _ITEMS, _VALUES = range(4)


@cache
def _steps(group: Group) -> tuple[frozenset[str], tuple[tuple[str, int, Any], ...]]:
    """A group's field names, and per field how to convert it: worked out once per group, not
    once per record (the conversion runs for every household of a batch)."""
    steps: list[tuple[str, int, Any]] = []
    for f in group.fields:
        if isinstance(f, Leaf):
            steps.append((f.name, _LEAF, _LOOSE_LEAF.get(f.kind, _loose_text)))
        elif f.kind == "struct":
            steps.append((f.name, _STRUCT, f))
        elif f.kind == "items":
            steps.append((f.name, _ITEMS, f))
        else:
            assert f.value is not None
            steps.append((f.name, _VALUES, _LOOSE_LEAF.get(f.value.kind, _loose_text)))
    return frozenset(f.name for f in group.fields), tuple(steps)


def _loose_group(group: Group, data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise _Unfit
    names, steps = _steps(group)
    if not names.issuperset(data):
        raise _Unfit  # the model forbids unknown fields
    out: dict[str, Any] = {}
    get = data.get
    for name, how, node in steps:
        value = get(name)
        if value is None:
            out[name] = None
        elif how == _LEAF:
            out[name] = node(value)
        elif how == _STRUCT:
            out[name] = _loose_group(node, value)
        elif not isinstance(value, list):
            raise _Unfit
        elif how == _ITEMS:
            out[name] = [None if item is None else _loose_group(node, item) for item in value]
        else:
            out[name] = [None if v is None else node(v) for v in value]
    return out


_LOOSE = {"money": pa.string(), "decimal": pa.string(), "date": pa.string()}


def _loose_type(node: Leaf | Group) -> pa.DataType:
    if isinstance(node, Leaf):
        return _LOOSE.get(node.kind, _ARROW[node.kind])
    if node.kind == "values":
        assert node.value is not None
        return pa.list_(_LOOSE.get(node.value.kind, _ARROW[node.value.kind]))
    struct = pa.struct([pa.field(f.name, _loose_type(f)) for f in node.fields])
    return pa.list_(struct) if node.kind == "items" else struct


@cache
def loose_schema() -> pa.Schema:
    """The layout of unchecked records: money, litres and dates as text, a ``__suspect`` flag."""
    return pa.schema([pa.field(f.name, _loose_type(f)) for f in record_shape().fields] + [pa.field("__suspect", pa.bool_())])


def records_to_batch(records: list[Any]) -> pa.Table:
    """Unchecked records (dicts as JSON or a reader gives them, or ``Household`` objects) as a
    table of :func:`loose_schema`. A record whose shape or value types the table cannot hold as
    the model would read them is one row of nulls with ``__suspect`` set: the slow way then
    reads the record itself."""
    rows = []
    for r in records:
        try:
            data = r.model_dump(context={"reveal_identity": True}) if isinstance(r, Household) else r
            row = _loose_group(record_shape(), data)
            row["__suspect"] = False
        except (_Unfit, RecursionError):
            row = {"__suspect": True}
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=loose_schema())
