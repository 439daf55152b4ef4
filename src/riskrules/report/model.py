"""The county report's figures (县级监测报告), read from a screening's results.

Definitions (docs/report.md):

- **identified** (已识别): the household's case records an identification (``identified_on``)
  on or before the as-of date; counted by the *recorded* category. This is the seed article's
  "1.4万户 / 2.9万人".
- **assessed as monitoring objects** (评估应纳入): the rules conclude a category on the as-of date;
  **not yet identified** (应纳未纳) are those of them without a recorded identification.
- **measures** (帮扶措施): the assistance measures recorded for identified households, and per
  identified household (the seed's 34,675 and 2.42).
- **eliminated** (风险消除): identified households whose case records risk elimination on or
  before the as-of date (the seed's 1.06万户 / 2.17万人).
- **breaches / warnings**: flags by severity (``flag.severity`` when the pack gives one; for a
  pack without severities, a deadline flag's status: breached or completed late is a breach,
  due soon a warning). The **overdue list** is every flag still open past its due date
  (status ``breached``), longest overdue first.
- **alerts awaiting home checks** (待入户核实的预警): flags of kind ``risk_alert``.
- **townships and villages** come from the region code: 9 and 12 digits (GB/T 2260).
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ..assessment import Severity
from ..record.codes import MonitoringCategory, RiskType
from ..screening.catalogue import catalogue_path
from ..screening.rows import severity_of

__all__ = ["CATEGORIES", "SEVERITY", "CountyReport", "ReportError", "build_report", "load_places", "read_results"]

CATEGORIES = [m.value for m in MonitoringCategory]
CATEGORY_ZH = {m.value: m.label_zh for m in MonitoringCategory}
RISK_ZH = {m.value: m.label_zh for m in RiskType}
ALERT_KIND = "risk_alert"
# Column heads by severity, from the assessment's own titles: 警示, not 预警, which names the alerts.
SEVERITY = {s.value: f"{s.title_zh} {s.title_en.split(':')[0]}" for s in Severity}


class ReportError(ValueError):
    pass


@dataclass
class Place:
    code: str
    households: int = 0
    people: int = 0
    identified: Counter[str] = field(default_factory=Counter)
    assessed: Counter[str] = field(default_factory=Counter)
    not_identified: int = 0
    eliminated: int = 0
    breaches: int = 0
    warnings: int = 0
    alerts: int = 0


@dataclass
class Overdue:
    household_id: str
    region_code: str
    rule_id: str
    due: str | None
    days_overdue: int | None
    row: int | None


@dataclass
class CountyReport:
    as_of: str | None = None
    pack_version: str | None = None
    source: str | None = None
    households: int = 0
    people: int = 0
    rejected: int | None = None
    identified_h: Counter[str] = field(default_factory=Counter)
    identified_p: Counter[str] = field(default_factory=Counter)
    assessed_h: Counter[str] = field(default_factory=Counter)
    assessed_p: Counter[str] = field(default_factory=Counter)
    not_identified_h: Counter[str] = field(default_factory=Counter)
    measures: int = 0
    identified_with_measures_unknown: int = 0
    eliminated_h: int = 0
    eliminated_p: int = 0
    eligible_for_elimination: int = 0
    blocked: Counter[str] = field(default_factory=Counter)
    by_rule: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_kind: Counter[str] = field(default_factory=Counter)
    overdue: list[Overdue] = field(default_factory=list)
    months: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    risk_assessed: Counter[str] = field(default_factory=Counter)
    risk_recorded: Counter[str] = field(default_factory=Counter)
    alerts: list[Overdue] = field(default_factory=list)
    towns: dict[str, Place] = field(default_factory=dict)
    villages: dict[str, Place] = field(default_factory=dict)
    titles: dict[str, tuple[str, str]] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)

    # -- the seed's figures ---------------------------------------------------------------
    @property
    def identified_households(self) -> int:
        return sum(self.identified_h.values())

    @property
    def identified_people(self) -> int:
        return sum(self.identified_p.values())

    @property
    def measures_per_household(self) -> Decimal:
        n = self.identified_households
        return (Decimal(self.measures) / n).quantize(Decimal("0.01"), ROUND_HALF_UP) if n else Decimal("0.00")

    def title(self, rule_id: str, lang: str = "zh") -> str:
        t = self.titles.get(rule_id)
        return (t[0] if lang == "zh" else t[1]) if t else rule_id

    def place_name(self, code: str) -> str:
        return self.places.get(code, "")

    # -- tables (title, headers, rows), shared by the terminal, Excel and HTML ---------------
    def tables(self) -> list[tuple[str, str, list[str], list[list[Any]]]]:
        """(key, title, headers, rows) for every table of the report."""
        out: list[tuple[str, str, list[str], list[list[Any]]]] = []
        cats = CATEGORIES
        rows = []
        for c in cats:
            rows.append([f"{CATEGORY_ZH[c]} {c}", self.identified_h[c], self.identified_p[c], self.assessed_h[c], self.assessed_p[c],
                         self.not_identified_h[c]])
        rows.append(["合计 total", self.identified_households, self.identified_people, sum(self.assessed_h.values()),
                     sum(self.assessed_p.values()), sum(self.not_identified_h.values())])
        out.append(("monitoring", "监测对象 / monitoring objects",
                    ["类别 category", "已识别户 identified hh", "已识别人 people", "评估应纳入户 assessed hh", "人 people",
                     "应纳未纳户 not yet identified"], rows))
        out.append(("headline", "主要指标 / headline figures (as the seed article reports them)",
                    ["指标 measure", "数值 value"], [
                        ["评估农户 households assessed", self.households],
                        ["评估人口 people", self.people],
                        ["被拒绝的行 rows rejected", "" if self.rejected is None else self.rejected],
                        ["已识别监测对象户 identified households", self.identified_households],
                        ["已识别监测对象人 identified people", self.identified_people],
                        ["帮扶措施 assistance measures", self.measures],
                        ["户均帮扶措施 measures per identified household", str(self.measures_per_household)],
                        ["已消除风险户 households with risk eliminated", self.eliminated_h],
                        ["已消除风险人 people with risk eliminated", self.eliminated_p],
                        ["可标注风险消除户 eligible for elimination now", self.eligible_for_elimination],
                        [SEVERITY["breach"], sum(v["breach"] for v in self.by_rule.values())],
                        [SEVERITY["warning"], sum(v["warning"] for v in self.by_rule.values())],
                        [SEVERITY["notice"], sum(v["notice"] for v in self.by_rule.values())],
                        ["待入户核实的预警 alerts awaiting home checks", len(self.alerts)],
                    ]))
        for key, title, table in (("townships", "乡镇 / townships", self.towns), ("villages", "村 / villages", self.villages)):
            rows = []
            for code in sorted(table):
                p = table[code]
                rows.append([code, self.place_name(code), p.households, p.people, sum(p.identified.values()),
                             *(p.assessed[c] for c in cats), p.not_identified, p.eliminated, p.breaches, p.warnings, p.alerts])
            out.append((key, title, ["代码 code", "名称 name", "户 hh", "人 people", "已识别 identified",
                                     *(f"{CATEGORY_ZH[c]}" for c in cats), "应纳未纳 not identified", "已消除 eliminated",
                                     SEVERITY["breach"], SEVERITY["warning"], "待核实预警 alerts"], rows))
        rows = []
        for rule_id in sorted(self.by_rule, key=lambda r: (-sum(self.by_rule[r].values()), r)):
            c = self.by_rule[rule_id]
            rows.append([rule_id, self.title(rule_id), c["breach"], c["warning"], c["notice"]])
        out.append(("deadlines", "按规则与严重程度 / flags by rule and severity",
                    ["规则 rule", "名称 title", SEVERITY["breach"], SEVERITY["warning"], SEVERITY["notice"]], rows))
        rows = [[o.household_id, o.region_code, self.place_name(o.region_code), o.rule_id, self.title(o.rule_id), o.due,
                 o.days_overdue, o.row] for o in self.overdue]
        out.append(("overdue", "逾期清单 / overdue list (longest first)",
                    ["户编号 household", "区划 region", "村 village", "规则 rule", "名称 title", "应完成 due", "逾期天数 days overdue",
                     "输入行 row"], rows))
        rows = [[m, self.months[m]["breach"], self.months[m]["warning"]] for m in sorted(self.months)]
        out.append(("months", "违规与警示按到期月份 / breaches and warnings by month due", ["月份 month", SEVERITY["breach"], SEVERITY["warning"]], rows))
        risks = sorted(set(self.risk_assessed) | set(self.risk_recorded), key=lambda r: (-self.risk_assessed[r], r))
        rows = [[f"{RISK_ZH.get(r, r)} {r}", self.risk_assessed[r], self.risk_recorded[r]] for r in risks]
        out.append(("risks", "风险类型 / risk types",
                    ["风险类型 risk type", "评估（户） assessed hh", "记录（已识别户） recorded hh"], rows))
        rows = [[o.household_id, o.region_code, self.place_name(o.region_code), o.rule_id, self.title(o.rule_id), o.row]
                for o in self.alerts]
        out.append(("alerts", "待入户核实的预警 / alerts awaiting home checks",
                    ["户编号 household", "区划 region", "村 village", "规则 rule", "名称 title", "输入行 row"], rows))
        rows = [[k, v] for k, v in sorted(self.by_kind.items(), key=lambda kv: -kv[1])]
        rows += [[f"elimination blocked: {k}", v] for k, v in sorted(self.blocked.items(), key=lambda kv: -kv[1])]
        out.append(("flags", "标记 / flags by kind", ["类型 kind", "数量 count"], rows))
        return sorted(out, key=lambda t: t[0] != "headline")  # the headline figures first


def _date(v: Any) -> str | None:
    return None if v in (None, "") else str(v)[:10]


def _jsonish(v: Any) -> Any:
    if isinstance(v, str) and v and v[0] in "[{":
        return json.loads(v)
    return v


def _normal(d: dict[str, Any]) -> dict[str, Any]:
    """One household row, from JSON Lines (compact or full) or from flat CSV/Parquet columns."""
    if "recorded" in d:
        rec = d["recorded"] or {}
        if "assessment" in d:
            a = d["assessment"]
            flags = a["flags"]
            category = next((f["conclusion"].get("category") for f in flags if f["kind"] == "monitoring_object"), None)
            risks = sorted({r for f in flags if f["kind"] == "monitoring_object" for r in f.get("risk_types", [])})
        else:
            flags, category, risks = d["flags"], d["category"], d["risk_types"]
    else:  # flat
        if "category" not in d or "flags" not in d:
            raise ReportError("these are not household rows of a screening (run riskrules assess with --rows household)")
        rec = {"category": d.get("recorded_category") or None, "identified_on": d.get("identified_on"),
               "eliminated_on": d.get("eliminated_on"), "measures": d.get("measures"),
               "risk_types": _jsonish(d.get("recorded_risk_types"))}
        flags = _jsonish(d.get("flags")) or []
        category, risks = d.get("category") or None, _jsonish(d.get("risk_types")) or []
        if isinstance(risks, str):
            risks = [x for x in risks.split("、") if x]
        if isinstance(rec["risk_types"], str):
            rec["risk_types"] = [x for x in rec["risk_types"].split("、") if x]
    if "flags" not in d and "assessment" not in d and "category" not in d:
        raise ReportError("these are not household rows of a screening")
    people = d.get("people")
    measures = rec.get("measures")
    return {"row": _int(d.get("row")), "household_id": str(d.get("household_id")), "region_code": str(d.get("region_code") or ""),
            "people": _int(people) or 0, "as_of": _date(d.get("as_of")), "pack_version": d.get("pack_version"),
            "recorded_category": rec.get("category") or None, "identified_on": _date(rec.get("identified_on")),
            "eliminated_on": _date(rec.get("eliminated_on")), "measures": _int(measures),
            "recorded_risk_types": rec.get("risk_types") or [], "category": category, "risk_types": risks or [], "flags": flags}


def _int(v: Any) -> int | None:
    if v in (None, ""):
        return None
    return int(v)


def read_results(path: str | Path) -> Iterator[dict[str, Any]]:
    """Household rows of a screening's results (.jsonl, .csv or .parquet), normalised."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        with open(p, "rb") as f:
            for line in f:
                if line.strip():
                    yield _normal(json.loads(line))
    elif suffix == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as f:
            for d in csv.DictReader(f):
                yield _normal(d)
    elif suffix in (".parquet", ".pq"):
        from ..io.tables import need

        pq = need("pyarrow.parquet", "parquet")
        for batch in pq.ParquetFile(str(p)).iter_batches(batch_size=8192):
            for d in batch.to_pylist():
                yield _normal(d)
    else:
        raise ReportError(f"cannot read results from {p}: .jsonl, .csv or .parquet")


def load_places(path: str | Path | None) -> dict[str, str]:
    if path is None:
        return {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(f) if row.get("code")}


def _month(d: str | None) -> str | None:
    return d[:7] if d and len(d) >= 7 else None


def build_report(results: str | Path, *, catalogue: str | Path | None = None, places: dict[str, str] | None = None,
                 overdue_limit: int = 1_048_575) -> CountyReport:
    """Read the results once, in constant memory but for the overdue and alert lists."""
    r = CountyReport(places=places or {})
    cat_path = Path(catalogue) if catalogue else catalogue_path(results)
    if cat_path.is_file():
        cat = json.loads(cat_path.read_text(encoding="utf-8"))
        r.titles = {k: (v.get("title_zh", k), v.get("title_en", k)) for k, v in cat.get("rules", {}).items()}
        r.pack_version = cat.get("pack", {}).get("version")
        run = cat.get("run", {})
        r.source = run.get("input")
        counts = run.get("counts") or {}
        r.rejected = counts.get("rejected")
    else:
        try:
            from ..pack.pack import load_rules

            pack = load_rules()
            r.titles = {rule.id: (rule.title_zh, rule.title_en) for rule in pack.rules}
        except Exception:  # noqa: BLE001 -- titles are a courtesy
            pass
    for h in read_results(results):
        _add(r, h, overdue_limit)
    r.overdue.sort(key=lambda o: (-(o.days_overdue or 0), o.household_id, o.rule_id))
    return r


def _place(table: dict[str, Place], code: str) -> Place:
    p = table.get(code)
    if p is None:
        p = table[code] = Place(code)
    return p


def _add(r: CountyReport, h: dict[str, Any], overdue_limit: int) -> None:
    if r.as_of is None:
        r.as_of = h["as_of"]
    if r.pack_version is None:
        r.pack_version = h.get("pack_version")
    as_of = h["as_of"] or "9999-12-31"
    size = h["people"]
    code = h["region_code"]
    town = _place(r.towns, code[:9]) if len(code) >= 9 else _place(r.towns, code)
    village = _place(r.villages, code) if len(code) == 12 else None
    places = [p for p in (town, village) if p is not None]
    r.households += 1
    r.people += size
    for p in places:
        p.households += 1
        p.people += size
    identified = h["identified_on"] is not None and h["identified_on"] <= as_of
    rc = h["recorded_category"] or "unrecorded"
    if identified:
        r.identified_h[rc] += 1
        r.identified_p[rc] += size
        for p in places:
            p.identified[rc] += 1
        if h["measures"] is None:
            r.identified_with_measures_unknown += 1
        else:
            r.measures += h["measures"]
        for risk in h["recorded_risk_types"] or []:
            r.risk_recorded[risk] += 1
        if h["eliminated_on"] is not None and h["eliminated_on"] <= as_of:
            r.eliminated_h += 1
            r.eliminated_p += size
            for p in places:
                p.eliminated += 1
    cat = h["category"]
    if cat:
        r.assessed_h[cat] += 1
        r.assessed_p[cat] += size
        for p in places:
            p.assessed[cat] += 1
        if not identified:
            r.not_identified_h[cat] += 1
            for p in places:
                p.not_identified += 1
        for risk in h["risk_types"]:
            r.risk_assessed[risk] += 1
    for f in h["flags"]:
        kind, rule_id, conclusion = f["kind"], f["rule_id"], f.get("conclusion") or {}
        r.by_kind[kind] += 1
        if kind == "risk_elimination" and conclusion.get("status") == "eligible":
            r.eligible_for_elimination += 1
        if kind == "risk_elimination" and conclusion.get("status") == "blocked":
            r.blocked[str(conclusion.get("criterion"))] += 1
        sev = severity_of(kind, f.get("severity"), conclusion)
        if kind == ALERT_KIND:
            if len(r.alerts) < overdue_limit:
                r.alerts.append(Overdue(h["household_id"], code, rule_id, conclusion.get("due"), None, h["row"]))
            for p in places:
                p.alerts += 1
        if sev in ("breach", "warning"):
            r.by_rule[rule_id][sev] += 1
            month = _month(conclusion.get("due"))  # flags without a due date are counted, not charted
            if month:
                r.months[month][sev] += 1
            for p in places:
                if sev == "breach":
                    p.breaches += 1
                else:
                    p.warnings += 1
        elif kind in ("deadline_breach", ALERT_KIND) or sev is not None:
            r.by_rule[rule_id]["notice"] += 1
        if conclusion.get("status") == "breached" and len(r.overdue) < overdue_limit:
            days = conclusion.get("days_overdue")
            r.overdue.append(Overdue(h["household_id"], code, rule_id, conclusion.get("due"),
                                     int(days) if days is not None else None, h["row"]))


_ = date
