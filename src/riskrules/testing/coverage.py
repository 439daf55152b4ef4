"""Rule coverage (规则覆盖率) of a case suite: what the cases made each rule do.

For every rule of a pack, the number of cases in which it fired, was decided false, or was
undecided. A rule is *fired* when at least one case fired it; *decided false only* when cases
reached it but none fired it; *never reached* when no case either fired it or decided it false
(it was only ever undecided, or no valid case ran). For every cited clause (a citation's
document and clause), whether any of its rules fired. A case whose record was refused as
invalid reaches no rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol

if TYPE_CHECKING:
    from ..pack.pack import RulePack


class Outcomes(Protocol):
    """A case's result as coverage reads it: each rule's outcome ("fired", "false" or
    "undecided")."""

    @property
    def outcomes(self) -> Mapping[str, str]: ...

__all__ = ["RuleCoverage", "ClauseCoverage", "Coverage", "coverage_of"]


@dataclass
class RuleCoverage:
    rule_id: str
    kind: str
    fired: int = 0
    false: int = 0
    undecided: int = 0

    @property
    def status(self) -> str:
        """fired | decided false | never reached"""
        if self.fired:
            return "fired"
        if self.false:
            return "decided false"
        return "never reached"


@dataclass
class ClauseCoverage:
    document: str
    clause: str
    rules: list[str]
    fired: bool


@dataclass
class Coverage:
    """The coverage of one rule pack by the cases that ran on it."""

    pack_name: str
    pack_version: str
    cases: int
    rules: list[RuleCoverage]
    clauses: list[ClauseCoverage] = field(default_factory=list)

    @property
    def percent(self) -> float:
        """Share of the pack's rules fired by at least one case, in per cent."""
        return 100.0 * sum(1 for r in self.rules if r.fired) / len(self.rules) if self.rules else 100.0

    @property
    def never_fired(self) -> list[str]:
        return [r.rule_id for r in self.rules if not r.fired]

    @property
    def never_reached(self) -> list[str]:
        return [r.rule_id for r in self.rules if r.status == "never reached"]

    @property
    def clauses_never_fired(self) -> list[ClauseCoverage]:
        return [c for c in self.clauses if not c.fired]

    def as_dict(self) -> dict[str, Any]:
        return {
            "pack": self.pack_name, "version": self.pack_version, "cases": self.cases, "percent": round(self.percent, 1),
            "rules": [{"rule_id": r.rule_id, "kind": r.kind, "fired": r.fired, "false": r.false, "undecided": r.undecided,
                       "status": r.status} for r in self.rules],
            "clauses": [{"document": c.document, "clause": c.clause, "rules": c.rules, "fired": c.fired} for c in self.clauses],
        }

    def table(self) -> str:
        """The coverage as text: one line a rule, then the totals and what never fired."""
        width = max([len(r.rule_id) for r in self.rules] + [4])
        lines = [f"coverage of rule pack {self.pack_name} {self.pack_version} by {self.cases} case(s)",
                 f"  {'rule'.ljust(width)}  {'fired':>5}  {'false':>5}  {'undecided':>9}  status"]
        for r in self.rules:
            lines.append(f"  {r.rule_id.ljust(width)}  {r.fired:>5}  {r.false:>5}  {r.undecided:>9}  {r.status}")
        fired = sum(1 for r in self.rules if r.fired)
        lines.append(f"  rules fired at least once: {fired}/{len(self.rules)} ({self.percent:.1f} %)")
        lines.append(f"  rules never fired: {', '.join(self.never_fired) or 'none'}")
        lines.append(f"  rules never reached (neither fired nor decided false): {', '.join(self.never_reached) or 'none'}")
        clauses_fired = sum(1 for c in self.clauses if c.fired)
        lines.append(f"  cited clauses fired: {clauses_fired}/{len(self.clauses)}")
        for c in self.clauses_never_fired:
            lines.append(f"    never fired: 《{c.document}》 {c.clause} (rules: {', '.join(c.rules)})")
        return "\n".join(lines)


def coverage_of(pack: "RulePack", results: Iterable[Outcomes]) -> Coverage:
    """The coverage of ``pack`` by ``results`` (the results of cases run on it)."""
    rules = {r.id: RuleCoverage(r.id, str(r.kind)) for r in sorted(pack.rules, key=lambda r: r.id)}
    cases = 0
    for result in results:
        cases += 1
        for rule_id, outcome in result.outcomes.items():
            entry = rules.get(rule_id)
            if entry is not None:
                setattr(entry, outcome, getattr(entry, outcome) + 1)
    by_clause: dict[tuple[str, str], list[str]] = {}
    for r in pack.rules:
        by_clause.setdefault((r.source.document, r.source.clause), []).append(r.id)
    clauses = [ClauseCoverage(document, clause, sorted(ids), any(rules[i].fired for i in ids))
               for (document, clause), ids in sorted(by_clause.items())]
    return Coverage(pack.name, pack.version, cases, list(rules.values()), clauses)
