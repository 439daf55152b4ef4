"""Parquet output (需要 riskrules[parquet]): the staged rows, converted batch by batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..io.tables import need
from .rows import FLAG_COLUMNS, HOUSEHOLD_COLUMNS

__all__ = ["schema", "staged_to_parquet"]

_INTS = {"row", "people", "measures", "breaches", "warnings", "days_overdue"}
_LISTS = {"risk_types", "recorded_risk_types", "undecided"}
_BOOLS = {"green_channel"}


def schema(rows: str) -> Any:
    pa = need("pyarrow", "parquet")
    cols = FLAG_COLUMNS if rows == "flag" else HOUSEHOLD_COLUMNS
    fields = []
    for c in cols:
        if c in _INTS:
            t = pa.int64()
        elif c in _LISTS:
            t = pa.list_(pa.string())
        elif c in _BOOLS:
            t = pa.bool_()
        else:
            t = pa.string()
        fields.append(pa.field(c, t))
    return pa.schema(fields)


def staged_to_parquet(staged: Path, target: Path, rows: str, detail: str, batch: int = 20_000) -> None:
    pa = need("pyarrow", "parquet")
    pq = need("pyarrow.parquet", "parquet")
    sch = schema(rows)
    names = sch.names
    with pq.ParquetWriter(str(target), sch, compression="zstd") as writer, open(staged, "rb") as f:
        buf: list[dict[str, Any]] = []
        for line in f:
            d = json.loads(line)
            buf.append({k: (str(v) if k in ("due", "conclusion") and v is not None and not isinstance(v, str) else v)
                        for k, v in d.items() if k in names})
            if len(buf) >= batch:
                writer.write_table(pa.Table.from_pylist(buf, schema=sch))
                buf.clear()
        writer.write_table(pa.Table.from_pylist(buf, schema=sch))
