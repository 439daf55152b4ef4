"""Builders of complete household intake records (plain dicts) for tests of a rule pack.

``household()`` is a clean baseline that triggers no rule of the bundled pack: an ordinary
household of two labour-capable adults in Qin'an county, Gansu (620522, so only the national
parameters apply), per-capita net income 10,000.00 元 in both 12-month windows, every member
insured, housing grade A, safe piped water, no shocks, no rigid spending, no measures and no
monitoring case. It is the record a case file's ``base: baseline`` starts from.

Every helper returns a new dict (the input is never mutated), so tests can chain them::

    from riskrules.testing.builders import household, open_case, with_case, with_income

    h = with_case(household(household_type="poverty_alleviated"), clue_found_on="2022-07-01")
    h = with_income(h, per_capita="6000.00")
    pack.assess(h, as_of=AS_OF)

Money is text with two decimals ("8000.00"); dates are ISO text ("2022-07-01") but the helpers
also accept ``datetime.date``.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

__all__ = [
    "AS_OF",
    "baseline",
    "REGION",
    "HAINAN",
    "HEILONGJIANG",
    "iso",
    "yuan",
    "member",
    "child",
    "household",
    "income_window",
    "with_income",
    "with_income_parts",
    "with_steady_income",
    "with_previous_income",
    "with_fields",
    "with_members",
    "add_member",
    "with_member",
    "with_water",
    "with_rigid",
    "with_shock",
    "with_measure",
    "with_case",
    "open_case",
]

AS_OF = date(2022, 7, 31)
"""The default as-of date the baseline is consistent with."""

REGION = "620522"  # 甘肃省天水市秦安县: no provincial parameter file, national values apply
HAINAN = "460105"  # 海南省海口市: 20 working days for identification
HEILONGJIANG = "230102"  # 黑龙江省哈尔滨市: wider green-channel shock kinds (in effect from 2021-01-01)

DEFAULT_SIZE = 2


def iso(d: date | str | None) -> str | None:
    """A date as ISO text (text passes through)."""
    if d is None or isinstance(d, str):
        return d
    return d.isoformat()


def yuan(amount: Decimal | int | str) -> str:
    """Money as text with exactly two decimals."""
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))


def member(member_id: str = "m1", *, born: date | str = "1980-05-01", relation: str = "head",
           labour: str | None = "ordinary", health: str | None = "healthy", insured: bool | None = True,
           willing: bool | None = True, **fields: Any) -> dict[str, Any]:
    """An adult household member; any other Member field can be given by its record name."""
    m: dict[str, Any] = {
        "member_id": member_id,
        "birth_date": iso(born),
        "relation": relation,
        "labour_capacity": labour,
        "health": health,
        "basic_medical_insurance": insured,
        "willing_to_work": willing,
    }
    m.update({k: iso(v) if isinstance(v, date) else v for k, v in fields.items()})
    return m


def child(member_id: str = "c1", *, born: date | str = "2012-03-01", in_school: bool | None = True,
          exemption: str | None = None, **fields: Any) -> dict[str, Any]:
    """A child member (no labour capacity, not willing to work), in school by default."""
    fields.setdefault("relation", "child")
    fields.setdefault("labour", "none")
    fields.setdefault("willing", False)
    return member(member_id, born=born, in_school=in_school, education_exemption=exemption, **fields)


def income_window(net: Decimal | int | str, start: date | str = "2021-07-01", end: date | str = "2022-06-30") -> dict[str, Any]:
    """A 12-month income window whose net income is ``net`` (all of it as wages)."""
    return {
        "start": iso(start),
        "end": iso(end),
        "wage": yuan(net),
        "business": "0.00",
        "property": "0.00",
        "transfer": "0.00",
        "production_costs": "0.00",
    }


_BASELINE: dict[str, Any] = {
    "household_id": "HH-0001",
    "region_code": REGION,
    "household_type": "ordinary",
    "relocation_site": False,
    "members": [
        member("m1", born="1980-05-01", relation="head"),
        member("m2", born="1982-09-12", relation="spouse"),
    ],
    "income": income_window("20000.00", "2021-07-01", "2022-06-30"),
    "previous_income": income_window("20000.00", "2020-07-01", "2021-06-30"),
    "rigid_expenditures": [],
    "housing_grade": "A",
    "drinking_water": {
        "litres_per_person_day": "60.0",
        "piped_to_home": True,
        "fetch_minutes": 0,
        "horizontal_distance_m": 0,
        "vertical_distance_m": 0,
        "days_cut_off": 0,
        "quality_checked": True,
        "quality_acceptable": True,
        "water_scarce_area": False,
    },
    "shocks": [],
    "assistance_measures": [],
    "monitoring_case": None,
}


def household(**overrides: Any) -> dict[str, Any]:
    """The clean baseline household, with top-level fields replaced by ``overrides``."""
    h = copy.deepcopy(_BASELINE)
    for key, value in overrides.items():
        h[key] = copy.deepcopy(value)
    return h


def baseline() -> dict[str, Any]:
    """The clean baseline household (``household()`` without changes): ``base: baseline``."""
    return household()


def _copy(h: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(h)


def with_income(h: dict[str, Any], net: Decimal | int | str | None = None, *,
                per_capita: Decimal | int | str | None = None) -> dict[str, Any]:
    """Set the current window's net income, as a total or per capita (times the household size)."""
    if (net is None) == (per_capita is None):
        raise TypeError("give exactly one of net and per_capita")
    h = _copy(h)
    if per_capita is not None:
        net = Decimal(str(per_capita)) * len(h["members"])
    window = h.get("income") or income_window(0)
    h["income"] = income_window(net, window["start"], window["end"])  # type: ignore[arg-type]
    return h


def with_income_parts(h: dict[str, Any], *, wage: Decimal | int | str = 0, business: Decimal | int | str = 0,
                      property: Decimal | int | str = 0, transfer: Decimal | int | str = 0,
                      production_costs: Decimal | int | str = 0) -> dict[str, Any]:
    """Set every part of the current window. Household income (家庭年收入, ``income.total``) is
    wage + business + property + transfer; net income (纯收入) also subtracts production costs."""
    h = _copy(h)
    window = h.get("income") or income_window(0)
    h["income"] = {"start": window["start"], "end": window["end"], "wage": yuan(wage), "business": yuan(business),
                   "property": yuan(property), "transfer": yuan(transfer), "production_costs": yuan(production_costs)}
    return h


def with_steady_income(h: dict[str, Any], *, per_capita: Decimal | int | str) -> dict[str, Any]:
    """Per-capita net income ``per_capita`` in both windows, so there is no income fall."""
    h = with_income(h, per_capita=per_capita)
    return with_previous_income(h, Decimal(str(per_capita)) * len(h["members"]))


def with_previous_income(h: dict[str, Any], net: Decimal | int | str | None) -> dict[str, Any]:
    """Set the previous window's net income (``None`` removes the previous window)."""
    h = _copy(h)
    if net is None:
        h["previous_income"] = None
        return h
    window = h.get("previous_income") or income_window(0, "2020-07-01", "2021-06-30")
    h["previous_income"] = income_window(net, window["start"], window["end"])
    return h


def with_fields(h: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Replace top-level fields of a household (``housing_grade="C"``, ``household_type=...``)."""
    h = _copy(h)
    for key, value in fields.items():
        h[key] = copy.deepcopy(value)
    return h


def with_members(h: dict[str, Any], *members: dict[str, Any]) -> dict[str, Any]:
    """Replace every member."""
    h = _copy(h)
    h["members"] = copy.deepcopy(list(members))
    return h


def add_member(h: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    """Add one member (the household grows, so per-capita income falls)."""
    h = _copy(h)
    h["members"].append(copy.deepcopy(m))
    return h


def with_member(h: dict[str, Any], member_id: str, **fields: Any) -> dict[str, Any]:
    """Change fields of one member, by record field name (``labour_capacity="lost"``)."""
    h = _copy(h)
    for m in h["members"]:
        if m["member_id"] == member_id:
            m.update({k: iso(v) if isinstance(v, date) else v for k, v in fields.items()})
            return h
    raise KeyError(member_id)


def with_water(h: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Change drinking-water fields (``litres_per_person_day="34.9"``, ``piped_to_home=False``)."""
    h = _copy(h)
    h["drinking_water"] = {**(h.get("drinking_water") or {}), **fields}
    return h


def with_rigid(h: dict[str, Any], kind: str, out_of_pocket: Decimal | int | str,
               spent_on: date | str | None = None) -> dict[str, Any]:
    """Add a rigid expenditure (compliant out-of-pocket amount)."""
    h = _copy(h)
    item: dict[str, Any] = {"kind": kind, "out_of_pocket": yuan(out_of_pocket)}
    if spent_on is not None:
        item["spent_on"] = iso(spent_on)
    h["rigid_expenditures"] = [*(h.get("rigid_expenditures") or []), item]
    return h


def with_shock(h: dict[str, Any], kind: str, occurred_on: date | str | None, *, severe: bool | None = True,
               verified: bool | None = True, loss: Decimal | int | str | None = None) -> dict[str, Any]:
    """Add a shock (disaster, accident, illness, business failure, job loss...)."""
    h = _copy(h)
    item: dict[str, Any] = {"kind": kind, "occurred_on": iso(occurred_on), "facts_verified": verified,
                            "basic_living_severely_affected": severe}
    if loss is not None:
        item["loss"] = yuan(loss)
    h["shocks"] = [*(h.get("shocks") or []), item]
    return h


def with_measure(h: dict[str, Any], kind: str, started_on: date | str | None, ended_on: date | str | None = None) -> dict[str, Any]:
    """Add an assistance measure."""
    h = _copy(h)
    item: dict[str, Any] = {"kind": kind, "started_on": iso(started_on)}
    if ended_on is not None:
        item["ended_on"] = iso(ended_on)
    h["assistance_measures"] = [*(h.get("assistance_measures") or []), item]
    return h


def with_case(h: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Create or update the monitoring case; a field given as ``None`` is removed (unknown)."""
    h = _copy(h)
    case = dict(h.get("monitoring_case") or {})
    for key, value in fields.items():
        if value is None:
            case.pop(key, None)
        elif isinstance(value, list):
            case[key] = [iso(v) for v in value]
        else:
            case[key] = iso(value) if isinstance(value, date) else value
    h["monitoring_case"] = case
    return h


def open_case(h: dict[str, Any], identified_on: date | str = "2022-06-16", *, clue_found_on: date | str | None = None,
              **fields: Any) -> dict[str, Any]:
    """An identified, not eliminated case: the clue found 15 days before identification (so in
    time), six days of village publicity when there is room for it, no concentrated check yet,
    not a green-channel case, no assistance start date. The assistance deadline runs from the
    clue too, so a measure started on ``identified_on`` is the last one in time. ``fields`` add
    to or override the case fields."""
    ident = date.fromisoformat(str(iso(identified_on)))
    if clue_found_on is None:
        clue = date.fromordinal(ident.toordinal() - 15)
    else:
        clue = date.fromisoformat(str(iso(clue_found_on)))
    base: dict[str, Any] = {
        "clue_found_on": clue,
        "discovery_channel": "cadre_screening",
        "identified_on": ident,
        "green_channel": False,
        "concentrated_checks": [],
    }
    if clue.toordinal() + 7 <= ident.toordinal():
        # Publicity from the day after the clue, six days long (art. 201 counting).
        base["publicity_start"] = date.fromordinal(clue.toordinal() + 1)
        base["publicity_end"] = date.fromordinal(clue.toordinal() + 7)
    base.update(fields)
    return with_case(h, **base)
