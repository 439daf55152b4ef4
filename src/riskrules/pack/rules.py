"""Rule files (规则文件): load and type-check every rule of a pack into rule IR.

A pack folder holds ``pack.yaml`` (name and description), ``parameter_types.yaml`` and
``parameters/``, ``definitions.yaml`` (named conditions and deadline periods), ``policy/*.yaml``
(the rules) and ``calendars/``. Every error names the file, the line and the rule id; a broken
rule is skipped and loading goes on, so every error of a pack is reported at once.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assessment import Citation, FlagKind, Severity
from ..errors import RulePackError
from ..facts.catalog import FACTS, collection_types, fact_types
from ..language.errors import ConditionError, suggest
from ..language.ir import Cond, Expr, Ref, refs, signals
from ..language.parser import Vocabulary, parse_condition, parse_expression
from ..language.rewrite import Disjunct, fold_constants, split_on_signals
from ..language.types import Kind, ValueType
from ..record.codes import RiskType
from .citations import parse_citation
from .errorlog import ErrorLog
from .parameters import ParameterTable
from .yamlfile import LineDict, load_yaml, require

__all__ = ["PeriodDef", "Rule", "RuleSet", "load_rule_files", "MAX_RULES"]

_RULE_KEYS = {"id", "kind", "severity", "title", "when", "concludes", "conclusion", "values", "risk_type", "explain", "source"}
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_SIGNAL = re.compile(r"[a-z][a-z0-9_]*")
MAX_RULES = 300          # durable-rules refuses a ruleset of about 480 rules (error 303), disjuncts included
_MAX_TITLE = 200
_MAX_EXPLAIN = 2000
_MAX_CONCLUSION = 20     # entries, and items of a list value
_MAX_CONCLUSION_TEXT = 200


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
    kind: FlagKind
    severity: Severity | None
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
        names = {o.name for o in out}
        for expr in self.values.values():
            out.extend(r for r in refs(expr) if r.name not in names)
            names.update(r.name for r in refs(expr))
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


def load_rule_files(root: Path, params: ParameterTable, log: ErrorLog) -> RuleSet:
    """Every rule of the pack; errors go to ``log`` and a broken rule is left out."""
    definitions_file = root / "definitions.yaml"
    definitions_data: Any = None
    with log.attempt(file="definitions.yaml"):
        definitions_data = load_yaml(definitions_file, root)
    periods = _load_periods(definitions_data, params, log)
    fact_vocab: dict[str, ValueType] = dict(fact_types())
    for name in periods:
        fact_vocab[name] = ValueType(Kind.DATE)
    param_vocab = {n: d.vtype for n, d in params.decls.items() if d.vtype is not None}

    raw_rules: list[tuple[str, LineDict]] = []
    for path in sorted((root / "policy").glob("*.yaml")):
        file = str(path.relative_to(root))
        with log.attempt(file=file):
            data = load_yaml(path, root)
            items = require(data, "rules", list, file=file)
            for item in items:
                if isinstance(item, LineDict):
                    raw_rules.append((file, item))
                else:
                    log.add(RulePackError("each rule must be a mapping", message_zh="每条规则应为映射", file=file,
                                          line=data.line_of("rules")))

    ids: dict[str, str] = {}
    declared_signals: dict[str, str] = {}
    accepted: list[tuple[str, LineDict]] = []
    for file, item in raw_rules:
        with log.attempt(file=file, line=item.line):
            rule_id = require(item, "id", str, file=file)
            if not _ID.match(rule_id):
                raise RulePackError("a rule id is dotted lower_snake_case, e.g. identification.low_income",
                                    message_zh="规则编号应为点分小写形式，如 identification.low_income", file=file,
                                    line=item.line_of("id"), rule_id=rule_id[:100])
            if rule_id in ids:
                raise RulePackError(f"rule id already used in {ids[rule_id]}", message_zh=f"规则编号已在 {ids[rule_id]} 中使用",
                                    file=file, line=item.line, rule_id=rule_id)
            ids[rule_id] = f"{file}:{item.line}"
            concluded = item.get("concludes")
            if concluded is not None:
                if not isinstance(concluded, str) or not _SIGNAL.fullmatch(concluded):
                    raise RulePackError("'concludes' names a signal in lower_snake_case", message_zh="'concludes' 应为小写下划线的信号名",
                                        file=file, line=item.line_of("concludes"), rule_id=rule_id)
                declared_signals.setdefault(concluded, rule_id)
            accepted.append((file, item))
    if len(accepted) > MAX_RULES:
        log.add(RulePackError(f"a pack holds at most {MAX_RULES} rules, this one {len(accepted)}",
                              message_zh=f"规则包最多 {MAX_RULES} 条规则，当前 {len(accepted)} 条", file=accepted[MAX_RULES][0],
                              line=accepted[MAX_RULES][1].line))

    vocab = Vocabulary(fact_vocab, collection_types(), param_vocab, frozenset(declared_signals))
    vocab.definitions = _load_definitions(definitions_data, vocab, log)

    rules: list[Rule] = []
    for file, item in accepted:
        with log.attempt(file=file, line=item.line, rule_id=item["id"]):
            rules.append(_compile_rule(file, item, vocab))
    for name in sorted(set(vocab.definitions) - vocab.used_definitions):
        log.add(RulePackError(f"definition '{name}' is used by no rule: remove it or use it",
                              message_zh=f"定义 '{name}' 未被任何规则使用", file="definitions.yaml",
                              line=definitions_data["definitions"].line_of(name) if definitions_data else None,
                              rule_id=f"definition {name}"))
    _check_signals(rules, declared_signals, log)
    ruleset = RuleSet(rules, periods, dict(vocab.definitions), vocab)
    for rule in rules:
        with log.attempt(file=rule.file, line=rule.line, rule_id=rule.id):
            _check_placeholders(rule, ruleset)
    return ruleset


def _condition(text: Any, vocab: Vocabulary, *, file: str, line: int, rule_id: str | None, expression: bool = False) -> Any:
    if not isinstance(text, str) or not text.strip():
        raise RulePackError("a condition must be non-empty text", message_zh="条件应为非空文本", file=file, line=line, rule_id=rule_id)
    try:
        return parse_expression(text, vocab) if expression else fold_constants(parse_condition(text, vocab))
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


def _load_definitions(data: Any, vocab: Vocabulary, log: ErrorLog) -> dict[str, Cond]:
    file = "definitions.yaml"
    out: dict[str, Cond] = {}
    defs = LineDict()
    with log.attempt(file=file):
        defs = _section(data, "definitions", file)
    for name, raw in defs.items():
        line = defs.line_of(name)
        with log.attempt(file=file, line=line, rule_id=f"definition {name}"):
            if name in vocab.facts or "." in name or not _SIGNAL.fullmatch(name):
                raise RulePackError(f"definition '{name}' must be a plain lower_snake_case name that is not a fact",
                                    message_zh=f"定义名 '{name}' 须为不与事实重名的小写简单名称", file=file, line=line)
            text = require(raw, "when", str, file=file, line=line)
            unknown = [k for k in raw if k not in ("when", "source")]
            if unknown:
                raise RulePackError(f"unknown key '{unknown[0]}' in definition '{name}'", message_zh=f"定义 '{name}' 中有未知的键",
                                    file=file, line=raw.line_of(unknown[0]))
            if "source" in raw:
                parse_citation(raw["source"], file=file, line=raw.line_of("source"), rule_id=f"definition {name}")
            # Definitions may use earlier definitions: they are expanded in place, never called.
            vocab.definitions = out
            cond = _condition(text, vocab, file=file, line=raw.text_line_of("when"), rule_id=f"definition {name}")
            if signals(cond):
                raise RulePackError("a definition reads facts only, not signals", message_zh="定义只能引用事实，不能引用信号",
                                    file=file, line=line)
            out[name] = cond
    return out


def _load_periods(data: Any, params: ParameterTable, log: ErrorLog) -> dict[str, PeriodDef]:
    file = "definitions.yaml"
    out: dict[str, PeriodDef] = {}
    raw_periods = LineDict()
    with log.attempt(file=file):
        raw_periods = _section(data, "periods", file)
    dates = [n for n, s in FACTS.items() if s.vtype.kind is Kind.DATE]
    period_params = [n for n, d in params.decls.items() if d.type == "period"]
    for name, raw in raw_periods.items():
        line = raw_periods.line_of(name)
        with log.attempt(file=file, line=line, rule_id=f"period {name}"):
            if not re.fullmatch(r"deadline\.[a-z][a-z0-9_]*", name):
                raise RulePackError(f"period '{name}' must be named deadline.<something>", message_zh="期限名须以 deadline. 开头",
                                    file=file, line=line)
            start = require(raw, "from", str, file=file, line=line)
            if start not in FACTS or FACTS[start].vtype.kind is not Kind.DATE:
                raise RulePackError(f"'from: {start}' is not a date fact", message_zh=f"'{start}' 不是日期事实", file=file,
                                    line=raw.line_of("from"), suggestion=suggest(start, dates))
            length = require(raw, "length", str, file=file, line=line)
            decl = params.decls.get(length)
            if decl is None or decl.type != "period":
                raise RulePackError(f"'length: {length}' is not a period parameter", message_zh=f"'{length}' 不是期限类参数",
                                    file=file, line=raw.line_of("length"), suggestion=suggest(length, period_params))
            title = _titles(raw, "title", file, line)
            out[name] = PeriodDef(name, start, length, title[0], title[1], file, line)
    return out


def _titles(item: LineDict, key: str, file: str, line: int, rule_id: str | None = None,
            limit: int = _MAX_TITLE) -> tuple[str, str]:
    raw = require(item, key, dict, file=file, line=line, rule_id=rule_id)
    zh, en = raw.get("zh"), raw.get("en")
    if not isinstance(zh, str) or not isinstance(en, str) or not zh.strip() or not en.strip():
        raise RulePackError(f"'{key}' needs zh and en text", message_zh=f"'{key}' 需要中文（zh）和英文（en）文本", file=file,
                            line=item.line_of(key), rule_id=rule_id)
    if len(zh) > limit or len(en) > limit:
        raise RulePackError(f"'{key}' is longer than {limit} characters", message_zh=f"'{key}' 超过 {limit} 个字符",
                            file=file, line=item.line_of(key), rule_id=rule_id)
    return zh.strip(), en.strip()


def _conclusion(raw: Any) -> dict[str, Any] | None:
    """Plain values only, small: a conclusion is copied into every flag of every household."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > _MAX_CONCLUSION:
        return None

    def plain(v: Any) -> bool:
        return isinstance(v, (bool, int)) and abs(int(v)) < 2**53 or isinstance(v, str) and len(v) <= _MAX_CONCLUSION_TEXT

    for v in raw.values():
        if isinstance(v, list):
            if len(v) > _MAX_CONCLUSION or not all(plain(x) for x in v):
                return None
        elif not plain(v):
            return None
    return {k: list(v) if isinstance(v, list) else v for k, v in raw.items()}


def _compile_rule(file: str, item: LineDict, vocab: Vocabulary) -> Rule:
    rule_id = item["id"]

    def err(msg_en: str, msg_zh: str, key: str | None = None, suggestion: str | None = None) -> RulePackError:
        return RulePackError(msg_en, message_zh=msg_zh, file=file, line=item.line_of(key) if key else item.line,
                             rule_id=rule_id, suggestion=suggestion)

    unknown = [k for k in item if k not in _RULE_KEYS]
    if unknown:
        raise err(f"unknown key '{unknown[0]}'", f"未知的键 '{unknown[0]}'", unknown[0], suggest(unknown[0], sorted(_RULE_KEYS)))
    kind_text = require(item, "kind", str, file=file, rule_id=rule_id)
    kinds = [k.value for k in FlagKind]
    if kind_text not in kinds:
        raise err(f"unknown kind '{kind_text}'; kinds: {', '.join(kinds)}", f"未知的规则类型 '{kind_text}'", "kind",
                  suggest(kind_text, kinds))
    kind = FlagKind(kind_text)
    if kind is FlagKind.SIGNAL and not item.get("concludes"):
        raise err("a signal rule must say which signal it 'concludes'", "信号规则必须写明 concludes", None)
    severities = [s.value for s in Severity]
    severity_text = item.get("severity")
    if kind is FlagKind.SIGNAL:
        if severity_text is not None:
            raise err("a signal has no severity: it is not shown as a flag", "信号不设 severity（不作为标记显示）", "severity")
        severity = None
    elif severity_text not in severities:
        raise err(f"'severity' must be one of {', '.join(severities)}", f"'severity' 应为 {'、'.join(severities)} 之一",
                  "severity" if "severity" in item else None, suggest(str(severity_text), severities) if severity_text else None)
    else:
        severity = Severity(severity_text)
    title_zh, title_en = _titles(item, "title", file, item.line, rule_id)
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
    conclusion = _conclusion(item.get("conclusion"))
    if conclusion is None:
        raise err(f"'conclusion' maps at most {_MAX_CONCLUSION} names to plain values (text up to {_MAX_CONCLUSION_TEXT} "
                  "characters, whole numbers, true/false, or short lists of them)",
                  f"'conclusion' 最多 {_MAX_CONCLUSION} 项，取值须为简短文本、整数、true/false 或其短列表", "conclusion")
    risk_type = item.get("risk_type")
    if risk_type is not None and risk_type not in RiskType.codes():
        raise err(f"unknown risk type '{risk_type}'", f"未知的风险类型 '{risk_type}'", "risk_type",
                  suggest(str(risk_type), RiskType.codes()))
    explain_zh, explain_en = _titles(item, "explain", file, item.line, rule_id, limit=_MAX_EXPLAIN)
    source = parse_citation(item.get("source"), file=file, line=item.line_of("source"), rule_id=rule_id)
    rule = Rule(rule_id, kind, severity, title_zh, title_en, condition, condition_text.strip(), item.get("concludes"),
                conclusion, values, risk_type, explain_zh, explain_en, source, file, item.line)
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
    for text in (rule.explain_zh, rule.explain_en):
        try:
            placeholders = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        except ValueError as e:
            raise RulePackError(f"explanation text has an unmatched brace ({e}): write {{{{ or }}}} for a brace",
                                message_zh="说明文本中的花括号不成对（字面花括号请写作 {{ 或 }}）", file=rule.file,
                                line=rule.line, rule_id=rule.id) from None
        for name in sorted(placeholders - readable):
            raise RulePackError(f"explanation uses '{{{name}}}', which the rule does not read",
                                message_zh=f"说明中的 {{{name}}} 不是本规则读取的值", file=rule.file, line=rule.line,
                                rule_id=rule.id, suggestion=suggest(name, sorted(readable)))


def _check_signals(rules: list[Rule], declared: dict[str, str], log: ErrorLog) -> None:
    producers: dict[str, list[Rule]] = {}
    for r in rules:
        if r.concludes:
            producers.setdefault(r.concludes, []).append(r)
    for r in rules:
        for s in r.reads_signals():
            # A signal whose rule failed to load has been reported already.
            if s not in producers and s not in declared:
                log.add(RulePackError(f"signal '{s}' is read but no rule concludes it", message_zh=f"信号 '{s}' 没有规则得出",
                                      file=r.file, line=r.line, rule_id=r.id))
    state: dict[str, int] = {}

    def visit(sig: str, path: list[str]) -> None:
        if state.get(sig) == 2:
            return
        if state.get(sig) == 1:
            first = producers[sig][0]
            raise RulePackError(f"signals depend on each other in a cycle: {' -> '.join(path + [sig])}",
                                message_zh=f"信号之间存在循环依赖：{' -> '.join(path + [sig])}",
                                file=first.file, line=first.line, rule_id=first.id)
        state[sig] = 1
        for rule in producers.get(sig, ()):
            for dep in rule.reads_signals():
                visit(dep, path + [sig])
        state[sig] = 2

    with log.attempt():  # one cycle is reported; the rest would repeat it
        for sig in producers:
            visit(sig, [])
