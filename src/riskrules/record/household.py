"""The intake record of one rural household (农户信息采集记录).

Every fact is optional except what identifies the household and its members: an intake form
fills the record step by step, and a fact not yet collected is ``None`` -- unknown, which is
not the same as false or zero. Rules that need an unknown fact report it as undecided.

Checks that involve several fields (a window that ends before it starts, identification
before the risk clue, a member born after the as-of date) live on the smallest model that
holds all the fields, so pydantic reports them together with every field error.

Whatever the input, :meth:`Household.model_validate` and :meth:`Household.model_validate_json`
raise only :class:`~riskrules.errors.InvalidRecord`, and never chain pydantic's error to it:
that error holds the raw input, identity numbers included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..errors import InvalidRecord, Problem
from .bounds import DaysCutOff, DisabilityGrade, FetchMinutes, HorizontalMetres, MonthsAway, VerticalMetres
from .codes import (
    DiscoveryChannel,
    EducationExemption,
    EliminationMethod,
    ExpenditureKind,
    Health,
    HouseholdType,
    HousingGrade,
    LabourCapacity,
    MeasureKind,
    MonitoringCategory,
    Relation,
    RiskType,
    ShockKind,
    TransferKind,
)
from .identifiers import duplicate_errors, refuse_identity_number
from .problems import problems_from_validation_error, raise_all
from .values import Day, RegionCode, ResidentId, Yuan, bilingual_error

__all__ = [
    "Member",
    "TransferItem",
    "IncomeWindow",
    "RigidExpenditure",
    "DrinkingWater",
    "Shock",
    "MonitoringCase",
    "AssistanceMeasure",
    "Household",
    "CASE_DATE_FIELDS",
]

# The single dates of a monitoring case, none of which may lie after the as-of date. Checked
# here when validating with an as-of date and by checks.dates_after on a validated record.
CASE_DATE_FIELDS: tuple[str, ...] = (
    "clue_found_on", "publicity_start", "publicity_end", "township_reviewed_on", "identified_on", "not_included_on",
    "assistance_started_on", "eliminated_on", "income_above_range_since",
)

# How many entries a list of the record may hold: far above any real household, low enough that
# one record cannot make an assessment slow (each item is evaluated by every rule that reads it).
MAX_MEMBERS = 50
MAX_ITEMS = 200
MAX_DATES = 400


def F(title: str, zh: str, en: str, **kwargs: Any) -> Any:
    """A field with a Chinese title and a bilingual description (for the intake form)."""
    return Field(title=title, description=f"{zh} / {en}", **kwargs)


class _Model(BaseModel):
    # strict types where lax ones would coerce silently ("1" -> True, 1.0 -> 1, "" -> None).
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_of(info: ValidationInfo) -> date | None:
    context = info.context
    value = context.get("as_of") if isinstance(context, Mapping) else None
    # A datetime is a date too, but comparing it with a date raises TypeError.
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


class Member(_Model):
    """家庭成员 (a member of the household)."""

    member_id: str = F("成员编号", "户内唯一的成员编号", "member id, unique in the household", min_length=1, max_length=64, strict=True)
    id_number: ResidentId | None = F("居民身份证号码", "18位，校验码按GB 11643验证；任何输出中均脱敏显示",
                                     "18-digit resident identity number, GB 11643 check digit; masked in every output", default=None)
    birth_date: Day | None = F("出生日期", "出生日期", "date of birth", default=None)
    relation: Relation | None = F("与户主关系", "与户主关系", "relation to the head of household", default=None)
    labour_capacity: LabourCapacity | None = F("劳动能力", "技能劳动力、普通劳动力、弱劳动力或半劳动力、丧失劳动力、无劳动力",
                                               "labour capacity", default=None)
    health: Health | None = F("健康状况", "健康、长期慢性病、大病、残疾", "health status", default=None)
    disability_grade: DisabilityGrade | None = F("残疾等级", "残疾等级1-4级（1级最重）", "disability grade 1-4 (1 most severe)",
                                                 default=None)
    in_school: bool | None = F("是否在校", "义务教育阶段是否在校就读", "enrolled in school (compulsory education)", default=None, strict=True)
    education_exemption: EducationExemption | None = F("义务教育豁免", "送教上门、因病缓学或免学", "recognised exemption from attending school",
                                                      default=None)
    basic_medical_insurance: bool | None = F("是否参加基本医疗保险", "是否参加城乡居民或职工基本医疗保险",
                                             "enrolled in basic medical insurance", default=None, strict=True)
    months_worked_away: MonthsAway | None = F("外出务工月数", "近12个月外出务工月数", "months worked away from home in the last 12 months",
                                              default=None)
    willing_to_work: bool | None = F("是否有就业意愿", "是否有务工或发展产业意愿", "willing to work", default=None, strict=True)
    completed_compulsory_education: bool | None = F(
        "是否已完成九年义务教育", "已完成九年义务教育（初中毕业）", "has completed the nine years of compulsory education",
        default=None, strict=True)

    @field_validator("member_id")
    @classmethod
    def _id_not_identity_number(cls, value: str) -> str:
        return refuse_identity_number(value)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Member":
        if self.disability_grade is not None and self.health not in (None, Health.DISABLED):
            raise bilingual_error("disability_grade_without_disability", "填写了残疾等级但健康状况不是残疾",
                                  "a disability grade is given but health is not 'disabled'", field="disability_grade")
        as_of = _as_of(info)
        if as_of is not None and self.birth_date is not None and self.birth_date > as_of:
            raise bilingual_error("birth_after_as_of", f"出生日期晚于评估日期 {as_of}", f"birth date is after the as-of date {as_of}",
                                  field="birth_date")
        if self.id_number is not None and self.birth_date is not None:
            born = self.id_number.birth_date
            if born is not None and born != self.birth_date:
                raise bilingual_error("id_birth_mismatch", "出生日期与身份证号码不一致",
                                      "birth date does not match the identity number", field="birth_date")
        return self


class TransferItem(_Model):
    """转移性收入项目 (an item of transfer income)."""

    kind: TransferKind = F("项目", "低保金、特困供养金、养老金、补贴、其他", "kind of transfer")
    amount: Yuan = F("金额（元）", "该项目金额", "amount in yuan")


class IncomeWindow(_Model):
    """家庭收入（12个月统计期）: income of a 12-month window."""

    start: Day = F("统计期起", "收入统计期开始日期", "first day of the window")
    end: Day = F("统计期止", "收入统计期结束日期", "last day of the window")
    wage: Yuan | None = F("工资性收入（元）", "工资性收入", "wage income", default=None)
    business: Yuan | None = F("生产经营性收入（元）", "生产经营性收入", "business and production income", default=None)
    property: Yuan | None = F("财产性收入（元）", "财产性收入", "property income", default=None)
    transfer: Yuan | None = F("转移性收入（元）", "转移性收入，含低保、特困供养、养老金、各类补贴",
                              "transfer income, including 低保, 特困供养, pensions and subsidies", default=None)
    transfer_items: list[TransferItem] | None = F("转移性收入明细", "转移性收入的分项", "itemised transfers", default=None, max_length=MAX_ITEMS)
    production_costs: Yuan | None = F("生产经营性支出（元）", "生产经营性支出", "production costs", default=None)

    @model_validator(mode="after")
    def _consistent(self) -> "IncomeWindow":
        if self.end < self.start:
            raise bilingual_error("window_reversed", "统计期结束日期早于开始日期", "the window ends before it starts", field="end")
        if self.transfer_items:
            items = sum((i.amount for i in self.transfer_items), Decimal(0))
            if self.transfer is not None and items > self.transfer:
                raise bilingual_error("transfer_items_exceed", f"转移性收入明细合计 {items} 元超过转移性收入 {self.transfer} 元",
                                      f"itemised transfers ({items} yuan) exceed transfer income ({self.transfer} yuan)",
                                       field="transfer_items")
        return self


class RigidExpenditure(_Model):
    """刚性支出 (rigid expenditure), the compliant out-of-pocket part after reimbursement."""

    kind: ExpenditureKind = F("支出类别", "医疗、教育、残疾、灾害、意外事故、其他", "kind of expenditure")
    out_of_pocket: Yuan = F("合规自付金额（元）", "报销后的合规自付支出", "compliant out-of-pocket amount after reimbursement")
    spent_on: Day | None = F("支出日期", "支出发生日期", "date of the expenditure", default=None)


class DrinkingWater(_Model):
    """饮水安全状况 (drinking water)."""

    litres_per_person_day: Decimal | None = F("人均日供水量（升）", "每人每天可获得的水量", "litres per person per day",
                                              default=None, ge=0, le=10000, decimal_places=1)
    piped_to_home: bool | None = F("是否自来水入户", "供水是否入户", "piped to the home", default=None, strict=True)
    fetch_minutes: FetchMinutes | None = F("单次取水往返时间（分钟）", "人力取水往返时间", "minutes for one round trip to fetch water",
                                           default=None)
    horizontal_distance_m: HorizontalMetres | None = F("取水水平距离（米）", "取水水平距离", "horizontal distance to the source (m)",
                                                      default=None)
    vertical_distance_m: VerticalMetres | None = F("取水垂直距离（米）", "取水垂直高差", "vertical distance to the source (m)",
                                                  default=None)
    days_cut_off: DaysCutOff | None = F("近12个月断水天数", "近12个月供水中断天数", "days without supply in the last 12 months",
                                        default=None)
    quality_checked: bool | None = F("水质是否检测或评价", "水质经检测或感官评价", "water quality tested or assessed", default=None, strict=True)
    quality_acceptable: bool | None = F("水质是否合格", "水质检测或感官评价是否合格", "water quality acceptable", default=None, strict=True)
    water_scarce_area: bool | None = F("是否缺水地区", "是否属于缺水地区", "household is in a water-scarce area", default=None, strict=True)

    @field_validator("litres_per_person_day", mode="before")
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        if isinstance(v, bool):
            raise bilingual_error("number_type", "水量必须是数字", "water volume must be a number")
        # Text is accepted as JSON writes a Decimal ("35.0"), in ASCII digits only.
        if isinstance(v, str) and not re.fullmatch(r"[0-9]+(\.[0-9])?", v):
            raise bilingual_error("number_text", "水量文本应为如 35 或 35.5 的数字", "water volume text must be a number such as 35 or 35.5")
        if isinstance(v, float):
            v = Decimal(repr(v))
        # NaN and infinity are not volumes; a signalling NaN would even raise on comparison.
        if isinstance(v, Decimal) and not v.is_finite():
            raise bilingual_error("number_type", "水量必须是有限数", "water volume must be a finite number")
        return v


class Shock(_Model):
    """突发事件 (a shock: disaster, accident, illness...)."""

    kind: ShockKind = F("事件类别", "自然灾害、意外事故、重大疾病、公共卫生事件、产业经营失败、务工就业中断", "kind of shock")
    occurred_on: Day | None = F("发生日期", "事件发生日期", "date of the shock", default=None)
    loss: Yuan | None = F("损失金额（元）", "直接经济损失", "loss in yuan", default=None)
    facts_verified: bool | None = F("事实是否清楚", "事实清楚、经核实", "facts verified (事实清楚)", default=None, strict=True)
    basic_living_severely_affected: bool | None = F("基本生活是否严重困难", "基本生活出现严重困难", "basic living severely affected",
                                                    default=None, strict=True)
    resolved: bool | None = F("影响是否已消除", "该事件带来的风险是否已经消除（经核实）", "the risk this shock brought has been resolved (verified)",
                              default=None, strict=True)


class MonitoringCase(_Model):
    """监测帮扶案卷 (the monitoring case of the household)."""

    clue_found_on: Day | None = F("发现风险线索日期", "发现返贫致贫风险线索之日", "date the risk clue was found", default=None)
    discovery_channel: DiscoveryChannel | None = F("发现渠道", "农户自主申报、基层干部排查、部门筛查预警、重点对象跟踪、数据比对",
                                                   "discovery channel", default=None)
    publicity_start: Day | None = F("村内公示开始日期", "村内公示开始日期", "village publicity start", default=None)
    publicity_end: Day | None = F("村内公示结束日期", "村内公示结束日期", "village publicity end", default=None)
    township_reviewed_on: Day | None = F("乡镇审核日期", "乡镇审核日期", "township review date", default=None)
    identified_on: Day | None = F("县级审定日期", "县级审定（识别认定）日期", "county approval (identification) date", default=None)
    not_included_on: Day | None = F("不予纳入日期", "经核实不予纳入监测对象的日期（线索办结）", "date the clue was closed without identification",
                                    default=None)
    not_included_reason: str | None = F("不予纳入原因", "不予纳入监测对象的原因", "why the clue was closed without identification",
                                        default=None, min_length=1, max_length=200, strict=True)
    category: MonitoringCategory | None = F("监测对象类别", "脱贫不稳定户、边缘易致贫户、突发严重困难户", "recorded category", default=None)
    risk_types: list[RiskType] | None = F("风险类型", "因病、因学、因残等", "recorded risk types", default=None, max_length=20)
    green_channel: bool | None = F("是否绿色通道", "是否先帮扶后认定", "handled through the green channel", default=None, strict=True)
    assistance_started_on: Day | None = F("帮扶开始日期", "落实首项帮扶措施日期", "date assistance started", default=None)
    eliminated_on: Day | None = F("风险消除日期", "标注风险消除日期", "date risk was marked eliminated", default=None)
    elimination_method: EliminationMethod | None = F("风险消除方式", "帮扶消除或自然消除", "elimination method", default=None)
    income_above_range_since: Day | None = F("收入稳定超过监测范围起始日期", "经核实，家庭人均纯收入自该日起稳定高于监测范围",
                                             "date since which income has been verified above the monitoring range", default=None)
    concentrated_checks: list[Day] | None = F("集中排查日期", "参加集中排查的日期", "dates of concentrated checks", default=None, max_length=MAX_DATES)
    home_visits: list[Day] | None = F("入户走访日期", "入户走访日期", "dates of home visits", default=None, max_length=MAX_DATES)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "MonitoringCase":
        def before(later: str, earlier: str, code: str, zh: str, en: str) -> None:
            late, early = getattr(self, later), getattr(self, earlier)
            if late is not None and early is not None and late < early:
                raise bilingual_error(code, zh, en, field=later)

        before("identified_on", "clue_found_on", "identified_before_clue",
               "县级审定日期早于发现风险线索日期", "identification is dated before the risk clue was found")
        before("publicity_end", "publicity_start", "publicity_reversed",
               "公示结束日期早于开始日期", "village publicity ends before it starts")
        before("publicity_start", "clue_found_on", "publicity_before_clue",
               "公示开始日期早于发现风险线索日期", "publicity starts before the risk clue was found")
        before("eliminated_on", "identified_on", "eliminated_before_identified",
               "风险消除日期早于识别认定日期", "risk elimination is dated before identification")
        before("not_included_on", "clue_found_on", "not_included_before_clue",
               "不予纳入日期早于发现风险线索日期", "the clue is closed before it was found")
        if self.not_included_on is not None and self.identified_on is not None:
            raise bilingual_error("not_included_and_identified", "同一线索既已识别认定又记录为不予纳入",
                                  "the clue is recorded both as identified and as closed without identification",
                                  field="not_included_on")
        if self.not_included_reason is not None and self.not_included_on is None:
            raise bilingual_error("reason_without_not_included", "填写了不予纳入原因但没有不予纳入日期",
                                  "a reason for closing the clue is given without the date it was closed", field="not_included_on")
        if self.elimination_method is not None and self.eliminated_on is None:
            raise bilingual_error("method_without_elimination", "填写了消除方式但没有消除日期",
                                  "an elimination method is given without an elimination date", field="eliminated_on")
        as_of = _as_of(info)
        if as_of is not None:
            late = [name for name in CASE_DATE_FIELDS if (day := getattr(self, name)) is not None and day > as_of]
            raise_all("MonitoringCase", [((name,), bilingual_error("date_after_as_of", f"{name} 晚于评估日期 {as_of}",
                                                                  f"{name} is after the as-of date {as_of}"))
                                         for name in late])
        return self


class AssistanceMeasure(_Model):
    """帮扶措施 (an assistance measure)."""

    kind: MeasureKind = F("措施类型", "14类帮扶措施之一", "one of the 14 measure types")
    started_on: Day | None = F("开始日期", "措施开始日期", "start date", default=None)
    ended_on: Day | None = F("结束日期", "措施结束日期", "end date", default=None)

    @model_validator(mode="after")
    def _consistent(self) -> "AssistanceMeasure":
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise bilingual_error("measure_reversed", "措施结束日期早于开始日期", "the measure ends before it starts", field="ended_on")
        return self


class Household(_Model):
    """农户 (one rural household's intake record)."""

    model_config = ConfigDict(title="农户信息采集记录 / household intake record")

    household_id: str = F("户编号", "户编号", "household id", min_length=1, max_length=64, strict=True)
    region_code: RegionCode = F("行政区划代码", "6位县级或12位村级行政区划代码（GB/T 2260），前两位为省级代码",
                                "6-digit county or 12-digit village code (GB/T 2260)")
    household_type: HouseholdType | None = F("户类型", "脱贫户或一般农户", "household type", default=None)
    relocation_site: bool | None = F("是否易地搬迁安置户", "是否居住在易地扶贫搬迁安置点", "living in a relocation site",
                                     default=None, strict=True)
    members: list[Member] = F("家庭成员", "至少一名成员", "members (at least one)", min_length=1, max_length=MAX_MEMBERS)
    income: IncomeWindow | None = F("家庭收入", "近12个月收入", "income of the current 12-month window", default=None)
    previous_income: IncomeWindow | None = F("上期家庭收入", "上一个12个月统计期的收入，用于判断收入大幅缩减",
                                             "income of the previous window, for income falls", default=None)
    rigid_expenditures: list[RigidExpenditure] | None = F("刚性支出", "医疗、教育等刚性支出；空列表表示没有", "rigid expenditures; [] means none",
                                                          default=None, max_length=MAX_ITEMS)
    housing_grade: HousingGrade | None = F("住房安全等级", "A、B、C、D级或无房", "housing safety grade", default=None)
    food_secured: bool | None = F("是否不愁吃", "“两不愁”之不愁吃：吃饭有保障", "food is secured (不愁吃)", default=None, strict=True)
    clothing_secured: bool | None = F("是否不愁穿", "“两不愁”之不愁穿：四季有换季衣服、御寒被褥", "clothing is secured (不愁穿)",
                                      default=None, strict=True)
    drinking_water: DrinkingWater | None = F("饮水安全", "饮水安全状况", "drinking water", default=None)
    shocks: list[Shock] | None = F("突发事件", "近期突发事件；空列表表示没有", "shocks; [] means none", default=None, max_length=MAX_ITEMS)
    monitoring_case: MonitoringCase | None = F("监测帮扶案卷", "已有监测帮扶程序时填写", "the monitoring case, if any", default=None)
    assistance_measures: list[AssistanceMeasure] | None = F("帮扶措施", "已落实的帮扶措施；空列表表示没有",
                                                            "assistance measures; [] means none", default=None,
                                                            max_length=MAX_ITEMS)

    @field_validator("household_id")
    @classmethod
    def _id_not_identity_number(cls, value: str) -> str:
        return refuse_identity_number(value)

    @field_validator("members")
    @classmethod
    def _unique_members(cls, members: list[Member]) -> list[Member]:
        # Every duplicate at its own path (members[3].member_id), never quoting the id.
        raise_all("Household", duplicate_errors(members))
        return members

    @model_validator(mode="after")
    def _windows(self) -> "Household":
        if self.income is not None and self.previous_income is not None and self.previous_income.end >= self.income.start:
            raise bilingual_error("windows_overlap", "上期收入统计期与本期重叠", "the previous income window overlaps the current one",
                                  field="previous_income")
        return self

    # Errors come out as InvalidRecord, one problem per field, in Chinese and English.
    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = None, from_attributes: bool | None = None,
                       context: Any | None = None, **kwargs: Any) -> "Household":
        parent = super().model_validate
        return _validated(lambda: parent(obj, strict=strict, from_attributes=from_attributes, context=context, **kwargs))

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, *, strict: bool | None = None,
                            context: Any | None = None, **kwargs: Any) -> "Household":
        parent = super().model_validate_json
        return _validated(lambda: parent(json_data, strict=strict, context=context, **kwargs))

    def member(self, member_id: str) -> Member:
        for m in self.members:
            if m.member_id == member_id:
                return m
        raise KeyError(member_id)


def _validated(validate: Callable[[], Household]) -> Household:
    """``validate()``, with every failure turned into an :class:`InvalidRecord` and nothing else."""
    try:
        return validate()
    except ValidationError as error:
        problems = _problems(error)
    except RecursionError:
        problems = [Problem("$", "too_deep", "记录嵌套过深", "the record is nested too deeply")]
    except Exception as error:  # noqa: BLE001 -- the promise is "only InvalidRecord, for any input"
        # The exception's message may quote the input: only its type is reported. Tests assert
        # that no JSON-like input ever lands here, so a bug in a validator is still seen.
        problems = [Problem("$", "validation_failed", f"无法校验该记录（{type(error).__name__}）",
                            f"the record could not be validated ({type(error).__name__})")]
    # Raised outside the except blocks, so that __context__ (like __cause__) stays None: the
    # ValidationError holds the raw input, identity numbers included.
    raise InvalidRecord(problems)


def _problems(error: ValidationError) -> list[Problem]:
    try:
        return problems_from_validation_error(error)
    except Exception as failure:  # noqa: BLE001 -- reading a report must not leak it either
        return [Problem("$", "validation_failed", f"无法读取校验结果（{type(failure).__name__}）",
                        f"the validation report could not be read ({type(failure).__name__})")]
