"""The county report as terminal tables (终端表格), aligned for Chinese text."""

from __future__ import annotations

import unicodedata
from typing import Any

from .model import CountyReport

__all__ = ["render_text", "width"]


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, w: int, right: bool) -> str:
    gap = " " * max(0, w - width(text))
    return gap + text if right else text + gap


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def table(title: str, headers: list[str], rows: list[list[Any]], limit: int | None = None) -> str:
    shown = rows if limit is None else rows[:limit]
    cells = [[_fmt(v) for v in row] for row in shown]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], width(c))
    numeric = [all(isinstance(r[i], (int, float)) or r[i] in (None, "") for r in shown) and bool(shown) for i in range(len(headers))]
    lines = [f"== {title}", "  ".join(_pad(h, widths[i], numeric[i]) for i, h in enumerate(headers)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, widths[i], numeric[i]) for i, c in enumerate(row)) for row in cells]
    if limit is not None and len(rows) > limit:
        lines.append(f"... {len(rows) - limit:,} more rows (all in the Excel workbook) / 另有 {len(rows) - limit:,} 行")
    if not rows:
        lines.append("(none / 无)")
    return "\n".join(lines)


def render_text(r: CountyReport, *, limit: int = 15) -> str:
    head = (f"县级防返贫监测报告 / county screening report — as of {r.as_of}, rule pack {r.pack_version}"
            + (f", input {r.source}" if r.source else ""))
    parts = [head]
    order = ["headline", "monitoring", "townships", "deadlines", "overdue", "risks", "alerts"]
    tables = {key: (title, headers, rows) for key, title, headers, rows in r.tables()}
    for key in order:
        title, headers, rows = tables[key]
        parts.append(table(title, headers, rows, None if key in ("headline", "monitoring") else limit))
    return "\n\n".join(parts)
