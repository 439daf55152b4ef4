"""Assess a batch of households (批量评估); rejected rows go to a rejects output, never dropped.

Input is JSON Lines (one household per line) or a JSON array. Every input row ends up in
exactly one of the two outputs: an assessment, or a rejection naming the row, the household id
when it can be read, and every problem with its field path in Chinese and English.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, Iterable, Iterator

from ..assessment import Assessment
from ..errors import InvalidRecord, Problem
from ..pack.pack import RulePack

__all__ = ["BatchResult", "read_rows", "assess_batch"]


@dataclass
class BatchResult:
    read: int = 0
    assessed: int = 0
    rejected: int = 0
    flags_by_kind: dict[str, int] = field(default_factory=dict)
    assessments: list[Assessment] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "assessed": self.assessed, "rejected": self.rejected,
                "flags_by_kind": dict(sorted(self.flags_by_kind.items()))}


def read_rows(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """(row number, parsed JSON or the raw text when it is not JSON), 1-based."""
    text = stream.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as e:
            yield 1, _Unparsable(text, f"{e.msg} (line {e.lineno}, column {e.colno})")
            return
        for i, row in enumerate(rows, start=1):
            yield i, row
        return
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield i, json.loads(line)
        except json.JSONDecodeError as e:
            yield i, _Unparsable(line, f"{e.msg} (column {e.colno})")


@dataclass(frozen=True)
class _Unparsable:
    text: str
    reason: str


def assess_batch(pack: RulePack, rows: Iterable[tuple[int, Any]], as_of: date, *, out: IO[str],
                 rejects: IO[str], jurisdiction: str | None = None, keep: bool = False) -> BatchResult:
    result = BatchResult()
    for row_number, row in rows:
        result.read += 1
        try:
            if isinstance(row, _Unparsable):
                raise InvalidRecord([Problem("$", "json_invalid", f"不是有效的 JSON：{row.reason}", f"not valid JSON: {row.reason}")])
            if not isinstance(row, dict):
                raise InvalidRecord([Problem("$", "model_type", "每行应为一个 JSON 对象", "each row must be a JSON object")])
            assessment = pack.assess(row, as_of=as_of, jurisdiction=jurisdiction)
        except InvalidRecord as e:
            # A row that cannot be assessed is written out with its reason; the batch goes on.
            result.rejected += 1
            household_id = row.get("household_id") if isinstance(row, dict) and isinstance(row.get("household_id"), str) else None
            rejects.write(json.dumps({"row": row_number, "household_id": household_id, "problems": e.as_dicts()},
                                     ensure_ascii=False, sort_keys=True) + "\n")
            continue
        result.assessed += 1
        for flag in assessment.flags:
            result.flags_by_kind[flag.kind] = result.flags_by_kind.get(flag.kind, 0) + 1
        out.write(assessment.model_dump_json() + "\n")
        if keep:
            result.assessments.append(assessment)
    return result
