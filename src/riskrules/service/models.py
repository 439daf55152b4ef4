"""Request and response models of the HTTP service (接口模型), as the OpenAPI document shows them.

Request bodies are read by the service itself (so that a bad record answers with every problem,
in Chinese and English, as :class:`~riskrules.errors.InvalidRecord` reports it); the request
models here document them and check their envelope. Responses are the library's own models
(:class:`~riskrules.Assessment`, :class:`~riskrules.forms.questions.NextQuestions`) and the ones
below.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..assessment import Assessment, Citation, FlagKind, RulePackInfo
from ..record.household import Household
from ..record.values import Day

__all__ = [
    "AssessRequest",
    "BatchEnvelope",
    "BatchItem",
    "BatchRequest",
    "BatchResult",
    "Envelope",
    "ParameterInfo",
    "ParameterValueInfo",
    "ProblemDetails",
    "ProblemItem",
    "RuleDetail",
    "RuleList",
    "RuleSummary",
    "ServiceHealth",
    "Validated",
]

_AS_OF = "评估日期（YYYY-MM-DD） / the as-of date of the assessment"
_JURISDICTION = ("适用参数的辖区：CN 或行政区划代码前缀；默认按记录的行政区划代码 / whose parameters apply: CN or a region-code "
                 "prefix; by default the record's region code")


class AssessRequest(BaseModel):
    """评估请求 / one household, the date to assess it on, and (optionally) whose parameters apply."""

    model_config = ConfigDict(extra="forbid", title="AssessRequest")

    record: Household = Field(description="农户信息采集记录 / the household intake record")
    as_of: date = Field(description=_AS_OF, examples=["2022-07-31"])
    jurisdiction: str | None = Field(default=None, description=_JURISDICTION, examples=["23"])


class BatchRequest(BaseModel):
    """批量评估请求 / several households assessed on one date."""

    model_config = ConfigDict(extra="forbid", title="BatchRequest")

    records: list[Household] = Field(description="农户记录（条数有上限） / household records (bounded)", min_length=1, max_length=100)
    as_of: date = Field(description=_AS_OF, examples=["2022-07-31"])
    jurisdiction: str | None = Field(default=None, description=_JURISDICTION)


class Envelope(BaseModel):
    """What the service checks of a request before the record itself (which the pack checks)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    record: dict[str, Any]
    as_of: Day
    jurisdiction: str | None = None


class BatchEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    records: list[dict[str, Any]] = Field(min_length=1)
    as_of: Day
    jurisdiction: str | None = None


class ProblemItem(BaseModel):
    """One problem with one field (字段错误)."""

    pointer: str = Field(description="JSON Pointer into the request body: /record/members/0/birth_date")
    path: str = Field(description="the field path as riskrules writes it: members[0].birth_date (as_of, jurisdiction for those)")
    code: str
    message_zh: str
    message_en: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details (application/problem+json), with every problem of the request."""

    type: str = Field(description="urn:riskrules:problem:invalid-record, …")
    title: str
    status: int
    detail: str
    problems: list[ProblemItem] = []
    rule_pack: RulePackInfo


class Validated(BaseModel):
    """A record that can be assessed, as riskrules reads it (codes for labels, identity numbers masked)."""

    valid: Literal[True] = True
    household_id: str
    as_of: date
    jurisdiction: str
    record: dict[str, Any]
    rule_pack: RulePackInfo


class BatchItem(BaseModel):
    """One record of a batch: its assessment, or its problems."""

    index: int
    assessment: Assessment | None = None
    problems: list[ProblemItem] | None = None


class BatchResult(BaseModel):
    rule_pack: RulePackInfo
    assessed: int
    rejected: int
    results: list[BatchItem]


class ParameterValueInfo(BaseModel):
    jurisdiction: str
    effective: date
    value: str
    local: bool
    source: Citation


class ParameterInfo(BaseModel):
    name: str
    title_zh: str
    title_en: str
    values: list[ParameterValueInfo]


class RuleSummary(BaseModel):
    """A rule with its citation (规则及依据)."""

    rule_id: str
    kind: FlagKind
    severity: str | None = None
    title_zh: str
    title_en: str
    risk_type: str | None = None
    concludes: str | None = None
    citation: Citation
    file: str
    line: int


class RuleDetail(RuleSummary):
    condition: str
    parameters: list[ParameterInfo]


class RuleList(BaseModel):
    rule_pack: RulePackInfo
    rules: list[RuleSummary]


class ServiceHealth(BaseModel):
    status: Literal["ok"] = "ok"
    rule_pack: RulePackInfo
    rules: int
