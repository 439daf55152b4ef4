"""Compile a loaded rule set for assessment (编译规则包): everything a household needs, once.

For each rule: its plain-Python evaluator and value expressions, what it reads (through the
signals it joins and the deadlines it compares), and its durable-rules form, one engine rule
per disjunct of the signals it reads, each checked against the C core's limits. For the pack:
the order in which signals are produced before they are read, and the facts, collections and
parameters the engine fact must carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..engine.ruleset import HOUSEHOLD, SIGNAL, EngineRule
from ..errors import RulePackError
from ..facts.catalog import item_needs
from ..language.durable import LoweredItemTest, check_limits, to_durable
from ..language.errors import ConditionError
from ..language.ir import Quantified, Ref, refs, walk
from ..language.pyeval import Tri, compile_condition, compile_expression, compile_item_condition
from ..language.types import Kind, ValueType
from .errorlog import ErrorLog
from .parameters import ParameterTable
from .rules import Rule, RuleSet

__all__ = ["ItemTest", "CompiledRule", "CompiledPack", "compile_pack", "ROLL_FORWARD", "MAX_PROPERTIES"]

ROLL_FORWARD = "deadline_roll_forward"  # Civil Code art. 203: a jurisdiction's choice, read with every period
MAX_PROPERTIES = 250  # durable-rules refuses more than 252 fields per message (error 302)
MAX_JOINED = 16       # facts one durable-rules rule joins (the household and signals): error 304 beyond
MAX_ENGINE_RULES = 400  # distinct tests under one node: 512 make durable-rules loop forever


@dataclass(frozen=True)
class ItemTest:
    """The body of one any()/all() of a rule, evaluated on one item of its collection."""

    collection: str
    evaluate: Callable[[Mapping[str, Any], Mapping[str, Any]], Tri]
    fields: tuple[str, ...]          # the item fields the body reads


@dataclass(frozen=True)
class CompiledRule:
    """A rule with everything an assessment needs precomputed once at load."""

    rule: Rule
    evaluate: Callable[[Mapping[str, Any], Mapping[str, Tri]], Tri]
    values: dict[str, tuple[Callable[[Mapping[str, Any], Mapping[str, Any]], Any], Kind, int]]
    reads: list[Ref]                 # facts and parameters, through signals and deadline starts
    item_refs: dict[str, dict[str, ValueType]]
    own_refs: list[Ref]              # what the condition itself reads, item fields included
    signals_read: list[str]
    periods: list[str]               # deadline facts read, through signals too (their values come from their start day)
    fact_params: list[str]           # parameters the item fields it reads are computed with
    quantifiers: list[ItemTest]      # each any()/all() of the condition, to tell which items leave it undecided


@dataclass(frozen=True)
class CompiledPack:
    order: list[CompiledRule]                     # producers of a signal before its readers
    by_id: dict[str, CompiledRule]
    producers: dict[str, list[CompiledRule]]
    reads_facts: frozenset[str]
    reads_collections: frozenset[str]
    reads_items: dict[str, frozenset[str]]         # item fields read, by collection
    reads_params: frozenset[str]
    reads_periods: frozenset[str]
    engine_rules: list[EngineRule]
    lowered: tuple[LoweredItemTest, ...]


def compile_pack(ruleset: RuleSet, parameters: ParameterTable, log: ErrorLog) -> CompiledPack:
    order = [_compile(r, ruleset, parameters) for r in _topological(ruleset.rules)]
    producers: dict[str, list[CompiledRule]] = {}
    for c in order:
        if c.rule.concludes:
            producers.setdefault(c.rule.concludes, []).append(c)
    facts, collections, params, periods = _reads(ruleset, parameters)
    needed = {p for c in order for p in c.fact_params}
    for name in sorted(needed):
        decl = parameters.decls.get(name)
        if decl is None:
            log.add(RulePackError(f"the rules read facts computed with parameter '{name}', which parameter_types.yaml does not "
                                  "declare", message_zh=f"规则读取的事实需要参数 '{name}'，但 parameter_types.yaml 未声明",
                                  file="parameter_types.yaml"))
    params = params | needed
    with log.attempt(file="rules"):
        _check_message_size(facts, collections, params, periods, parameters)
    lowered: dict[str, LoweredItemTest] = {}
    engine_rules: list[EngineRule] = []
    for rule in ruleset.rules:
        with log.attempt(file=rule.file, line=rule.line, rule_id=rule.id):
            engine_rules.extend(_engine_rules(rule, lowered))
    if len(engine_rules) > MAX_ENGINE_RULES:
        log.add(RulePackError(f"the rules make {len(engine_rules)} durable-rules rules (one per way each can hold); at most "
                              f"{MAX_ENGINE_RULES}: simplify the 'or's between signals",
                              message_zh=f"规则展开后共 {len(engine_rules)} 条 durable-rules 规则，超过 {MAX_ENGINE_RULES} 条上限",
                              file="policy"))
    items: dict[str, set[str]] = {c: set() for c in collections}
    for c in order:
        for coll, fields in c.item_refs.items():
            items.setdefault(coll, set()).update(fields)
    return CompiledPack(order, {c.rule.id: c for c in order}, producers, facts, collections,
                        {c: frozenset(f) for c, f in items.items()}, params, periods, engine_rules,
                        tuple(lowered.values()))


def _compile(rule: Rule, ruleset: RuleSet, parameters: ParameterTable) -> CompiledRule:
    values = {name: (compile_expression(expr), expr.kind, expr.scale) for name, expr in rule.values.items()}
    reads = ruleset.reads(rule)
    periods = [ref.name for ref in reads if ref.name in ruleset.periods]
    item_refs: dict[str, dict[str, ValueType]] = {}
    fact_params: list[str] = []
    for n in walk(rule.condition):
        if isinstance(n, Ref) and n.item_of:
            item_refs.setdefault(n.item_of, {})[n.field] = ValueType(n.kind, n.scale)
            fact_params.extend(p for p in item_needs(n.item_of, n.field) if p not in fact_params)
    quantifiers = [ItemTest(n.collection, compile_item_condition(n.body),
                            tuple(dict.fromkeys(r.field for r in refs(n.body) if r.item_of)))
                   for n in walk(rule.condition) if isinstance(n, Quantified)]
    return CompiledRule(rule, compile_condition(rule.condition), values, reads, item_refs, refs(rule.condition),
                        rule.reads_signals(), periods, fact_params, quantifiers)


def _engine_rules(rule: Rule, lowered: dict[str, LoweredItemTest]) -> list[EngineRule]:
    out = []
    for i, dj in enumerate(rule.disjuncts):
        conditions: list[dict[str, Any]] = []
        if dj.residual is not None or not dj.signals:
            body: dict[str, Any] | None = None
            if dj.residual is not None:
                try:
                    generated = to_durable(dj.residual)
                    check_limits(generated.json)
                except ConditionError as e:
                    raise RulePackError(e.message_en, message_zh=e.message_zh, file=rule.file, line=rule.line,
                                        rule_id=rule.id) from None
                body = generated.json
                lowered.update((t.key, t) for t in generated.lowered)
            h = {"$and": [{"t": HOUSEHOLD}, body]} if body is not None else {"t": HOUSEHOLD}
            conditions.append({"h": h})
        for j, sig in enumerate(dj.signals):
            conditions.append({f"s{j}": {"$and": [{"t": SIGNAL}, {"name": sig}]}})
        if len(conditions) > MAX_JOINED:
            raise RulePackError(f"this rule joins {len(dj.signals)} signals in one way of holding; durable-rules joins at "
                                f"most {MAX_JOINED} facts: group some of them in a signal of their own",
                                message_zh=f"该规则一次联合 {len(dj.signals)} 个信号，durable-rules 最多联合 {MAX_JOINED} 个事实",
                                file=rule.file, line=rule.line, rule_id=rule.id)
        out.append(EngineRule(f"{rule.id}#{i}", rule.id, conditions, rule.concludes))
    return out


def _reads(ruleset: RuleSet, parameters: ParameterTable) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    facts: set[str] = set()
    colls: set[str] = set()
    params: set[str] = set()
    periods: set[str] = set()
    for rule in ruleset.rules:
        nodes = list(walk(rule.condition)) + [n for e in rule.values.values() for n in walk(e)]
        for node in nodes:
            if isinstance(node, Quantified):
                colls.add(node.collection)
            if isinstance(node, Ref) and not node.item_of:
                if node.is_param:
                    params.add(node.name[len("params."):])
                elif node.name in ruleset.periods:
                    periods.add(node.name)
                elif node.name != "as_of":
                    facts.add(node.name)
    for p in periods:
        pd = ruleset.periods[p]
        facts.add(pd.start)
        params.add(pd.length)
    if ROLL_FORWARD in parameters.decls and periods:
        params.add(ROLL_FORWARD)
    return frozenset(facts), frozenset(colls), frozenset(params), frozenset(periods)


def _check_message_size(facts: frozenset[str], collections: frozenset[str], params: frozenset[str],
                        periods: frozenset[str], parameters: ParameterTable) -> None:
    n = len(facts) + len(periods) + 2 * len(collections) + 3
    for p in params:
        decl = parameters.decls[p]
        n += 2 * len(decl.domain) if decl.type == "text_set" else 0 if decl.type in ("period", "month_day") else 1
    if n > MAX_PROPERTIES:
        raise RulePackError(f"the rules read {n} facts and parameters; durable-rules accepts at most 255 per message",
                            message_zh=f"规则读取 {n} 个事实和参数，超过 durable-rules 每条消息 255 个属性的上限")


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
