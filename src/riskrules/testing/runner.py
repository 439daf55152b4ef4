"""Run case files on a rule pack (运行用例) and say, readably, what did not match.

:func:`run_case` assesses one case and compares the assessment with what the case expects;
:func:`run_cases` runs whole files, each on its own pack (see
:func:`~riskrules.testing.cases.pack_of_case_file`), loading every pack once. A failure is
reported as expected against actual, with, for each rule the case names, the explanation of its
flag when it fired, or else its outcome (decided false, or undecided and what it asks for) and
the facts and parameters it read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from ..assessment import Assessment, Flag
from ..errors import InvalidRecord, RiskRulesError, RulePackError
from ..outputs.diff import rule_reading
from ..pack.pack import RulePack, load_rules
from .cases import (
    Case,
    CaseFile,
    check_against_pack,
    find_case_files,
    load_cases,
    pack_of_case_file,
)
from .coverage import Coverage, coverage_of

__all__ = ["CaseResult", "SuiteResult", "PackCache", "run_case", "run_cases", "outcomes_of", "summary_line"]

_UNFILLED = re.compile(r"\{[a-z_][a-z0-9_.]*\}")
FIRED, FALSE, UNDECIDED = "fired", "false", "undecided"


@dataclass
class CaseResult:
    """What one case gave."""

    case: Case
    status: str                                  # passed | failed | xfailed | xpassed (a failure)
    problems: list[str] = field(default_factory=list)   # each unmet expectation, one line
    report: str = ""                             # the readable failure text ("" when passed)
    outcomes: dict[str, str] = field(default_factory=dict)  # rule id -> fired | false | undecided
    pack_root: Path | None = None
    pack_version: str | None = None             # of the pack before any parameter override

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "xfailed")


class PackCache:
    """Rule packs by folder, each loaded once, and their parameter-override variants."""

    def __init__(self) -> None:
        self._packs: dict[Path, RulePack] = {}
        self._variants: dict[tuple[int, str], RulePack] = {}

    def load(self, root: Path) -> RulePack:
        root = Path(root).resolve()
        if root not in self._packs:
            self._packs[root] = load_rules(root)
        return self._packs[root]

    def add(self, pack: RulePack) -> RulePack:
        self._packs.setdefault(pack.root, pack)
        return pack

    def with_parameters(self, pack: RulePack, overrides: dict[str, Any]) -> RulePack:
        if not overrides:
            return pack
        key = (id(pack), json.dumps(overrides, sort_keys=True, default=str))
        if key not in self._variants:
            self._variants[key] = pack.with_parameters(overrides)
        return self._variants[key]

    def packs(self) -> list[RulePack]:
        return list(self._packs.values())


@dataclass
class SuiteResult:
    """Every case run, and every case-file or pack error met on the way."""

    results: list[CaseResult] = field(default_factory=list)
    errors: list[RulePackError] = field(default_factory=list)
    files: list[CaseFile] = field(default_factory=list)
    packs: dict[Path, RulePack] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failed

    def coverage(self) -> list[Coverage]:
        """Coverage of each rule pack the cases ran on (see :mod:`riskrules.testing.coverage`)."""
        return [coverage_of(pack, [r for r in self.results if r.pack_root == root]) for root, pack in self.packs.items()]


# -- one case ------------------------------------------------------------------------------------

def outcomes_of(pack: RulePack, assessment: Assessment) -> dict[str, str]:
    """Every rule of the pack: fired, decided false, or undecided on this assessment."""
    fired = {f.rule_id for f in (*assessment.flags, *assessment.signals)}
    undecided = {u.rule_id for u in assessment.undecided}
    return {r.id: FIRED if r.id in fired else UNDECIDED if r.id in undecided else FALSE for r in pack.rules}


def run_case(case: Case, pack: RulePack, *, cache: PackCache | None = None, apply_xfail: bool = True) -> CaseResult:
    """Assess ``case`` with ``pack`` (its parameter overrides applied) and compare.

    References the pack does not have (an unknown rule id or parameter) raise
    :class:`~riskrules.errors.RulePackError` naming the case file and line. With
    ``apply_xfail=False`` a case marked ``xfail`` is reported as it came out (pytest does the
    rest)."""
    errors = check_against_pack(case, (r.id for r in pack.rules), pack.parameters.decls)
    if errors:
        raise RulePackError.combine(errors)
    base_root, base_version = pack.root, pack.version
    try:
        used = cache.with_parameters(pack, case.parameters) if cache else pack.with_parameters(case.parameters)
    except RulePackError as e:
        raise RulePackError(f"case '{case.name}': parameters: {e.message_en}", message_zh=f"用例 '{case.name}'：参数：{e.message_zh}",
                            file=case.file, line=case.parameters_line, suggestion=e.suggestion) from None
    checker = _Checker(case, used)
    try:
        assessment = used.assess(case.record, as_of=case.as_of, jurisdiction=case.jurisdiction)
    except InvalidRecord as e:
        checker.refused(e)
        outcomes: dict[str, str] = {}
    except RiskRulesError as e:
        checker.problems.append(f"the assessment failed: {type(e).__name__}: {e}")
        outcomes = {}
    else:
        checker.assessed(assessment)
        outcomes = outcomes_of(used, assessment)
    status = "failed" if checker.problems else "passed"
    report = checker.report() if checker.problems else ""
    if apply_xfail and case.xfail:
        if status == "failed":
            status, report = "xfailed", ""
        else:
            status = "xpassed"
            checker.problems.append(f"marked xfail ({case.xfail}) but every expectation holds: remove 'xfail'")
            report = checker.report()
    return CaseResult(case=case, status=status, problems=checker.problems, report=report, outcomes=outcomes,
                      pack_root=base_root, pack_version=base_version)


class _Checker:
    def __init__(self, case: Case, pack: RulePack):
        self.case = case
        self.pack = pack
        self.problems: list[str] = []
        self.assessment: Assessment | None = None
        self.invalid: InvalidRecord | None = None

    # the record was refused -----------------------------------------------------------------
    def refused(self, e: InvalidRecord) -> None:
        self.invalid = e
        expected = self.case.expect.invalid
        if expected is None:
            self.problems.append("expected an assessment; the record was refused as invalid:")
            self.problems.extend(f"    {p}" for p in e.problems)
            return
        missing = [p for p in expected if p not in e.paths]
        if missing:
            self.problems.append(f"expected the record to be refused at {', '.join(missing)}; it was refused at "
                                 f"{', '.join(e.paths)}")

    # the record was assessed ----------------------------------------------------------------
    def assessed(self, a: Assessment) -> None:
        self.assessment = a
        expect = self.case.expect
        if expect.invalid is not None:
            self.problems.append(f"expected the record to be refused at {', '.join(expect.invalid)}; it was accepted and assessed")
            return
        fired = {f.rule_id: f for f in (*a.flags, *a.signals)}
        undecided = {u.rule_id: u.ask_for for u in a.undecided}
        for exp in expect.flags:
            rid = exp.rule
            if rid not in fired:
                self.problems.append(f"{rid}: expected to fire; it {self.outcome_text(rid)}")
                continue
            self.flag(exp, fired[rid], a)
        for rid, _line in expect.absent:
            if rid in fired:
                self.problems.append(f"{rid}: expected not to fire (decided false); it fired")
            elif rid in undecided:
                self.problems.append(f"{rid}: expected to be decided false; it is undecided, asking for "
                                     f"{', '.join(undecided[rid]) or '—'}")
        for u in expect.undecided:
            if u.rule not in undecided:
                self.problems.append(f"{u.rule}: expected to be undecided; it {self.outcome_text(u.rule)}")
                continue
            if u.ask_for is not None:
                missing = [p for p in u.ask_for if p not in undecided[u.rule]]
                if missing:
                    self.problems.append(f"{u.rule}: expected to ask for {', '.join(missing)}; it asks for "
                                         f"{', '.join(undecided[u.rule]) or '—'}")

    def flag(self, exp: Any, flag: Flag, a: Assessment) -> None:
        rid = exp.rule
        bad = self.problems.append
        kind = str(self.pack.rule(rid).kind)
        if str(flag.kind) != kind:
            bad(f"{rid}: its flag is of kind {flag.kind}, the rule's kind is {kind}")
        if any(f is flag for f in a.signals) != (kind == "signal"):
            bad(f"{rid}: a {kind} rule must be listed in {'signals' if kind == 'signal' else 'flags'}")
        if exp.kind is not None and str(flag.kind) != exp.kind:
            bad(f"{rid}: kind expected {exp.kind}, actual {flag.kind}")
        actual_severity = getattr(flag, "severity", None)  # flags carry a severity once the pack gives one
        if exp.severity is not None and actual_severity is not None:
            actual = actual_severity
            if str(getattr(actual, "value", actual)) != exp.severity:
                bad(f"{rid}: severity expected {exp.severity}, actual {actual}")
        if exp.category is not None and not _same(exp.category, flag.conclusion.get("category")):
            bad(f"{rid}: category expected {exp.category}, actual {flag.conclusion.get('category', '(none)')}")
        if exp.risk_types is not None and sorted(set(exp.risk_types)) != sorted(set(flag.risk_types)):
            bad(f"{rid}: risk types expected [{', '.join(sorted(set(exp.risk_types)))}], actual [{', '.join(flag.risk_types)}]")
        for key, value in exp.conclusion.items():
            if key not in flag.conclusion:
                bad(f"{rid}: conclusion.{key} expected {_show(value)}, actual (not in the conclusion)")
            elif not _same(value, flag.conclusion[key]):
                bad(f"{rid}: conclusion.{key} expected {_show(value)}, actual {_show(flag.conclusion[key])}")
        shown = {f.name: f.value for f in flag.facts}
        for name, value in exp.facts.items():
            if shown.get(name) != value:
                bad(f"{rid}: fact {name} expected {value!r}, actual {shown.get(name, '(not read by the rule)')!r}")
        places = {p.name: p.jurisdiction for p in flag.parameters}
        for name, place in exp.parameters_from.items():
            if places.get(name) != place:
                bad(f"{rid}: parameter {name} expected from {place!r}, actual {places.get(name, '(not read by the rule)')!r}")
        for text in (flag.explanation_zh, flag.explanation_en):
            if not text or _UNFILLED.search(text):
                bad(f"{rid}: an explanation has an unfilled placeholder: {text!r}")
        for part in exp.explanation_contains:
            if part not in flag.explanation_zh and part not in flag.explanation_en:
                bad(f"{rid}: the explanation does not contain {part!r}")
        if not (flag.citation.document and flag.citation.quote):
            bad(f"{rid}: its citation lacks a document or a quote")

    def outcome_text(self, rule_id: str) -> str:
        a = self.assessment
        if a is None:
            return "was not assessed"
        for f in (*a.flags, *a.signals):
            if f.rule_id == rule_id:
                return "fired"
        for u in a.undecided:
            if u.rule_id == rule_id:
                return f"is undecided, asking for {', '.join(u.ask_for) or '—'}"
        return "was decided false (did not fire)"

    # the report -----------------------------------------------------------------------------
    def report(self) -> str:
        case = self.case
        lines = [f"FAILED {case.where}  {case.name}" + (f"  [{', '.join(case.tags)}]" if case.tags else "")]
        where = [f"as of {case.as_of.isoformat()}"]
        a = self.assessment
        where.append(f"jurisdiction {a.jurisdiction if a else case.jurisdiction or case.record.get('region_code', '?')}")
        where.append(f"rule pack {self.pack.name} {self.pack.version}")
        if case.parameters:
            where.append("parameters " + ", ".join(f"{k} = {_show(v)}" for k, v in case.parameters.items()))
        lines.append("  " + "; ".join(where))
        lines.append("  expected ≠ actual:")
        lines.extend(f"    ✗ {p}" for p in self.problems)
        if a is not None:
            for rid in case.expect.rules():
                lines.extend(self.rule_detail(rid, a))
        return "\n".join(lines)

    def rule_detail(self, rule_id: str, a: Assessment) -> list[str]:
        try:
            rule = self.pack.rule(rule_id)
        except KeyError:
            return []
        out = [f"  {rule_id} ({rule.kind}) — {rule.title_zh} / {rule.title_en}"]
        flag = next((f for f in (*a.flags, *a.signals) if f.rule_id == rule_id), None)
        if flag is not None:
            out.append(f"    fired: {flag.explanation_zh}")
            out.append(f"           {flag.explanation_en}")
            if flag.conclusion:
                out.append(f"    conclusion: {_show(flag.conclusion)}")
            read = ([f"{f.name} = {f.value}" for f in flag.facts]
                    + [f"{p.name} = {p.value} (from {p.jurisdiction}, effective {p.effective})" for p in flag.parameters])
        else:
            out.append(f"    outcome: it {self.outcome_text(rule_id)}")
            out.append(f"    when: {' '.join(rule.condition_text.split())}")
            read = rule_reading(self.pack, rule_id, self.case.record, self.case.as_of, self.case.jurisdiction)
        if read:
            out.append("    read: " + "; ".join(read))
        return out


def _same(expected: Any, actual: Any) -> bool:
    if expected == actual:
        return True
    if isinstance(expected, date):
        expected = expected.isoformat()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_same(e, x) for e, x in zip(expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, (int, float, str, Decimal)) and isinstance(actual, (int, float, str, Decimal)):
        try:
            return Decimal(str(expected)) == Decimal(str(actual))
        except (InvalidOperation, ValueError):
            return str(expected) == str(actual)
    return False


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# -- many files ----------------------------------------------------------------------------------

def run_cases(sources: Iterable[str | Path | CaseFile] | str | Path | CaseFile = (), *,
              rules: str | Path | RulePack | None = None, select: str | None = None, tags: Iterable[str] = (),
              cache: PackCache | None = None) -> SuiteResult:
    """Run case files (or folders of them) and return every result and error.

    Each file runs on ``rules`` when given (a folder or a loaded pack), else on the pack its
    ``pack:`` key names, else on the pack whose ``tests/`` folder holds it. With no sources,
    the ``tests/`` folder of ``rules`` (the bundled pack by default) is run. ``select`` keeps
    the cases whose name contains it; ``tags`` keeps the cases with any of those tags.
    """
    from ..pack.pack import bundled_rules_path

    cache = cache or PackCache()
    suite = SuiteResult()
    forced: RulePack | None = None
    try:
        if isinstance(rules, RulePack):
            forced = cache.add(rules)
        elif rules is not None:
            forced = cache.load(Path(rules))
    except RulePackError as e:
        suite.errors.extend(e.errors)
        return suite
    if isinstance(sources, (str, Path, CaseFile)):
        sources = [sources]
    sources = list(sources)
    if not sources:
        sources = [(forced.root if forced is not None else bundled_rules_path()) / "tests"]
    files: list[CaseFile] = [s for s in sources if isinstance(s, CaseFile)]
    paths, errors = find_case_files([s for s in sources if not isinstance(s, CaseFile)])
    suite.errors.extend(errors)
    for path in paths:
        try:
            files.append(load_cases(path))
        except RulePackError as e:
            suite.errors.extend(e.errors)
    wanted = set(tags)
    for case_file in files:
        suite.files.append(case_file)
        try:
            if forced is not None:
                pack = forced
            else:
                root = pack_of_case_file(case_file)
                if root is None:
                    raise RulePackError("which rule pack is this case file for? Put it in a pack's tests/ folder, name the pack "
                                        "with 'pack:', or give --rules", message_zh="无法确定该用例文件所属的规则包：请放在规则包的 "
                                        "tests/ 目录下，或用 'pack:' 指明，或给出 --rules", file=case_file.file)
                pack = cache.load(root)
        except RulePackError as e:
            suite.errors.extend(e.errors)
            continue
        suite.packs.setdefault(pack.root, pack)
        for case in case_file.cases:
            if select and select not in case.name:
                continue
            if wanted and not wanted & set(case.tags):
                continue
            try:
                suite.results.append(run_case(case, pack, cache=cache))
            except RulePackError as e:
                suite.errors.extend(e.errors)
    return suite


def summary_line(suite: SuiteResult, seconds: float | None = None) -> str:
    counts = {"passed": 0, "failed": 0, "xfailed": 0, "xpassed": 0}
    for r in suite.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    parts = [f"{counts['passed']} passed"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["xfailed"]:
        parts.append(f"{counts['xfailed']} xfailed")
    if counts["xpassed"]:
        parts.append(f"{counts['xpassed']} xpassed (failed)")
    if suite.errors:
        parts.append(f"{len(suite.errors)} error(s) in case files or packs")
    text = ", ".join(parts) + f" — {len(suite.results)} case(s) in {len(suite.files)} file(s)"
    if seconds is not None:
        text += f" in {seconds:.1f} s"
    return text
