"""Writing screened rows (筛查结果输出): JSON Lines or Parquet, batch by batch.

JSON Lines holds each row's ``json`` (the same bytes whatever the batch size); Parquet holds the
row columns, with the outcomes as one boolean column per rule (null: undecided).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import IO, Any

import polars as pl

from ..errors import RiskRulesError

__all__ = ["RowWriter", "FORMATS"]

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


class RowWriter:
    """Writes result batches to ``path`` (``.jsonl`` or ``.parquet``); the file appears whole
    when the writer closes without an error (it is written as ``NAME.partial`` first)."""

    def __init__(self, path: Path):
        self.path = path
        self.kind = FORMATS.get(path.suffix.lower())
        if self.kind is None:
            raise RiskRulesError(f"cannot tell the output format of {path}: name it .jsonl or .parquet / 输出文件应为 .jsonl 或 .parquet")
        self.partial = path.with_name(path.name + ".partial")
        self._file: IO[bytes] | None = None
        self._parquet: Any = None

    def __enter__(self) -> "RowWriter":
        if self.kind == "jsonl":
            self._file = open(self.partial, "wb")
        return self

    def write(self, rows: pl.DataFrame) -> None:
        if self.kind == "jsonl":
            assert self._file is not None
            if rows.height:
                self._file.write(("\n".join(rows["json"].to_list()) + "\n").encode("utf-8"))
            return
        import pyarrow.parquet as pq

        table = rows.drop("json").unnest("outcomes").to_arrow()
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(str(self.partial), table.schema, compression="zstd")
        self._parquet.write_table(table)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        if kind is None:
            if not self.partial.exists():  # nothing screened: an empty file of the format
                self.partial.write_bytes(b"")
            self.partial.replace(self.path)
        else:  # a half-written file is no result: nothing is left behind
            self.partial.unlink(missing_ok=True)
