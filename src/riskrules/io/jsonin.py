"""JSON Lines and JSON arrays, read one household at a time (逐行读取).

Bytes are split on ``\\n`` only (U+2028 inside a string is text, not a line break) and each row is
decoded on its own, so a byte that is not UTF-8 rejects its row only. A UTF-8 byte-order mark
at the start is skipped. A row longer than :data:`MAX_ROW_BYTES`, nested deeper than the parser
allows, holding an integer of more than 30 digits, NaN or Infinity is rejected with its reason.
Numbers with a fraction are read as ``Decimal``, never float. A JSON array is split into its
elements by a scanner that keeps one element in memory at a time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from .convert import safe_value
from .units import Unit, problem

__all__ = ["MAX_ROW_BYTES", "RowText", "json_units", "parse_row"]

MAX_ROW_BYTES = 1 << 20  # 1 MiB: a household of 50 members and 200 items is far below
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 16


class _Refused(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise _Refused("an integer of more than 30 digits")
    return int(text)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=_int, parse_constant=_constant)


class RowText:
    """A row's bytes that could not be used (kept for the reason only)."""


def parse_row(data: bytes, row: int) -> tuple[Any, dict[str, Any] | None]:
    """(parsed value, None) or (None, the problem)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, problem("encoding", f"第 {e.start + 1} 个字节不是有效的 UTF-8 编码（0x{data[e.start]:02x}）",
                             f"byte {e.start + 1} is not valid UTF-8 (0x{data[e.start]:02x})", row=row)
    try:
        value, end = _DECODER.raw_decode(text, len(text) - len(text.lstrip()))
        if text[end:].strip():
            raise json.JSONDecodeError("Extra data", text, end)
        return value, None
    except json.JSONDecodeError as e:
        return None, problem("json_invalid", f"不是有效的 JSON：{e.msg}（第 {e.colno} 列）",
                             f"not valid JSON: {e.msg} (column {e.colno})", row=row)
    except _Refused as e:
        return None, problem("json_number", f"不接受的数字：{e}", f"number refused: {e}", row=row)
    except ValueError as e:  # int('9'*5000) with Python's digit limit
        return None, problem("json_number", "数字过长", f"number refused: {type(e).__name__}", row=row)
    except RecursionError:
        return None, problem("json_too_deep", "JSON 嵌套过深", "the JSON is nested too deeply", row=row)


def _unit(value: Any, row: int) -> Unit:
    if not isinstance(value, dict):
        return Unit(row, row, None, [problem("model_type", "每行应为一个 JSON 对象（一户）", "each row must be a JSON object (one household)",
                                             row=row)])
    hid = value.get("household_id")
    return Unit(row, row, value, household_id=safe_value(hid, 64) if isinstance(hid, str) else None)


def _too_long(row: int) -> Unit:
    return Unit(row, row, None, [problem("row_too_long", f"该行超过 {MAX_ROW_BYTES // 1024} KiB", f"the row is longer than {MAX_ROW_BYTES // 1024} KiB",
                                         row=row)])


def _lines(stream: IO[bytes], pre: list[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Raw lines (with their newline), and whether each was cut at MAX_ROW_BYTES (the rest skipped)."""
    for line in pre:
        yield line, False
    while True:
        line = stream.readline(MAX_ROW_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_ROW_BYTES and not line.endswith(b"\n"):
            while True:  # skip to the end of this line
                rest = stream.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield line, True
            continue
        yield line, False


def jsonl_units(stream: IO[bytes], pre: list[bytes] | None = None) -> Iterator[Unit]:
    for number, (line, cut) in enumerate(_lines(stream, pre or []), start=1):
        if cut:
            yield _too_long(number)
            continue
        if number == 1 and line.startswith(_BOM):
            line = line[3:]
        if not line.strip():
            continue
        value, bad = parse_row(line.rstrip(b"\r\n"), number)
        yield Unit(number, number, None, [bad]) if bad is not None else _unit(value, number)


_SCAN = re.compile(rb'["\\\[\]{},]')


def array_units(stream: IO[bytes], first: bytes = b"") -> Iterator[Unit]:
    """Elements of a JSON array, numbered from 1, each decoded and parsed on its own."""
    buf = bytearray(first)
    pos = 0
    started = False
    depth = 0
    in_string = False
    escape = False
    element_start: int | None = None
    number = 0
    eof = False

    def refill() -> bool:
        nonlocal buf, pos, element_start
        keep = element_start if element_start is not None else pos
        del buf[:keep]
        pos -= keep
        if element_start is not None:
            element_start = 0
        chunk = stream.read(_CHUNK)
        buf.extend(chunk)
        return bool(chunk)

    if buf.startswith(_BOM):
        del buf[:3]
    while True:
        if pos >= len(buf):
            if eof or not refill():
                eof = True
                break
            continue
        if not started:
            c = buf[pos:pos + 1]
            pos += 1
            if c.isspace():
                continue
            if c != b"[":
                yield Unit(1, 1, None, [problem("json_invalid", "JSON 文件应为一个数组", "a JSON file must hold an array", row=1)])
                return
            started = True
            depth = 1
            continue
        if element_start is None:
            c = buf[pos:pos + 1]
            if c.isspace() or c == b",":
                pos += 1
                continue
            if c == b"]":
                return
            element_start = pos
        if escape:
            escape = False
            pos += 1
            continue
        m = _SCAN.search(buf, pos)
        if m is None:
            pos = len(buf)
            if element_start is not None and len(buf) - element_start > MAX_ROW_BYTES:
                number += 1
                yield _too_long(number)
                return  # the structure is lost; nothing after it can be numbered reliably
            continue
        ch = m.group()
        pos = m.end()
        if in_string:
            if ch == b"\\":
                escape = True
            elif ch == b'"':
                in_string = False
            continue
        if ch == b'"':
            in_string = True
        elif ch in (b"[", b"{"):
            depth += 1
        elif ch in (b"]", b"}") and depth > 1:
            depth -= 1
        elif (ch == b"," or ch == b"]") and depth == 1:
            number += 1
            data = bytes(buf[element_start:pos - 1])
            element_start = None
            value, bad = parse_row(data, number)
            yield Unit(number, number, None, [bad]) if bad is not None else _unit(value, number)
            if ch == b"]":
                return
    if element_start is not None or started:
        number += 1
        yield Unit(number, number, None, [problem("json_invalid", "JSON 数组没有结束", "the JSON array is not closed", row=number)])


def json_units(stream: IO[bytes]) -> Iterator[Unit]:
    """Units of a JSON Lines file, or of a JSON array (told by the first character that is not a space)."""
    pre: list[bytes] = []
    while True:
        line = stream.readline(MAX_ROW_BYTES + 1)
        if not line:
            return iter(())
        pre.append(line)
        text = line[3:] if len(pre) == 1 and line.startswith(_BOM) else line
        if text.strip():
            break
    if text.lstrip().startswith(b"["):
        return array_units(stream, b"".join(pre))
    return jsonl_units(stream, pre)
