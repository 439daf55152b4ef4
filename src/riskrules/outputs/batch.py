"""Assess a batch of households in memory (批量评估); rejected rows go to a rejects output, never dropped.

For files, county exports, workers, checkpoints and progress use :mod:`riskrules.screening`
(``riskrules assess``); this module keeps the small library entry points: :func:`read_rows`
streams JSON Lines or a JSON array one row at a time (each row decoded on its own, so one bad
byte rejects one row; U+2028 inside a string does not split a row), and :func:`assess_batch`
writes one ``Assessment.model_dump_json()`` line per household and one rejection per bad row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from ..assessment import Assessment
from ..errors import EngineError, InvalidRecord, Problem
from ..io.convert import safe_value
from ..io.jsonin import json_units
from ..pack.pack import RulePack

__all__ = ["BatchResult", "assess_batch", "read_rows"]


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


@dataclass(frozen=True)
class _Unparsable:
    text: str
    reason: str


def read_rows(stream: IO[str] | IO[bytes]) -> Iterator[tuple[int, Any]]:
    """(row number, the parsed row), 1-based, one row at a time: a row that cannot be read is an
    ``_Unparsable`` with its reason; a row that is JSON but not an object is ``None``."""
    raw: Any = getattr(stream, "buffer", None)
    if raw is None:
        raw = stream if isinstance(stream, (io.BufferedIOBase, io.RawIOBase)) else io.BytesIO(stream.read().encode("utf-8"))  # type: ignore[arg-type]
    for unit in json_units(raw):
        if unit.record is not None:
            yield unit.row, unit.record
        elif unit.problems and unit.problems[0]["code"] == "model_type":
            yield unit.row, None
        else:
            yield unit.row, _Unparsable("", unit.problems[0]["message_en"] if unit.problems else "unreadable")


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
        except (InvalidRecord, EngineError) as e:
            # A row that cannot be assessed is written out with its reason; the batch goes on.
            problems = e.as_dicts() if isinstance(e, InvalidRecord) else [
                {"path": "$", "code": "engine_error", "message_zh": "规则引擎出错", "message_en": f"the rule engines failed: {e}"}]
            result.rejected += 1
            hid = row.get("household_id") if isinstance(row, dict) and isinstance(row.get("household_id"), str) else None
            rejects.write(json.dumps({"row": row_number, "household_id": safe_value(hid, 64) if hid else None, "problems": problems},
                                     ensure_ascii=False, sort_keys=True) + "\n")
            continue
        result.assessed += 1
        for flag in assessment.flags:
            result.flags_by_kind[flag.kind] = result.flags_by_kind.get(flag.kind, 0) + 1
        out.write(assessment.model_dump_json() + "\n")
        if keep:
            result.assessments.append(assessment)
    return result
