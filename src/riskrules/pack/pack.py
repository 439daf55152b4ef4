"""A loaded rule pack (规则包): compile once, assess many households.

``load_rules()`` reads a pack folder; :meth:`RulePack.assess` takes a household and an as-of
date and returns an :class:`~riskrules.assessment.Assessment`. The decision is made by
durable-rules; the plain-Python back end runs beside it to find undecided rules, compute
conclusion values, and check that both back ends agree (they must: a disagreement is an
:class:`~riskrules.errors.EngineError`, never a silent answer).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping

from ..assessment import Assessment, FactUsed, Flag, ParameterUsed, RulePackInfo, Undecided
from ..deadlines.calendar import CalendarError, WorkCalendar, load_calendar
from ..deadlines.periods import period_end
from ..errors import EngineError, InvalidRecord, RulePackError
from ..facts.catalog import COLLECTIONS, FACTS, display_value, engine_fact, expand_source, item_sources, sources_of
from ..language.durable import LoweredItemTest, set_parameter_fields, to_durable
from ..language.ir import Kind, Quantified, Ref, refs, walk
from ..language.parser import ValueType
from ..language.pyeval import compile_condition, compile_expression, compile_item_condition, fact_key
from ..engine.durable_host import HOUSEHOLD, SIGNAL, DurableRunner, EngineRule, RuleNotCompilable
from ..record.household import Household
from ..record.checks import dates_after
from ..resources import bundled
from .parameters import ParameterTable, ParameterValue, load_parameters
from .rules import Rule, RuleSet, load_rule_files
from .yamlfile import load_yaml

__all__ = ["RulePack", "load_rules", "bundled_rules_path"]

_ROLL_FORWARD = "deadline_roll_forward"  # Civil Code art. 203, a jurisdiction's choice
_MAX_PROPERTIES = 250  # durable-rules refuses more than 255 properties per message (error 302)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


def bundled_rules_path() -> Path:
    """The pack shipped with riskrules: inside the wheel, or the repository's ``rules/``."""
    return bundled("rules")


def load_rules(path: str | Path | None = None) -> "RulePack":
    """Load a rule pack folder (the bundled pack by default) (加载规则包)."""
    return RulePack(Path(path) if path is not None else bundled_rules_path())


@dataclass(frozen=True)
class _Lowered:
    key: str
    collection: str
    evaluate: Callable[[Mapping[str, Any], Mapping[str, Any]], bool | None]


@dataclass(frozen=True)
class _Compiled:
    """A rule with everything an assessment needs precomputed once at load."""

    rule: Rule
    evaluate: Callable[[Mapping[str, Any], Mapping[str, bool | None]], bool | None]
    values: dict[str, tuple[Callable[[Mapping[str, Any], Mapping[str, Any]], Any], Kind, int]]
    reads: list[Ref]                 # facts and parameters, through signals and deadline starts
    item_refs: dict[str, dict[str, ValueType]]
    own_refs: list[Ref]              # what the condition itself reads, item fields included
    signals_read: list[str]
    period_params: list[str]


class RulePack:
    """A compiled rule pack. Thread-safe: calls into durable-rules are serialised per pack."""

    def __init__(self, root: Path):
        root = root.resolve()
        if not root.is_dir():
            raise RulePackError(f"no rule pack folder at {root}", message_zh=f"找不到规则包目录 {root}")
        self.root = root
        meta = load_yaml(root / "pack.yaml", root)
        self.name = str(meta.get("name", root.name)) if isinstance(meta, dict) else root.name
        self.version = _content_hash(root)
        self.parameters: ParameterTable = load_parameters(root)
        try:
            self.calendar: WorkCalendar = load_calendar(root / "calendars")
        except CalendarError as e:
            raise RulePackError(str(e), file=str(Path(e.path).relative_to(root)) if Path(e.path).is_absolute() else str(e.path),
                                line=e.line) from None
        self.ruleset: RuleSet = load_rule_files(root, self.parameters)
        self.rules: list[Rule] = self.ruleset.rules
        self._by_id = {r.id: r for r in self.rules}
        self._order = _topological(self.rules)
        self._compiled = [self._compile(r) for r in self._order]
        self._producers: dict[str, list[_Compiled]] = {}
        for c in self._compiled:
            if c.rule.concludes:
                self._producers.setdefault(c.rule.concludes, []).append(c)
        self._flag_order = sorted(self._compiled, key=lambda c: c.rule.id)
        self._reads_facts, self._reads_collections, self._reads_params, self._reads_periods = self._reads()
        self._check_message_size()
        self._lowered: dict[str, LoweredItemTest] = {}
        try:
            self._runner = DurableRunner(f"riskrules_{self.version}", self._engine_rules(), self._unheard_signals())
        except RuleNotCompilable as e:
            rule = self._by_id[e.rule_id]
            raise RulePackError(f"durable-rules cannot compile this condition: {e.detail}",
                                message_zh="durable-rules 无法编译该条件（条件过于复杂时请拆分为信号或定义）",
                                file=rule.file, line=rule.line, rule_id=rule.id) from None
        self._lowered_tests = [_Lowered(t.key, t.collection, compile_item_condition(t.body)) for t in self._lowered.values()]

    # -- compilation --------------------------------------------------------------------
    def _compile(self, rule: Rule) -> _Compiled:
        values = {name: (compile_expression(expr), expr.kind, expr.scale) for name, expr in rule.values.items()}
        reads = self.ruleset.reads(rule)
        periods: list[str] = []
        for ref in reads:
            pd = self.ruleset.periods.get(ref.name)
            if pd and pd.length not in periods:
                periods.append(pd.length)
        if periods and _ROLL_FORWARD in self.parameters.decls:
            periods.append(_ROLL_FORWARD)  # how the last day was found is part of the answer
        return _Compiled(rule, compile_condition(rule.condition), values, reads, _item_refs(rule), refs(rule.condition),
                         rule.reads_signals(), periods)

    def _reads(self) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
        facts: set[str] = set()
        colls: set[str] = set()
        params: set[str] = set()
        periods: set[str] = set()
        for rule in self.rules:
            nodes = list(walk(rule.condition)) + [n for e in rule.values.values() for n in walk(e)]
            for node in nodes:
                if isinstance(node, Quantified):
                    colls.add(node.collection)
                if isinstance(node, Ref) and not node.item_of:
                    if node.is_param:
                        params.add(node.name[len("params."):])
                    elif node.name in self.ruleset.periods:
                        periods.add(node.name)
                    elif node.name != "as_of":
                        facts.add(node.name)
        for p in periods:
            pd = self.ruleset.periods[p]
            facts.add(pd.start)
            params.add(pd.length)
        if _ROLL_FORWARD in self.parameters.decls and periods:
            params.add(_ROLL_FORWARD)
        return frozenset(facts), frozenset(colls), frozenset(params), frozenset(periods)

    def _check_message_size(self) -> None:
        n = len(self._reads_facts) + len(self._reads_periods) + 2 * len(self._reads_collections) + 3
        for p in self._reads_params:
            decl = self.parameters.decls[p]
            n += len(decl.domain) if decl.type == "text_set" else 1
        if n > _MAX_PROPERTIES:
            raise RulePackError(f"the rules read {n} facts and parameters; durable-rules accepts at most 255 per message",
                                message_zh=f"规则读取 {n} 个事实和参数，超过 durable-rules 每条消息 255 个属性的上限")

    def _engine_rules(self) -> list[EngineRule]:
        out = []
        for rule in self.rules:
            for i, dj in enumerate(rule.disjuncts):
                conditions: list[dict[str, Any]] = []
                if dj.residual is not None or not dj.signals:
                    body = to_durable(dj.residual, self._lowered) if dj.residual is not None else None
                    h = {"$and": [{"t": HOUSEHOLD}, body]} if body is not None else {"t": HOUSEHOLD}
                    conditions.append({"h": h})
                for j, sig in enumerate(dj.signals):
                    conditions.append({f"s{j}": {"$and": [{"t": SIGNAL}, {"name": sig}]}})
                out.append(EngineRule(f"{rule.id}#{i}", rule.id, conditions, rule.concludes))
        return out

    def _unheard_signals(self) -> list[str]:
        read = {s for r in self.rules for s in r.reads_signals()}
        return sorted({r.concludes for r in self.rules if r.concludes and r.concludes not in read})

    @property
    def durable_ruleset(self) -> str:
        """The generated durable-rules ruleset, as JSON (for inspection and the docs)."""
        return self._runner.definition_json

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    # -- assessment ---------------------------------------------------------------------
    def engine_fact(self, record: Household, as_of: date, jurisdiction: str) -> tuple[dict[str, Any], dict[str, ParameterValue]]:
        """The fact both back ends read, and the parameter values that went into it."""
        fact = engine_fact(record, as_of, self._reads_facts, self._reads_collections)
        fact["__zero"] = 0
        used: dict[str, ParameterValue] = {}
        for name in sorted(self._reads_params):
            pv = self.parameters.resolve(name, jurisdiction, as_of)
            used[name] = pv
            decl = self.parameters.decls[name]
            if decl.type == "text_set":
                fact.update(set_parameter_fields(f"params.{name}", decl.domain, pv.value))
            elif decl.type != "period":
                fact[fact_key(f"params.{name}")] = pv.engine_value(decl)
        roll = bool(used[_ROLL_FORWARD].value) if _ROLL_FORWARD in used else False
        for pname in sorted(self._reads_periods):
            pd = self.ruleset.periods[pname]
            start = fact.get(fact_key(pd.start))
            if start is None:
                continue
            length = used[pd.length].value
            due = period_end(date.fromordinal(start), length.amount, length.unit, calendar=self.calendar,
                             roll_forward_rest_day=roll)
            fact[fact_key(pname)] = due.toordinal()
        for test in self._lowered_tests:
            for row in fact.get(fact_key(test.collection)) or ():
                value = test.evaluate(fact, row)
                if value is not None:
                    row[test.key] = value
        return fact, used

    def assess(self, record: Household | Mapping[str, Any], as_of: date, jurisdiction: str | None = None) -> Assessment:
        """Assess one household on a date (评估): flags with explanations, and what is undecided."""
        if not isinstance(as_of, date) or hasattr(as_of, "hour"):
            raise TypeError("as_of must be a datetime.date")
        if not isinstance(record, Household):
            record = Household.model_validate(record, context={"as_of": as_of})
        problems = dates_after(record, as_of)
        if problems:
            raise InvalidRecord(problems)
        place = jurisdiction or record.region_code
        fact, used = self.engine_fact(record, as_of, place)
        fired, engine_signals = self._runner.run(fact)
        return self._assessment(record, as_of, place, fact, used, set(fired), set(engine_signals))

    def _assessment(self, record: Household, as_of: date, place: str, fact: dict[str, Any],
                    used: dict[str, ParameterValue], fired: set[str], engine_signals: set[str]) -> Assessment:
        state: dict[str, bool | None] = {}   # signal -> True, or None while only undecided rules conclude it
        outcome: dict[str, bool | None] = {}
        for c in self._compiled:  # producers before readers
            result = c.evaluate(fact, state)
            outcome[c.rule.id] = result
            sig = c.rule.concludes
            if sig is not None and result is not False and state.get(sig) is not True:
                state[sig] = result
        signals = {s for s, v in state.items() if v}
        decided = {rid for rid, v in outcome.items() if v}
        if decided != fired or signals != engine_signals:
            raise EngineError(
                f"durable-rules and the reference evaluator disagree: only durable-rules {sorted(fired - decided)}, "
                f"only reference {sorted(decided - fired)}")
        risk_types = sorted({c.rule.risk_type for c in self._compiled if outcome[c.rule.id] and c.rule.risk_type})
        flags: list[Flag] = []
        signal_flags: list[Flag] = []
        undecided: list[Undecided] = []
        for c in self._flag_order:
            rule = c.rule
            if outcome[rule.id]:
                flag = self._flag(c, fact, used, risk_types, signals)
                (signal_flags if rule.kind == "signal" else flags).append(flag)
            elif outcome[rule.id] is None:
                undecided.append(Undecided(rule_id=rule.id, kind=rule.kind, title_zh=rule.title_zh, title_en=rule.title_en,  # type: ignore[arg-type]
                                           ask_for=self._ask_for(c, fact, outcome, record)))
        flags.sort(key=lambda f: (_KIND_ORDER.index(f.kind), f.rule_id))
        return Assessment(household_id=record.household_id, as_of=as_of, jurisdiction=place,
                          rule_pack=RulePackInfo(name=self.name, version=self.version),
                          flags=flags, signals=signal_flags, undecided=undecided)

    def _flag(self, c: _Compiled, fact: Mapping[str, Any], used: Mapping[str, ParameterValue], risk_types: list[str],
              signals: set[str]) -> Flag:
        rule = c.rule
        facts: list[FactUsed] = []
        params: list[ParameterUsed] = []
        shown: dict[str, str] = {"as_of": date.fromordinal(fact["as_of"]).isoformat()}
        for ref in c.reads:
            if ref.item_of:
                continue
            if ref.is_param:
                name = ref.name[len("params."):]
                pv = used[name]
                decl = self.parameters.decls[name]
                params.append(ParameterUsed(name=name, title_zh=decl.title_zh, title_en=decl.title_en, value=_param_display(decl.type, pv, decl.labels),
                                            jurisdiction=pv.jurisdiction, effective=pv.effective, local=pv.local, source=pv.source))
                shown[ref.name] = _param_display(decl.type, pv, decl.labels)
                continue
            raw = fact.get(fact_key(ref.name))
            vt = ValueType(ref.kind, ref.scale)
            title_zh, title_en = _titles(ref.name, self.ruleset)
            facts.append(FactUsed(name=ref.name, title_zh=title_zh, title_en=title_en, value=display_value(vt, raw), raw=raw))
            shown[ref.name] = display_value(vt, raw)
        for coll, fields in c.item_refs.items():
            rows = fact.get(fact_key(coll)) or []
            for fname, vt in sorted(fields.items()):
                it = COLLECTIONS[coll][2][fname]
                values = "; ".join(f"#{i + 1} {display_value(vt, row.get(fname))}" for i, row in enumerate(rows)) or "（无/none）"
                facts.append(FactUsed(name=f"{coll}[].{fname}", title_zh=it.title_zh, title_en=it.title_en, value=values,
                                      raw=[row.get(fname) for row in rows]))
        for pname in c.period_params:
            pv = used[pname]
            decl = self.parameters.decls[pname]
            params.append(ParameterUsed(name=pname, title_zh=decl.title_zh, title_en=decl.title_en, value=_param_display(decl.type, pv, decl.labels),
                                        jurisdiction=pv.jurisdiction, effective=pv.effective, local=pv.local, source=pv.source))
        conclusion: dict[str, Any] = dict(rule.conclusion)
        for name, (fn, kind, scale) in c.values.items():
            raw = fn(fact, {})
            conclusion[name] = _conclusion_value(kind, scale, raw)
            shown[name] = display_value(ValueType(kind, scale), raw)
        for k, v in rule.conclusion.items():
            shown[k] = str(v)
        joined = [s for s in c.signals_read if s in signals]
        titles = [self._producers[s][0].rule for s in joined]
        shown_zh = {**shown, "signals": "、".join(t.title_zh for t in titles)}
        shown_en = {**shown, "signals": "; ".join(t.title_en for t in titles)}
        return Flag(kind=rule.kind, rule_id=rule.id, title_zh=rule.title_zh, title_en=rule.title_en,  # type: ignore[arg-type]
                    conclusion=conclusion, risk_types=risk_types if rule.kind == "monitoring_object" else [],
                    citation=rule.source, facts=facts, parameters=params,
                    signals=joined,
                    explanation_zh=_fill(rule.explain_zh, shown_zh), explanation_en=_fill(rule.explain_en, shown_en))

    def _ask_for(self, c: _Compiled, fact: Mapping[str, Any], outcome: Mapping[str, bool | None], record: Household,
                 seen: set[str] | None = None) -> list[str]:
        seen = seen if seen is not None else set()
        paths: set[str] = set()
        for ref in c.own_refs:
            if ref.item_of:
                rows = fact.get(fact_key(ref.item_of))
                path, _, _ = COLLECTIONS[ref.item_of]
                if rows is None:
                    paths.add(path)
                    continue
                for i, row in enumerate(rows):
                    if row.get(ref.field) is None:
                        paths.update(item_sources(ref.item_of, ref.field, record, i))
                continue
            if ref.is_param or ref.name == "as_of" or fact.get(fact_key(ref.name)) is not None:
                continue
            pd = self.ruleset.periods.get(ref.name)
            for source in sources_of(pd.start if pd else ref.name):
                paths.update(expand_source(source, record))
        for sig in c.signals_read:
            for producer in self._producers.get(sig, ()):
                if outcome.get(producer.rule.id) is None and producer.rule.id not in seen:
                    seen.add(producer.rule.id)
                    paths.update(self._ask_for(producer, fact, outcome, record, seen))
        return sorted(paths)


_KIND_ORDER = ["monitoring_object", "green_channel", "deadline_breach", "risk_elimination", "assistance_gap", "data_quality", "signal"]


def _item_refs(rule: Rule) -> dict[str, dict[str, ValueType]]:
    out: dict[str, dict[str, ValueType]] = {}
    for n in walk(rule.condition):
        if isinstance(n, Ref) and n.item_of:
            out.setdefault(n.item_of, {})[n.field] = ValueType(n.kind, n.scale)
    return out


def _titles(name: str, ruleset: RuleSet) -> tuple[str, str]:
    if name in FACTS:
        return FACTS[name].title_zh, FACTS[name].title_en
    if name in ruleset.periods:
        return ruleset.periods[name].title_zh, ruleset.periods[name].title_en
    if name == "as_of":
        return "评估日期", "as-of date"
    return name, name


def _param_display(ptype: str, pv: ParameterValue, labels: Mapping[str, str] | None = None) -> str:
    if ptype == "money":
        return f"{pv.value:,.2f} 元"
    return pv.display(labels)


def _conclusion_value(kind: Kind, scale: int, raw: Any) -> Any:
    if raw is None:
        return None
    if kind is Kind.DATE:
        return date.fromordinal(raw).isoformat()
    if kind is Kind.MONEY or scale:
        from decimal import Decimal

        return str(Decimal(raw).scaleb(-scale))
    return raw


def _fill(template: str, shown: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: shown.get(m.group(1), m.group(0)), template)


def _topological(rules: list[Rule]) -> list[Rule]:
    """Producers of a signal before its readers (cycles were refused at load)."""
    producers: dict[str, list[Rule]] = {}
    for r in rules:
        if r.concludes:
            producers.setdefault(r.concludes, []).append(r)
    done: set[str] = set()
    out: list[Rule] = []

    def visit(r: Rule) -> None:
        if r.id in done:
            return
        done.add(r.id)
        for s in r.reads_signals():
            for p in producers.get(s, ()):
                visit(p)
        out.append(r)

    for r in sorted(rules, key=lambda r: r.id):
        visit(r)
    return out


def _content_hash(root: Path) -> str:
    """The pack's version: a hash of every file's path and bytes, in a fixed order."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")):
        h.update(str(path.relative_to(root).as_posix()).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]
