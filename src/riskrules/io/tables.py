"""Rows of a table (表格行): CSV, Excel (xlsx, read with python-calamine) and Parquet (pyarrow).

Each reader yields ``(row number, cells)``: the header is row 1 and the first data row is row 2,
as a spreadsheet shows them (Parquet has no header row: its first record is row 1). A CSV row
that cannot be read (bytes that are not in the file's encoding, a cell longer than allowed, an
unclosed quote) comes as a :class:`BadRow` with its rows and reason, and reading goes on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import RiskRulesError

__all__ = ["BadRow", "TableError", "csv_rows", "excel_rows", "excel_sheets", "need", "parquet_rows"]

MAX_CELL = 64 * 1024


class TableError(RiskRulesError, ValueError):
    """A table that cannot be read at all (no header, no such sheet, a missing optional package)."""


@dataclass(frozen=True)
class BadRow:
    first: int
    last: int
    code: str
    message_zh: str
    message_en: str


def need(module: str, extra: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise TableError(f"this needs the optional package {module!r}: pip install 'riskrules[{extra}]' / "
                         f"需要可选依赖 {module}：pip install 'riskrules[{extra}]'") from None


class _Lines:
    """Physical lines of a byte stream, each decoded on its own; remembers bad ones."""

    def __init__(self, stream: IO[bytes], encoding: str):
        self.stream = stream
        self.encoding = encoding
        self.number = 0
        self.bad: dict[int, str] = {}
        self.first = True

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_CELL * 4)
        if not line:
            raise StopIteration
        self.number += 1
        if self.first:
            self.first = False
            if line.startswith(b"\xef\xbb\xbf") and self.encoding.replace("-", "").lower() in ("utf8", "utf8sig"):
                line = line[3:]
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError as e:
            self.bad[self.number] = f"0x{line[e.start]:02x} at byte {e.start + 1}"
            return line.decode(self.encoding, errors="replace")


def csv_rows(stream: IO[bytes], encoding: str = "utf-8", delimiter: str | None = None) -> Iterator[tuple[int, Any]]:
    lines = _Lines(stream, encoding)
    csv.field_size_limit(MAX_CELL)
    first_line = None
    if delimiter is None:
        first_line = next(lines, None)
        if first_line is None:
            return
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","

    def source() -> Iterator[str]:
        if first_line is not None:
            yield first_line
        yield from lines

    reader = csv.reader(source(), delimiter=delimiter, strict=False)
    row = 0
    while True:
        start_line = lines.number + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            row += 1
            yield row, BadRow(row, row, "csv_invalid", f"无法读取该行（第 {start_line}–{lines.number} 行文本）：单元格过长或引号未闭合",
                              f"the row cannot be read (text lines {start_line}-{lines.number}): {e}")
            continue
        row += 1
        bad = [n for n in range(start_line, lines.number + 1) if n in lines.bad]
        if bad:
            where = lines.bad[bad[0]]
            for n in bad:
                del lines.bad[n]
            hint_zh = "；文件可能是 GBK/GB18030 编码，请用 --encoding gb18030" if encoding.lower().startswith("utf") else ""
            hint_en = "; the file may be GBK/GB18030: try --encoding gb18030" if encoding.lower().startswith("utf") else ""
            yield row, BadRow(row, row, "encoding", f"该行含有不是 {encoding} 编码的字节（{where}）{hint_zh}",
                              f"the row has bytes that are not {encoding} ({where}){hint_en}")
            continue
        if not any(c.strip() for c in cells):
            continue
        yield row, cells


def excel_sheets(path: str | Path) -> list[str]:
    calamine = need("python_calamine", "excel")
    wb = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return list(wb.sheet_names)
    finally:
        wb.close()


def excel_rows(path: str | Path, sheet: str | None) -> Iterator[tuple[int, Any]]:
    """Rows of one sheet (the first when ``sheet`` is None); numbered as Excel numbers them."""
    calamine = need("python_calamine", "excel")
    try:
        wb = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 -- calamine raises its own types
        raise TableError(f"cannot read the workbook {path}: {type(e).__name__}: {e} / 无法读取工作簿") from None
    names = list(wb.sheet_names)
    if sheet is None:
        if not names:
            raise TableError(f"the workbook {path} has no sheet / 工作簿没有工作表")
        sheet = names[0]
    if sheet not in names:
        raise TableError(f"the workbook {path} has no sheet {sheet!r} (sheets: {', '.join(names)}) / 工作簿中没有工作表 {sheet}")
    ws = wb.get_sheet_by_name(sheet)
    first = ws.start[0] if ws.start else 0
    for i, cells in enumerate(ws.iter_rows()):
        if not any(c not in ("", None) for c in cells):
            continue
        yield first + i + 1, [None if c == "" else c for c in cells]
    wb.close()


def parquet_rows(path: str | Path, batch_rows: int = 4096) -> Iterator[tuple[int, Any]]:
    """The column names as row 0, then each record (from 1), batch by batch."""
    pq = need("pyarrow.parquet", "parquet")
    try:
        pf = pq.ParquetFile(str(path), pre_buffer=False)  # buffered, memory grows with the rows read
    except Exception as e:  # noqa: BLE001
        raise TableError(f"cannot read the Parquet file {path}: {e} / 无法读取 Parquet 文件") from None
    names = pf.schema_arrow.names
    yield 0, list(names)
    n = 0
    for batch in pf.iter_batches(batch_size=batch_rows):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for cells in zip(*columns):
            n += 1
            yield n, list(cells)


def parquet_count(path: str | Path) -> int:
    pq = need("pyarrow.parquet", "parquet")
    return int(pq.ParquetFile(str(path)).metadata.num_rows)


def sniff_text(path: str | Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4096)


_ = io  # (kept for type checkers of IO[bytes])
