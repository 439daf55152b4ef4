"""What an assessment returns (评估结果): flags, each explaining itself, and what is undecided.

These models are the library's output contract: the JSON they write is deterministic (the same
record, as-of date and rule pack give the same bytes) and they are built by the rule pack from
values it has already checked, so they are constructed without re-validation.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

__all__ = [
    "FlagKind",
    "Citation",
    "FactUsed",
    "ParameterUsed",
    "Flag",
    "Undecided",
    "RulePackInfo",
    "Assessment",
]


class FlagKind(str, Enum):
    """What a rule concludes about a household (标记类型); the order is the order flags are listed."""

    title_zh: str
    title_en: str

    def __new__(cls, code: str, title_zh: str, title_en: str) -> "FlagKind":
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.title_zh = title_zh
        obj.title_en = title_en
        return obj

    MONITORING_OBJECT = ("monitoring_object", "监测对象识别", "monitoring objects")
    GREEN_CHANNEL = ("green_channel", "绿色通道", "green channel")
    DEADLINE_BREACH = ("deadline_breach", "时限", "deadlines")
    RISK_ELIMINATION = ("risk_elimination", "风险消除", "risk elimination")
    ASSISTANCE_GAP = ("assistance_gap", "精准帮扶", "targeted assistance")
    DATA_QUALITY = ("data_quality", "数据质量", "data quality")
    SIGNAL = ("signal", "信号", "signals")

    def __str__(self) -> str:
        return self.value

    @property
    def order(self) -> int:
        return list(FlagKind).index(self)


_M = TypeVar("_M", bound="_Out")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def _build(cls: type[_M], **values: Any) -> _M:
        """An instance from values that are already valid: what ``model_construct`` does,
        without its per-call bookkeeping (these models are built for every flag of every
        household). Every field must be given; a test holds the result equal to validation's."""
        obj = cls.__new__(cls)
        object.__setattr__(obj, "__dict__", values)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__",
                           {k: v.get_default() for k, v in cls.__private_attributes__.items()} or None)
        return obj


class Citation(_Out):
    """Where a rule or a parameter value comes from (政策依据): document, issuer, date, clause, quote."""

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
    """One conclusion of one rule about the household (标记), with its explanation.

    ``facts``, ``parameters`` and the two explanations are filled unless the assessment was
    made with ``explain=False``; then they are ``None`` and :meth:`explained` renders them on
    request, exactly as an explained assessment would have them.
    """

    kind: FlagKind
    rule_id: str
    title_zh: str
    title_en: str
    conclusion: dict[str, Any]
    risk_types: list[str] = []
    citation: Citation
    facts: list[FactUsed] | None = None
    parameters: list[ParameterUsed] | None = None
    signals: list[str] = []
    explanation_zh: str | None = None
    explanation_en: str | None = None
    _render: Callable[[], "Flag"] | None = PrivateAttr(default=None)

    def explained(self) -> "Flag":
        """This flag with its facts, parameters and sentences (说明); itself when it has them."""
        if self.explanation_zh is not None or self._render is None:
            return self
        return self._render()


class Undecided(_Out):
    """A rule that could not be decided because facts are missing (待补充信息)."""

    rule_id: str
    kind: FlagKind
    title_zh: str
    title_en: str
    ask_for: list[str]


class RulePackInfo(_Out):
    """The rule pack an assessment was made with (规则包版本)."""

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

    def explained(self) -> "Assessment":
        """This assessment with every flag explained (see :meth:`Flag.explained`)."""
        if all(f.explanation_zh is not None for f in (*self.flags, *self.signals)):
            return self
        return self.model_copy(update={"flags": [f.explained() for f in self.flags],
                                       "signals": [f.explained() for f in self.signals]})

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
        for f in self.flags_of(FlagKind.MONITORING_OBJECT):
            return str(f.conclusion.get("category"))
        return None
