"""Assess units (评估): what one worker does, in the main process or in a worker process.

Each unit gives bytes for the output and bytes for the rejects (one of them empty): the
writer only puts them in order. Anything that goes wrong with one household -- a bad record,
an engine error, an unexpected exception -- rejects that household with its reason; the run
goes on.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from ..assessment import Assessment
from ..errors import EngineError, InvalidRecord
from ..io.convert import safe_value
from ..io.units import Unit, problem
from ..pack.pack import RulePack, load_rules
from .rows import (
    FLAG_COLUMNS,
    HOUSEHOLD_COLUMNS,
    dumps,
    flag_rows,
    flat_flag,
    flat_household,
    household_row,
)

__all__ = ["REJECT_COLUMNS", "Assessor", "Settings", "assessor_for", "csv_line", "init_worker", "work_chunk"]

REJECT_COLUMNS = ["source", "row", "last_row", "household_id", "problem_source", "problem_row", "column", "path", "code",
                  "message_zh", "message_en", "value"]


@dataclass(frozen=True)
class Settings:
    as_of: date
    jurisdiction: str | None
    rules: str | None          # pack folder (None: bundled)
    out_format: str            # jsonl, csv, parquet
    rows: str                  # household, flag
    detail: str                # compact, full
    citations: str             # ref, full
    rejects_format: str        # jsonl, csv
    source: str                # the input's name, written in each reject
    engine: str = "python"     # python: each household by the record model and the rule engines; columnar: see columnar.py


def csv_line(values: list[Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return buf.getvalue().encode("utf-8")


def _cell(v: Any) -> Any:
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def _located(e: InvalidRecord, unit: Unit) -> list[dict[str, Any]]:
    failed = [p for p in unit.failed_paths if p != "$"]
    out = []
    for p in e.problems:
        path = p.path
        if any(path == f or path.startswith(f + ".") or path.startswith(f + "[") or f.startswith(path + ".")
               or f.startswith(path + "[") for f in failed):
            continue  # already reported as the cell that could not be converted
        column, row, source = None, unit.row, None
        if unit.where:
            probe = path
            while probe:
                hit = unit.where.get(probe)
                if hit is not None:
                    column = hit[0] if probe == path else None
                    row = hit[1]
                    source = hit[2] if len(hit) > 2 else None  # type: ignore[misc]
                    break
                cut = max(probe.rfind("."), probe.rfind("["))
                probe = probe[:cut] if cut > 0 else ""
        out.append(problem(p.code, p.message_zh, p.message_en, path=path, row=row, column=column, source=source))
    return out


class Assessor:
    """Assesses units with one rule pack, loaded once."""

    def __init__(self, settings: Settings, pack: RulePack | None = None):
        self.s = settings
        self.pack = pack if pack is not None else load_rules(settings.rules)

    def reject(self, unit: Unit, problems: list[dict[str, Any]]) -> bytes:
        s = self.s
        hid = unit.household_id
        if s.rejects_format == "csv":
            return b"".join(csv_line([s.source, unit.row, unit.last_row, hid, p.get("source"), p.get("row"), p.get("column"),
                                      p.get("path"), p.get("code"), p.get("message_zh"), p.get("message_en"), p.get("value")])
                            for p in problems)
        return dumps({"source": s.source, "row": unit.row, "last_row": unit.last_row, "household_id": hid,
                      "problems": problems}) + b"\n"

    def one(self, unit: Unit) -> tuple[bool, bytes, tuple[str, ...]]:
        return self.assessed(unit)[0]

    def assessed(self, unit: Unit, check: Callable[[Assessment], None] | None = None
                 ) -> tuple[tuple[bool, bytes, tuple[str, ...]], Assessment | None]:
        """The unit's output, and its assessment when it has one; ``check`` may refuse the
        assessment with an :class:`EngineError` (the household is then rejected with it)."""
        s = self.s
        problems = list(unit.problems)
        if unit.record is None:
            return (False, self.reject(unit, problems), ()), None
        try:
            household = self.pack.validate(unit.record, s.as_of, s.jurisdiction)
            if problems:
                return (False, self.reject(unit, problems), ()), None
            a = self.pack.assess(household, s.as_of, s.jurisdiction)
            if check is not None:
                check(a)
        except InvalidRecord as e:
            return (False, self.reject(unit, problems + _located(e, unit)), ()), None
        except EngineError as e:
            return (False, self.reject(unit, problems + [problem("engine_error", f"规则引擎出错：{safe_value(e, 300)}",
                                                                 f"the rule engines failed: {safe_value(e, 300)}", row=unit.row)]), ()), None
        except Exception as e:  # noqa: BLE001 -- one household must not end the run; the type names the bug
            return (False, self.reject(unit, problems + [problem("internal_error", f"评估时出现内部错误（{type(e).__name__}）",
                                                                 f"internal error while assessing ({type(e).__name__})", row=unit.row)]), ()), None
        kinds = tuple(str(f.kind) for f in a.flags)
        return (True, self.encode(unit.row, household, a), kinds), a

    def encode(self, row: int, household: Any, a: Any) -> bytes:
        s = self.s
        if s.rows == "flag":
            rows = flag_rows(row, household, a, detail=s.detail, citations=s.citations)
            if s.out_format == "csv":
                return b"".join(csv_line([_cell(f[c]) for c in FLAG_COLUMNS]) for f in map(flat_flag, rows))
            if s.out_format == "parquet":
                return b"".join(dumps(flat_flag(r)) + b"\n" for r in rows)
            return b"".join(dumps(r) + b"\n" for r in rows)
        hrow = household_row(row, household, a, detail=s.detail, citations=s.citations)
        if s.out_format == "csv":
            flat = flat_household(hrow)
            return csv_line([_cell(flat[c]) for c in HOUSEHOLD_COLUMNS])
        if s.out_format == "parquet":
            return dumps(flat_household(hrow)) + b"\n"
        return (hrow if isinstance(hrow, bytes) else dumps(hrow)) + b"\n"

    def chunk(self, units: list[Unit]) -> list[tuple[bool, bytes, tuple[str, ...]]]:
        return [self.one(u) for u in units]


def assessor_for(settings: Settings, pack: RulePack | None = None) -> Assessor:
    """The assessor of ``settings.engine``."""
    if settings.engine == "columnar":
        from .columnar import ColumnarAssessor

        return ColumnarAssessor(settings, pack)
    return Assessor(settings, pack)


_WORKER: Assessor | None = None


def init_worker(settings: Settings) -> None:
    """A worker process loads the pack once, and ends when its parent does (a parent killed
    with SIGKILL cannot stop its workers itself)."""
    global _WORKER
    import os
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    parent = os.getppid()
    try:  # Linux: the kernel kills this worker when its parent dies
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001,S110 -- elsewhere the watchdog below does it
        pass

    def watchdog() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watchdog, name="riskrules-parent-watchdog", daemon=True).start()
    _WORKER = assessor_for(settings)


def work_chunk(units: list[Unit]) -> list[tuple[bool, bytes, tuple[str, ...]]]:
    assert _WORKER is not None
    return _WORKER.chunk(units)
