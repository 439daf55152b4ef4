"""Converters from spreadsheet cells to record values (单元格转换).

A cell arrives as text (CSV), or typed by the file (Excel: number, date, boolean; Parquet: the
column's type). Each converter turns it into what the record takes, or raises
:class:`CellError` with a bilingual reason; it never guesses. An empty cell is *not asked*
(the field is left out, ``null``); a list cell holding a "none" word (``无``) is an empty list.

- yes/no: 是/否, 有/无, Y/N, yes/no, true/false, 1/0, √/×, and Excel booleans.
- dates: 2022-07-01, 2022/7/1, 2022.7.1, 2022年7月1日, 20220701, an Excel serial number
  (44743 is 2022-07-01; Excel's fictitious 1900-02-29 is respected), and date cells.
  Day-first or month-first forms such as 7/1/2022 are ambiguous and refused.
- money: 1689.87, "1,689.87" (thousands separators in groups of three), full-width digits
  (１,６８９.８７), a leading ¥/￥ or a trailing 元. Always ``Decimal``, never float; a number
  cell from Excel is read at Excel's own precision, 15 significant digits.
- whole numbers and decimals: ASCII or full-width digits; 3.0 from a number cell is 3.
- codes: the English code, the record's Chinese label, or a local label from the mapping.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..errors import mask_identity

__all__ = ["NONE_WORDS", "CellError", "converter", "is_empty", "safe_value", "split_list"]


class CellError(ValueError):
    """A cell that cannot be converted: a code and a reason in Chinese and English."""

    def __init__(self, code: str, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


NONE_WORDS = frozenset({"无", "没有", "none", "None", "NONE", "无措施", "-"})
_TRUE = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "t"})
_FALSE = frozenset({"否", "无", "没有", "n", "no", "false", "0", "×", "✗", "✘", "f"})
_LIST_SPLIT = re.compile(r"[、,，;；|\s]+")
_LONG_DIGITS = re.compile(r"[0-9０-９]{15,}")


def is_empty(cell: Any) -> bool:
    if cell is None or cell == "":
        return True
    t = type(cell)
    if t is str:
        return not cell.strip()
    return t is float and math.isnan(cell)


def safe_value(cell: Any, limit: int = 40) -> str:
    """A cell's value as it may be quoted in a reject: identity-number-like runs masked, and
    any run of 15 or more digits too (an old 15-digit number, a number with a typo), cut short."""
    text = mask_identity(str(cell))
    text = _LONG_DIGITS.sub(lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 8) + m.group(0)[-4:], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_of(cell: Any) -> str:
    text = cell if type(cell) is str else str(cell)
    return text.strip() if text.isascii() else unicodedata.normalize("NFKC", text).strip()


# -- text --------------------------------------------------------------------------------------

def to_text(cell: Any) -> str:
    if isinstance(cell, bool):
        raise CellError("text_type", "应为文本，不能是是/否", "must be text, not a yes/no value")
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        raise CellError("text_number", "应为文本，单元格是小数", "must be text; the cell is a decimal number")
    if isinstance(cell, Decimal):
        if cell == cell.to_integral_value():
            return str(int(cell))
        raise CellError("text_number", "应为文本，单元格是小数", "must be text; the cell is a decimal number")
    if isinstance(cell, (date, datetime)):
        raise CellError("text_type", "应为文本，单元格是日期", "must be text; the cell is a date")
    return str(cell).strip()


def to_code_text(cell: Any) -> str:
    """A code or label: text, with full-width letters and digits made ASCII."""
    return unicodedata.normalize("NFKC", to_text(cell)).strip()


def to_id_number(cell: Any) -> str:
    if isinstance(cell, (int, float, Decimal)) and not isinstance(cell, bool):
        raise CellError("id_number_as_number", "身份证号码被存为数字，Excel 只保留15位有效数字，末几位已丢失；请将该列设为文本格式",
                        "the identity number is stored as a number: Excel keeps 15 significant digits, so its last "
                        "digits are lost; format the column as text")
    return unicodedata.normalize("NFKC", to_text(cell)).replace(" ", "").upper()


# -- yes / no ----------------------------------------------------------------------------------

def to_bool(cell: Any) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float, Decimal)) and cell in (0, 1):
        return bool(cell)
    text = _text_of(cell)
    low = text.lower()
    if low in _TRUE or text in _TRUE:
        return True
    if low in _FALSE or text in _FALSE:
        return False
    raise CellError("yes_no", "应为 是 或 否", "must be yes or no (是/否)")


# -- dates -------------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMS = (
    re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"),
    re.compile(r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})"),
    re.compile(r"([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})"),
    re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日?"),
    re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})"),
)
_TIME_SUFFIX = re.compile(r"[ T]00:00(:00(\.0+)?)?$")
_AMBIGUOUS = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}")


def _serial(number: float) -> date:
    if number != int(number):
        raise CellError("date_serial_time", "日期序号带有时间（小数部分），不是日期", "the Excel date serial has a time of day; it is not a date")
    n = int(number)
    # Excel counts 1900-02-29, which never was: serials up to 60 cannot be read unambiguously.
    if not 61 <= n <= 73050:  # 1900-03-01 .. 2099-12-31
        raise CellError("date_serial_range", "Excel 日期序号超出 1900-03-01 至 2099-12-31", "the Excel date serial is outside 1900-03-01 to 2099-12-31")
    return _EXCEL_EPOCH + timedelta(days=n)


def to_date(cell: Any) -> date:
    if isinstance(cell, datetime):
        if (cell.hour, cell.minute, cell.second, cell.microsecond) != (0, 0, 0, 0):
            raise CellError("date_time", "单元格带有时间，应为日期", "the cell has a time of day; a date is expected")
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        raise CellError("date_format", "应为日期", "must be a date")
    if isinstance(cell, (int, float, Decimal)):
        return _serial(float(cell))
    text = _TIME_SUFFIX.sub("", _text_of(cell))
    if re.fullmatch(r"[0-9]{5}(\.0+)?", text):
        return _serial(float(text))
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                raise CellError("date_invalid", "日期不存在", "no such calendar date") from None
    if _AMBIGUOUS.fullmatch(text):
        raise CellError("date_ambiguous", "日期写法有歧义（日/月顺序不明），请写作 2022-07-01 或 2022/7/1",
                        "the date is ambiguous (day and month order); write 2022-07-01 or 2022/7/1")
    raise CellError("date_format", "日期格式应为 2022-07-01、2022/7/1、2022年7月1日 或 Excel 日期",
                    "a date must be written 2022-07-01, 2022/7/1, 2022年7月1日, or be an Excel date")


# -- numbers -----------------------------------------------------------------------------------

_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_GROUPED = re.compile(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")


_CURRENCY = re.compile(r"^[¥￥]|元$")


def _number_text(cell: Any, *, money: bool) -> Decimal:
    if type(cell) is str and _PLAIN.fullmatch(cell):
        return Decimal(cell)
    text = _text_of(cell).replace(" ", "")
    if money:
        text = _CURRENCY.sub("", text)
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    if _GROUPED.fullmatch(text):
        return Decimal(text.replace(",", ""))
    if "," in text and re.fullmatch(r"-?[0-9,]+(\.[0-9]+)?", text):
        raise CellError("thousands_separator", "千位分隔符位置不对（应每三位一个，如 1,689.87）",
                        "misplaced thousands separator (one every three digits, as in 1,689.87)")
    raise CellError("number_format", "应为数字（如 1689.87 或 1,689.87）", "must be a number (such as 1689.87 or 1,689.87)")


def _excel_float(value: float) -> Decimal:
    if not math.isfinite(value):
        raise CellError("number_format", "不是有限数", "not a finite number")
    exact = Decimal(repr(value))
    if exact.as_tuple().exponent >= -2:  # type: ignore[operator]
        return exact
    # Excel keeps 15 significant digits: 1689.8700000000001 is the 1689.87 it shows.
    return Decimal(format(value, ".15g"))


def to_money(cell: Any) -> Decimal:
    if isinstance(cell, bool):
        raise CellError("money_type", "金额不能是是/否", "money must not be a yes/no value")
    if isinstance(cell, Decimal):
        amount = cell
    elif isinstance(cell, int):
        amount = Decimal(cell)
    elif isinstance(cell, float):
        amount = _excel_float(cell)
    else:
        amount = _number_text(cell, money=True)
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):  # type: ignore[operator]
        raise CellError("money_decimals", "金额最多两位小数（分）", "money has at most 2 decimals (fen)")
    return amount


def to_decimal(cell: Any) -> Decimal:
    if isinstance(cell, bool):
        raise CellError("number_type", "应为数字，不能是是/否", "must be a number, not a yes/no value")
    if isinstance(cell, Decimal):
        return cell
    if isinstance(cell, int):
        return Decimal(cell)
    if isinstance(cell, float):
        return _excel_float(cell)
    return _number_text(cell, money=False)


def to_int(cell: Any) -> int:
    if isinstance(cell, bool):
        raise CellError("number_type", "应为整数，不能是是/否", "must be a whole number, not a yes/no value")
    if isinstance(cell, int):
        return cell
    number = to_decimal(cell)
    if number != number.to_integral_value():
        raise CellError("number_whole", "应为整数", "must be a whole number")
    if abs(number) > 10**12:
        raise CellError("number_too_large", "数字过大", "the number is too large")
    return int(number)


# -- lists -------------------------------------------------------------------------------------

def split_list(cell: Any) -> list[Any] | None:
    """The items of a list cell; [] for a "none" word; None when the cell is empty."""
    if is_empty(cell):
        return None
    if not isinstance(cell, str):
        return [cell]
    text = unicodedata.normalize("NFKC", cell).strip()
    if text in NONE_WORDS:
        return []
    return [part for part in _LIST_SPLIT.split(text) if part]


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "text": to_text,
    "code": to_code_text,
    "bool": to_bool,
    "date": to_date,
    "money": to_money,
    "decimal": to_decimal,
    "int": to_int,
    "id_number": to_id_number,
}


def cached(convert: Callable[[Any], Any], size: int = 4096) -> Callable[[Any], Any]:
    """``convert`` remembering its answers (and its refusals) for the last texts it saw: dates,
    labels and yes/no repeat from row to row. Bounded, so memory stays flat."""
    memo: dict[str, tuple[bool, Any]] = {}

    def convert_cached(cell: Any) -> Any:
        if type(cell) is not str:
            return convert(cell)
        hit = memo.get(cell)
        if hit is None:
            try:
                hit = (True, convert(cell))
            except CellError as e:
                hit = (False, e)
            if len(memo) >= size:
                memo.clear()
            memo[cell] = hit
        if hit[0]:
            value = hit[1]
            return list(value) if type(value) is list else value
        raise hit[1]

    return convert_cached


def converter(kind: str, labels: Mapping[str, str] | None = None, enum: Any = None) -> Callable[[Any], Any]:
    """The converter of a value kind (``date``, ``list:code``...). For ``code`` kinds, text is
    looked up as written and after NFKC normalisation among ``labels`` (local label -> code) and
    the code table ``enum`` (codes and Chinese labels); unknown text passes through for the
    record to refuse with the list of allowed values. A converter never returns None: empty
    cells are handled before."""
    if kind.startswith("list:"):
        item = converter(kind[5:], labels, enum)

        def convert_list(cell: Any) -> list[Any]:
            items = split_list(cell)
            return [item(x) for x in items or ()]

        return convert_list
    if kind == "code":
        table: dict[str, str] = {}
        if enum is not None:
            for m in enum:
                table[m.label_zh] = m.value
                table[unicodedata.normalize("NFKC", m.label_zh)] = m.value
            for m in enum:
                table[m.value] = m.value
        for k, v in (labels or {}).items():
            table[k.strip()] = v
            table[unicodedata.normalize("NFKC", k).strip()] = v

        def convert_code(cell: Any) -> str:
            raw = to_text(cell)
            hit = table.get(raw)
            if hit is None:
                norm = unicodedata.normalize("NFKC", raw).strip()
                hit = table.get(norm)
                if hit is None:
                    return raw
            return hit

        return convert_code
    return _SCALARS[kind]
