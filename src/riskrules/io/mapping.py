"""Column mappings (列映射): which spreadsheet header fills which record field.

A mapping is a YAML file::

    name: 县级导出表（中文表头）
    sheets: {households: 农户, members: 家庭成员}   # Excel sheet names (optional)
    columns:
      户编号: household_id                 # header: record path
      出生日期: members[].birth_date        # a column of member rows
      帮扶措施1: assistance_measures[0].kind  # numbered columns make a list of items
      家庭人口数: members.count            # members m1..mN when no member rows are given
      风险类型: monitoring_case.risk_types  # a list in one cell: 因病、因学 (无 = none)
      帮扶措施: assistance_measures         # 无 = asked, none; empty = not asked
    labels:                                  # local labels -> codes, by code table
      MeasureKind: {教育帮扶: other_education}

The kind of each value (date, money, yes/no, code...) is the record field's own, read off the
record model; ``{path: ..., type: ...}`` overrides it. Headers are compared after Unicode NFKC
normalisation (full-width brackets and digits become ASCII), without spaces and without the
``*`` that marks a required column. Several headers may name one path (aliases).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import RiskRulesError
from ..record import codes as record_codes
from .convert import cached, converter
from .fields import FieldSpec, field_of, generic_path, item_lists, record_fields

__all__ = [
    "COUNT_SUFFIX",
    "ColumnRule",
    "Mapping",
    "MappingError",
    "bundled_mapping",
    "bundled_mapping_path",
    "load_mapping",
    "normalise_header",
]

COUNT_SUFFIX = ".count"


class MappingError(RiskRulesError, ValueError):
    """A column mapping that cannot be used, with every error found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def normalise_header(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"[\s*]+", "", s)


@dataclass(frozen=True)
class ColumnRule:
    header: str                 # as written in the mapping
    path: str                   # record path (generic [], indexed [0], a list, or members.count)
    kind: str                   # value kind
    convert: Callable[[Any], Any] = field(compare=False, repr=False)

    @property
    def item_list(self) -> str | None:
        """For a column of item rows (``members[].x``): the list (``members``)."""
        return self.path.split("[]", 1)[0] if "[]" in self.path else None


@dataclass
class Mapping:
    name: str
    columns: dict[str, ColumnRule]          # by normalised header
    sheets: dict[str, str]
    labels: dict[str, dict[str, str]]
    source: str = "<mapping>"

    def rule(self, header: Any) -> ColumnRule | None:
        return self.columns.get(normalise_header(header))

    def headers_for(self, path: str) -> list[str]:
        return [r.header for r in self.columns.values() if r.path == path]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "columns": {r.header: r.path for r in self.columns.values()}}


_KINDS = {"text", "code", "bool", "date", "money", "decimal", "int", "id_number"}
_INDEXED = re.compile(r"^(?P<list>[a-z_.]+)\[(?P<index>[0-9]+)\]\.(?P<rest>[a-z_]+)$")


def _enum(name: str) -> type[record_codes.Coded] | None:
    enum = getattr(record_codes, name, None)
    return enum if isinstance(enum, type) and issubclass(enum, record_codes.Coded) else None


def _spec(path: str, errors: list[str], header: str) -> FieldSpec | None:
    lists = item_lists()
    if path.endswith(COUNT_SUFFIX) and path[: -len(COUNT_SUFFIX)] == "members":
        return FieldSpec(path, "count")
    if path in lists:
        return FieldSpec(path, "presence")
    m = _INDEXED.match(path)
    if m and int(m["index"]) > 199:
        errors.append(f"{header}: index too large in {path}")
        return None
    spec = field_of(path)
    if spec is None or spec.kind == "items":
        known = ", ".join(p for p in record_fields() if not p.startswith("members[]."))[:400]
        errors.append(f"{header}: no record field {path!r} (fields include: {known} ...)")
        return None
    if "[]" in path and generic_path(path) != path:
        errors.append(f"{header}: write either [] or an index in {path!r}")
        return None
    return spec


def mapping_from_dict(data: Any, source: str = "<mapping>") -> Mapping:
    errors: list[str] = []
    if not isinstance(data, dict):
        raise MappingError([f"{source}: a mapping is a YAML object with 'columns'"])
    unknown = set(data) - {"name", "description", "columns", "labels", "sheets"}
    if unknown:
        errors.append(f"{source}: unknown keys {sorted(unknown)}")
    labels_in = data.get("labels") or {}
    labels: dict[str, dict[str, str]] = {}
    if not isinstance(labels_in, dict):
        errors.append("labels: must map a code table name to {label: code}")
        labels_in = {}
    for table, entries in labels_in.items():
        enum = _enum(str(table))
        if enum is None:
            errors.append(f"labels: no code table {table!r}")
            continue
        if not isinstance(entries, dict):
            errors.append(f"labels.{table}: must be {{label: code}}")
            continue
        codes = set(enum.codes())
        for label, code in entries.items():
            if code not in codes:
                errors.append(f"labels.{table}.{label}: {code!r} is not a code of {table} ({', '.join(sorted(codes))})")
        labels[str(table)] = {str(k): str(v) for k, v in entries.items()}
    columns: dict[str, ColumnRule] = {}
    cols = data.get("columns")
    if not isinstance(cols, dict) or not cols:
        errors.append(f"{source}: 'columns' must map each header to a record path")
        cols = {}
    for header, target in cols.items():
        header = str(header)
        if isinstance(target, str):
            path, kind_override = target, None
        elif isinstance(target, dict) and isinstance(target.get("path"), str):
            path, kind_override = target["path"], target.get("type")
            if kind_override is not None and kind_override not in _KINDS and not (
                    isinstance(kind_override, str) and kind_override.startswith("list:") and kind_override[5:] in _KINDS):
                errors.append(f"{header}: unknown type {kind_override!r} (one of {', '.join(sorted(_KINDS))}, or list:<type>)")
                continue
        else:
            errors.append(f"{header}: give a record path, or {{path: ..., type: ...}}")
            continue
        spec = _spec(path, errors, header)
        if spec is None:
            continue
        kind = kind_override or spec.kind
        table = labels.get(spec.enum.__name__, {}) if spec.enum is not None else {}
        if kind in ("count", "presence"):
            convert = converter("int") if kind == "count" else converter("text")
        else:
            convert = cached(converter(kind, table, spec.enum))
        key = normalise_header(header)
        if key in columns:
            errors.append(f"{header}: the header appears twice in the mapping")
            continue
        columns[key] = ColumnRule(header, path, kind, convert)
    row_lists = {r.item_list for r in columns.values() if r.item_list}
    if not any(r.path == "household_id" for r in columns.values()):
        errors.append(f"{source}: no column maps to household_id")
    sheets = data.get("sheets") or {}
    if not isinstance(sheets, dict) or not all(isinstance(v, str) for v in sheets.values()):
        errors.append("sheets: must map households/members to sheet names")
        sheets = {}
    if errors:
        raise MappingError(errors)
    del row_lists
    return Mapping(name=str(data.get("name") or source), columns=columns, sheets=dict(sheets), labels=labels, source=source)


def load_mapping(path: str | Path) -> Mapping:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise MappingError([f"cannot read the mapping {p}: {e.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise MappingError([f"{p}: not valid YAML: {e}"]) from None
    return mapping_from_dict(data, str(p))


def bundled_mapping_path(name: str = "zh-CN") -> Path:
    return Path(__file__).resolve().parent / "mappings" / f"{name}.yaml"


def bundled_mapping(name: str = "zh-CN") -> Mapping:
    """The mapping shipped with riskrules (``zh-CN``: the Chinese headers of a county export)."""
    return load_mapping(bundled_mapping_path(name))
