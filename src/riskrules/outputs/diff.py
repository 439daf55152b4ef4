"""Compare two rule-pack versions over the same households (规则包变更影响).

Policy staff who change a threshold or a rule see who gains or loses which flag, and why. Each
change carries both sides: on the side where the rule fired, its conclusion and explanation; on
the other, its outcome (decided false, or undecided and what it asks for) and the facts and
parameters it read. A household whose monitoring-object category changes (边缘易致贫户 →
突发严重困难户) is one ``reclassified`` change from one category to the other, not a loss and
a gain.

    from riskrules.outputs.diff import diff_packs
    result = diff_packs(old, new, records, as_of=date(2023, 1, 1))
    for c in result.changes:
        print(c.household_id, c.change, c.rule_id, c.from_category, c.to_category)
    print(result.counts(), result.reclassifications())
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from ..assessment import Assessment, Flag, FlagKind
from ..errors import InvalidRecord
from ..pack.pack import RulePack
from ..record.household import Household

__all__ = ["Side", "FlagChange", "PackDiff", "diff_packs", "rule_reading", "side_by_side"]

FIRED, FALSE, UNDECIDED, NOT_IN_PACK = "fired", "false", "undecided", "not in this pack"


@dataclass(frozen=True)
class Side:
    """One rule on one side of the comparison (old pack or new pack)."""

    rule_id: str
    outcome: str                                  # fired | false | undecided | not in this pack
    conclusion: dict[str, Any] | None = None      # when fired
    explanation_zh: str | None = None             # when fired
    explanation_en: str | None = None
    ask_for: list[str] = field(default_factory=list)   # when undecided
    read: list[str] = field(default_factory=list)      # when not fired: "fact = value", "parameter = value (from 23)"

    def as_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "outcome": self.outcome, "conclusion": self.conclusion,
                "explanation_zh": self.explanation_zh, "explanation_en": self.explanation_en,
                "ask_for": list(self.ask_for), "read": list(self.read)}


@dataclass(frozen=True)
class FlagChange:
    """One household's change: a flag gained, lost or changed, or a category reclassified."""

    household_id: str
    change: str                      # "gained" | "lost" | "changed" | "reclassified"
    rule_id: str                     # the rule whose flag changed (for reclassified: the new category's rule)
    kind: str
    old: Side
    new: Side
    from_category: str | None = None  # reclassified: the category before
    to_category: str | None = None    # reclassified: the category after

    @property
    def old_conclusion(self) -> dict[str, Any] | None:
        return self.old.conclusion

    @property
    def new_conclusion(self) -> dict[str, Any] | None:
        return self.new.conclusion

    @property
    def explanation_zh(self) -> str:
        """The explanation of the side on which the flag stands (the new one unless lost)."""
        return (self.new if self.new.outcome == FIRED else self.old).explanation_zh or ""

    @property
    def explanation_en(self) -> str:
        return (self.new if self.new.outcome == FIRED else self.old).explanation_en or ""

    def as_dict(self) -> dict[str, Any]:
        return {"household_id": self.household_id, "change": self.change, "rule_id": self.rule_id, "kind": self.kind,
                "from": self.from_category, "to": self.to_category, "old": self.old.as_dict(), "new": self.new.as_dict()}


@dataclass
class PackDiff:
    old_version: str
    new_version: str
    households: int = 0
    rejected: int = 0
    changes: list[FlagChange] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """{rule_id: {"gained": n, "lost": n, "changed": n}}; reclassifications are counted by
        :meth:`reclassifications`, not as a loss and a gain."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            if c.change == "reclassified":
                continue
            out.setdefault(c.rule_id, {"gained": 0, "lost": 0, "changed": 0})[c.change] += 1
        return dict(sorted(out.items()))

    def reclassifications(self) -> dict[str, int]:
        """{"marginal_prone → sudden_severe_difficulty": n}"""
        out: dict[str, int] = {}
        for c in self.changes:
            if c.change == "reclassified":
                key = f"{c.from_category} → {c.to_category}"
                out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    def to_json_lines(self) -> str:
        return "".join(json.dumps(c.as_dict(), ensure_ascii=False, sort_keys=True) + "\n" for c in self.changes)

    def explained(self, width: int = 160) -> str:
        """Every change with the old and new explanations side by side (``riskrules diff --explain``)."""
        return "\n".join(side_by_side(c, width) for c in self.changes)


def diff_packs(old: RulePack, new: RulePack, records: Iterable[Household | Mapping[str, Any]], as_of: date,
               jurisdiction: str | None = None, *,
               on_invalid: Callable[[int, Any, InvalidRecord], None] | None = None) -> PackDiff:
    """Assess every record with both packs and list what changed.

    A record either pack refuses raises :class:`~riskrules.errors.InvalidRecord`, unless
    ``on_invalid(index, record, error)`` is given: then it is called (``index`` counts from 0
    in ``records``), the record is counted in ``rejected`` and the diff goes on."""
    result = PackDiff(old.version, new.version)
    for index, record in enumerate(records):
        try:
            before = old.assess(record, as_of=as_of, jurisdiction=jurisdiction)
            after = new.assess(record, as_of=as_of, jurisdiction=jurisdiction)
        except InvalidRecord as e:
            if on_invalid is None:
                raise
            result.rejected += 1
            on_invalid(index, record, e)
            continue
        result.households += 1
        result.changes.extend(_changes(old, new, record, as_of, jurisdiction, before, after))
    return result


def _changes(old: RulePack, new: RulePack, record: Any, as_of: date, jurisdiction: str | None,
             before: Assessment, after: Assessment) -> list[FlagChange]:
    b_flags = {f.rule_id: f for f in before.flags}
    a_flags = {f.rule_id: f for f in after.flags}
    rows: list[FlagChange] = []

    def side(pack: RulePack, a: Assessment, flags: dict[str, Flag], rule_id: str) -> Side:
        if not any(r.id == rule_id for r in pack.rules):
            return Side(rule_id, NOT_IN_PACK)
        flag = flags.get(rule_id)
        if flag is not None:
            return Side(rule_id, FIRED, flag.conclusion, flag.explanation_zh, flag.explanation_en)
        asks = next((u.ask_for for u in a.undecided if u.rule_id == rule_id), None)
        read = rule_reading(pack, rule_id, record, as_of, jurisdiction)
        return Side(rule_id, UNDECIDED if asks is not None else FALSE, ask_for=list(asks or []), read=read)

    for rule_id in sorted(b_flags.keys() | a_flags.keys()):
        b, a = b_flags.get(rule_id), a_flags.get(rule_id)
        if b is not None and a is not None and b.conclusion == a.conclusion:
            continue
        change = "gained" if b is None else "lost" if a is None else "changed"
        shown = a if a is not None else b
        assert shown is not None
        rows.append(FlagChange(household_id=before.household_id, change=change, rule_id=rule_id, kind=str(shown.kind),
                               old=side(old, before, b_flags, rule_id), new=side(new, after, a_flags, rule_id)))
    was, now = before.category, after.category
    if was is not None and now is not None and was != now:
        old_flag = _category_flag(before, was)
        new_flag = _category_flag(after, now)
        paired = {old_flag.rule_id, new_flag.rule_id}
        rows = [r for r in rows if not (r.kind == FlagKind.MONITORING_OBJECT.value and r.rule_id in paired)]
        rows.insert(0, FlagChange(household_id=before.household_id, change="reclassified", rule_id=new_flag.rule_id,
                                  kind=FlagKind.MONITORING_OBJECT.value, from_category=was, to_category=now,
                                  old=side(old, before, b_flags, old_flag.rule_id),
                                  new=side(new, after, a_flags, new_flag.rule_id)))
    return rows


def _category_flag(a: Assessment, category: str) -> Flag:
    return next(f for f in a.flags_of(FlagKind.MONITORING_OBJECT) if str(f.conclusion.get("category")) == category)


def rule_reading(pack: RulePack, rule_id: str, record: Any, as_of: date, jurisdiction: str | None) -> list[str]:
    """The facts and parameters a rule read for a household, with the values it compared
    (``income.per_capita_net = 6,200.00 元``; ``monitoring_range = 6,500.00 元 (from 23,
    effective 2023-01-01)``): what to show for a rule that did not fire."""
    reading = pack.reading(record, as_of, rule_id, jurisdiction)
    return ([f"{f.name} = {f.value}" for f in reading.facts]
            + [f"{p.name} = {p.value} (from {p.jurisdiction}, effective {p.effective})" for p in reading.parameters])


# -- side by side --------------------------------------------------------------------------------

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _wrap(text: str, width: int) -> list[str]:
    """Wrap at spaces where there are any, else between characters; wide characters count two."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        for ch in word:
            if _width(line + ch) > width:
                lines.append(line)
                line = ""
            line += ch
    if line or not lines:
        lines.append(line)
    return lines


def _side_lines(label: str, s: Side, width: int) -> list[str]:
    out: list[str] = []
    if s.outcome == FIRED:
        out += _wrap(f"{label}: {s.rule_id} fired", width)
        if s.conclusion:
            out += _wrap(json.dumps(s.conclusion, ensure_ascii=False), width)
        out += _wrap(s.explanation_zh or "", width) + _wrap(s.explanation_en or "", width)
    else:
        what = {UNDECIDED: "undecided, asks for " + ", ".join(s.ask_for), FALSE: "decided false (no flag)"}.get(s.outcome, s.outcome)
        out += _wrap(f"{label}: {s.rule_id} {what}", width)
        for item in s.read:
            out += _wrap(f"· {item}", width)
    return out


def side_by_side(change: FlagChange, width: int = 160) -> str:
    """One change as text, the old side on the left and the new side on the right."""
    column = max(30, (width - 3) // 2)
    head = f"{change.household_id}  {change.change}  {change.rule_id}"
    if change.change == "reclassified":
        head = f"{change.household_id}  reclassified  {change.from_category} → {change.to_category}"
    left, right = _side_lines("old", change.old, column), _side_lines("new", change.new, column)
    rows = [head]
    for i in range(max(len(left), len(right))):
        lt = left[i] if i < len(left) else ""
        rt = right[i] if i < len(right) else ""
        rows.append(f"{lt}{' ' * (column - _width(lt))} │ {rt}".rstrip())
    return "\n".join(rows) + "\n"
