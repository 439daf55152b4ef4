"""What a reader hands on (读入单元): one household, or one row that cannot become one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Unit", "problem"]


def problem(code: str, message_zh: str, message_en: str, *, path: str = "$", row: int | None = None,
            column: str | None = None, value: str | None = None, source: str | None = None) -> dict[str, Any]:
    """A problem as written to the rejects: where (row, column, record path) and why, in Chinese and English."""
    p: dict[str, Any] = {"row": row, "column": column, "path": path, "code": code, "message_zh": message_zh,
                         "message_en": message_en}
    if value is not None:
        p["value"] = value
    if source is not None:
        p["source"] = source
    return p


@dataclass(slots=True)
class Unit:
    """One household read from the input (``record``), or a row rejected while reading.

    ``row`` and ``last_row`` are the source rows it came from (a household of member rows spans
    several); ``where`` maps record paths to the (column, row) they were read from, so that
    a record problem can name its cell. ``problems`` are the reading and conversion problems.
    """

    row: int
    last_row: int
    record: dict[str, Any] | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    household_id: str | None = None
    where: dict[str, tuple[str | None, int]] | None = None
    failed_paths: tuple[str, ...] = ()
