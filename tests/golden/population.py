"""A frozen, seeded population of varied households for the byte-identity test.

Not a product generator: it must never change, because ``digests.txt`` holds the SHA-256 of the
assessment JSON each household gave when the digests were written. It spreads households over
every path the bundled pack has (types, incomes around the range, falls, rigid spending, every
guarantee and water failure, shocks, cases at every stage, measures), three jurisdictions and
as-of dates from 2021 to 2026.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Iterator

REGIONS = ("620522", "230102", "460105", "230128", "620522001001")
SHOCKS = ("natural_disaster", "accident", "serious_illness", "public_health_event", "business_failure", "job_loss")
MEASURES = ("industry", "employment", "finance", "public_welfare_job", "health", "compulsory_education",
            "other_education", "comprehensive_security", "housing_safety", "drinking_water_safety", "social",
            "relocation", "living_conditions", "infrastructure")
LABOUR = ("skilled", "ordinary", "weak", "lost", "none")
HEALTH = ("healthy", "chronic_illness", "serious_illness", "disabled")
SEED = 20261129


def _day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low * 100, high * 100) / 100:.2f}"


def _maybe(rng: random.Random, p: float, value: Any) -> Any:
    return value if rng.random() < p else None


def _member(rng: random.Random, hid: str, i: int, as_of: date) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.25:
        born = _day(rng, as_of - timedelta(days=365 * 17), as_of - timedelta(days=365 * 4))
    elif kind < 0.8:
        born = _day(rng, date(1955, 1, 1), as_of - timedelta(days=365 * 18))
    else:
        born = _day(rng, date(1930, 1, 1), date(1960, 1, 1))
    health = rng.choice(HEALTH)
    m: dict[str, Any] = {
        "member_id": f"{hid}-{i:02d}",
        "birth_date": _maybe(rng, 0.95, born.isoformat()),
        "relation": "head" if i == 1 else rng.choice(("spouse", "child", "parent", "grandchild", "other")),
        "labour_capacity": _maybe(rng, 0.92, rng.choice(LABOUR)),
        "health": _maybe(rng, 0.93, health),
        "basic_medical_insurance": _maybe(rng, 0.92, rng.random() < 0.93),
        "willing_to_work": _maybe(rng, 0.8, rng.random() < 0.7),
    }
    if health == "disabled" and rng.random() < 0.7:
        m["disability_grade"] = rng.randint(1, 4)
    if kind < 0.25:
        m["in_school"] = _maybe(rng, 0.9, rng.random() < 0.85)
        if rng.random() < 0.08:
            m["education_exemption"] = rng.choice(("home_teaching", "health_deferral", "health_exemption"))
    if rng.random() < 0.3:
        m["months_worked_away"] = rng.randint(0, 12)
    return m


def _window(rng: random.Random, start: date, per_capita_target: int, size: int) -> dict[str, Any]:
    end = date(start.year + 1, start.month, 1) - timedelta(days=1) if rng.random() < 0.9 else start + timedelta(days=rng.randint(200, 500))
    net = per_capita_target * size
    wage = rng.randint(0, max(0, net))
    transfer = rng.randint(0, max(0, net - wage))
    costs = rng.randint(0, 3000)
    business = net - wage - transfer + costs
    w: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat(), "wage": f"{wage}.00",
                         "business": f"{business}.00", "property": _maybe(rng, 0.97, f"{rng.randint(0, 50)}.00"),
                         "transfer": f"{transfer}.00", "production_costs": f"{costs}.00"}
    if w["property"] is not None:
        w["business"] = f"{business - int(w['property'][:-3])}.00" if business >= int(w["property"][:-3]) else w["business"]
    return w


def household(rng: random.Random, n: int) -> tuple[dict[str, Any], date]:
    as_of = _day(rng, date(2021, 3, 1), date(2026, 11, 29))
    region = rng.choice(REGIONS)
    hid = f"G{n:05d}"
    size = rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))
    members = [_member(rng, hid, i + 1, as_of) for i in range(size)]
    band = rng.random()
    if band < 0.35:
        pc = rng.randint(2000, 5999)
    elif band < 0.45:
        pc = rng.choice((5999, 6000, 6001))
    else:
        pc = rng.randint(6001, 30000)
    start = date(as_of.year - 1, as_of.month, 1)
    h: dict[str, Any] = {
        "household_id": hid,
        "region_code": region,
        "household_type": _maybe(rng, 0.95, rng.choice(("poverty_alleviated", "ordinary"))),
        "relocation_site": _maybe(rng, 0.9, rng.random() < 0.1),
        "members": members,
        "income": _maybe(rng, 0.93, _window(rng, start, pc, size)),
        "housing_grade": _maybe(rng, 0.93, rng.choice(("A", "A", "A", "B", "B", "C", "D", "no_house"))),
    }
    if h["income"] is not None and rng.random() < 0.8:
        prev_pc = pc + rng.choice((0, rng.randint(0, 6000), rng.randint(-2000, 0)))
        pstart = date(start.year - 1, start.month, 1)
        prev = _window(rng, pstart, max(0, prev_pc), size)
        prev["end"] = (start - timedelta(days=1)).isoformat()
        h["previous_income"] = prev
    if rng.random() < 0.9:
        h["rigid_expenditures"] = [
            {"kind": rng.choice(("medical", "education", "disability", "disaster", "accident", "other")),
             "out_of_pocket": _money(rng, 0, 40000),
             "spent_on": _maybe(rng, 0.85, _day(rng, as_of - timedelta(days=500), as_of).isoformat())}
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))]
    if rng.random() < 0.9:
        piped = rng.random() < 0.7
        h["drinking_water"] = {
            "litres_per_person_day": _maybe(rng, 0.95, rng.choice(("60.0", "35.0", "34.9", "20.0", "19.9", "45.5", "10"))),
            "piped_to_home": _maybe(rng, 0.95, piped),
            "fetch_minutes": _maybe(rng, 0.9, 0 if piped else rng.choice((5, 20, 21, 40))),
            "horizontal_distance_m": _maybe(rng, 0.9, 0 if piped else rng.choice((100, 800, 801, 2000))),
            "vertical_distance_m": _maybe(rng, 0.9, 0 if piped else rng.choice((10, 80, 81, 200))),
            "days_cut_off": _maybe(rng, 0.93, rng.choice((0, 3, 36, 37, 60))),
            "quality_checked": _maybe(rng, 0.9, rng.random() < 0.9),
            "quality_acceptable": _maybe(rng, 0.93, rng.random() < 0.92),
            "water_scarce_area": _maybe(rng, 0.9, rng.random() < 0.15),
        }
    if rng.random() < 0.9:
        h["shocks"] = [
            {"kind": rng.choice(SHOCKS),
             "occurred_on": _maybe(rng, 0.9, _day(rng, as_of - timedelta(days=700), as_of).isoformat()),
             "loss": _maybe(rng, 0.6, _money(rng, 0, 80000)),
             "facts_verified": _maybe(rng, 0.85, rng.random() < 0.7),
             "basic_living_severely_affected": _maybe(rng, 0.85, rng.random() < 0.5)}
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
    stage = rng.random()
    if stage > 0.3:
        clue = _day(rng, max(date(2021, 1, 2), as_of - timedelta(days=900)), as_of)
        case: dict[str, Any] = {"clue_found_on": _maybe(rng, 0.95, clue.isoformat()),
                                "discovery_channel": rng.choice(("self_declaration", "cadre_screening", "department_alert",
                                                                  "key_object_tracking", "data_comparison"))}
        if stage > 0.45 and case["clue_found_on"] is not None:
            ps = _day(rng, clue, min(as_of, clue + timedelta(days=8)))
            pe = _day(rng, ps, min(as_of, ps + timedelta(days=8)))
            if rng.random() < 0.85:
                case["publicity_start"], case["publicity_end"] = ps.isoformat(), pe.isoformat()
            ident = _day(rng, pe, min(as_of, pe + timedelta(days=rng.choice((3, 10, 25)))))
            case["identified_on"] = ident.isoformat()
            case["category"] = _maybe(rng, 0.8, rng.choice(("unstable_out_of_poverty", "marginal_prone", "sudden_severe_difficulty")))
            case["green_channel"] = _maybe(rng, 0.9, rng.random() < 0.1)
            if rng.random() < 0.4:
                case["assistance_started_on"] = _day(rng, clue, as_of).isoformat()
            case["concentrated_checks"] = sorted({_day(rng, ident, as_of).isoformat() for _ in range(rng.choice((0, 1, 2)))})
            if rng.random() < 0.5:
                case["income_above_range_since"] = _day(rng, ident, as_of).isoformat()
            if stage > 0.8:
                elim = _day(rng, ident, as_of)
                case["eliminated_on"] = elim.isoformat()
                case["elimination_method"] = _maybe(rng, 0.8, rng.choice(("assisted", "natural")))
        h["monitoring_case"] = case
        if rng.random() < 0.9:
            h["assistance_measures"] = []
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                st = _maybe(rng, 0.93, _day(rng, clue, as_of + timedelta(days=30)).isoformat())
                m: dict[str, Any] = {"kind": rng.choice(MEASURES), "started_on": st}
                if st is not None and rng.random() < 0.2:
                    m["ended_on"] = _day(rng, date.fromisoformat(st), date.fromisoformat(st) + timedelta(days=400)).isoformat()
                h["assistance_measures"].append(m)
    elif rng.random() < 0.5:
        h["assistance_measures"] = []
    return _drop_nones(h), as_of


def _drop_nones(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nones(v) for v in value]
    return value


def population(count: int = 3000, seed: int = SEED) -> Iterator[tuple[dict[str, Any], date]]:
    rng = random.Random(seed)
    for n in range(count):
        yield household(rng, n)
