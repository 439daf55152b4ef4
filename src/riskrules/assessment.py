"""What an assessment returns (评估结果): flags, each explaining itself, and what is undecided."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .pack.citations import Citation

__all__ = ["FactUsed", "ParameterUsed", "Flag", "Undecided", "Assessment", "FlagKind"]

FlagKind = Literal["monitoring_object", "green_channel", "deadline_breach", "risk_elimination", "assistance_gap",
                   "data_quality", "signal"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FactUsed(_Out):
    """A fact the rule's condition read, with its value as compared (事实取值)."""

    name: str
    title_zh: str
    title_en: str
    value: str
    raw: Any = None


class ParameterUsed(_Out):
    """A parameter the rule read, with where its value came from (参数取值及出处)."""

    name: str
    title_zh: str
    title_en: str
    value: str
    jurisdiction: str
    effective: date
    local: bool
    source: Citation


class Flag(_Out):
    """One conclusion of one rule about the household (标记), with its explanation."""

    kind: FlagKind
    rule_id: str
    title_zh: str
    title_en: str
    conclusion: dict[str, Any]
    risk_types: list[str] = []
    citation: Citation
    facts: list[FactUsed]
    parameters: list[ParameterUsed]
    signals: list[str] = []
    explanation_zh: str
    explanation_en: str


class Undecided(_Out):
    """A rule that could not be decided because facts are missing (待补充信息)."""

    rule_id: str
    kind: FlagKind
    title_zh: str
    title_en: str
    ask_for: list[str]


class RulePackInfo(_Out):
    name: str
    version: str


class Assessment(_Out):
    """The assessment of one household on one date under one rule pack (评估结果)."""

    household_id: str
    as_of: date
    jurisdiction: str
    rule_pack: RulePackInfo
    flags: list[Flag]
    signals: list[Flag]
    undecided: list[Undecided]

    def flags_of(self, kind: str) -> list[Flag]:
        return [f for f in self.flags if f.kind == kind]

    def rule_ids(self) -> list[str]:
        return [f.rule_id for f in self.flags]

    def flag(self, rule_id: str) -> Flag:
        for f in (*self.flags, *self.signals):
            if f.rule_id == rule_id:
                return f
        raise KeyError(rule_id)

    @property
    def category(self) -> str | None:
        """The monitoring-object category concluded, if any (监测对象类别)."""
        for f in self.flags_of("monitoring_object"):
            return str(f.conclusion.get("category"))
        return None
