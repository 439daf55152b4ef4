"""Rule files (规则文件): load, type-check and compile every rule of a pack to IR.

A pack folder holds ``pack.yaml`` (name and description), ``parameter_types.yaml`` and
``parameters/``, ``definitions.yaml`` (named conditions and deadline periods), ``policy/*.yaml``
(the rules) and ``calendars/``. Every error names the file, the line and the rule id.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RulePackError
from ..facts.catalog import FACTS, collection_types, fact_types, sources_of
from ..language.durable import Disjunct, split_on_signals
from ..language.ir import Cond, Expr, Kind, Ref, refs, signals
from ..language.parser import ConditionError, ValueType, Vocabulary, parse_condition, parse_expression
from ..record.codes import RiskType
from .citations import Citation, parse_citation
from .parameters import ParameterTable
from .yamlfile import LineDict, load_yaml, require

__all__ = ["FLAG_KINDS", "RULE_KINDS", "PeriodDef", "Rule", "RuleSet", "load_rule_files"]

FLAG_KINDS = ("monitoring_object", "green_channel", "deadline_breach", "risk_elimination", "assistance_gap", "data_quality")
RULE_KINDS = ("signal", *FLAG_KINDS)
_RULE_KEYS = {"id", "kind", "title", "when", "concludes", "conclusion", "values", "risk_type", "explain", "source"}
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


@dataclass(frozen=True)
class PeriodDef:
    """A deadline fact: the last day of a period counted from a date fact (期限届满日)."""

    name: str
    start: str          # a DATE fact
    length: str         # a period parameter
    title_zh: str
    title_en: str
    file: str
    line: int


@dataclass
class Rule:
    id: str
    kind: str
    title_zh: str
    title_en: str
    condition: Cond
    condition_text: str
    concludes: str | None
    conclusion: dict[str, Any]
    values: dict[str, Expr]
    risk_type: str | None
    explain_zh: str
    explain_en: str
    source: Citation
    file: str
    line: int
    disjuncts: list[Disjunct] = field(default_factory=list)

    def reads(self) -> list[Ref]:
        out = refs(self.condition)
        for expr in self.values.values():
            out.extend(r for r in refs(expr) if r.name not in {o.name for o in out})
        return out

    def reads_signals(self) -> list[str]:
        return signals(self.condition)


@dataclass
class RuleSet:
    rules: list[Rule]
    periods: dict[str, PeriodDef]
    definitions: dict[str, Cond]
    vocabulary: Vocabulary

    def producers(self, signal: str) -> list[Rule]:
        return [r for r in self.rules if r.concludes == signal]

    def reads(self, rule: Rule) -> list[Ref]:
        """What a rule reads: its own references, the start date of each deadline it reads,
        and (transitively) what the rules concluding its signals read. Item fields excluded."""
        out: dict[str, Ref] = {}
        seen: set[str] = set()

        def visit(r: Rule) -> None:
            if r.id in seen:
                return
            seen.add(r.id)
            for ref in r.reads():
                if ref.item_of or ref.name in out:
                    continue
                out[ref.name] = ref
                period = self.periods.get(ref.name)
                if period is not None and period.start not in out:
                    out[period.start] = Ref(period.start, Kind.DATE, 0, field=period.start)
            for sig in r.reads_signals():
                for producer in self.producers(sig):
                    visit(producer)

        visit(rule)
        return list(out.values())


def load_rule_files(root: Path, params: ParameterTable) -> RuleSet:
    periods = _load_periods(root, params)
    fact_vocab: dict[str, ValueType] = dict(fact_types())
    for name in periods:
        fact_vocab[name] = ValueType(Kind.DATE)
    param_vocab = {n: d.vtype for n, d in params.decls.items() if d.vtype is not None}

    raw_rules: list[tuple[str, LineDict]] = []
    for path in sorted((root / "policy").glob("*.yaml")):
        file = str(path.relative_to(root))
        data = load_yaml(path, root)
        items = require(data, "rules", list, file=file)
        for item in items:
            if not isinstance(item, LineDict):
                raise RulePackError("each rule must be a mapping", message_zh="每条规则应为映射", file=file, line=data.line_of("rules"))
            raw_rules.append((file, item))

    ids: dict[str, str] = {}
    declared_signals: dict[str, str] = {}
    for file, item in raw_rules:
        rule_id = require(item, "id", str, file=file)
        if not _ID.match(rule_id):
            raise RulePackError("a rule id is dotted lower_snake_case, e.g. identification.low_income",
                                message_zh="规则编号应为点分小写形式，如 identification.low_income", file=file, line=item.line_of("id"), rule_id=rule_id)
        if rule_id in ids:
            raise RulePackError(f"rule id already used in {ids[rule_id]}", message_zh=f"规则编号已在 {ids[rule_id]} 中使用",
                                file=file, line=item.line, rule_id=rule_id)
        ids[rule_id] = f"{file}:{item.line}"
        concluded = item.get("concludes")
        if concluded is not None:
            if not isinstance(concluded, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", concluded):
                raise RulePackError("'concludes' names a signal in lower_snake_case", message_zh="'concludes' 应为小写下划线的信号名",
                                    file=file, line=item.line_of("concludes"), rule_id=rule_id)
            declared_signals.setdefault(concluded, rule_id)

    vocab = Vocabulary(fact_vocab, collection_types(), param_vocab, frozenset(declared_signals))
    vocab.definitions = _load_definitions(root, vocab)

    rules = [_compile_rule(file, item, vocab) for file, item in raw_rules]
    unused = sorted(set(vocab.definitions) - vocab.used_definitions)
    if unused:
        raise RulePackError(f"definition '{unused[0]}' is used by no rule: remove it or use it",
                            message_zh=f"定义 '{unused[0]}' 未被任何规则使用", file="definitions.yaml", rule_id=f"definition {unused[0]}")
    _check_signal_cycles(rules)
    ruleset = RuleSet(rules, periods, dict(vocab.definitions), vocab)
    for rule in rules:
        _check_placeholders(rule, ruleset)
    return ruleset


def _condition(text: Any, vocab: Vocabulary, *, file: str, line: int, rule_id: str | None, expression: bool = False) -> Any:
    if not isinstance(text, str) or not text.strip():
        raise RulePackError("a condition must be non-empty text", message_zh="条件应为非空文本", file=file, line=line, rule_id=rule_id)
    try:
        return parse_expression(text, vocab) if expression else parse_condition(text, vocab)
    except ConditionError as e:
        raise RulePackError(e.message_en, message_zh=e.message_zh, file=file, line=line + e.line - 1, rule_id=rule_id,
                            suggestion=e.suggestion) from None


def _section(data: Any, key: str, file: str) -> LineDict:
    """A top-level mapping of a file, empty when absent."""
    if data is None:
        return LineDict()
    if not isinstance(data, LineDict):
        raise RulePackError("the file must be a mapping", message_zh="文件内容应为映射（键: 值）", file=file, line=1)
    value = data.get(key)
    if value is None:
        return LineDict()
    if not isinstance(value, LineDict):
        raise RulePackError(f"'{key}' must be a mapping", message_zh=f"'{key}' 应为映射", file=file, line=data.line_of(key))
    return value


def _load_definitions(root: Path, vocab: Vocabulary) -> dict[str, Cond]:
    path = root / "definitions.yaml"
    file = str(path.relative_to(root))
    data = load_yaml(path, root)
    defs = _section(data, "definitions", file)
    out: dict[str, Cond] = {}
    for name, raw in defs.items():
        line = defs.line_of(name)
        if name in vocab.facts or "." in name:
            raise RulePackError(f"definition '{name}' must be a plain name that is not a fact",
                                message_zh=f"定义名 '{name}' 须为不与事实重名的简单名称", file=file, line=line)
        text = require(raw, "when", str, file=file, line=line)
        unknown = [k for k in raw if k not in ("when", "source")]
        if unknown:
            raise RulePackError(f"unknown key '{unknown[0]}' in definition '{name}'", message_zh=f"定义 '{name}' 中有未知的键",
                                file=file, line=raw.line_of(unknown[0]))
        if "source" in raw:
            parse_citation(raw["source"], file=file, line=raw.line_of("source"), rule_id=f"definition {name}")
        # Definitions may use earlier definitions: they are expanded in place, never called.
        vocab.definitions = out
        out[name] = _condition(text, vocab, file=file, line=raw.text_line_of("when"), rule_id=f"definition {name}")
        if signals(out[name]):
            raise RulePackError("a definition reads facts only, not signals", message_zh="定义只能引用事实，不能引用信号",
                                file=file, line=line)
    return out


def _load_periods(root: Path, params: ParameterTable) -> dict[str, PeriodDef]:
    path = root / "definitions.yaml"
    file = str(path.relative_to(root))
    data = load_yaml(path, root)
    raw_periods = _section(data, "periods", file)
    out: dict[str, PeriodDef] = {}
    for name, raw in raw_periods.items():
        line = raw_periods.line_of(name)
        if not name.startswith("deadline."):
            raise RulePackError(f"period '{name}' must be named deadline.<something>", message_zh="期限名须以 deadline. 开头",
                                file=file, line=line)
        start = require(raw, "from", str, file=file, line=line)
        if start not in FACTS or FACTS[start].vtype.kind is not Kind.DATE:
            dates = [n for n, s in FACTS.items() if s.vtype.kind is Kind.DATE]
            match = difflib.get_close_matches(start, dates, n=1)
            raise RulePackError(f"'from: {start}' is not a date fact", message_zh=f"'{start}' 不是日期事实", file=file,
                                line=raw.line_of("from"), suggestion=match[0] if match else None)
        length = require(raw, "length", str, file=file, line=line)
        decl = params.decls.get(length)
        if decl is None or decl.type != "period":
            periods = [n for n, d in params.decls.items() if d.type == "period"]
            match = difflib.get_close_matches(length, periods, n=1)
            raise RulePackError(f"'length: {length}' is not a period parameter", message_zh=f"'{length}' 不是期限类参数",
                                file=file, line=raw.line_of("length"), suggestion=match[0] if match else None)
        title = require(raw, "title", dict, file=file, line=line)
        out[name] = PeriodDef(name, start, length, str(title.get("zh", "")), str(title.get("en", "")), file, line)
    return out


def _compile_rule(file: str, item: LineDict, vocab: Vocabulary) -> Rule:
    rule_id = item["id"]

    def err(msg_en: str, msg_zh: str, key: str | None = None, suggestion: str | None = None) -> RulePackError:
        return RulePackError(msg_en, message_zh=msg_zh, file=file, line=item.line_of(key) if key else item.line,
                             rule_id=rule_id, suggestion=suggestion)

    unknown = [k for k in item if k not in _RULE_KEYS]
    if unknown:
        match = difflib.get_close_matches(unknown[0], sorted(_RULE_KEYS), n=1)
        raise err(f"unknown key '{unknown[0]}'", f"未知的键 '{unknown[0]}'", unknown[0], match[0] if match else None)
    kind = require(item, "kind", str, file=file, rule_id=rule_id)
    if kind not in RULE_KINDS:
        match = difflib.get_close_matches(kind, RULE_KINDS, n=1)
        raise err(f"unknown kind '{kind}'; kinds: {', '.join(RULE_KINDS)}", f"未知的规则类型 '{kind}'", "kind", match[0] if match else None)
    if kind == "signal" and not item.get("concludes"):
        raise err("a signal rule must say which signal it 'concludes'", "信号规则必须写明 concludes", None)
    title = require(item, "title", dict, file=file, rule_id=rule_id)
    if not title.get("zh") or not title.get("en"):
        raise err("title needs zh and en", "标题需要中文（zh）和英文（en）", "title")
    condition_text = require(item, "when", str, file=file, rule_id=rule_id)
    condition = _condition(condition_text, vocab, file=file, line=item.text_line_of("when"), rule_id=rule_id)
    values: dict[str, Expr] = {}
    raw_values = item.get("values") or LineDict()
    if not isinstance(raw_values, LineDict):
        raise err("'values' maps names to expressions", "'values' 应为 名称: 表达式", "values")
    for name, text in raw_values.items():
        values[name] = _condition(text, vocab, file=file, line=raw_values.text_line_of(name), rule_id=rule_id, expression=True)
        if any(r.item_of for r in refs(values[name])):
            raise err(f"value '{name}' reads an item field outside any()/all()", f"取值 '{name}' 在 any()/all() 之外读取了列表字段", "values")
    conclusion = item.get("conclusion", {}) or {}
    if not isinstance(conclusion, dict) or not all(isinstance(v, (str, int, bool, list)) for v in conclusion.values()):
        raise err("'conclusion' maps names to plain values", "'conclusion' 应为 名称: 值", "conclusion")
    risk_type = item.get("risk_type")
    if risk_type is not None and risk_type not in RiskType.codes():
        match = difflib.get_close_matches(str(risk_type), RiskType.codes(), n=1)
        raise err(f"unknown risk type '{risk_type}'", f"未知的风险类型 '{risk_type}'", "risk_type", match[0] if match else None)
    explain = require(item, "explain", dict, file=file, rule_id=rule_id)
    if not explain.get("zh") or not explain.get("en"):
        raise err("explain needs zh and en sentences", "explain 需要中文（zh）和英文（en）说明", "explain")
    source = parse_citation(item.get("source"), file=file, line=item.line_of("source"), rule_id=rule_id)
    rule = Rule(rule_id, kind, str(title["zh"]), str(title["en"]), condition, condition_text.strip(), item.get("concludes"),
                dict(conclusion), values, risk_type, str(explain["zh"]).strip(), str(explain["en"]).strip(), source, file, item.line)
    try:
        rule.disjuncts = split_on_signals(condition)
    except ConditionError as e:
        raise err(e.message_en, e.message_zh, "when") from None
    return rule


def _check_placeholders(rule: Rule, ruleset: RuleSet) -> None:
    """An explanation may show what the rule read, directly or through the signals it reads."""
    readable = {r.name for r in ruleset.reads(rule)} | set(rule.values) | set(rule.conclusion) | {"as_of"}
    if rule.reads_signals():
        readable.add("signals")  # the titles of the signals that fired
    placeholders = _placeholders(rule.explain_zh) | _placeholders(rule.explain_en)
    for name in sorted(placeholders - readable):
        match = difflib.get_close_matches(name, sorted(readable), n=1)
        raise RulePackError(f"explanation uses '{{{name}}}', which the rule does not read",
                            message_zh=f"说明中的 {{{name}}} 不是本规则读取的值", file=rule.file, line=rule.line,
                            rule_id=rule.id, suggestion=match[0] if match else None)


def _placeholders(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _check_signal_cycles(rules: list[Rule]) -> None:
    producers: dict[str, list[Rule]] = {}
    for r in rules:
        if r.concludes:
            producers.setdefault(r.concludes, []).append(r)
    for r in rules:
        for s in r.reads_signals():
            if s not in producers:
                raise RulePackError(f"signal '{s}' is read but no rule concludes it", message_zh=f"信号 '{s}' 没有规则得出",
                                    file=r.file, line=r.line, rule_id=r.id)
    state: dict[str, int] = {}

    def visit(sig: str, path: list[str]) -> None:
        if state.get(sig) == 2:
            return
        if state.get(sig) == 1:
            raise RulePackError(f"signals depend on each other in a cycle: {' -> '.join(path + [sig])}",
                                message_zh=f"信号之间存在循环依赖：{' -> '.join(path + [sig])}",
                                file=producers[sig][0].file, line=producers[sig][0].line, rule_id=producers[sig][0].id)
        state[sig] = 1
        for rule in producers.get(sig, ()):
            for dep in rule.reads_signals():
                visit(dep, path + [sig])
        state[sig] = 2

    for sig in producers:
        visit(sig, [])


def fact_sources(name: str) -> tuple[str, ...]:
    return sources_of(name)
