"""Value types of the intake record: money, region codes, resident identity numbers, dates.

Every check here refuses to guess: ``"abc"`` is not 0, ``""`` is not ``None``, ``12.345`` yuan is
not rounded, ``true`` is not 1, ``"１２３"`` (full-width digits) is not 123. Digits are ASCII
``[0-9]`` everywhere, as in the published JSON schema (a regular expression's digit class
would also match every Unicode digit in Python). Error messages never repeat an identity number in full.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .bounds import FIRST_DAY, LAST_DAY
from .problems import bilingual_error

__all__ = [
    "Yuan",
    "to_fen",
    "fen_to_yuan",
    "RegionCode",
    "ResidentId",
    "id_check_digit",
    "contains_identity_number",
    "bilingual_error",
    "PROVINCE_CODES",
    "Day",
]


_MONEY_TEXT = re.compile(r"-?[0-9]+(\.[0-9]{1,2})?")


def _parse_yuan(value: Any) -> Decimal:
    # bool is an int in Python; a checkbox must never become 1 yuan.
    if isinstance(value, bool):
        raise bilingual_error("money_type", "金额必须是数字，不能是布尔值", "money must be a number, not a boolean")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # JSON numbers arrive as floats; repr() is the shortest text that reads back to the
        # same float, i.e. what the form sent. Non-finite values are refused below.
        try:
            amount = Decimal(repr(value))
        except InvalidOperation:
            raise bilingual_error("money_type", "金额不是有效数字", "money is not a valid number") from None
    elif isinstance(value, str):
        if not _MONEY_TEXT.fullmatch(value):
            raise bilingual_error(
                "money_text",
                "金额文本格式应为如 1234.56 的数字（最多两位小数）",
                "money text must be a number such as 1234.56 (at most 2 decimals)",
            )
        amount = Decimal(value)
    else:
        raise bilingual_error("money_type", "金额必须是数字", "money must be a number")
    if not amount.is_finite():
        raise bilingual_error("money_type", "金额不是有限数", "money must be finite")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):  # type: ignore[operator]
        raise bilingual_error("money_decimals", "金额最多两位小数（分）", "money has at most 2 decimals (fen)")
    if amount < 0:
        raise bilingual_error("money_negative", "金额不能为负数", "money must not be negative")
    if amount > Decimal("100000000"):
        raise bilingual_error(
            "money_too_large", "金额超过一亿元，疑为录入错误", "money above 100,000,000 yuan is not plausible"
        )
    return amount.quantize(Decimal("0.01"))


Yuan = Annotated[
    Decimal,
    BeforeValidator(_parse_yuan),
    Field(json_schema_extra={"type": ["number", "string"], "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"}),
]
"""Money in yuan (元): a non-negative ``Decimal`` with at most two decimals."""


def to_fen(amount: Decimal) -> int:
    """Yuan to integer fen (分), exactly; the engine only ever sees integers."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} yuan is not a whole number of fen")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


# GB/T 2260 province-level codes (the first two digits of any region code).
PROVINCE_CODES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}


def _check_region(value: Any) -> str:
    if not isinstance(value, str):
        raise bilingual_error("region_type", "行政区划代码必须是文本", "region code must be text")
    if not re.fullmatch(r"[0-9]{6}|[0-9]{12}", value):
        raise bilingual_error(
            "region_format",
            "行政区划代码应为6位县级代码或12位村级代码",
            "region code must be a 6-digit county code or a 12-digit village code (GB/T 2260)",
        )
    if value[:2] not in PROVINCE_CODES:
        raise bilingual_error(
            "region_province",
            f"行政区划代码前两位 {value[:2]} 不是有效的省级代码",
            f"the first two digits {value[:2]} are not a province code of GB/T 2260",
        )
    return value


RegionCode = Annotated[
    str,
    BeforeValidator(_check_region),
    Field(json_schema_extra={"pattern": r"^([0-9]{6}|[0-9]{12})$"}),
]
"""A GB/T 2260 region code (行政区划代码): 6-digit county or 12-digit village."""


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
_MASKED_ID = re.compile(r"[0-9]{4}\*{10}[0-9]{3}[0-9X]")
# An 18-character run inside longer text (an id that embeds an identity number).
_ID_RUN = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


def id_check_digit(first17: str) -> str:
    """GB 11643-1999 check character (校验码) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def _embedded_birth(number: str) -> date | None:
    """The birth date in digits 7-14 of an 18-digit number, or None if no such calendar date."""
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if year < 1 or not 1 <= month <= 12:
        return None
    try:
        return date(year, month, day)
    except ValueError:  # day 0 or past the month's end
        return None


def _identity_error(number: str) -> Exception | None:
    """Why ``number`` (upper case) is not a valid resident identity number; None if it is one."""
    if not _ID_NUMBER.fullmatch(number):
        return bilingual_error("id_format", "身份证号码应为18位数字（最后一位可为X）",
                               "identity number must have 18 characters, digits 0-9 (last may be X)")
    if number[:2] not in PROVINCE_CODES:
        return bilingual_error("id_region", "身份证号码的地区码无效", "identity number has an invalid region code")
    born = _embedded_birth(number)
    if born is None:
        return bilingual_error("id_birth", "身份证号码中的出生日期无效", "identity number has an invalid birth date")
    # A birth date before 1900 or in the future is a typing error, not a person.
    if not FIRST_DAY <= born <= date.today():
        return bilingual_error("id_birth_range", f"身份证号码中的出生日期应在 {FIRST_DAY} 至今天之间",
                               f"the birth date in an identity number must be from {FIRST_DAY} to today")
    if id_check_digit(number[:17]) != number[17]:
        return bilingual_error("id_check_digit", "身份证号码校验码错误", "identity number check digit is wrong")
    return None


def contains_identity_number(text: str) -> bool:
    """Whether ``text`` is, or holds, a valid resident identity number (full-width digits too).

    Used on free-text ids: an id is shown in every output, so it must not carry an identity
    number that the masking of :class:`ResidentId` would otherwise protect.
    """
    normal = unicodedata.normalize("NFKC", text).upper()
    return any(_identity_error(run) is None for run in _ID_RUN.findall(normal))


class ResidentId:
    """A resident identity number (居民身份证号码), GB 11643.

    Personal information: ``repr``, ``str`` and JSON show only the masked form
    ``2301**********1234``. A record that arrives already masked is kept masked (it cannot be
    checked, so :attr:`verified` is False). :meth:`reveal` gives the full number to code that
    must store it.
    """

    __slots__ = ("_value", "verified")

    def __init__(self, value: str):
        if not isinstance(value, str):
            raise bilingual_error("id_type", "身份证号码必须是文本", "identity number must be text")
        text = str.__str__(value).upper()
        if _MASKED_ID.fullmatch(text):
            self._value = text
            self.verified = False
            return
        error = _identity_error(text)
        if error is not None:
            raise error
        self._value = text
        self.verified = True

    @property
    def masked(self) -> str:
        return f"{self._value[:4]}{'*' * 10}{self._value[-4:]}"

    @property
    def birth_date(self) -> date | None:
        return _embedded_birth(self._value) if self.verified else None

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"ResidentId('{self.masked}')"

    def __str__(self) -> str:
        return self.masked

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResidentId) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def validate(value: Any) -> "ResidentId":
            return value if isinstance(value, ResidentId) else cls(value)

        def serialize(value: "ResidentId", info: core_schema.SerializationInfo) -> str:
            context = info.context
            reveal = isinstance(context, dict) and bool(context.get("reveal_identity"))
            return value.reveal() if reveal else value.masked

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(serialize, info_arg=True),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": "string", "pattern": r"^([0-9]{17}[0-9X]|[0-9]{4}\*{10}[0-9]{3}[0-9X])$"}


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_day(value: Any) -> date:
    # A datetime is a date subclass; a timestamp with a time of day is not a calendar date.
    if isinstance(value, date) and not hasattr(value, "hour"):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:  # month 13, 29 February of a common year...
            raise bilingual_error("date_invalid", "日期不存在", "no such calendar date") from None
    else:
        raise bilingual_error("date_format", "日期格式应为 YYYY-MM-DD", "date must be written YYYY-MM-DD")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise bilingual_error("date_out_of_range", f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间",
                              f"a date must be from {FIRST_DAY} to {LAST_DAY}")
    return day


Day = Annotated[date, BeforeValidator(_parse_day)]
"""A calendar date (日期) from 1900-01-01 to 2099-12-31, given as ``datetime.date`` or
``"YYYY-MM-DD"``; nothing else."""
