"""Open an input (打开输入): the format from the file name, the reader, the mapping, and the
check that no household id comes twice. Yields :class:`~riskrules.io.units.Unit` in order."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .assemble import MembersStore, bind, tabular_units
from .jsonin import json_units
from .mapping import Mapping, MappingError, bundled_mapping
from .tables import (
    BadRow,
    TableError,
    csv_rows,
    excel_rows,
    excel_sheets,
    parquet_count,
    parquet_rows,
)
from .units import Unit, problem

__all__ = ["FORMATS", "InputSource", "SeenIds", "format_of", "open_input"]

FORMATS = ("json", "csv", "excel", "parquet")
_EXT = {".jsonl": "json", ".ndjson": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".txt": "csv",
        ".xlsx": "excel", ".xlsm": "excel", ".parquet": "parquet", ".pq": "parquet"}


def format_of(path: str, given: str | None = None) -> str:
    if given:
        if given not in FORMATS:
            raise TableError(f"unknown input format {given!r} (one of {', '.join(FORMATS)})")
        return given
    if path == "-":
        return "json"
    fmt = _EXT.get(Path(path).suffix.lower())
    if fmt is None:
        raise TableError(f"cannot tell the format of {path} from its name: give --format ({', '.join(FORMATS)}) / "
                         f"无法从文件名判断格式，请用 --format 指定")
    return fmt


class SeenIds:
    """Household ids already read, with the row of each: in memory up to a bound, then in a
    temporary SQLite file, so that memory stays flat however long the input."""

    def __init__(self, in_memory: int = 50_000):
        self.limit = in_memory
        self.memory: dict[str, int] = {}
        self.db: sqlite3.Connection | None = None
        self.dir: tempfile.TemporaryDirectory[str] | None = None

    def first_row(self, hid: str, row: int) -> int | None:
        """The row where ``hid`` was first read, or None (and remember it now)."""
        seen = self.memory.get(hid)
        if seen is not None:
            return seen
        if self.db is not None:
            got = self.db.execute("SELECT row FROM seen WHERE id = ?", (hid,)).fetchone()
            if got is not None:
                return int(got[0])
        self.memory[hid] = row
        if len(self.memory) >= self.limit:
            self._spill()
        return None

    def _spill(self) -> None:
        if self.db is None:
            self.dir = tempfile.TemporaryDirectory(prefix="riskrules-ids-")
            self.db = sqlite3.connect(str(Path(self.dir.name) / "ids.db"))
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY, row INTEGER)")
        self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", self.memory.items())
        self.db.commit()
        self.memory.clear()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self.dir is not None:
            self.dir.cleanup()
            self.dir = None


class _Counting:
    """A binary stream that counts the bytes read (for progress)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.count = 0

    def readline(self, limit: int = -1) -> bytes:
        data = self.raw.readline(limit)
        self.count += len(data)
        return data

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data


@dataclass
class InputSource:
    path: str
    fmt: str
    mapping: Mapping | None
    members_path: str | None = None
    sheet: str | None = None
    members_sheet: str | None = None
    encoding: str = "utf-8"
    unmapped: list[str] = field(default_factory=list)
    total_bytes: int = 0
    total_rows: int = 0
    _stream: _Counting | None = None
    _rows_done: int = 0
    _closers: list[Any] = field(default_factory=list)
    _prepared: bool = False
    _body: Iterator[Unit] | None = None

    @property
    def name(self) -> str:
        return "-" if self.path == "-" else Path(self.path).name

    def fraction(self) -> float | None:
        """How much of the input has been read, 0..1, when it can be told."""
        if self._stream is not None and self.total_bytes:
            return min(1.0, self._stream.count / self.total_bytes)
        if self.total_rows:
            return min(1.0, self._rows_done / self.total_rows)
        return None

    def _open_bytes(self) -> _Counting:
        if self.path == "-":
            raw: IO[bytes] = sys.stdin.buffer
        else:
            raw = open(self.path, "rb")
            self._closers.append(raw)
            self.total_bytes = os.fstat(raw.fileno()).st_size
        self._stream = _Counting(raw)
        return self._stream

    def _table(self) -> Iterator[tuple[int, Any]]:
        if self.fmt == "csv":
            return csv_rows(self._open_bytes(), self.encoding)  # type: ignore[arg-type]
        if self.fmt == "excel":
            sheet = self.sheet
            if sheet is None and self.mapping is not None:
                names = excel_sheets(self.path)
                wanted = self.mapping.sheets.get("households")
                sheet = wanted if wanted in names else None
            return excel_rows(self.path, sheet)
        self.total_rows = parquet_count(self.path)
        return parquet_rows(self.path)

    def _members(self) -> MembersStore | None:
        if self.mapping is None:
            return None
        path, sheet = self.members_path, self.members_sheet
        if path is None and self.fmt == "excel":
            wanted = self.mapping.sheets.get("members")
            if sheet is None and wanted in excel_sheets(self.path):
                sheet = wanted
            if sheet is not None:
                path = self.path
        if path is None:
            return None
        fmt = format_of(path) if path != self.path else "excel"
        if fmt == "csv":
            f = open(path, "rb")
            self._closers.append(f)
            rows: Iterator[tuple[int, Any]] = csv_rows(f, self.encoding)  # type: ignore[arg-type]
        elif fmt == "excel":
            rows = excel_rows(path, sheet)
        elif fmt == "parquet":
            rows = parquet_rows(path)
        else:
            raise TableError(f"a members table is CSV, Excel or Parquet, not {fmt}")
        header = _header(rows, path)
        binding = bind(header, self.mapping, Path(path).name + (f"[{sheet}]" if sheet else ""), members_table=True)
        self.unmapped += [f"{h} ({binding.source})" for h in binding.unmapped]
        store = MembersStore(binding, rows)
        self._closers.append(store)
        return store

    def prepare(self) -> None:
        """Open the input and read its header now, so that a wrong file, sheet or mapping is
        reported before anything is written."""
        if self._prepared:
            return
        self._prepared = True
        if self.fmt == "json":
            self._body = json_units(self._open_bytes())  # type: ignore[arg-type]
            return
        if self.mapping is None:
            raise MappingError(["a table needs a column mapping"])
        rows = self._table()
        header = _header(rows, self.path)
        binding = bind(header, self.mapping, self.name)
        self.unmapped += binding.unmapped
        members = self._members()
        if members is not None and binding.item_list == "members":
            raise MappingError([f"{self.name} has member columns and a members table is given too: use one"])
        self._body = tabular_units(binding, rows, members)

    def units(self) -> Iterator[Unit]:
        """Every household of the input in order, and every row that cannot be one, once each."""
        self.prepare()
        seen = SeenIds()
        self._closers.append(seen)
        assert self._body is not None
        for unit in self._body:
            self._rows_done = unit.last_row
            record = unit.record
            hid = record.get("household_id") if isinstance(record, dict) else None
            if isinstance(hid, str) and hid:
                first = seen.first_row(hid, unit.row)
                if first is not None:
                    unit.problems.append(problem("duplicate_household", f"户编号重复：已在第 {first} 行出现（同一户的行须相邻）",
                                                 f"duplicate household id: already read at row {first} (the rows of a household "
                                                 f"must be together)", path="household_id", row=unit.row))
                    unit.failed_paths += ("$",)
            yield unit

    def close(self) -> None:
        for c in reversed(self._closers):
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        self._closers.clear()


def _header(rows: Iterator[tuple[int, Any]], path: str) -> list[Any]:
    for _, cells in rows:
        if isinstance(cells, BadRow):
            raise TableError(f"{path}: the header row cannot be read: {cells.message_en} / 表头无法读取")
        return list(cells)
    raise TableError(f"{path}: the table is empty (no header row) / 表格为空")


def open_input(path: str, *, fmt: str | None = None, mapping: Mapping | str | None = None, members: str | None = None,
               sheet: str | None = None, members_sheet: str | None = None, encoding: str = "utf-8") -> InputSource:
    """An input to read units from. Tables use ``mapping`` (a :class:`Mapping`, a YAML path, or
    the bundled Chinese mapping when None)."""
    kind = format_of(path, fmt)
    if isinstance(mapping, (str, Path)):
        from .mapping import load_mapping

        mapping = load_mapping(mapping)
    if kind != "json" and mapping is None:
        mapping = bundled_mapping()
    try:
        "".encode(encoding)
    except LookupError:
        raise TableError(f"unknown encoding {encoding!r} / 未知编码") from None
    return InputSource(path, kind, mapping if kind != "json" else None, members, sheet, members_sheet, encoding)
