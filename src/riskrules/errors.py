"""The errors riskrules raises: one root, three families, each bilingual and located.

- :class:`RiskRulesError` -- the root: ``except riskrules.RiskRulesError`` catches everything
  riskrules raises on purpose.
- :class:`InvalidRecord` -- a household record (数据), or the as-of date or jurisdiction it is
  assessed with, cannot be accepted; it lists every problem with its field path, so an intake
  form can mark all of them at once. A caller that assesses records needs only this ``except``.
- :class:`RulePackError` -- a rule pack (规则包) cannot be loaded; it names the file, the line
  and the rule id, because rule files are edited by policy staff, not programmers. When a pack
  has several errors, :attr:`RulePackError.errors` holds each of them.
- :class:`EngineError` -- the engine failed or the back ends disagreed (引擎错误); never a
  silent answer.

No message ever carries a resident identity number in full (see :func:`mask_identity`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "RiskRulesError",
    "Problem",
    "InvalidRecord",
    "RulePackError",
    "MissingParameter",
    "EngineError",
    "mask_identity",
]

# Anything that looks like an 18-character resident identity number, with ASCII or full-width
# digits: masked wherever text from a record could reach a message or a path.
_IDENTITY = re.compile(r"(?<![0-9０-９])([0-9０-９]{6})[0-9０-９]{8}([0-9０-９]{3}[0-9０-９Xx×Ｘｘ])(?![0-9０-９])")


def mask_identity(text: str) -> str:
    """``text`` with every identity-number-like run masked: ``2301**********1234``."""
    return _IDENTITY.sub(lambda m: m.group(1)[:4] + "*" * 10 + m.group(0)[-4:], text)


class RiskRulesError(Exception):
    """The root of every error riskrules raises (规则库错误)."""


@dataclass(frozen=True)
class Problem:
    """One problem with one field of a record (字段错误)."""

    path: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }

    def __str__(self) -> str:
        return f"{self.path}: {self.message_zh} / {self.message_en}"


class InvalidRecord(RiskRulesError, ValueError):
    """A household record that cannot be accepted (记录无效), with every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(
            (Problem(mask_identity(p.path), p.code, mask_identity(p.message_zh), mask_identity(p.message_en))
             for p in problems), key=lambda p: (p.path, p.code))
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"记录无效，共 {len(self.problems)} 处问题 / invalid record, "
            f"{len(self.problems)} problem(s):\n{lines}"
        )

    @classmethod
    def one(cls, path: str, code: str, message_zh: str, message_en: str) -> "InvalidRecord":
        return cls([Problem(path, code, message_zh, message_en)])

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.problems]

    def as_dicts(self) -> list[dict[str, str]]:
        return [p.as_dict() for p in self.problems]


class RulePackError(RiskRulesError, ValueError):
    """A rule pack that cannot be loaded (规则包错误): names file, line and rule id.

    A pack with several errors raises one :class:`RulePackError` whose :attr:`errors` lists
    each (the first is also this error's own location and message).
    """

    def __init__(
        self,
        message_en: str,
        *,
        message_zh: str | None = None,
        file: str | None = None,
        line: int | None = None,
        rule_id: str | None = None,
        suggestion: str | None = None,
    ):
        self.message_en = message_en
        self.message_zh = message_zh or message_en
        self.file = file
        self.line = line
        self.rule_id = rule_id
        self.suggestion = suggestion
        self.errors: list[RulePackError] = [self]
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line: where, what, and the did-you-mean hint."""
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.rule_id:
            where.append(f"rule {self.rule_id}")
        prefix = f"{', '.join(where)}: " if where else ""
        hint = f" (did you mean '{self.suggestion}'? 是否指 '{self.suggestion}'？)" if self.suggestion else ""
        text = f"{prefix}{self.message_en}{hint}"
        if self.message_zh != self.message_en:
            text += f" / {self.message_zh}"
        return text

    @classmethod
    def combine(cls, errors: list["RulePackError"]) -> "RulePackError":
        """One error standing for all of ``errors`` (in the order found)."""
        flat = [e for err in errors for e in err.errors]
        if len(flat) == 1:
            return flat[0]
        first = flat[0]
        combined = cls(first.message_en, message_zh=first.message_zh, file=first.file, line=first.line,
                       rule_id=first.rule_id, suggestion=first.suggestion)
        combined.errors = flat
        combined.args = (f"{len(flat)} errors in the rule pack / 规则包共有 {len(flat)} 处错误:\n"
                         + "\n".join(f"  - {e.describe()}" for e in flat),)
        return combined

    def located(self, *, file: str | None = None, line: int | None = None,
                rule_id: str | None = None) -> "RulePackError":
        """The same error with missing location filled in (inner code knows less than outer)."""
        out = [RulePackError(e.message_en, message_zh=e.message_zh, file=e.file or file,
                             line=e.line if e.line is not None else line, rule_id=e.rule_id or rule_id,
                             suggestion=e.suggestion) for e in self.errors]
        return RulePackError.combine(out)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule_id": self.rule_id, "message_zh": self.message_zh,
                "message_en": self.message_en, "suggestion": self.suggestion}


class MissingParameter(RiskRulesError, LookupError):
    """No value of a parameter for a jurisdiction on a date (参数缺失).

    Raised by :meth:`ParameterTable.resolve`; an assessment turns it into an
    :class:`InvalidRecord` naming the as-of date or the event date that needs the value.
    """

    def __init__(self, name: str, jurisdiction: str, on: Any):
        self.name = name
        self.jurisdiction = jurisdiction
        self.on = on
        super().__init__(
            f"参数 {name} 在辖区 {jurisdiction} 于 {on} 没有生效的取值 / parameter '{name}' has "
            f"no value in force for jurisdiction {jurisdiction} on {on}"
        )


class EngineError(RiskRulesError, RuntimeError):
    """The rule engine failed while assessing a record (引擎错误); never swallowed."""
