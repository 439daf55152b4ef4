"""Read a ``source:`` block (出处) of a rule, a definition or a parameter value.

A source names the document, its issuer, its date, the clause and the quoted text; each is
text of bounded length, checked here so a wrong type is a located error, not a traceback.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..assessment import Citation
from ..errors import RulePackError
from .yamlfile import LineDict

__all__ = ["parse_citation"]

_DATE = re.compile(r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")
_REQUIRED = ("document", "issuer", "date", "clause", "quote")
_TEXT = ("document", "issuer", "clause", "quote", "note", "url")
_KEYS = (*_REQUIRED, "url", "note", "unconfirmed")
_MAX_TEXT = 4000


def parse_citation(raw: Any, *, file: str, line: int, rule_id: str | None = None) -> Citation:
    def error(en: str, zh: str, at: int) -> RulePackError:
        return RulePackError(en, message_zh=zh, file=file, line=at, rule_id=rule_id)

    if not isinstance(raw, dict):
        raise error("'source' must be a mapping with document, issuer, date, clause and quote",
                    "'source' 应包含 document、issuer、date、clause、quote", line)
    where = raw.line if isinstance(raw, LineDict) else line

    def at(key: str) -> int:
        return raw.line_of(key) if isinstance(raw, LineDict) else where

    missing = [k for k in _REQUIRED if raw.get(k) in (None, "")]
    if missing:
        raise error(f"source lacks {', '.join(missing)}", f"出处缺少 {', '.join(missing)}", where)
    unknown = [k for k in raw if k not in _KEYS]
    if unknown:
        raise error(f"unknown source key(s): {', '.join(unknown)}", f"出处中有未知的键：{', '.join(unknown)}", at(unknown[0]))
    for key in _TEXT:
        if key in raw and raw[key] is not None:
            if not isinstance(raw[key], str):
                raise error(f"source '{key}' must be text (quote it if it is a number)",
                            f"出处的 '{key}' 应为文本（数字请加引号）", at(key))
            if len(raw[key]) > _MAX_TEXT:
                raise error(f"source '{key}' is longer than {_MAX_TEXT} characters", f"出处的 '{key}' 超过 {_MAX_TEXT} 个字符", at(key))
    when = raw["date"]
    if isinstance(when, date):
        when = when.isoformat()
    elif isinstance(when, int) and not isinstance(when, bool):
        when = str(when)  # YAML reads a bare year as a number
    if not isinstance(when, str) or not _DATE.match(when):
        raise error("source date must be written YYYY-MM-DD (or YYYY-MM or YYYY when the text gives no day)",
                    "出处日期格式应为 YYYY-MM-DD（不知日期时为 YYYY-MM 或 YYYY）", at("date"))
    unconfirmed = raw.get("unconfirmed", False)
    if not isinstance(unconfirmed, bool):
        raise error("'unconfirmed' must be true or false", "'unconfirmed' 应为 true 或 false", at("unconfirmed"))
    if unconfirmed and not raw.get("note"):
        raise error("an unconfirmed source needs a note saying what is not confirmed",
                    "标注 unconfirmed 的出处需要 note 说明未经证实之处", where)
    return Citation(document=raw["document"], issuer=raw["issuer"], date=when, clause=raw["clause"], quote=raw["quote"],
                    note=raw.get("note"), url=raw.get("url"), unconfirmed=unconfirmed)
