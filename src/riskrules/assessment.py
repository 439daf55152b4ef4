"""What an assessment returns (评估结果): flags, each explaining itself, and what is undecided.

These models are the library's output contract: the JSON they write is deterministic (the same
record, as-of date and rule pack give the same bytes) and they are built by the rule pack from
values it has already checked, so they are constructed without re-validation.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any, Callable, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, computed_field, model_validator

__all__ = [
    "FlagKind",
    "Severity",
    "Citation",
    "FactUsed",
    "ParameterUsed",
    "Flag",
    "Undecided",
    "RuleReading",
    "RulePackInfo",
    "Assessment",
]


class _Titled(str, Enum):
    """A code with its Chinese and English titles: members are ``(code, title_zh, title_en)``,
    their value the code, and they print as it."""

    title_zh: str
    title_en: str

    def __new__(cls, code: str, title_zh: str, title_en: str) -> "_Titled":
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.title_zh = title_zh
        obj.title_en = title_en
        return obj

    def __str__(self) -> str:
        return self.value


class FlagKind(_Titled):
    """What a rule concludes about a household (标记类型); the order is the order flags are listed."""

    MONITORING_OBJECT = ("monitoring_object", "监测对象识别", "monitoring objects")
    GREEN_CHANNEL = ("green_channel", "绿色通道", "green channel")
    RISK_ALERT = ("risk_alert", "风险预警", "risk alerts")
    DEADLINE_BREACH = ("deadline_breach", "时限", "deadlines")
    RISK_ELIMINATION = ("risk_elimination", "风险消除", "risk elimination")
    ASSISTANCE_GAP = ("assistance_gap", "精准帮扶", "targeted assistance")
    DATA_QUALITY = ("data_quality", "数据质量", "data quality")
    SIGNAL = ("signal", "信号", "signals")

    @property
    def order(self) -> int:
        return _KIND_ORDER[self]


_KIND_ORDER = {kind: i for i, kind in enumerate(FlagKind)}


class Severity(_Titled):
    """How urgent a flag is (严重程度): a rule broken, something to act on, or something to know."""

    BREACH = ("breach", "违规", "breach: a rule or deadline of the policy is broken")
    # Not 预警: that word names the alerts (风险预警), a kind of flag, not how urgent one is.
    WARNING = ("warning", "警示", "warning: something to verify or act on")
    NOTICE = ("notice", "提示", "notice: for information")


_M = TypeVar("_M", bound="_Out")
_set = object.__setattr__


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def _build(cls: type[_M], _private: dict[str, Any] | None = None, **values: Any) -> _M:
        """An instance from values that are already valid: what ``model_construct`` does,
        without its per-call bookkeeping (these models are built for every flag of every
        household). Every field must be given, and every private attribute when the model
        has any; a test holds the result equal to validation's."""
        obj = cls.__new__(cls)
        _set(obj, "__dict__", values)
        _set(obj, "__pydantic_fields_set__", set(values))
        _set(obj, "__pydantic_extra__", None)
        if _private is None and cls.__private_attributes__:
            _private = {k: v.get_default() for k, v in cls.__private_attributes__.items()}
        _set(obj, "__pydantic_private__", _private)
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


class _Rendered(_Out):
    """An output whose last fields are rendered when first read (or serialised), not when the
    assessment is made: a screening that only counts outcomes never pays for them, and anyone
    who reads or stores them gets them exactly the same. ``_DETAILS`` (a model of the rendered
    fields) checks them when the model is read back from JSON."""

    _DETAILS: ClassVar[type[BaseModel]]
    _details: dict[str, Any] | None = PrivateAttr(default=None)
    _render: Callable[[], dict[str, Any]] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _read(cls, data: Any, handler: Any) -> Any:
        names = cls._DETAILS.model_fields
        if not isinstance(data, dict) or not any(k in data for k in names):
            return handler(data)
        data = dict(data)
        raw = {k: data.pop(k) for k in list(data) if k in names}
        obj = handler(data)
        details = cls._DETAILS.model_validate(raw)
        obj.__pydantic_private__["_details"] = {k: getattr(details, k) for k in names}
        return obj

    def _detail(self, key: str) -> Any:
        private = self.__pydantic_private__
        details = private["_details"]  # type: ignore[index]
        if details is None or key not in details:
            render = private["_render"]  # type: ignore[index]
            if render is None:
                raise AttributeError(f"{type(self).__name__} has no {key}")
            details = {**(details or {}), **render()}
            private["_details"], private["_render"] = details, None  # type: ignore[index]  # the household's fact may go
        return details[key]

    def explained(self: _R) -> _R:
        """This object with its rendered fields rendered now rather than when first read."""
        for name in self._DETAILS.model_fields:
            self._detail(name)
        return self

    def __eq__(self, other: object) -> bool:
        # Equal when they say the same, rendered or not.
        return type(other) is type(self) and self.model_dump() == other.model_dump()  # type: ignore[union-attr]

    __hash__ = None  # type: ignore[assignment]


_R = TypeVar("_R", bound=_Rendered)


class _FlagDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: list[FactUsed]
    parameters: list[ParameterUsed]
    signals: list[str] = []
    explanation_zh: str
    explanation_en: str


class Flag(_Rendered):
    """One conclusion of one rule about the household (标记), with its explanation.

    ``facts``, ``parameters``, ``signals`` and the two explanations are rendered when first read.
    """

    _DETAILS = _FlagDetails

    kind: FlagKind
    severity: Severity | None = None  # every flag but a signal has one
    rule_id: str
    title_zh: str
    title_en: str
    conclusion: dict[str, Any]
    risk_types: list[str] = []
    citation: Citation

    @computed_field  # type: ignore[prop-decorator]
    @property
    def facts(self) -> list[FactUsed]:
        """Every fact the rule read, with the value compared (事实取值)."""
        return self._detail("facts")  # type: ignore[no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def parameters(self) -> list[ParameterUsed]:
        """Every parameter the rule read, with its jurisdiction, effective date and source."""
        return self._detail("parameters")  # type: ignore[no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def signals(self) -> list[str]:
        """The signals the rule joined (for an elimination that is blocked: the unmet criteria)."""
        return self._detail("signals")  # type: ignore[no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def explanation_zh(self) -> str:
        """One sentence a caseworker can read (说明)."""
        return self._detail("explanation_zh")  # type: ignore[no-any-return]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def explanation_en(self) -> str:
        return self._detail("explanation_en")  # type: ignore[no-any-return]


class _UndecidedDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ask_for: list[str]


class Undecided(_Rendered):
    """A rule that could not be decided because facts are missing (待补充信息); ``ask_for`` (the
    record fields to collect) is worked out when first read."""

    _DETAILS = _UndecidedDetails

    rule_id: str
    kind: FlagKind
    title_zh: str
    title_en: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ask_for(self) -> list[str]:
        """The record fields whose values would decide the rule (field paths)."""
        return self._detail("ask_for")  # type: ignore[no-any-return]


class RuleReading(_Out):
    """What one rule made of one household, whether it fired or not (规则判断依据): its outcome,
    the facts and parameters it read with the values compared, and for an undecided rule the
    fields to ask for. The answer to "why did this rule not fire?"."""

    rule_id: str
    kind: FlagKind
    title_zh: str
    title_en: str
    condition: str
    outcome: Literal["fired", "not_fired", "undecided"]
    facts: list[FactUsed]
    parameters: list[ParameterUsed]
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
        """This assessment, with every flag's details rendered now (see :class:`Flag`)."""
        for f in (*self.flags, *self.signals):
            f.explained()
        return self

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
