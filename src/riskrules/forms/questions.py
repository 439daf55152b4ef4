"""What to ask next (下一步应采集的信息): the missing fields of a partial record, ranked.

An intake form fills the record step by step. After each step, :func:`next_questions` assesses
the record as it stands and turns the rules still undecided into questions:

- each question is a place in the record, as a JSON Pointer (``/members/0/health``), with its
  Chinese and English title, its section of the form, its unit, and the rules (by title) whose
  outcome it would help decide;
- a missing object (``income``) is one question listing the fields to fill in it
  (``fields``): those without which the facts the rules need stay unknown, found by trying the
  record with them filled in; a missing list (``shocks``) is one question to list its items, or
  to say there are none (``[]``);
- questions are ranked by how many undecided outcomes they settle: each undecided rule counts
  one, shared equally among the questions it still needs (``settles``); ``settles_alone``
  counts the rules for which it is the last question;
- internal signals never appear, neither as questions of their own nor among the rules a
  question decides; a field that only a signal reads is asked for only when a rule a
  caseworker sees needs that signal.

The flags already decided come with the questions, so a form needs one call per step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from ..assessment import Flag, FlagKind, RulePackInfo
from ..record.household import Household
from .schema import _Shape, _shape, field_doc, section_of

if TYPE_CHECKING:
    from ..pack.pack import RulePack

__all__ = ["NextQuestions", "Question", "RuleRef", "next_questions", "path_parts", "pointer_of"]


class RuleRef(BaseModel):
    """A rule, by id and title (规则)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    kind: FlagKind
    title_zh: str
    title_en: str


class Question(BaseModel):
    """One thing to ask (待采集信息): where it goes in the record, what it is, what it decides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pointer: str
    """JSON Pointer into the record (RFC 6901): ``/members/0/health``."""
    path: str
    """The same place as riskrules writes field paths: ``members[0].health``."""
    title_zh: str
    title_en: str
    label_zh: str
    """The title with where it is: ``家庭成员 m1 · 健康状况``."""
    label_en: str
    section: str
    section_title_zh: str
    section_title_en: str
    collect: Literal["value", "fields", "list"]
    """A value; several fields (fill ``fields``: an object's, or a list's items'); or a list (its
    items, or ``[]`` for none)."""
    fields: list[str]
    """The JSON Pointers to fill: the field itself, or the fields of the object that matter."""
    unit_zh: str | None = None
    unit_en: str | None = None
    decides: list[RuleRef]
    """The rules whose undecided outcome this answer helps decide (never a signal)."""
    settles: float
    """Undecided outcomes this answer settles: each rule counts one, shared among its questions."""
    settles_alone: int
    """Rules for which this is the last question."""


class NextQuestions(BaseModel):
    """The questions still to ask about a household, and the flags already decided (下一步采集)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    household_id: str
    as_of: date
    jurisdiction: str
    rule_pack: RulePackInfo
    questions: list[Question]
    flags: list[Flag]
    undecided: list[RuleRef]
    """The rules a caseworker sees that are still undecided (signals left out)."""


# ---------------------------------------------------------------------------------------------
# Paths and pointers

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_parts(path: str) -> list[str | int]:
    """``members[0].health`` -> ``["members", 0, "health"]``."""
    return [name if name else int(index) for name, index in _PART.findall(path)]


def pointer_of(parts: list[str | int]) -> str:
    """JSON Pointer (RFC 6901) of a path's parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _path_text(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def _value_at(record: Any, parts: list[str | int]) -> Any:
    value = record
    for p in parts:
        if value is None:
            return None
        if isinstance(p, int):
            value = value[p] if p < len(value) else None
        else:
            value = getattr(value, p, None)
    return value


def _labels(record: Household, parts: list[str | int]) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    names: list[str] = []
    for i, p in enumerate(parts):
        if isinstance(p, int):
            item = _value_at(record, parts[: i + 1])
            tag = getattr(item, "member_id", None) if names[-1:] == ["members"] else None
            zh[-1] += f" {tag}" if tag else f" 第{p + 1}项"
            en[-1] += f" {tag}" if tag else f" #{p + 1}"
            continue
        names.append(p)
        doc = field_doc(names)
        zh.append(doc.title_zh if doc else p)
        en.append(doc.title_en if doc else p)
    return " · ".join(zh), " · ".join(en)


# ---------------------------------------------------------------------------------------------
# Which fields of a missing or incomplete object matter: try the record with them filled in


def _dummy(shape: _Shape, as_of: date) -> Any:
    """A stand-in value of ``shape``: only whether a fact becomes known is looked at."""
    kind = shape.kind
    if kind == "money":
        return Decimal("0.00")
    if kind == "decimal":
        return Decimal(0)
    if kind == "coded":
        return next(iter(shape.inner))
    if kind == "bool":
        return False
    if kind == "int":
        return shape.int_range.low if shape.int_range is not None else 0
    if kind == "date":
        return as_of
    if kind == "list":
        return []
    if kind == "model":
        return _dummy_model(shape.inner, as_of, required_only=True)
    if kind == "text":
        return "x"
    return None  # an identity number is never a stand-in


def _dummy_model(model: type[BaseModel], as_of: date, required_only: bool) -> BaseModel:
    values = {}
    for name, info in model.model_fields.items():
        if required_only and not info.is_required():
            continue
        values[name] = _dummy(_shape(info.annotation, list(info.metadata)), as_of)
    return model.model_construct(**values)


def _replace(obj: Any, parts: list[str | int], value: Any) -> Any:
    """``obj`` with the value at ``parts`` replaced (models are frozen: copies on the way)."""
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        items = list(obj)
        items[head] = _replace(items[head], rest, value)
        return items
    return obj.model_copy(update={head: _replace(getattr(obj, head), rest, value)})


class _Known:
    """Which facts of the pack's engine fact a record makes known (the pack's own encoding, so
    exactly the facts its rules read, with the parameters they need)."""

    def __init__(self, pack: RulePack, as_of: date, place: str):
        self.pack, self.as_of, self.place = pack, as_of, place

    def __call__(self, record: Household) -> frozenset[Any]:
        try:
            fact, _ = self.pack.engine_fact(record, self.as_of, self.place)
        except Exception:  # noqa: BLE001 -- a stand-in combination a fact cannot take: nothing known
            return frozenset()
        known: set[Any] = set()
        for key, value in fact.items():
            if isinstance(value, list):
                known.update((key, i, k) for i, row in enumerate(value) if isinstance(row, dict) for k in row)
            known.add(key)
        return frozenset(known)


def _leaves(model: type[BaseModel], obj: BaseModel | None, prefix: list[str | int], as_of: date,
            ) -> list[tuple[list[str | int], Any, bool]]:
    """The fields of ``obj`` (a ``model``) still missing: (parts, stand-in value, required)."""
    out = []
    for name, info in model.model_fields.items():
        if obj is not None and getattr(obj, name) is not None:
            continue
        shape = _shape(info.annotation, list(info.metadata))
        if shape.kind == "identity":
            continue
        out.append(([*prefix, name], _dummy(shape, as_of), info.is_required()))
    return out


def _needed(known: _Known, record: Household, as_of: date, parts: list[str | int],
            model: type[BaseModel]) -> list[list[str | int]] | None:
    """The fields under ``parts`` (an object, or the items of a list) without which the facts
    it would make known stay unknown; None when it is there and nothing missing in it matters
    (the rule waits for something else)."""
    value = _value_at(record, parts)
    base = record
    if value is None and model is not None:
        base = _replace(record, parts, _dummy_model(model, as_of, required_only=True))
        leaves = [(p, v, req) for p, v, req in _leaves(model, None, parts, as_of)]
    elif isinstance(value, list):
        leaves = [leaf for i, item in enumerate(value) if isinstance(item, BaseModel)
                  for leaf in _leaves(type(item), item, [*parts, i], as_of)]
    elif isinstance(value, BaseModel):
        leaves = _leaves(type(value), value, parts, as_of)
    else:
        return []
    present = value is not None
    required = [p for p, _, req in leaves if req]
    optional = [(p, v) for p, v, req in leaves if not req]

    def filled(skip: int | None) -> Household:
        out = base
        for i, (p, v) in enumerate(optional):
            if i != skip:
                out = _replace(out, p, v)
        return out

    before = known(record)
    target = known(filled(None)) - before
    if not target:
        return None if present else required
    return required + [p for i, (p, _) in enumerate(optional) if not target <= known(filled(i))]


# ---------------------------------------------------------------------------------------------
# The questions


@dataclass
class _Draft:
    parts: list[str | int]
    collect: str
    fields: list[str]
    rules: dict[str, RuleRef] = field(default_factory=dict)
    settles: Fraction = Fraction(0)
    alone: int = 0


def _draft(known: _Known, record: Household, as_of: date, path: str) -> _Draft | None:
    """The question for one path a rule asks for; None when there is nothing to ask there (an
    object or list that is filled in, whose missing parts would make no fact known)."""
    parts = path_parts(path)
    names = [p for p in parts if isinstance(p, str)]
    doc = field_doc(names)
    pointer = pointer_of(parts)
    if doc is None or not (doc.is_object or doc.is_list):
        return _Draft(parts, "value", [pointer])
    value = _value_at(record, parts)
    model = _model_of(names)
    if model is None or (doc.is_list and value is None):
        return _Draft(parts, "list" if doc.is_list else "value", [pointer])
    needed = _needed(known, record, as_of, parts, model)
    if needed is None:
        return None
    if not needed:
        return _Draft(parts, "list" if doc.is_list else "fields", [pointer])
    return _Draft(parts, "list" if doc.is_list and value is None else "fields", [pointer_of(p) for p in needed])


def _model_of(names: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Household
    shape = None
    for name in names:
        info = model.model_fields.get(name)
        if info is None:
            return None
        shape = _shape(info.annotation, list(info.metadata))
        if shape.kind == "list":
            shape = _shape(shape.inner, [])
        if shape.kind != "model":
            return None
        model = shape.inner
    return model if shape is not None else None


def _rule_ref(u: Any) -> RuleRef:
    return RuleRef(rule_id=u.rule_id, kind=u.kind, title_zh=u.title_zh, title_en=u.title_en)


def next_questions(pack: RulePack, record: Household | Mapping[str, Any], as_of: date,
                   jurisdiction: str | None = None) -> NextQuestions:
    """The questions still to ask about ``record`` on ``as_of``, ranked, and the flags decided.

    A record that cannot be accepted raises :class:`~riskrules.errors.InvalidRecord`, as
    :meth:`RulePack.assess` does (a partial record is fine: only the ids are required)."""
    household = pack.validate(record, as_of, jurisdiction)
    assessment = pack.assess(household, as_of, jurisdiction)
    visible = [u for u in assessment.undecided if u.kind is not FlagKind.SIGNAL]
    known = _Known(pack, as_of, assessment.jurisdiction)
    drafts: dict[str, _Draft | None] = {}
    asks: dict[str, list[str]] = {}
    for u in visible:
        keys = []
        for path in u.ask_for:
            key = pointer_of(path_parts(path))
            if key not in drafts:
                drafts[key] = _draft(known, household, as_of, path)
            if drafts[key] is not None:
                keys.append(key)
        asks[u.rule_id] = keys
    # A field asked for on its own that a missing object's question already lists is that question.
    owner = {f: key for key, d in drafts.items() if d is not None and d.collect != "value" for f in d.fields if f != key}
    refs = {u.rule_id: _rule_ref(u) for u in visible}
    for rule_id, keys in asks.items():
        final = sorted({owner.get(k, k) for k in keys})
        for key in final:
            d = drafts[key]
            assert d is not None
            d.rules[rule_id] = refs[rule_id]
            d.settles += Fraction(1, len(final))
            d.alone += len(final) == 1
    questions = [_question(household, key, d) for key, d in drafts.items() if d is not None and d.rules]
    questions.sort(key=lambda q: (-q.settles, _section_rank(q.section), _natural(q.pointer)))
    return NextQuestions(household_id=assessment.household_id, as_of=assessment.as_of,
                         jurisdiction=assessment.jurisdiction, rule_pack=assessment.rule_pack,
                         questions=questions, flags=assessment.flags, undecided=[refs[u.rule_id] for u in visible])


def _section_rank(section_id: str) -> int:
    from .schema import FALLBACK_SECTION, SECTIONS
    ids = [s.id for s in (*SECTIONS, FALLBACK_SECTION)]
    return ids.index(section_id) if section_id in ids else len(ids)


def _natural(pointer: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pointer.split("/"))


def _question(record: Household, key: str, d: _Draft) -> Question:
    names = [p for p in d.parts if isinstance(p, str)]
    doc = field_doc(names)
    section = section_of(names[0])
    label_zh, label_en = _labels(record, d.parts)
    return Question(
        pointer=key, path=_path_text(d.parts),
        title_zh=doc.title_zh if doc else names[-1], title_en=doc.title_en if doc else names[-1],
        label_zh=label_zh, label_en=label_en,
        section=section.id, section_title_zh=section.title_zh, section_title_en=section.title_en,
        collect=d.collect, fields=d.fields,  # type: ignore[arg-type]
        unit_zh=doc.unit_zh if doc else None, unit_en=doc.unit_en if doc else None,
        decides=sorted(d.rules.values(), key=lambda r: (r.kind.order, r.rule_id)),
        settles=round(float(d.settles), 4), settles_alone=d.alone)
