"""Compare two rule-pack versions over the same households (规则包变更影响).

Policy staff who change a threshold or a rule see who gains or loses which flag, and why: each
change carries the explanation of the side on which the flag stands.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Iterable

from ..assessment import Assessment, Flag
from ..pack.pack import RulePack
from ..record.household import Household

__all__ = ["FlagChange", "PackDiff", "diff_packs"]


@dataclass(frozen=True)
class FlagChange:
    household_id: str
    change: str              # "gained" | "lost" | "changed"
    rule_id: str
    kind: str
    old_conclusion: dict[str, Any] | None
    new_conclusion: dict[str, Any] | None
    explanation_zh: str
    explanation_en: str


@dataclass
class PackDiff:
    old_version: str
    new_version: str
    households: int = 0
    changes: list[FlagChange] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """{rule_id: {"gained": n, "lost": n, "changed": n}}"""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.rule_id, {"gained": 0, "lost": 0, "changed": 0})[c.change] += 1
        return dict(sorted(out.items()))

    def to_json_lines(self) -> str:
        return "".join(json.dumps(asdict(c), ensure_ascii=False, sort_keys=True) + "\n" for c in self.changes)


def _by_rule(a: Assessment) -> dict[str, Flag]:
    return {f.rule_id: f for f in a.flags}


def diff_packs(old: RulePack, new: RulePack, records: Iterable[Household], as_of: date,
               jurisdiction: str | None = None) -> PackDiff:
    """Assess every record with both packs. A record either pack cannot assess raises, naming it:
    validate records first (as ``riskrules diff`` does, sending bad rows to its rejects file)."""
    result = PackDiff(old.version, new.version)
    for record in records:
        result.households += 1
        before = _by_rule(old.assess(record, as_of=as_of, jurisdiction=jurisdiction))
        after = _by_rule(new.assess(record, as_of=as_of, jurisdiction=jurisdiction))
        for rule_id in sorted(before.keys() | after.keys()):
            b, a = before.get(rule_id), after.get(rule_id)
            if b is not None and a is not None and b.conclusion == a.conclusion:
                continue
            change = "gained" if b is None else "lost" if a is None else "changed"
            shown = a if a is not None else b
            assert shown is not None
            result.changes.append(FlagChange(
                household_id=record.household_id, change=change, rule_id=rule_id, kind=shown.kind,
                old_conclusion=b.conclusion if b else None, new_conclusion=a.conclusion if a else None,
                explanation_zh=shown.explanation_zh, explanation_en=shown.explanation_en))
    return result
