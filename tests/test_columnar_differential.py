"""The columnar back end against the plain-Python evaluator and durable-rules (差分测试), household
by household and rule by rule, undecided outcomes included.

Populations are drawn by hypothesis: valid records of the testing strategies (complete, or with
facts left unknown), the synthetic county's households with a random seed, records pushed to
the boundaries the bundled parameters draw (per-capita income exactly at the monitoring range,
water exactly at its limits), child tables left empty or absent, and now and then a record that
must be refused -- on as-of dates across the calendar years 2021-2026, with each household's own
jurisdiction or one given for all (national, Heilongjiang, Hainan). The default run keeps the
examples few; the ``slow`` run draws many more.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import pytest

pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import riskrules  # noqa: E402
from riskrules import synthetic  # noqa: E402
from riskrules.columnar import records_to_table  # noqa: E402
from riskrules.errors import InvalidRecord, mask_identity  # noqa: E402
from riskrules.testing import strategies as rs  # noqa: E402
from riskrules.testing.builders import HAINAN, HEILONGJIANG, REGION  # noqa: E402

JURISDICTIONS = (None, None, "23", "46", HEILONGJIANG, HAINAN, REGION)
"""``None``: each household's own region code (drawn from national, Heilongjiang and Hainan)."""

_FEW = settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
_MANY = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


# -- populations ---------------------------------------------------------------------------------

def _per_capita_income(record: dict[str, Any], per_capita: str) -> None:
    income = record.get("income")
    if not income or not record.get("members"):
        return
    net = Decimal(per_capita) * len(record["members"])
    income.update(wage=f"{net:.2f}", business="0.00", property="0.00", transfer="0.00", production_costs="0.00")


def _mutate(record: dict[str, Any], how: str, draw: st.DrawFn) -> dict[str, Any]:
    r = copy.deepcopy(record)
    if how == "income_at_range":
        _per_capita_income(r, draw(st.sampled_from(["5999.99", "6000.00", "6000.01"])))
    elif how == "income_fall_at_share":
        # the previous window 25% higher: this year's income is exactly 20% below it
        _per_capita_income(r, "8000.00")
        if r.get("previous_income") and r.get("members"):
            net = Decimal("10000.00") * len(r["members"])
            r["previous_income"].update(wage=f"{net:.2f}", business="0.00", property="0.00", transfer="0.00",
                                        production_costs="0.00")
    elif how == "water_at_limits":
        r["drinking_water"] = {**(r.get("drinking_water") or {}),
                               "litres_per_person_day": draw(st.sampled_from(["35.0", "34.9", "20.0", "19.9"])),
                               "fetch_minutes": draw(st.sampled_from([20, 21])),
                               "horizontal_distance_m": draw(st.sampled_from([800, 801])),
                               "vertical_distance_m": draw(st.sampled_from([80, 81])),
                               "days_cut_off": draw(st.sampled_from([36, 37]))}
    elif how == "empty_children":
        for name in ("rigid_expenditures", "shocks", "assistance_measures"):
            r[name] = draw(st.sampled_from([[], None]))
        r["members"] = [{"member_id": m["member_id"]} for m in r["members"]]  # no optional member field
    elif how == "unknowns":
        for name in ("household_type", "relocation_site", "housing_grade", "food_secured", "clothing_secured",
                     "drinking_water", "previous_income", "income"):
            if draw(st.booleans()):
                r[name] = None
        if r.get("monitoring_case") and draw(st.booleans()):
            for name in list(r["monitoring_case"]):
                if name not in ("clue_found_on",) and draw(st.booleans()):
                    r["monitoring_case"][name] = None
    return r


@st.composite
def populations(draw: st.DrawFn, max_size: int = 6) -> tuple[date, str | None, list[dict[str, Any]]]:
    """An as-of date, a jurisdiction (or None) and a list of intake records."""
    year = draw(st.integers(2021, 2026))
    as_of = draw(st.dates(max(date(year, 1, 1), rs.FIRST_AS_OF), min(date(year, 12, 31), rs.LAST_AS_OF)))
    jurisdiction = draw(st.sampled_from(JURISDICTIONS))
    records: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, max_size))):
        source = draw(st.sampled_from(["strategy", "strategy", "synthetic", "invalid"]))
        if source == "synthetic":
            record = next(synthetic.households(1, seed=draw(st.integers(0, 10**6)), as_of=as_of))
        elif source == "invalid":
            record = draw(rs.invalid_households(as_of=as_of)).record
        else:
            record = draw(rs.households(as_of=as_of, complete=draw(st.booleans())))
        how = draw(st.sampled_from(["none", "none", "income_at_range", "income_fall_at_share", "water_at_limits",
                                    "empty_children", "unknowns"]))
        records.append(_mutate(record, how, draw) if how != "none" else record)
    return as_of, jurisdiction, records


def mask_problem(problem: dict[str, str]) -> dict[str, str]:
    return {k: mask_identity(v) for k, v in problem.items()}


# -- the comparison --------------------------------------------------------------------------------

def _compare(pack: riskrules.RulePack, as_of: date, jurisdiction: str | None, records: list[dict[str, Any]],
             durable: bool = False) -> None:
    screening = pack.screen(records, as_of, jurisdiction, referee="off", detail="compact")
    rows = screening.rows
    assert rows["row"].to_list() == list(range(len(records)))
    for i, record in enumerate(records):
        status = rows["status"][i]
        try:
            python = pack.outcomes(record, as_of, jurisdiction, engine="python")
        except InvalidRecord as e:
            assert status == "rejected", f"row {i}: the model refuses it ({e.problems[0].path}), columnar {status}"
            assert orjson.loads(rows["problems"][i]) == [mask_problem(p.as_dict()) for p in e.problems]
            continue
        assert status == "assessed", f"row {i}: the model accepts it, columnar rejected: {rows['problems'][i]}"
        columnar = screening.outcomes(i)
        assert columnar.keys() == python.keys()
        differing = {r: (columnar[r], python[r]) for r in python if columnar[r] is not python[r]}
        assert not differing, f"row {i} (columnar, python): {differing}"
        assert rows["fired"][i].to_list() == sorted(r for r, v in python.items() if v)
        assert rows["undecided"][i].to_list() == sorted(r for r, v in python.items() if v is None)
        if durable:
            engine = pack.outcomes(record, as_of, jurisdiction, engine="durable")
            differing = {r: (columnar[r], engine[r]) for r in engine if (columnar[r] is True) != engine[r]}
            assert not differing, f"row {i} (columnar, durable): {differing}"
    # The same households as a typed table (decimal money, date columns), numbered as before.
    valid = [i for i in range(len(records)) if rows["status"][i] == "assessed"]
    if valid:
        table = records_to_table([records[i] for i in valid]).append_column("__row", pa.array(valid, pa.int64()))
        typed = pack.screen(table, as_of, jurisdiction, referee="off", detail="compact").rows
        assert typed["json"].to_list() == [rows["json"][i] for i in valid]


@_FEW
@given(populations())
def test_columnar_equals_plain_python(pack: riskrules.RulePack, population: tuple[date, str | None, list[dict[str, Any]]]) -> None:
    _compare(pack, *population)


def test_boundaries_and_empty_tables_every_jurisdiction(pack: riskrules.RulePack) -> None:
    """Fixed cases beside the drawn ones: per-capita income one fen below, at and above the
    monitoring range, water at its limits, child tables empty or absent -- on every bundled
    jurisdiction and in every calendar year the pack covers."""
    from riskrules.testing import builders as b

    base = b.household()
    records: list[dict[str, Any]] = []
    for per_capita in ("5999.99", "6000.00", "6000.01"):
        records.append(b.with_steady_income(base, per_capita=per_capita))
    records.append(b.with_water(base, litres_per_person_day="35.0", fetch_minutes=20, horizontal_distance_m=800,
                                vertical_distance_m=80, days_cut_off=36))
    records.append(b.with_water(base, litres_per_person_day="34.9", fetch_minutes=21, days_cut_off=37))
    records.append(b.with_fields(base, rigid_expenditures=None, shocks=None, assistance_measures=None, previous_income=None))
    records.append(b.with_fields(base, members=[{"member_id": "m1"}, {"member_id": "m2"}], income=None,
                                 drinking_water=None, housing_grade=None))
    for region in (REGION, HEILONGJIANG, HAINAN):
        for r in list(records[:7]):
            records.append(b.with_fields(r, region_code=region))
    for as_of in (date(2021, 6, 30), date(2023, 1, 1), date(2024, 2, 29), date(2026, 11, 30)):
        _compare(pack, as_of, None, records)
    for jurisdiction in ("23", "46"):
        _compare(pack, date(2022, 7, 31), jurisdiction, records)


@pytest.mark.durable
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(populations(max_size=4))
def test_columnar_equals_durable(pack: riskrules.RulePack, population: tuple[date, str | None, list[dict[str, Any]]]) -> None:
    _compare(pack, *population, durable=True)


@pytest.mark.slow
@_MANY
@given(populations(max_size=12))
def test_columnar_equals_plain_python_many(pack: riskrules.RulePack,
                                           population: tuple[date, str | None, list[dict[str, Any]]]) -> None:
    _compare(pack, *population)


@pytest.mark.slow
@pytest.mark.durable
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(populations(max_size=8))
def test_columnar_equals_durable_many(pack: riskrules.RulePack,
                                      population: tuple[date, str | None, list[dict[str, Any]]]) -> None:
    _compare(pack, *population, durable=True)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_synthetic_county_household_by_household(pack: riskrules.RulePack, seed: int) -> None:
    """A synthetic county of 1,500 households on three dates, every household's every rule."""
    for as_of in (date(2021, 12, 31), date(2023, 6, 30), date(2026, 3, 1)):
        records = list(synthetic.households(1_500, seed=seed, as_of=as_of))
        _compare(pack, as_of, None, records)
