"""Bilingual validation errors in, bilingual :class:`~riskrules.errors.Problem` items out.

Validators raise :func:`bilingual_error` (one problem) or :func:`raise_all` (several, each at
its own path); :func:`problems_from_validation_error` turns pydantic's report into problems.
The input value is never echoed: it may be an identity number or other personal information,
so only pydantic's own fixed messages and ours reach a problem, and paths built from unknown
keys are masked and shortened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..errors import Problem, mask_identity

__all__ = ["bilingual_error", "raise_all", "problems_from_validation_error", "path_of"]


def bilingual_error(code: str, zh: str, en: str, field: str | None = None) -> PydanticCustomError:
    """A validation error that carries its Chinese message alongside the English one.

    ``field`` names the field inside the model that a cross-field check blames, so the
    reported path points at it rather than at the whole model.
    """
    ctx: dict[str, str] = {"zh": zh, "en": en}
    if field:
        ctx["field"] = field
    return PydanticCustomError(code, en, ctx)


def raise_all(title: str, errors: Sequence[tuple[tuple[str | int, ...], PydanticCustomError]]) -> None:
    """Raise every error at once, each at its location relative to the value being validated.

    pydantic merges a ValidationError raised inside a validator into its own report, prefixing
    the outer location, so a check of a list can blame ``members[3].member_id`` and
    ``members[5].id_number`` in one pass. ``input`` is None: the offending value is never kept.
    """
    if errors:
        raise ValidationError.from_exception_data(
            title, [InitErrorDetails(type=error, loc=loc, input=None) for loc, error in errors])


# pydantic's own error types, with a Chinese rendering of their English message. Only these
# types keep pydantic's English message: it is fixed text that never quotes the input.
_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "invalid_key": "字段名应为文本",
    "string_type": "应为文本",
    "string_too_short": "文本过短",
    "string_too_long": "文本过长",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "too_short": "列表元素过少",
    "too_long": "列表元素过多",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "finite_number": "应为有限数",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "decimal_whole_digits": "整数位数过多",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "date_type": "应为日期",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "json_invalid": "不是有效的 JSON",
    "json_type": "JSON 输入应为文本或字节串",
    "frozen_instance": "记录不可修改",
}

# A path segment longer than this came from an unknown key, not from a field name.
_MAX_SEGMENT = 64


def _segment(part: Any) -> str:
    # Mask before shortening: cutting first could leave 14 digits of an identity number that
    # the 18-character mask no longer recognises.
    text = mask_identity(str(part))
    return text if len(text) <= _MAX_SEGMENT else text[:_MAX_SEGMENT] + "…"


def path_of(loc: tuple[Any, ...]) -> str:
    """``('members', 2, 'birth_date')`` -> ``members[2].birth_date``."""
    out = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = _segment(part)
            out += f".{text}" if out else text
    return out or "$"


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = tuple(part for part in item["loc"] if not _is_union_branch(part))
        ctx = item.get("ctx") or {}
        kind = item["type"]
        if "field" in ctx:
            loc = (*loc, str(ctx["field"]))
        if "zh" in ctx and "en" in ctx:
            zh, en = str(ctx["zh"]), str(ctx["en"])
        elif kind in _ZH:
            zh, en = _ZH[kind], item["msg"]
        else:
            # An error type we do not know may quote its input in the message ("Value error, ...").
            zh, en = "取值无效", "invalid value"
        problems.append(Problem(path=path_of(loc), code=kind, message_zh=zh, message_en=en))
    return problems


def _is_union_branch(part: Any) -> bool:
    # pydantic adds the branch name of `X | None` unions and function validators to loc.
    return isinstance(part, str) and (part.startswith("function-") or part in {"nullable", "lax-or-strict"}
                                      or part.endswith("]") and "[" in part)
