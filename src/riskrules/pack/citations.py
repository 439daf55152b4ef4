"""Citations (出处): the document, issuer, date and quoted clause behind a rule or a value."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import RulePackError
from .yamlfile import LineDict

__all__ = ["Citation", "parse_citation"]

_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
_REQUIRED = ("document", "issuer", "date", "clause", "quote")
_OPTIONAL = ("url", "note", "unconfirmed")


class Citation(BaseModel):
    """Where a rule or a parameter value comes from (政策依据)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str
    issuer: str
    date: str  # YYYY-MM-DD; YYYY-MM or YYYY where the source gives no day
    clause: str
    quote: str
    note: str | None = None
    url: str | None = None
    unconfirmed: bool = False

    def short(self) -> str:
        return f"{self.issuer}《{self.document.strip('《》')}》（{self.date}）{self.clause}"


def parse_citation(raw: Any, *, file: str, line: int, rule_id: str | None = None) -> Citation:
    if not isinstance(raw, dict):
        raise RulePackError("'source' must be a mapping with document, issuer, date, clause and quote",
                            message_zh="'source' 应包含 document、issuer、date、clause、quote",
                            file=file, line=line, rule_id=rule_id)
    where = raw.line if isinstance(raw, LineDict) else line
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        raise RulePackError(f"source lacks {', '.join(missing)}", message_zh=f"出处缺少 {', '.join(missing)}",
                            file=file, line=where, rule_id=rule_id)
    unknown = [k for k in raw if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        raise RulePackError(f"unknown source key(s): {', '.join(unknown)}", message_zh=f"出处中有未知的键：{', '.join(unknown)}",
                            file=file, line=where, rule_id=rule_id)
    when = raw["date"]
    if isinstance(when, date):
        when = when.isoformat()
    elif isinstance(when, int) and not isinstance(when, bool):
        when = str(when)  # YAML reads a bare year as a number
    if not isinstance(when, str) or not _DATE.match(when):
        raise RulePackError("source date must be written YYYY-MM-DD (or YYYY-MM or YYYY when the text gives no day)",
                            message_zh="出处日期格式应为 YYYY-MM-DD（不知日期时为 YYYY-MM 或 YYYY）",
                            file=file, line=raw.line_of("date") if isinstance(raw, LineDict) else where, rule_id=rule_id)
    if raw.get("unconfirmed") and not raw.get("note"):
        raise RulePackError("an unconfirmed source needs a note saying what is not confirmed",
                            message_zh="标注 unconfirmed 的出处需要 note 说明未经证实之处", file=file, line=where, rule_id=rule_id)
    return Citation(**{**{k: raw[k] for k in raw}, "date": when})
