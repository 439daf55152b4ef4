"""A loaded rule pack (规则包): compile once, assess many households.

``load_rules()`` reads a pack folder; :meth:`RulePack.assess` takes a household and an as-of
date and returns an :class:`~riskrules.assessment.Assessment`. The flow, one module a step:

    admit (record, date, jurisdiction) -> encode (engine fact) -> decide (the plain-Python
    evaluator, and durable-rules beside it) -> explain (flags) and ask (undecided rules)

The plain-Python evaluator decides every rule in three-valued logic, so it also finds the
undecided ones. Where durable-rules imports (Python 3.10-3.12) it decides the same fact and the
two must agree: a disagreement is an :class:`~riskrules.errors.EngineError`, never a silent
answer. Where it does not (3.13 and later), the plain-Python evaluator decides alone; the
answers are the same, byte for byte (see :mod:`riskrules.engine.available`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..assessment import Assessment, Citation, Flag, FlagKind, RulePackInfo, RuleReading, Undecided
from ..deadlines.calendar import CalendarError, WorkCalendar, load_calendar
from ..engine.available import Engine, resolve_engine
from ..engine.reference import ReferenceRule, ReferenceRunner
from ..engine.ruleset import RuleNotCompilable, definition_json
from ..errors import EngineError, RulePackError
from ..record.household import Household
from ..resources import bundled
from .admit import admit
from .ask import ask_for
from .compile import CompiledPack, CompiledRule, compile_pack
from .encode import Encoded, FactEncoder
from .errorlog import ErrorLog
from .explain import FlagBuilder
from .parameters import ParameterTable, load_parameters
from .rules import Rule, RuleSet, load_rule_files
from .yamlfile import load_yaml

if TYPE_CHECKING:  # the forms package imports the pack; only the annotation needs it here
    from ..forms.questions import NextQuestions

__all__ = ["RulePack", "load_rules", "bundled_rules_path"]


def bundled_rules_path() -> Path:
    """The pack shipped with riskrules: inside the wheel, or the repository's ``rules/``."""
    return bundled("rules")


def load_rules(path: str | Path | None = None, *, engine: Engine = "auto") -> "RulePack":
    """Load a rule pack folder (the bundled pack by default) (加载规则包).

    ``engine``: ``"auto"`` (durable-rules beside the plain-Python evaluator where durable-rules
    imports, else plain Python alone), ``"durable"`` (an error where it does not import) or
    ``"python"``. The answers are the same whichever runs."""
    return RulePack(Path(path) if path is not None else bundled_rules_path(), engine=engine)


class RulePack:
    """A compiled rule pack. Thread-safe: calls into durable-rules are serialised per pack."""

    def __init__(self, root: Path, *, engine: Engine = "auto"):
        chosen = resolve_engine(engine)
        root = root.resolve()
        if not root.is_dir():
            raise RulePackError(f"no rule pack folder at {root}", message_zh=f"找不到规则包目录 {root}")
        log = ErrorLog()
        self.root = root
        self.name = root.name
        with log.attempt(file="pack.yaml"):
            meta = load_yaml(root / "pack.yaml", root)
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                self.name = meta["name"]
        self.version = _content_hash(root)
        self.parameters: ParameterTable = load_parameters(root, log)
        self.calendar: WorkCalendar = _calendar(root, log)
        self.ruleset: RuleSet = load_rule_files(root, self.parameters, log)
        log.raise_if_any()
        self._plan: CompiledPack = compile_pack(self.ruleset, self.parameters, log)
        log.raise_if_any()
        self.rules: list[Rule] = self.ruleset.rules
        # Flags are listed by kind, then rule id; undecided rules by rule id.
        self._flag_order = sorted(self._plan.order, key=lambda c: (c.rule.kind.order, c.rule.id))
        self._risk_rules = [(c.rule.id, c.rule.risk_type) for c in self._plan.order if c.rule.risk_type]
        self._use_parameters(self.parameters)
        self._reference = ReferenceRunner([ReferenceRule(c.rule.id, c.evaluate, c.rule.concludes) for c in self._plan.order])
        #: the engines deciding this pack's assessments: ("python",) or ("python", "durable")
        self.engines: tuple[str, ...] = ("python",) if chosen == "python" else ("python", "durable")
        self._runner: Any = None
        if chosen == "python":
            return
        from ..engine.durable_host import DurableRunner  # imports the C core: only when it is used

        try:
            self._runner = DurableRunner(f"riskrules_{self.version}", self._plan.engine_rules)
        except RuleNotCompilable as e:
            rule = self._plan.by_id[e.rule_id].rule
            raise RulePackError(f"durable-rules cannot compile this condition: {e.detail}",
                                message_zh="durable-rules 无法编译该条件（条件过于复杂时请拆分为信号或定义）",
                                file=rule.file, line=rule.line, rule_id=rule.id) from None

    def _use_parameters(self, table: ParameterTable) -> None:
        self.parameters = table
        self._info = RulePackInfo(name=self.name, version=self.version)
        self._encoder = FactEncoder(self._plan, table, self.calendar, self.ruleset.periods)
        self._explainer = FlagBuilder(self._plan, table, self.ruleset.periods)

    def with_parameters(self, overrides: Mapping[str, Any]) -> "RulePack":
        """The same rules with some parameters fixed to one value everywhere (参数覆盖): what a
        test case uses to ask "what if the range were 6,500?". The rules are not compiled again;
        the version names the overrides, so two such packs never pass for one another."""
        if not overrides:
            return self
        text = json.dumps({k: overrides[k] for k in sorted(overrides)}, ensure_ascii=False, sort_keys=True, default=str)
        source = Citation(document="参数覆盖 / parameter override", issuer="riskrules", date="2000",
                          clause="overrides", quote=text[:4000], note="set by the caller, not a policy text")
        table = self.parameters.overridden(overrides, source)
        clone = copy.copy(self)
        clone.version = f"{self.version}+{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        clone._use_parameters(table)
        return clone

    @property
    def durable_ruleset(self) -> str:
        """The generated durable-rules ruleset, as JSON (for inspection and the docs); the same
        whether or not durable-rules runs here."""
        return definition_json(self._plan.engine_rules)

    def rule(self, rule_id: str) -> Rule:
        return self._plan.by_id[rule_id].rule

    def engine_fact(self, record: Household, as_of: date, jurisdiction: str) -> tuple[dict[str, Any], Mapping[str, Any]]:
        """The fact both back ends read, and the parameter values that went into it."""
        encoded = self._encoder.encode(record, as_of, jurisdiction)
        return encoded.fact, encoded.used

    def validate(self, record: Household | Mapping[str, Any], as_of: date, jurisdiction: str | None = None) -> Household:
        """The record, checked as :meth:`assess` checks it (校验): every problem with it, its
        as-of date or its jurisdiction raises one :class:`~riskrules.errors.InvalidRecord`."""
        return admit(record, as_of, jurisdiction, self.parameters)[0]

    def assess(self, record: Household | Mapping[str, Any], as_of: date, jurisdiction: str | None = None) -> Assessment:
        """Assess one household on a date (评估): flags with explanations, and what is undecided.

        Any problem with the record, the as-of date or the jurisdiction raises
        :class:`~riskrules.errors.InvalidRecord`. Each flag's facts, parameters and sentences
        are rendered when first read or serialised, so a screening that keeps only outcomes
        does not pay for them.
        """
        household, as_of, place = admit(record, as_of, jurisdiction, self.parameters)
        encoded = self._encoder.encode(household, as_of, place)
        outcome, state = self._reference.run(encoded.fact)
        signals = {s for s, v in state.items() if v}
        if self._runner is not None:
            fired, engine_signals = self._runner.run(encoded.fact)
            decided = {rid for rid, v in outcome.items() if v}
            if decided != set(fired) or signals != set(engine_signals):
                raise EngineError(
                    f"durable-rules and the reference evaluator disagree on household {household.household_id}: "
                    f"only durable-rules {sorted(set(fired) - decided)}, only reference {sorted(decided - set(fired))}")
        return self._assessment(household, as_of, place, encoded, outcome, signals)

    def reading(self, record: Household | Mapping[str, Any], as_of: date, rule_id: str,
                jurisdiction: str | None = None) -> RuleReading:
        """What rule ``rule_id`` made of a household (规则判断依据): fired or not, or undecided
        with what to ask for, and the facts and parameters it read, with their values."""
        c = self._plan.by_id[rule_id]
        household, as_of, place = admit(record, as_of, jurisdiction, self.parameters)
        encoded = self._encoder.encode(household, as_of, place)
        outcome, _ = self._reference.run(encoded.fact)
        facts, params, _ = self._explainer.reading(c, encoded)
        result = outcome[rule_id]
        asks = ask_for(self._plan, self.ruleset.periods, c, encoded.fact, outcome, household) if result is None else []
        return RuleReading(rule_id=rule_id, kind=c.rule.kind, title_zh=c.rule.title_zh, title_en=c.rule.title_en,
                           condition=c.rule.condition_text,
                           outcome="fired" if result else "undecided" if result is None else "not_fired",
                           facts=facts, parameters=params, ask_for=asks)

    def outcomes(self, record: Household | Mapping[str, Any], as_of: date, jurisdiction: str | None = None, *,
                 engine: str = "python") -> dict[str, bool | None]:
        """Every rule's outcome for one household (各规则判定结果), by rule id: True (fired),
        False, or None (undecided, for want of a fact), as one back end decides it -- what the
        differential tests compare. ``engine="durable"`` is durable-rules' own decision, which
        has no "undecided": a rule it did not fire reads False (an error where it does not import)."""
        household, as_of, place = admit(record, as_of, jurisdiction, self.parameters)
        encoded = self._encoder.encode(household, as_of, place)
        if engine == "python":
            return self._reference.run(encoded.fact)[0]
        if engine != "durable":
            raise EngineError(f"unknown engine {engine!r}: expected 'python' or 'durable'")
        runner = self._runner
        if runner is None:
            resolve_engine("durable")  # raises, naming why durable-rules is not here
            raise EngineError("this pack was loaded with engine='python'; load it with engine='durable'")
        fired = set(runner.run(encoded.fact)[0])
        return {c.rule.id: c.rule.id in fired for c in self._plan.order}

    def _assessment(self, record: Household, as_of: date, place: str, encoded: Encoded, outcome: Mapping[str, bool | None],
                    signals: set[str]) -> Assessment:
        fact = encoded.fact
        risk_types = sorted({risk for rule_id, risk in self._risk_rules if outcome[rule_id]})
        flags: list[Flag] = []
        signal_flags: list[Flag] = []
        undecided: list[Undecided] = []
        for c in self._flag_order:
            rule = c.rule
            if outcome[rule.id]:
                flag = self._explainer.flag(c, encoded, risk_types, signals)
                (signal_flags if rule.kind is FlagKind.SIGNAL else flags).append(flag)
            elif outcome[rule.id] is None:
                undecided.append(Undecided._build(
                    {"_details": None, "_render": self._asker(c, fact, outcome, record)},
                    rule_id=rule.id, kind=rule.kind, title_zh=rule.title_zh, title_en=rule.title_en))
        undecided.sort(key=lambda u: u.rule_id)
        return Assessment._build(household_id=record.household_id, as_of=as_of, jurisdiction=place,
                                 rule_pack=self._info, flags=flags, signals=signal_flags, undecided=undecided)


    def _asker(self, c: CompiledRule, fact: Mapping[str, Any], outcome: Mapping[str, bool | None],
               record: Household) -> Callable[[], dict[str, Any]]:
        return lambda: {"ask_for": ask_for(self._plan, self.ruleset.periods, c, fact, outcome, record)}

    def next_questions(self, record: Household | Mapping[str, Any], as_of: date, jurisdiction: str | None = None) -> "NextQuestions":
        """What to ask next about a partial record (下一步应采集的信息): the missing fields as JSON
        Pointers with their titles and the rules they would decide, ranked by how many undecided
        outcomes each settles, and the flags already decided; a
        :class:`~riskrules.forms.questions.NextQuestions`. See :mod:`riskrules.forms.questions`."""
        from ..forms.questions import next_questions

        return next_questions(self, record, as_of, jurisdiction)

    def screen(self, source: Any, as_of: date, jurisdiction: str | None = None, *, detail: str = "full",
               referee: str = "flagged", referee_rate: float = 0.001, seed: int = 0, batch_rows: int = 50_000,
               out: str | Path | None = None) -> Any:
        """Screen a whole population column-wise (列式批量筛查): a Polars or Arrow table, a
        Parquet path (read ``batch_rows`` households at a time) or records in; one row per
        household out, in input order, flags explained as :meth:`assess` explains them
        (``detail="full"``) or rules fired and undecided only (``"compact"``). A referee decides
        a seeded sample (``referee_rate``, ``seed``) and, with ``referee="flagged"``, every
        flagged or undecided household again by the durable path; a disagreement raises
        :class:`~riskrules.errors.EngineError`. Returns a :class:`riskrules.columnar.Screening`,
        or with ``out`` (``.jsonl``/``.parquet``) writes the rows there and returns the
        :class:`riskrules.columnar.Summary`. Needs ``riskrules[columnar]``; see docs/columnar.md."""
        from ..columnar import screen

        return screen(self, source, as_of, jurisdiction, detail=detail, referee=referee, referee_rate=referee_rate, seed=seed,
                      batch_rows=batch_rows, out=out)


def _calendar(root: Path, log: ErrorLog) -> WorkCalendar:
    def report(e: CalendarError) -> None:
        path = Path(e.path)
        file = str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else str(path)
        log.add(RulePackError(e.message, file=file, line=e.line))

    return load_calendar(root / "calendars", on_error=report)


def _content_hash(root: Path) -> str:
    """The pack's version: a hash of every file's path and bytes, in a fixed order. The pack's
    ``tests/`` folder (its case files) is not part of it: adding a test changes no assessment."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")
                       and p.relative_to(root).parts[0] != "tests"):
        h.update(str(path.relative_to(root).as_posix()).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]
