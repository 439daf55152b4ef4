"""Turn pydantic's validation errors into bilingual :class:`~riskrules.errors.Problem` items.

The input value is never echoed: it may be an identity number or other personal information.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import Problem

__all__ = ["problems_from_validation_error", "path_of"]

# pydantic's own error types, with a Chinese rendering of their English message.
_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（请检查拼写）",
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
    "enum": "不是允许的取值",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "小数位数过多",
    "decimal_whole_digits": "整数位数过多",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "date_type": "应为日期",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "json_invalid": "不是有效的 JSON",
    "value_error": "取值无效",
    "frozen_instance": "记录不可修改",
}


def path_of(loc: tuple[Any, ...]) -> str:
    """``('members', 2, 'birth_date')`` -> ``members[2].birth_date``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "$"


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for item in error.errors(include_url=False, include_input=False):
        loc = tuple(part for part in item["loc"] if not _is_union_branch(part))
        ctx = item.get("ctx") or {}
        kind = item["type"]
        if "field" in ctx:
            loc = (*loc, ctx["field"])
        if "zh" in ctx and "en" in ctx:
            zh, en = str(ctx["zh"]), str(ctx["en"])
        else:
            en = item["msg"]
            if kind == "enum" and "expected" in ctx:
                zh = f"不是允许的取值，应为 {ctx['expected']}（或其中文名称）"
            else:
                zh = _ZH.get(kind, "取值无效")
        problems.append(Problem(path=path_of(loc), code=kind, message_zh=zh, message_en=en))
    return problems


def _is_union_branch(part: Any) -> bool:
    # pydantic adds the branch name of `X | None` unions and function validators to loc.
    return isinstance(part, str) and (part.startswith("function-") or part in {"nullable", "lax-or-strict"}
                                      or part.endswith("]") and "[" in part)
