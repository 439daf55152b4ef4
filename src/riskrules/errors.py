"""The errors riskrules raises, each bilingual and each naming where the problem is.

Two families:

- :class:`InvalidRecord` -- a household record (数据) is wrong; it lists every problem with its
  field path, so an intake form can mark all of them at once.
- :class:`RulePackError` -- a rule file (规则) is wrong; it names the file, the line and the
  rule id, because rule files are edited by policy staff, not programmers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = [
    "Problem",
    "InvalidRecord",
    "RulePackError",
    "MissingParameter",
    "EngineError",
]


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


class InvalidRecord(ValueError):
    """A household record that cannot be accepted (记录无效), with every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(problems, key=lambda p: (p.path, p.code))
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"记录无效，共 {len(self.problems)} 处问题 / invalid record, "
            f"{len(self.problems)} problem(s):\n{lines}"
        )

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.problems]

    def as_dicts(self) -> list[dict[str, str]]:
        return [p.as_dict() for p in self.problems]


class RulePackError(ValueError):
    """A rule pack that cannot be loaded (规则包错误): names file, line and rule id."""

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
        where = []
        if file:
            where.append(file if line is None else f"{file}:{line}")
        if rule_id:
            where.append(f"rule {rule_id}")
        prefix = f"{', '.join(where)}: " if where else ""
        hint = f" (did you mean '{suggestion}'? 是否指 '{suggestion}'？)" if suggestion else ""
        text = f"{prefix}{self.message_en}{hint}"
        if self.message_zh != self.message_en:
            text += f" / {self.message_zh}"
        super().__init__(text)

    def located(self, *, file: str | None = None, line: int | None = None,
                rule_id: str | None = None) -> "RulePackError":
        """The same error with missing location filled in (inner code knows less than outer)."""
        return RulePackError(
            self.message_en,
            message_zh=self.message_zh,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            rule_id=self.rule_id or rule_id,
            suggestion=self.suggestion,
        )


class MissingParameter(LookupError):
    """No value of a parameter for a jurisdiction on a date (参数缺失)."""

    def __init__(self, name: str, jurisdiction: str, on: Any):
        self.name = name
        self.jurisdiction = jurisdiction
        self.on = on
        super().__init__(
            f"参数 {name} 在辖区 {jurisdiction} 于 {on} 没有生效的取值 / parameter '{name}' has "
            f"no value in force for jurisdiction {jurisdiction} on {on}"
        )


class EngineError(RuntimeError):
    """The rule engine failed while assessing a record (引擎错误); never swallowed."""
