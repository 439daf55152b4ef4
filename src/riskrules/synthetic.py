"""A synthetic county (模拟县): seeded, realistic households for demos, tests and benchmarks.

Nothing here describes real people. The county is 方正县-like (region 230124, Heilongjiang, so
the province's parameters apply), with invented township and village names. Shares are chosen
to look like a county screening in mid-2022: about 30 % 脱贫户, members of every age with
labour capacity, illness and disability, some disasters and accidents, income below or near the
monitoring range for a few percent, and monitoring cases at every stage -- a clue not yet
identified (some overdue), village publicity (some too short), identified, assisted, eliminated
(naturally or with assistance), the green channel -- with assistance measures that mostly fit
their causes (about 2.4 a monitored household, as the seed article reports).

:func:`households` yields intake records (dicts, as JSON would give them). :func:`write_county`
writes them as JSON Lines, as a CSV export with Chinese headers (one row per member, household
columns repeated, dates like 2022/7/1, amounts like "1,689.87", 是/否), or as an Excel
workbook (sheets 农户 and 家庭成员, real date cells); ``bad_share`` of the rows are broken the
way exports break (a 13th month, a misplaced thousands separator, 是的, an unknown label, a
missing id), so that a screening has rejects to show.

The same seed gives the same county, byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from .io.mapping import bundled_mapping

__all__ = ["FORMATS", "County", "county", "households", "write_county", "write_places"]

FORMATS = ("jsonl", "csv", "xlsx")
AS_OF = date(2022, 7, 31)

_TOWN_NAMES = ["永建", "德善", "会发", "宝兴", "伊汉通", "松南", "天门", "大罗密", "庆丰", "新胜"]
_VILLAGE_WORDS = ["东", "西", "南", "北", "前", "后", "新", "兴", "永", "长", "富", "胜", "丰", "宏", "安", "和", "太平", "福",
                  "兴隆", "红旗", "光明", "团结", "保安", "德胜", "民主", "友谊", "双河", "柳树", "榆林", "杨木"]


@dataclass(frozen=True)
class County:
    code: str
    towns: list[tuple[str, str]]                 # (9-digit code, name)
    villages: list[tuple[str, str, int]]         # (12-digit code, name, weight)


def county(seed: int = 2022, code: str = "230124", towns: int = 8) -> County:
    rng = random.Random(f"county-{seed}-{code}")
    town_list = []
    villages = []
    used: set[str] = set()
    for t in range(towns):
        tcode = f"{code}{101 + t:03d}"
        tname = _TOWN_NAMES[t % len(_TOWN_NAMES)] + ("镇" if t % 3 else "乡")
        town_list.append((tcode, tname))
        for v in range(rng.randint(6, 12)):
            while True:
                name = rng.choice(_VILLAGE_WORDS) + rng.choice(_VILLAGE_WORDS) + "村"
                if name not in used:
                    used.add(name)
                    break
            villages.append((f"{tcode}{201 + v:03d}", name, rng.randint(60, 200)))
    return County(code, town_list, villages)


def _d(day: date) -> str:
    return day.isoformat()


def _money(value: float) -> str:
    return f"{max(0.0, value):.2f}"


_CUM: dict[tuple[float, ...], tuple[list[float], float]] = {}


def _weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    """``rng.choices(items, weights)[0]``, with the cumulative weights worked out once."""
    import bisect

    key = tuple(weights)
    cum = _CUM.get(key)
    if cum is None:
        acc, total = [], 0.0
        for w in weights:
            total += w
            acc.append(total)
        cum = _CUM[key] = (acc, total)
    return items[bisect.bisect_right(cum[0], rng.random() * cum[1])]


class _Gen:
    def __init__(self, seed: int, as_of: date, place: County):
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.place = place
        weights = [w for _, _, w in place.villages]
        self.village_codes = [c for c, _, _ in place.villages]
        self.cum = []
        total = 0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def village(self) -> str:
        import bisect

        return self.village_codes[bisect.bisect_right(self.cum, self.rng.random() * self.total)]

    def day_between(self, start: date, end: date) -> date:
        span = (end - start).days
        return start + timedelta(days=self.rng.randint(0, max(0, span)))

    def member(self, mid: str, relation: str, born: date) -> dict[str, Any]:
        r = self.rng
        age = (self.as_of - born).days // 365
        if age < 16:
            labour = "none"
        elif age >= 70:
            labour = _weighted(r, ["lost", "weak", "none"], [5, 3, 2])
        elif age >= 60:
            labour = _weighted(r, ["weak", "ordinary", "lost"], [5, 4, 1])
        else:
            labour = _weighted(r, ["ordinary", "skilled", "weak", "lost"], [70, 15, 10, 5])
        health = _weighted(r, ["healthy", "chronic_illness", "serious_illness", "disabled"], [84, 8, 3, 5])
        m: dict[str, Any] = {"member_id": mid, "birth_date": _d(born), "relation": relation, "labour_capacity": labour,
                             "health": health, "basic_medical_insurance": r.random() > 0.01}
        if health == "disabled":
            m["disability_grade"] = r.choice([1, 2, 3, 4])
            if m["disability_grade"] <= 2 and labour in ("ordinary", "skilled"):
                m["labour_capacity"] = "lost"
        if 6 <= age <= 15:
            m["in_school"] = r.random() > 0.004
        if 16 <= age < 60:
            m["willing_to_work"] = r.random() > 0.1
            m["months_worked_away"] = r.choice([0, 0, 0, 3, 6, 8, 10])
        return m

    def members(self) -> list[dict[str, Any]]:
        r = self.rng
        size = _weighted(r, [1, 2, 3, 4, 5, 6], [10, 30, 25, 20, 10, 5])
        head_born = date(r.randint(1945, 1992), r.randint(1, 12), r.randint(1, 28))
        out = [self.member("1", "head", head_born)]
        if size >= 2:
            out.append(self.member("2", "spouse", head_born + timedelta(days=r.randint(-1500, 1500))))
        n = 3
        for _ in range(size - 2):
            if head_born.year < 1965 and r.random() < 0.5:
                born = date(min(2021, head_born.year + r.randint(22, 35)), r.randint(1, 12), r.randint(1, 28))
                out.append(self.member(str(n), r.choice(["child", "child_in_law"]), born))
            elif head_born.year > 1975 and r.random() < 0.35:
                out.append(self.member(str(n), "parent", date(head_born.year - r.randint(22, 32), r.randint(1, 12), r.randint(1, 28))))
            else:
                born = date(min(2021, head_born.year + r.randint(20, 38)), r.randint(1, 12), r.randint(1, 28))
                out.append(self.member(str(n), "child" if born.year > head_born.year + 15 else "grandchild", born))
            n += 1
        return out

    def household(self, i: int) -> dict[str, Any]:
        r = self.rng
        as_of = self.as_of
        members = self.members()
        size = len(members)
        alleviated = r.random() < 0.30
        h: dict[str, Any] = {"household_id": f"F{self.place.code}{i:07d}", "region_code": self.village(),
                             "household_type": "poverty_alleviated" if alleviated else "ordinary",
                             "relocation_site": alleviated and r.random() < 0.05, "members": members}
        # income: per-capita net, lower for 脱贫户; a few fall sharply
        median = 9500 if alleviated else 15000
        per_capita = max(800.0, r.lognormvariate(0, 0.45) * median)
        start = date(as_of.year - 1, as_of.month, 1)
        end = date(as_of.year, as_of.month, 1) - timedelta(days=1)
        net = per_capita * size
        wage_share = r.uniform(0.3, 0.8)
        costs = net * r.uniform(0.0, 0.15)
        transfer = net * r.uniform(0.02, 0.2)
        wage = net * wage_share
        business = max(0.0, net + costs - wage - transfer)
        h["income"] = {"start": _d(start), "end": _d(end), "wage": _money(wage), "business": _money(business), "property": "0.00",
                       "transfer": _money(transfer), "production_costs": _money(costs)}
        prev = net * (r.uniform(1.5, 2.5) if r.random() < 0.03 else r.uniform(0.9, 1.1))
        pstart = date(start.year - 1, start.month, 1)
        h["previous_income"] = {"start": _d(pstart), "end": _d(start - timedelta(days=1)), "wage": _money(prev * 0.6),
                                "business": _money(prev * 0.4), "property": "0.00", "transfer": "0.00", "production_costs": "0.00"}
        ill = [m for m in members if m["health"] in ("serious_illness", "chronic_illness")]
        rigid = []
        if ill and r.random() < 0.6:
            rigid.append({"kind": "medical", "out_of_pocket": _money(r.lognormvariate(0, 0.8) * 6000),
                          "spent_on": _d(self.day_between(start, as_of - timedelta(days=1)))})
        if any(m.get("in_school") for m in members) and r.random() < 0.1:
            rigid.append({"kind": "education", "out_of_pocket": _money(r.uniform(2000, 12000)),
                          "spent_on": _d(self.day_between(start, as_of - timedelta(days=1)))})
        h["rigid_expenditures"] = rigid
        h["housing_grade"] = _weighted(r, ["A", "B", "C", "D"], [70, 28, 1.5, 0.5])
        safe = r.random() > 0.01
        h["drinking_water"] = {"litres_per_person_day": "60.0" if safe else "15.0", "piped_to_home": safe,
                               "fetch_minutes": 0 if safe else 25, "days_cut_off": 0 if safe else 40, "quality_checked": True,
                               "quality_acceptable": safe or r.random() < 0.5, "water_scarce_area": False}
        shocks = []
        if r.random() < 0.035:
            kind = _weighted(r, ["natural_disaster", "accident", "serious_illness", "job_loss"], [5, 2, 2, 1])
            shocks.append({"kind": kind, "occurred_on": _d(self.day_between(as_of - timedelta(days=300), as_of - timedelta(days=5))),
                           "loss": _money(r.uniform(3000, 60000)), "facts_verified": r.random() < 0.9,
                           "basic_living_severely_affected": r.random() < 0.4})
        h["shocks"] = shocks
        h["assistance_measures"] = []
        risky = (per_capita < 7500 or ill or shocks or any(m["labour_capacity"] in ("lost", "none") for m in members[:2]))
        if r.random() < (0.35 if risky else 0.03):
            self.case(h, bool(ill), bool(shocks))
        return h

    def case(self, h: dict[str, Any], ill: bool, shocked: bool) -> None:
        r = self.rng
        as_of = self.as_of
        stage = _weighted(r, ["clue", "publicity", "identified", "assisted", "eliminated", "green"], [5, 2, 6, 22, 60, 5])
        old = stage in ("assisted", "eliminated") and r.random() < 0.9
        clue = self.day_between(date(2020, 6, 1) if old else as_of - timedelta(days=200), as_of - timedelta(days=1))
        if stage == "clue":
            clue = self.day_between(as_of - timedelta(days=30), as_of - timedelta(days=1))
        category = "sudden_severe_difficulty" if shocked else (
            "unstable_out_of_poverty" if h["household_type"] == "poverty_alleviated" else "marginal_prone")
        risk_types = []
        if ill:
            risk_types.append("illness")
        if shocked:
            risk_types.append("natural_disaster" if h["shocks"][0]["kind"] == "natural_disaster" else "accident")
        if any(m.get("health") == "disabled" for m in h["members"]):
            risk_types.append("disability")
        if not any(m["labour_capacity"] in ("ordinary", "skilled", "weak") for m in h["members"]):
            risk_types.append("lack_of_labour")
        if not risk_types:
            risk_types.append(r.choice(["unstable_employment", "business_failure", "other"]))
        case: dict[str, Any] = {"clue_found_on": _d(clue), "discovery_channel": r.choice(
            ["self_declaration", "cadre_screening", "department_alert", "key_object_tracking", "data_comparison"])}
        h["monitoring_case"] = case
        if stage == "clue":
            return
        if stage == "green":
            case.update(green_channel=True, category=category, risk_types=risk_types)
            if r.random() < 0.85:
                case["assistance_started_on"] = _d(min(as_of, clue + timedelta(days=r.randint(1, 5))))
                self.measures(h, risk_types, clue + timedelta(days=2))
            return
        pub_start = clue + timedelta(days=r.randint(2, 6))
        pub_days = _weighted(r, [5, 6, 7, 3, 4], [50, 20, 15, 8, 7])
        pub_start = min(pub_start, as_of - timedelta(days=1))
        case["publicity_start"] = _d(pub_start)
        pub_end = pub_start + timedelta(days=pub_days)
        if pub_end > as_of:
            return
        case["publicity_end"] = _d(pub_end)
        if stage == "publicity":
            return
        late = r.random() < 0.08
        identified = pub_end + timedelta(days=r.randint(1, 3) + (r.randint(8, 30) if late else 0))
        if identified > as_of:
            return
        case["township_reviewed_on"] = _d(min(pub_end + timedelta(days=1), identified))
        case.update(identified_on=_d(identified), category=category, risk_types=risk_types, green_channel=False)
        if stage == "identified" and r.random() < 0.6:
            return
        first = identified + timedelta(days=r.randint(0, 12) if r.random() > 0.1 else r.randint(20, 60))
        if first > as_of:
            return
        self.measures(h, risk_types, first)
        case["assistance_started_on"] = _d(first)
        if (as_of - identified).days > 330:
            case["concentrated_checks"] = [_d(self.day_between(identified + timedelta(days=200), as_of))]
        if stage == "eliminated":
            earliest = identified + timedelta(days=r.randint(120, 400))
            if earliest <= as_of:
                case["eliminated_on"] = _d(earliest)
                case["elimination_method"] = "assisted" if r.random() < 0.8 else "natural"
                case["income_above_range_since"] = _d(max(identified, earliest - timedelta(days=r.randint(60, 200))))
                w = h["income"]
                w["wage"] = _money(float(w["wage"]) + 9000 * len(h["members"]))

    def measures(self, h: dict[str, Any], risk_types: list[str], start: date) -> None:
        r = self.rng
        kinds: list[str] = []
        capable = any(m["labour_capacity"] in ("ordinary", "skilled", "weak") and m.get("willing_to_work") for m in h["members"])
        if capable:
            kinds.append(r.choice(["industry", "employment", "employment", "public_welfare_job"]))
        else:
            kinds.append("comprehensive_security")
        if "illness" in risk_types:
            kinds.append("health")
        if any(m.get("in_school") is not None for m in h["members"]) and r.random() < 0.5:
            kinds.append(r.choice(["compulsory_education", "other_education"]))
        extra = _weighted(r, [0, 1, 2, 3], [15, 40, 30, 15])
        for _ in range(extra):
            kinds.append(r.choice(["finance", "industry", "social", "living_conditions", "employment", "health"]))
        if r.random() < 0.06:  # a gap for the assistance rules to find
            kinds = kinds[1:]
        seen = []
        for k in kinds:
            if k not in seen:
                seen.append(k)
        h["assistance_measures"] = [{"kind": k, "started_on": _d(min(self.as_of, start + timedelta(days=r.randint(0, 20))))}
                                    for k in seen[:5]]


def households(n: int, *, seed: int = 2022, as_of: date = AS_OF, place: County | None = None) -> Iterator[dict[str, Any]]:
    """``n`` synthetic households (intake records as dicts), the same for the same seed."""
    gen = _Gen(seed, as_of, place or county(seed))
    for i in range(1, n + 1):
        yield gen.household(i)


# -- writing -------------------------------------------------------------------------------------

_HOUSEHOLD_PATHS = [
    "household_id", "region_code", "household_type", "relocation_site", "housing_grade",
    "income.start", "income.end", "income.wage", "income.business", "income.property", "income.transfer", "income.production_costs",
    "previous_income.start", "previous_income.end", "previous_income.wage", "previous_income.business",
    "previous_income.property", "previous_income.transfer", "previous_income.production_costs",
    "rigid_expenditures", "rigid_expenditures[0].kind", "rigid_expenditures[0].out_of_pocket", "rigid_expenditures[0].spent_on",
    "rigid_expenditures[1].kind", "rigid_expenditures[1].out_of_pocket", "rigid_expenditures[1].spent_on",
    "drinking_water.litres_per_person_day", "drinking_water.piped_to_home", "drinking_water.fetch_minutes",
    "drinking_water.days_cut_off", "drinking_water.quality_checked", "drinking_water.quality_acceptable",
    "drinking_water.water_scarce_area",
    "shocks", "shocks[0].kind", "shocks[0].occurred_on", "shocks[0].loss", "shocks[0].facts_verified",
    "shocks[0].basic_living_severely_affected",
    "monitoring_case.clue_found_on", "monitoring_case.discovery_channel", "monitoring_case.publicity_start",
    "monitoring_case.publicity_end", "monitoring_case.township_reviewed_on", "monitoring_case.identified_on",
    "monitoring_case.category", "monitoring_case.risk_types", "monitoring_case.green_channel",
    "monitoring_case.assistance_started_on", "monitoring_case.eliminated_on", "monitoring_case.elimination_method",
    "monitoring_case.income_above_range_since", "monitoring_case.concentrated_checks",
    "assistance_measures",
] + [f"assistance_measures[{i}].{f}" for i in range(5) for f in ("kind", "started_on")]
_MEMBER_PATHS = ["members[].member_id", "members[].birth_date", "members[].relation", "members[].labour_capacity",
                 "members[].health", "members[].disability_grade", "members[].in_school", "members[].basic_medical_insurance",
                 "members[].months_worked_away", "members[].willing_to_work"]


def _headers() -> dict[str, str]:
    """Each record path to its first header in the bundled Chinese mapping."""
    out: dict[str, str] = {}
    for rule in bundled_mapping().columns.values():
        out.setdefault(rule.path, rule.header)
    return out


def _kinds(paths: list[str]) -> list[tuple[str, dict[str, str] | None]]:
    """Each path's value kind and, for codes, its code -> Chinese label table (worked out once)."""
    from .io.fields import field_of

    out: list[tuple[str, dict[str, str] | None]] = []
    for path in paths:
        if path in ("rigid_expenditures", "shocks", "assistance_measures"):
            out.append(("presence", None))
            continue
        spec = field_of(path)
        kind = spec.kind if spec else "text"
        table = {m.value: m.label_zh for m in spec.enum} if spec is not None and spec.enum is not None else None
        out.append((kind, table))
    return out


def _slash(value: str) -> str:
    y, m, d = value.split("-")
    return f"{int(y)}/{int(m)}/{int(d)}"


class _Text:
    """Cells as a county export writes them: 2022/7/1, "1,689.87", 是/否, Chinese labels."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def cell(self, kind: str, table: dict[str, str] | None, value: Any) -> str:
        if value is None:
            return ""
        if kind == "presence":
            return "有" if value else "无"
        if kind == "bool":
            return "是" if value else "否"
        if kind == "date":
            return _slash(value)
        if kind == "list:date":
            return "、".join(_slash(v) for v in value) if value else "无"
        if kind == "money":
            amount = Decimal(value)
            return f"{amount:,.2f}" if amount >= 1000 and self.rng.random() < 0.7 else value
        if table is not None:
            if isinstance(value, list):
                return "、".join(table.get(c, c) for c in value) if value else "无"
            return table.get(value, value)
        return str(value)


_BREAKERS = [
    ("members[].birth_date", "1980/13/45"),
    ("income.wage", "1,68,9.87"),
    ("members[].basic_medical_insurance", "是的"),
    ("household_type", "未知户"),
    ("monitoring_case.clue_found_on", "7/1/2022"),
    ("members[].member_id", ""),
    ("income.business", "一千二"),
]


def _table_rows(records: Iterator[dict[str, Any]], seed: int, bad_share: float) -> Iterator[tuple[list[str], list[list[str]]]]:
    """(household cells, [member cells]) per household, text as in a CSV export."""
    rng = random.Random(f"cells-{seed}")
    text = _Text(rng)
    hk = list(zip(_HOUSEHOLD_PATHS, _kinds(_HOUSEHOLD_PATHS)))
    mk = [(p.split(".", 1)[1], k) for p, k in zip(_MEMBER_PATHS, _kinds(_MEMBER_PATHS))]
    cell = text.cell
    for h in records:
        flat: dict[str, Any] = {}
        _flatten(h, "", flat)
        get = flat.get
        hh = [cell(kind, table, get(p)) for p, (kind, table) in hk]
        mem = [[cell(kind, table, m.get(f)) for f, (kind, table) in mk] for m in h["members"]]
        if bad_share and rng.random() < bad_share:
            path, bad = rng.choice(_BREAKERS)
            if path.startswith("members[]"):
                mem[rng.randrange(len(mem))][_MEMBER_PATHS.index(path)] = bad
            elif path in _HOUSEHOLD_PATHS:
                hh[_HOUSEHOLD_PATHS.index(path)] = bad
        yield hh, mem


def _bad_json(h: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    choice = rng.randrange(4)
    if choice == 0:
        h["region_code"] = "990102"
    elif choice == 1:
        h["members"][0]["birth_date"] = "1980-13-45"
    elif choice == 2:
        h["income"]["wage"] = "-100.00"
    else:
        h["household_type"] = "未知户"
    return h


def write_county(path: str | Path, n: int, *, seed: int = 2022, fmt: str | None = None, bad_share: float = 0.002,
                 as_of: date = AS_OF) -> Path:
    """Write ``n`` synthetic households to ``path`` (format from the suffix: .jsonl, .csv, .xlsx)."""
    p = Path(path)
    fmt = fmt or {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}.get(p.suffix.lower(), "")
    if fmt not in FORMATS:
        raise ValueError(f"cannot write {p}: name it .jsonl, .csv or .xlsx")
    place = county(seed)
    records = households(n, seed=seed, as_of=as_of, place=place)
    if fmt == "jsonl":
        rng = random.Random(f"bad-{seed}")
        with open(p, "w", encoding="utf-8", newline="\n") as f:
            for h in records:
                if bad_share and rng.random() < bad_share:
                    h = _bad_json(h, rng)
                f.write(orjson.dumps(h).decode())
                f.write("\n")
        return p
    heads = _headers()
    hh_heads = [heads[x] for x in _HOUSEHOLD_PATHS]
    mem_heads = [heads[x] for x in _MEMBER_PATHS]
    if fmt == "csv":
        with open(p, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow([hh_heads[0], "姓名"] + mem_heads + hh_heads[1:])
            for hh, mem in _table_rows(records, seed, bad_share):
                for i, m in enumerate(mem):
                    w.writerow([hh[0], f"成员{i + 1}"] + m + hh[1:])
        return p
    _write_xlsx(p, records, seed, bad_share, hh_heads, mem_heads)
    return p


def _write_xlsx(p: Path, records: Iterator[dict[str, Any]], seed: int, bad_share: float, hh_heads: list[str],
                mem_heads: list[str]) -> None:
    from .io.tables import need

    xlsxwriter = need("xlsxwriter", "excel")
    wb = xlsxwriter.Workbook(str(p), {"constant_memory": True, "strings_to_numbers": False})
    datefmt = wb.add_format({"num_format": "yyyy/m/d"})
    ws_h = wb.add_worksheet("农户")
    ws_m = wb.add_worksheet("家庭成员")
    ws_h.write_row(0, 0, hh_heads)
    ws_m.write_row(0, 0, [hh_heads[0]] + mem_heads)
    kinds_h = [k for k, _ in _kinds(_HOUSEHOLD_PATHS)]
    kinds_m = [k for k, _ in _kinds(_MEMBER_PATHS)]

    def put(ws: Any, r: int, c: int, kind: str, text: str) -> None:
        if text == "":
            return
        if kind == "date" and "/" in text:
            try:
                y, m, d = (int(x) for x in text.split("/"))
                ws.write_datetime(r, c, date(y, m, d), datefmt)
                return
            except ValueError:
                pass
        if kind == "money" and text.replace(".", "", 1).isdigit():
            ws.write_number(r, c, float(text))
            return
        if kind == "int" and text.isdigit():
            ws.write_number(r, c, int(text))
            return
        ws.write_string(r, c, text)

    rh = rm = 1
    # constant_memory writes rows in order, sheet by sheet: the members go through a temporary CSV.
    import tempfile

    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        w = csv.writer(spool)
        for hh, mem in _table_rows(records, seed, bad_share):
            for c, (kind, text) in enumerate(zip(kinds_h, hh)):
                put(ws_h, rh, c, kind, text)
            rh += 1
            for m in mem:
                w.writerow([hh[0]] + m)
        spool.seek(0)
        for row in csv.reader(spool):
            put(ws_m, rm, 0, "text", row[0])
            for c, (kind, text) in enumerate(zip(kinds_m, row[1:]), start=1):
                put(ws_m, rm, c, kind, text)
            rm += 1
    wb.close()


def write_places(path: str | Path, place: County | None = None, seed: int = 2022) -> Path:
    """The township and village names of the synthetic county, as CSV (code,name)."""
    place = place or county(seed)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "name"])
    w.writerow([place.code, "方正县（模拟）"])
    for code, name in place.towns:
        w.writerow([code, name])
    for code, name, _ in place.villages:
        w.writerow([code, name])
    Path(path).write_text(buf.getvalue(), encoding="utf-8")
    return Path(path)


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    """Every value of a record by its path (``income.wage``, ``assistance_measures[0].kind``);
    lists of items also under their own path."""
    for key, value in node.items():
        path = prefix + key
        if type(value) is dict:
            _flatten(value, path + ".", out)
        elif type(value) is list and value and type(value[0]) is dict:
            out[path] = value
            for i, item in enumerate(value):
                _flatten(item, f"{path}[{i}].", out)
        else:
            out[path] = value
