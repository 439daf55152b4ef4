"""Dated parameters per jurisdiction (分地区、分生效日期的参数).

A parameter is declared once (type, titles) in ``parameter_types.yaml``; each jurisdiction file
``parameters/<code>.yaml`` gives values keyed by effective date, each with its source. A
jurisdiction is a region-code prefix: ``CN`` national, ``23`` a province, ``2301`` a city,
``230102`` a county, 9 and 12 digits a township and a village.

Resolution for a household: the most specific jurisdiction, among the prefixes of its region
code, that has a value in force on the date asked; within it, the latest value whose effective
date is on or before that date. Every value is typed and bounded when it is loaded, so nothing
a pack says can overflow an engine value or a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from ..assessment import Citation
from ..deadlines.periods import PeriodUnit
from ..errors import MissingParameter, RulePackError
from ..language.errors import suggest
from ..language.types import Kind, ValueType
from ..record import codes
from .citations import parse_citation
from .errorlog import ErrorLog
from .yamlfile import LineDict, load_yaml, require

__all__ = ["Period", "MonthDay", "ParameterDecl", "ParameterValue", "ParameterTable", "jurisdiction_chain", "load_parameters",
           "JURISDICTION"]

_TYPES = ("money", "number", "period", "bool", "text_set", "month_day")
JURISDICTION = re.compile(r"^(CN|[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$")
"""A jurisdiction: CN, or a region-code prefix of 2, 4, 6, 9 or 12 digits."""

# The largest value a parameter may take: money as a household record may hold it, a number so
# that its engine value times any money amount fits in 64 bits, and periods no policy exceeds.
_MAX_MONEY = Decimal("100000000")
_MAX_NUMBER = Decimal("1000000")
_MAX_PERIOD = {PeriodUnit.CALENDAR_DAYS: 3660, PeriodUnit.WORKING_DAYS: 2500, PeriodUnit.MONTHS: 120,
               PeriodUnit.YEARS: 10}


@dataclass(frozen=True)
class Period:
    """A length of time as policy states it: 15 calendar days, 20 working days, 6 months."""

    amount: int
    unit: PeriodUnit

    def __str__(self) -> str:
        zh = {"calendar_days": "日", "working_days": "个工作日", "months": "个月", "years": "年"}[self.unit.value]
        return f"{self.amount}{zh} ({self.amount} {self.unit.value.replace('_', ' ')})"


@dataclass(frozen=True)
class MonthDay:
    """A day of the year as policy states a cut-off: 08-31 (31 August)."""

    month: int
    day: int

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class ParameterDecl:
    name: str
    type: str
    decimals: int
    title_zh: str
    title_en: str
    domain: tuple[str, ...]
    file: str
    line: int
    labels: Mapping[str, str] = field(default_factory=dict)  # Chinese label of each code

    @property
    def vtype(self) -> ValueType | None:
        """The condition-language type; ``None`` for periods, which only ``periods:`` may use, and
        for days of the year, which only derived facts read."""
        return {
            "money": ValueType(Kind.MONEY, 2),
            "number": ValueType(Kind.NUMBER, self.decimals),
            "bool": ValueType(Kind.BOOL),
            "text_set": ValueType(Kind.TEXT_SET, 0, self.domain),
        }.get(self.type)


@dataclass(frozen=True)
class ParameterValue:
    name: str
    jurisdiction: str
    effective: date
    value: Any          # Decimal yuan, Decimal number, Period, bool or frozenset of codes
    local: bool
    source: Citation
    file: str
    line: int

    def engine_value(self, decl: ParameterDecl) -> Any:
        if decl.type == "money":
            return int(self.value * 100)
        if decl.type == "number":
            return int(self.value.scaleb(decl.decimals))
        return self.value

    def display(self, labels: Mapping[str, str] | None = None) -> str:
        if isinstance(self.value, frozenset):
            labels = labels or {}
            return "、".join(f"{labels[c]}/{c}" if c in labels else c for c in sorted(self.value))
        if isinstance(self.value, bool):
            return "是/yes" if self.value else "否/no"
        return str(self.value)


def jurisdiction_chain(code: str) -> tuple[str, ...]:
    """Most specific first: ``230102001001`` -> 230102001001, 230102001, 230102, 2301, 23, CN."""
    if code == "CN":
        return ("CN",)
    if not JURISDICTION.match(code):
        raise ValueError(f"not a jurisdiction code: {code!r} (CN or a 2/4/6/9/12-digit region prefix)")
    return tuple(code[:n] for n in (12, 9, 6, 4, 2) if n <= len(code)) + ("CN",)


class ParameterTable:
    """All declared parameters and their dated values, by jurisdiction."""

    def __init__(self, decls: dict[str, ParameterDecl], values: dict[str, dict[str, list[ParameterValue]]]):
        self.decls = decls
        self.values = values
        self.resolve = lru_cache(maxsize=4096)(self._resolve)  # type: ignore[method-assign]
        self.places = frozenset(j for by in values.values() for j in by)
        self.first_day = lru_cache(maxsize=1024)(self._first_day)  # type: ignore[method-assign]
        self.canonical = lru_cache(maxsize=65536)(self._canonical)  # type: ignore[method-assign]

    def _resolve(self, name: str, jurisdiction: str, on: date) -> ParameterValue:
        if name not in self.decls:
            raise KeyError(name)
        by_place = self.values.get(name, {})
        for place in jurisdiction_chain(jurisdiction):
            in_force = [v for v in by_place.get(place, ()) if v.effective <= on]
            if in_force:
                return in_force[-1]
        raise MissingParameter(name, jurisdiction, on)

    def _canonical(self, jurisdiction: str) -> tuple[str, ...]:
        """The prefixes of ``jurisdiction`` that have values of their own: two households whose
        codes share them resolve every parameter alike (a cache key)."""
        return tuple(p for p in jurisdiction_chain(jurisdiction) if p in self.places)

    def _first_day(self, jurisdiction: str) -> date:
        """The first day on which every parameter has a value for ``jurisdiction``."""
        chain = jurisdiction_chain(jurisdiction)
        first = date.min
        for by_place in self.values.values():
            starts = [vs[0].effective for place, vs in by_place.items() if place in chain and vs]
            first = max(first, min(starts))
        return first

    def jurisdictions(self) -> list[str]:
        return sorted(self.places)

    def overridden(self, overrides: Mapping[str, Any], source: Citation) -> "ParameterTable":
        """A copy in which each parameter of ``overrides`` has that one value, everywhere and
        always (a test case's "what if"). Values are checked as a pack's are."""
        values = {name: dict(by_place) for name, by_place in self.values.items()}
        for name, raw in overrides.items():
            decl = self.decls.get(name)
            if decl is None:
                raise RulePackError(f"parameter '{name}' is not declared", message_zh=f"参数 '{name}' 未声明",
                                    suggestion=suggest(name, self.decls))
            value = _typed(decl, raw, "<overrides>", 0)
            values[name] = {"CN": [ParameterValue(name, "CN", date(2000, 1, 1), value, True, source, "<overrides>", 0)]}
        return ParameterTable(self.decls, values)


def load_parameters(root: Path, log: ErrorLog | None = None) -> ParameterTable:
    """Every declared parameter and its values. Errors go to ``log`` and the broken entry is
    skipped; without a log, the errors are raised together at the end."""
    if log is None:
        own = ErrorLog()
        table = load_parameters(root, own)
        own.raise_if_any()
        return table
    decls = _load_decls(root, root / "parameter_types.yaml", log)
    values: dict[str, dict[str, list[ParameterValue]]] = {}
    folder = root / "parameters"
    explained: set[str] = set()  # parameters whose missing national value an error already explains
    national_read = False
    for path in sorted(folder.glob("*.yaml")):
        file = str(path.relative_to(root))
        with log.attempt(file=file):
            data = load_yaml(path, root)
            jurisdiction = str(require(data, "jurisdiction", (str, int), file=file))
            if jurisdiction != path.stem or not JURISDICTION.match(jurisdiction):
                raise RulePackError(f"jurisdiction '{jurisdiction}' must match the file name and be CN or a region prefix",
                                    message_zh="辖区代码须与文件名一致，且为 CN 或行政区划代码前缀", file=file,
                                    line=data.line_of("jurisdiction"))
            params = require(data, "parameters", dict, file=file)
            national_read = national_read or jurisdiction == "CN"
            for name, raw in params.items():
                line = params.line_of(name)
                errors_before = len(log.errors)
                with log.attempt(file=file, line=line):
                    parsed = _parse_values(decls, name, raw, jurisdiction, file, line, log)
                    if parsed:
                        values.setdefault(name, {})[jurisdiction] = parsed
                if len(log.errors) > errors_before:
                    explained.add(name)
    if not (folder / "CN.yaml").is_file():
        log.add(RulePackError("parameters/CN.yaml is missing: every parameter needs a national default",
                              message_zh="缺少 parameters/CN.yaml：每个参数都需要全国默认值", file="parameters/CN.yaml"))
    elif national_read:
        for name, decl in decls.items():
            if "CN" not in values.get(name, {}) and name not in explained:
                log.add(RulePackError(f"parameter '{name}' has no national (CN) value: every parameter needs a default",
                                      message_zh=f"参数 '{name}' 缺少全国（CN）默认值", file=decl.file, line=decl.line))
    return ParameterTable(decls, values)


def _parse_values(decls: Mapping[str, ParameterDecl], name: str, raw: Any, jurisdiction: str, file: str, line: int,
                  log: ErrorLog) -> list[ParameterValue]:
    if name not in decls:
        raise RulePackError(f"parameter '{name}' is not declared in parameter_types.yaml",
                            message_zh=f"参数 '{name}' 未在 parameter_types.yaml 中声明", file=file, line=line,
                            suggestion=suggest(name, decls))
    entries = require(raw, "values", list, file=file, line=line)
    parsed: list[ParameterValue] = []
    for entry in entries:
        with log.attempt(file=file, line=line):
            parsed.append(_parse_value(decls[name], jurisdiction, entry, file, line))
    parsed.sort(key=lambda v: v.effective)
    for a, b in zip(parsed, parsed[1:]):
        if a.effective == b.effective:
            log.add(RulePackError(f"two values of '{name}' take effect on {a.effective}",
                                  message_zh=f"参数 '{name}' 在 {a.effective} 有两个生效取值", file=file, line=b.line))
    return parsed


def _load_decls(root: Path, path: Path, log: ErrorLog) -> dict[str, ParameterDecl]:
    file = str(path.relative_to(root))
    out: dict[str, ParameterDecl] = {}
    with log.attempt(file=file):
        data = load_yaml(path, root)
        params = require(data, "parameters", dict, file=file)
        for name, raw in params.items():
            line = params.line_of(name)
            with log.attempt(file=file, line=line):
                out[name] = _decl(name, raw, file, line)
    return out


def _decl(name: str, raw: Any, file: str, line: int) -> ParameterDecl:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise RulePackError(f"parameter name '{name}' must be lower_snake_case", message_zh="参数名须为小写下划线形式",
                            file=file, line=line)
    ptype = require(raw, "type", str, file=file, line=line)
    if ptype not in _TYPES:
        raise RulePackError(f"unknown parameter type '{ptype}'", message_zh=f"未知参数类型 '{ptype}'", file=file,
                            line=raw.line_of("type"), suggestion=suggest(ptype, _TYPES))
    title = require(raw, "title", dict, file=file, line=line)
    if not isinstance(title.get("zh"), str) or not isinstance(title.get("en"), str):
        raise RulePackError("title needs zh and en text", message_zh="标题需要中文（zh）和英文（en）", file=file, line=line)
    domain: tuple[str, ...] = ()
    labels: dict[str, str] = {}
    if ptype == "text_set":
        enum_name = require(raw, "codes", str, file=file, line=line)
        enum = getattr(codes, enum_name, None)
        if enum is None or not isinstance(enum, type) or not issubclass(enum, codes.Coded):
            code_lists = [n for n, v in vars(codes).items() if isinstance(v, type) and issubclass(v, codes.Coded)]
            raise RulePackError(f"'codes: {enum_name}' is not a code list", message_zh=f"'{enum_name}' 不是代码表",
                                file=file, line=raw.line_of("codes"), suggestion=suggest(enum_name, code_lists))
        domain = tuple(enum.codes())
        labels = {m.value: m.label_zh for m in enum}
    decimals = raw.get("decimals", 0)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
        raise RulePackError("'decimals' must be a whole number from 0 to 6", message_zh="'decimals' 应为 0 到 6 的整数",
                            file=file, line=raw.line_of("decimals"))
    return ParameterDecl(name, ptype, decimals, title["zh"], title["en"], domain, file, line, labels)


def _parse_value(decl: ParameterDecl, jurisdiction: str, raw: Any, file: str, line: int) -> ParameterValue:
    if not isinstance(raw, dict):
        raise RulePackError("each value needs effective, value and source", message_zh="每个取值需要 effective、value、source",
                            file=file, line=line)
    line = raw.line if isinstance(raw, LineDict) else line
    effective = require(raw, "effective", date, file=file, line=line)
    if not date(2000, 1, 1) <= effective <= date(2099, 12, 31):
        raise RulePackError(f"effective date {effective} is outside 2000-2099", message_zh=f"生效日期 {effective} 不在 2000—2099 年之间",
                            file=file, line=raw.line_of("effective") if isinstance(raw, LineDict) else line)
    unknown = set(raw) - {"effective", "value", "local", "source"}
    if unknown:
        raise RulePackError(f"unknown key(s) {', '.join(sorted(unknown))}", message_zh="存在未知的键", file=file, line=line)
    if "value" not in raw:
        raise RulePackError("missing 'value'", message_zh="缺少 'value'", file=file, line=line)
    value = _typed(decl, raw["value"], file, raw.line_of("value") if isinstance(raw, LineDict) else line)
    local = raw.get("local", False)
    if not isinstance(local, bool):
        raise RulePackError("'local' must be true or false", message_zh="'local' 应为 true 或 false", file=file, line=line)
    source = parse_citation(raw.get("source"), file=file, line=line)
    return ParameterValue(decl.name, jurisdiction, effective, value, local, source, file, line)


def _typed(decl: ParameterDecl, raw: Any, file: str, line: int) -> Any:
    def bad(what_en: str, what_zh: str) -> RulePackError:
        return RulePackError(f"value of '{decl.name}' must be {what_en}", message_zh=f"参数 '{decl.name}' 的取值应为{what_zh}",
                             file=file, line=line)

    if decl.type in ("money", "number"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise bad("a number", "数字")
        # YAML reads 0.2 as a float; its shortest repr is the text the author wrote.
        try:
            number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw))
        except InvalidOperation:
            raise bad("a number written with digits, such as 6000 or 0.30", "数字（如 6000 或 0.30）") from None
        limit = _MAX_MONEY if decl.type == "money" else _MAX_NUMBER
        if not number.is_finite() or number < 0 or number > limit:
            raise bad(f"a number from 0 to {limit:,}", f"0 到 {limit:,} 之间的数字")
        places = 2 if decl.type == "money" else decl.decimals
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise bad(f"a number with at most {places} decimals", f"最多 {places} 位小数的数字")
        return number
    if decl.type == "bool":
        if not isinstance(raw, bool):
            raise bad("true or false", " true 或 false")
        return raw
    if decl.type == "text_set":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise bad("a list of codes", "代码列表")
        wrong = [x for x in raw if x not in decl.domain]
        if wrong:
            raise RulePackError(f"'{wrong[0]}' is not one of {', '.join(decl.domain)}",
                                message_zh=f"'{wrong[0]}' 不在代码表中", file=file, line=line,
                                suggestion=suggest(wrong[0], decl.domain))
        return frozenset(raw)
    if decl.type == "month_day":
        if not isinstance(raw, str) or not re.fullmatch(r"[0-9]{2}-[0-9]{2}", raw):
            raise bad("a day of the year written MM-DD in quotes, such as '08-31'", "加引号的 MM-DD 月日，如 '08-31'")
        month, day = int(raw[:2]), int(raw[3:])
        try:
            date(2000, month, day)  # a leap year: 02-29 is a day of the year
        except ValueError:
            raise bad("a day that exists", "存在的月日") from None
        return MonthDay(month, day)
    if decl.type == "period":
        if not isinstance(raw, dict) or set(raw) != {"amount", "unit"}:
            raise bad("{amount: N, unit: calendar_days|working_days|months|years}", "{amount: 数量, unit: 单位}")
        amount, unit_text = raw["amount"], raw["unit"]
        try:
            unit = PeriodUnit(unit_text)
        except ValueError:
            raise RulePackError(f"unknown period unit '{unit_text}'", message_zh=f"未知期限单位 '{unit_text}'", file=file,
                                line=line, suggestion=suggest(str(unit_text), [u.value for u in PeriodUnit])) from None
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= _MAX_PERIOD[unit]:
            raise bad(f"a whole amount from 0 to {_MAX_PERIOD[unit]} {unit.value}", f"0 到 {_MAX_PERIOD[unit]} 之间的整数")
        return Period(amount, unit)
    raise AssertionError(decl.type)
