"""Bilingual enumerations of the intake record (代码表).

Each member's value is its English code; each has a Chinese label. Input accepts either
("poverty_alleviated" or "脱贫户"); output is always the code, so JSON stays stable.

Parsing is strict: a field takes a member, or text that is exactly a code or a label, and
nothing else. pydantic's lax enum parsing called ``Enum(value)``, whose error message is the
``repr`` of the value: a list nested a thousand deep overflowed the stack on the way.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from .problems import bilingual_error

__all__ = [
    "Coded",
    "HouseholdType",
    "Relation",
    "LabourCapacity",
    "Health",
    "EducationExemption",
    "TransferKind",
    "ExpenditureKind",
    "HousingGrade",
    "ShockKind",
    "DiscoveryChannel",
    "MonitoringCategory",
    "RiskType",
    "EliminationMethod",
    "MeasureKind",
]


class Coded(str, Enum):
    """An enumeration whose members carry a Chinese label (中文名称)."""

    label_zh: str

    def __new__(cls, code: str, label_zh: str) -> "Coded":
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.label_zh = label_zh
        return obj

    @classmethod
    def _missing_(cls, value: Any) -> "Coded | None":
        # For Python callers (``HouseholdType("脱贫户")``); record validation never comes here.
        return _by_text(cls).get(value) if isinstance(value, str) else None

    def __str__(self) -> str:
        return self.value

    @classmethod
    def codes(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def parse(cls, value: Any) -> "Coded":
        """The member named by ``value`` (a member, its code or its Chinese label), exactly."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            # str.__str__ reads the characters of any str subclass without running its code.
            member = _by_text(cls).get(str.__str__(value))
            if member is not None:
                return member
        allowed_zh = "、".join(f"{m.value}（{m.label_zh}）" for m in cls)
        allowed_en = ", ".join(m.value for m in cls)
        raise bilingual_error("enum", f"不是允许的取值，应为以下代码之一（或其中文名称）：{allowed_zh}",
                              f"must be one of the codes {allowed_en} (or the Chinese label of one)")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # parse() hands pydantic's enum schema only members, so it never tries Enum(value); the
        # enum schema stays inside for the JSON schema ($defs with `enum`) and serialisation.
        return core_schema.no_info_before_validator_function(cls.parse, handler(source))


@cache
def _by_text(enum: type[Coded]) -> dict[str, Coded]:
    """Every code and every Chinese label of ``enum``, to its member."""
    table: dict[str, Coded] = {m.label_zh: m for m in enum}
    table.update({m.value: m for m in enum})  # a code wins over an equal label of another member
    return table


class HouseholdType(Coded):
    """户类型."""

    POVERTY_ALLEVIATED = ("poverty_alleviated", "脱贫户")
    ORDINARY = ("ordinary", "一般农户")


class Relation(Coded):
    """与户主关系."""

    HEAD = ("head", "户主")
    SPOUSE = ("spouse", "配偶")
    CHILD = ("child", "子女")
    CHILD_IN_LAW = ("child_in_law", "儿媳/女婿")
    GRANDCHILD = ("grandchild", "孙子女")
    PARENT = ("parent", "父母")
    GRANDPARENT = ("grandparent", "祖父母")
    SIBLING = ("sibling", "兄弟姐妹")
    OTHER = ("other", "其他")


class LabourCapacity(Coded):
    """劳动能力."""

    SKILLED = ("skilled", "技能劳动力")
    ORDINARY = ("ordinary", "普通劳动力")
    WEAK = ("weak", "弱劳动力或半劳动力")
    LOST = ("lost", "丧失劳动力")
    NONE = ("none", "无劳动力")

    @property
    def is_capable(self) -> bool:
        """Counts as labour capacity for developmental assistance (有劳动能力)."""
        return self in (LabourCapacity.SKILLED, LabourCapacity.ORDINARY, LabourCapacity.WEAK)


class Health(Coded):
    """健康状况."""

    HEALTHY = ("healthy", "健康")
    CHRONIC_ILLNESS = ("chronic_illness", "长期慢性病")
    SERIOUS_ILLNESS = ("serious_illness", "大病")
    DISABLED = ("disabled", "残疾")


class EducationExemption(Coded):
    """义务教育阶段的健康豁免 (not attending school for a recognised reason)."""

    HOME_TEACHING = ("home_teaching", "送教上门")
    HEALTH_DEFERRAL = ("health_deferral", "因病缓学")
    HEALTH_EXEMPTION = ("health_exemption", "因病免学")


class TransferKind(Coded):
    """转移性收入项目."""

    SUBSISTENCE_ALLOWANCE = ("subsistence_allowance", "低保金")
    EXTREME_POVERTY_SUPPORT = ("extreme_poverty_support", "特困供养金")
    PENSION = ("pension", "养老金")
    SUBSIDY = ("subsidy", "补贴")
    OTHER = ("other", "其他转移性收入")


class ExpenditureKind(Coded):
    """刚性支出类别."""

    MEDICAL = ("medical", "医疗")
    EDUCATION = ("education", "教育")
    DISABILITY = ("disability", "残疾")
    DISASTER = ("disaster", "灾害")
    ACCIDENT = ("accident", "意外事故")
    OTHER = ("other", "其他")


class HousingGrade(Coded):
    """住房安全鉴定等级."""

    A = ("A", "A级")
    B = ("B", "B级")
    C = ("C", "C级（局部危房）")
    D = ("D", "D级（整幢危房）")
    NO_HOUSE = ("no_house", "无房")


class ShockKind(Coded):
    """突发事件类别."""

    NATURAL_DISASTER = ("natural_disaster", "自然灾害")
    ACCIDENT = ("accident", "意外事故")
    SERIOUS_ILLNESS = ("serious_illness", "重大疾病")
    PUBLIC_HEALTH_EVENT = ("public_health_event", "公共卫生事件")
    BUSINESS_FAILURE = ("business_failure", "产业经营失败")
    JOB_LOSS = ("job_loss", "务工就业中断")


class DiscoveryChannel(Coded):
    """风险线索发现渠道."""

    SELF_DECLARATION = ("self_declaration", "农户自主申报")
    CADRE_SCREENING = ("cadre_screening", "基层干部排查")
    DEPARTMENT_ALERT = ("department_alert", "部门筛查预警")
    KEY_OBJECT_TRACKING = ("key_object_tracking", "重点对象跟踪")
    DATA_COMPARISON = ("data_comparison", "数据比对")


class MonitoringCategory(Coded):
    """监测对象类别."""

    UNSTABLE_OUT_OF_POVERTY = ("unstable_out_of_poverty", "脱贫不稳定户")
    MARGINAL_PRONE = ("marginal_prone", "边缘易致贫户")
    SUDDEN_SEVERE_DIFFICULTY = ("sudden_severe_difficulty", "突发严重困难户")


class RiskType(Coded):
    """风险类型 (as recorded by the national system)."""

    ILLNESS = ("illness", "因病")
    EDUCATION = ("education", "因学")
    DISABILITY = ("disability", "因残")
    NATURAL_DISASTER = ("natural_disaster", "因自然灾害")
    ACCIDENT = ("accident", "因意外事故")
    BUSINESS_FAILURE = ("business_failure", "因产业项目失败")
    UNSTABLE_EMPLOYMENT = ("unstable_employment", "因务工就业不稳")
    LACK_OF_LABOUR = ("lack_of_labour", "缺劳动力")
    OTHER = ("other", "其他")


class EliminationMethod(Coded):
    """风险消除方式."""

    ASSISTED = ("assisted", "帮扶消除")
    NATURAL = ("natural", "自然消除")


class MeasureKind(Coded):
    """帮扶措施类型 (the 14 types of the national system)."""

    INDUSTRY = ("industry", "产业帮扶")
    EMPLOYMENT = ("employment", "就业帮扶")
    FINANCE = ("finance", "金融帮扶")
    PUBLIC_WELFARE_JOB = ("public_welfare_job", "公益岗位帮扶")
    HEALTH = ("health", "健康帮扶")
    COMPULSORY_EDUCATION = ("compulsory_education", "义务教育保障")
    OTHER_EDUCATION = ("other_education", "其他教育帮扶")
    COMPREHENSIVE_SECURITY = ("comprehensive_security", "综合保障")
    HOUSING_SAFETY = ("housing_safety", "住房安全保障")
    DRINKING_WATER_SAFETY = ("drinking_water_safety", "饮水安全保障")
    SOCIAL = ("social", "社会帮扶")
    RELOCATION = ("relocation", "搬迁")
    LIVING_CONDITIONS = ("living_conditions", "生产生活条件改善")
    INFRASTRUCTURE = ("infrastructure", "基础设施建设")
