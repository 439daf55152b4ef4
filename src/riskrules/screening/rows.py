"""The rows a screening writes (筛查结果行): one per household, or one per flag.

A household row holds what the county report needs beside the assessment: where the household
is (region code), how many people, and what its case record says; then the assessment, compact
(flags by rule id, citations in the catalogue) or full (``assessment``: the bytes of
``Assessment.model_dump_json()``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..assessment import Assessment, Flag
from ..record.household import Household

__all__ = [
    "BREACH_STATUSES",
    "FLAG_COLUMNS",
    "HOUSEHOLD_COLUMNS",
    "WARNING_STATUSES",
    "dumps",
    "flag_rows",
    "flat_household",
    "household_row",
    "severity_of",
]

# Before flags carried a severity, a deadline flag's status told it (documented in docs/report.md).
BREACH_STATUSES = frozenset({"breached", "completed_late"})
WARNING_STATUSES = frozenset({"due_soon"})


def _default(value: Any) -> Any:
    return str(value)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


def severity_of(kind: str, severity: Any, conclusion: dict[str, Any] | None) -> str | None:
    """A flag's severity: its own when the pack gives one; for a deadline flag of a pack that
    does not, its status (breached / completed late: breach; due soon: warning)."""
    if severity is not None:
        return str(severity)
    if kind == "deadline_breach" and conclusion:
        status = conclusion.get("status")
        if status in BREACH_STATUSES:
            return "breach"
        if status in WARNING_STATUSES:
            return "warning"
    return None


def _flag(flag: Flag, pack_version: str, citations: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": str(flag.kind), "rule_id": flag.rule_id}
    sev = severity_of(str(flag.kind), getattr(flag, "severity", None), flag.conclusion)
    if sev is not None:
        out["severity"] = sev
    out["conclusion"] = flag.conclusion
    if flag.risk_types:
        out["risk_types"] = list(flag.risk_types)
    if citations == "full":
        out["citation"] = flag.citation.model_dump(exclude_none=True)
    return out


def _context(row: int, record: Household, as_of: Any, jurisdiction: str) -> dict[str, Any]:
    case = record.monitoring_case
    measures = record.assistance_measures
    recorded: dict[str, Any] = {}
    if case is not None:
        recorded = {
            "category": case.category.value if case.category is not None else None,
            "clue_found_on": case.clue_found_on,
            "identified_on": case.identified_on,
            "eliminated_on": case.eliminated_on,
            "green_channel": case.green_channel,
            "risk_types": [r.value for r in case.risk_types] if case.risk_types is not None else None,
        }
    recorded["measures"] = len(measures) if measures is not None else None
    return {"row": row, "household_id": record.household_id, "region_code": record.region_code, "people": len(record.members),
            "household_type": record.household_type.value if record.household_type is not None else None,
            "recorded": recorded, "as_of": as_of, "jurisdiction": jurisdiction}


def household_row(row: int, record: Household, a: Assessment, *, detail: str, citations: str) -> dict[str, Any] | bytes:
    """The household row: a dict (compact), or the JSON bytes with the full assessment embedded verbatim."""
    out = _context(row, record, a.as_of, a.jurisdiction)
    out["pack_version"] = a.rule_pack.version
    if detail == "full":
        head = dumps(out)
        return head[:-1] + b',"assessment":' + a.model_dump_json().encode() + b"}"
    risk = sorted({r for f in a.flags if str(f.kind) == "monitoring_object" for r in f.risk_types})
    out["category"] = a.category
    out["risk_types"] = risk
    out["flags"] = [_flag(f, a.rule_pack.version, citations) for f in a.flags]
    out["undecided"] = [u.rule_id for u in a.undecided]
    return out


def flag_rows(row: int, record: Household, a: Assessment, *, detail: str, citations: str) -> list[dict[str, Any]]:
    out = []
    for f in a.flags:
        d: dict[str, Any] = {"row": row, "household_id": record.household_id, "region_code": record.region_code,
                             "as_of": a.as_of, "jurisdiction": a.jurisdiction, "pack_version": a.rule_pack.version}
        d.update(_flag(f, a.rule_pack.version, citations))
        if detail == "full":
            d["explanation_zh"] = f.explanation_zh
            d["explanation_en"] = f.explanation_en
            d["facts"] = [x.model_dump(mode="json") for x in f.facts]
            d["parameters"] = [x.model_dump(mode="json") for x in f.parameters]
        out.append(d)
    return out


HOUSEHOLD_COLUMNS = ["row", "household_id", "region_code", "people", "household_type", "recorded_category", "clue_found_on",
                     "identified_on", "eliminated_on", "green_channel", "recorded_risk_types", "measures", "as_of", "jurisdiction",
                     "pack_version", "category", "risk_types", "breaches", "warnings", "flags", "undecided", "assessment"]
FLAG_COLUMNS = ["row", "household_id", "region_code", "as_of", "jurisdiction", "pack_version", "kind", "rule_id", "severity",
                "status", "due", "days_overdue", "conclusion", "risk_types", "citation", "explanation_zh", "explanation_en"]


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def flat_household(row: dict[str, Any] | bytes) -> dict[str, Any]:
    """A household row as flat columns (CSV, Parquet): lists as lists, flags as JSON text."""
    if isinstance(row, bytes):
        d = json.loads(row)
        a = d.pop("assessment")
        flags = [{"kind": f["kind"], "rule_id": f["rule_id"], "severity": severity_of(f["kind"], f.get("severity"), f["conclusion"]),
                  "conclusion": f["conclusion"]} for f in a["flags"]]
        category = next((f["conclusion"].get("category") for f in a["flags"] if f["kind"] == "monitoring_object"), None)
        risk = sorted({r for f in a["flags"] if f["kind"] == "monitoring_object" for r in f.get("risk_types", [])})
        undecided = [u["rule_id"] for u in a["undecided"]]
        assessment = json.dumps(a, ensure_ascii=False, separators=(",", ":"))
    else:
        d = row
        flags, category, risk, undecided, assessment = d["flags"], d["category"], d["risk_types"], d["undecided"], None
    rec = d["recorded"]
    return {
        "row": d["row"], "household_id": d["household_id"], "region_code": d["region_code"], "people": d["people"],
        "household_type": d["household_type"], "recorded_category": rec.get("category"), "clue_found_on": _iso(rec.get("clue_found_on")),
        "identified_on": _iso(rec.get("identified_on")), "eliminated_on": _iso(rec.get("eliminated_on")),
        "green_channel": rec.get("green_channel"), "recorded_risk_types": rec.get("risk_types"), "measures": rec.get("measures"),
        "as_of": _iso(d["as_of"]), "jurisdiction": d["jurisdiction"], "pack_version": d["pack_version"], "category": category,
        "risk_types": risk, "breaches": sum(1 for f in flags if f.get("severity") == "breach"),
        "warnings": sum(1 for f in flags if f.get("severity") == "warning"),
        "flags": dumps(flags).decode(), "undecided": undecided, "assessment": assessment,
    }


def flat_flag(d: dict[str, Any]) -> dict[str, Any]:
    c = d["conclusion"]
    cite = d.get("citation")
    return {
        "row": d["row"], "household_id": d["household_id"], "region_code": d["region_code"], "as_of": _iso(d["as_of"]),
        "jurisdiction": d["jurisdiction"], "pack_version": d["pack_version"], "kind": d["kind"], "rule_id": d["rule_id"],
        "severity": d.get("severity"), "status": c.get("status"), "due": c.get("due"), "days_overdue": c.get("days_overdue"),
        "conclusion": dumps(c).decode(), "risk_types": d.get("risk_types", []),
        "citation": dumps(cite).decode() if cite is not None else f"{d['rule_id']}@{d['pack_version']}",
        "explanation_zh": d.get("explanation_zh"), "explanation_en": d.get("explanation_en"),
    }
