"""The rule catalogue beside a screening's output (规则目录): every rule of the pack with its
kind, titles and full citation, so that output rows can name a rule by id and pack version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..pack.pack import RulePack

__all__ = ["catalogue", "catalogue_path"]


def catalogue_path(out: str | Path) -> Path:
    p = Path(out)
    return p.with_suffix(".catalogue.json") if p.suffix else p.with_name(p.name + ".catalogue.json")


def catalogue(pack: RulePack, run: dict[str, Any]) -> dict[str, Any]:
    rules = {}
    for rule in sorted(pack.rules, key=lambda r: r.id):
        entry: dict[str, Any] = {"kind": str(rule.kind), "title_zh": rule.title_zh, "title_en": rule.title_en}
        severity = getattr(rule, "severity", None)
        if severity is not None:
            entry["severity"] = str(severity)
        if rule.risk_type:
            entry["risk_type"] = rule.risk_type
        entry["citation"] = rule.source.model_dump(exclude_none=True)
        rules[rule.id] = entry
    return {"pack": {"name": pack.name, "version": pack.version}, "run": run, "rules": rules}
