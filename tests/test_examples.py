"""The bundled example households (examples/*.json), each assessed on the demo date 2022-07-31.

One example per situation of the policy (docs/policy.md). For each, the flags its situation calls
for are asserted by rule id and conclusion, together with a near miss that must NOT fire, so a
rule that starts firing everywhere is caught as surely as one that stops firing.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import riskrules
from riskrules import Assessment, Household
from riskrules.examples import example_json, examples_path

AS_OF = date(2022, 7, 31)

EXAMPLES = [
    "unstable_out_of_poverty",
    "marginal_prone",
    "sudden_severe_difficulty",
    "green_channel",
    "late_identification",
    "hainan_working_days",
    "ready_for_elimination",
    "no_labour_capacity",
    "short_publicity",
    "partial_intake",
]

ASSESSED = list(EXAMPLES)


def assess(pack: riskrules.RulePack, name: str, **kwargs: Any) -> Assessment:
    return pack.assess(riskrules.load_example(name), as_of=AS_OF, **kwargs)


def flag_ids(a: Assessment) -> set[str]:
    return {f.rule_id for f in a.flags}


def signal_ids(a: Assessment) -> set[str]:
    return {f.rule_id for f in a.signals}


def kinds(a: Assessment, kind: str) -> set[str]:
    return {f.rule_id for f in a.flags_of(kind)}


# -- every example ---------------------------------------------------------------------------

def test_the_bundled_examples_are_exactly_the_ten_situations() -> None:
    assert riskrules.example_names() == sorted(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_validates_and_round_trips(name: str) -> None:
    text = example_json(name)
    h = Household.model_validate_json(text)
    assert Household.model_validate_json(h.model_dump_json()) == h
    # and with the demo date as context (members born, cases dated, on or before it)
    assert Household.model_validate_json(text, context={"as_of": AS_OF}) == h


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_has_no_date_after_the_demo_date(name: str) -> None:
    days = re.findall(r'"(\d{4}-\d{2}-\d{2})"', example_json(name))
    assert days, "every example has at least a birth date"
    assert all(date.fromisoformat(d) <= AS_OF for d in days)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_file_is_tidy_json(name: str) -> None:
    path = Path(examples_path()) / f"{name}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    # money is always a string with two decimals, never a float
    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif key in {"wage", "business", "property", "transfer", "production_costs", "amount", "out_of_pocket", "loss"}:
            assert isinstance(node, str) and re.fullmatch(r"\d+\.\d{2}", node), (key, node)
    walk(raw)


@pytest.mark.parametrize("name", ASSESSED)
def test_every_explanation_is_filled(pack: riskrules.RulePack, name: str) -> None:
    a = assess(pack, name)
    for f in (*a.flags, *a.signals):
        for text in (f.explanation_zh, f.explanation_en):
            assert text.strip(), f.rule_id
            assert "{" not in text and "}" not in text, (f.rule_id, text)


@pytest.mark.parametrize("name", ASSESSED)
def test_assessment_is_deterministic(pack: riskrules.RulePack, name: str) -> None:
    first = assess(pack, name).model_dump_json()
    second = assess(pack, name).model_dump_json()
    assert first == second


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n != "partial_intake"])
def test_complete_examples_leave_only_case_facts_undecided(pack: riskrules.RulePack, name: str) -> None:
    """The household data is complete: whatever stays undecided asks only about the monitoring case
    (a case still in identification has no publicity dates yet). A household with no monitoring
    case leaves nothing undecided: it is not identified, not eliminated, not in the green channel."""
    a = assess(pack, name)
    for u in a.undecided:
        for path in u.ask_for:
            assert path.startswith("monitoring_case."), (u.rule_id, path)
    if riskrules.load_example(name).monitoring_case is None:
        assert a.undecided == []


# -- 1. 脱贫不稳定户 ---------------------------------------------------------------------------

def test_unstable_out_of_poverty(pack: riskrules.RulePack) -> None:
    a = assess(pack, "unstable_out_of_poverty")
    f = a.flag("identification.unstable_out_of_poverty")
    assert f.conclusion == {"category": "unstable_out_of_poverty"}
    assert a.category == "unstable_out_of_poverty"
    assert {x.name: x.value for x in f.facts}["income.per_capita_net"] == "4,600.00 元"
    assert "4,600.00" in f.explanation_zh and "6,000.00" in f.explanation_zh
    # near miss: a 脱贫户 is never marginal, and income below the range is not sudden difficulty
    assert kinds(a, "monitoring_object") == {"identification.unstable_out_of_poverty"}
    assert "signal.sharp_income_fall" not in signal_ids(a)  # 8 % fall, below the 20 % alert


# -- 2. 边缘易致贫户 ---------------------------------------------------------------------------

def test_marginal_prone(pack: riskrules.RulePack) -> None:
    a = assess(pack, "marginal_prone")
    assert a.flag("identification.marginal_prone").conclusion == {"category": "marginal_prone"}
    assert a.category == "marginal_prone"
    # near miss: an ordinary household is not 脱贫不稳定户
    assert "identification.unstable_out_of_poverty" not in flag_ids(a)
    assert kinds(a, "monitoring_object") == {"identification.marginal_prone"}


# -- 3. 突发严重困难户 -------------------------------------------------------------------------

def test_sudden_severe_difficulty(pack: riskrules.RulePack) -> None:
    a = assess(pack, "sudden_severe_difficulty")
    f = a.flag("identification.sudden_severe_difficulty")
    assert f.conclusion == {"category": "sudden_severe_difficulty"}
    assert "illness" in f.risk_types
    # The category rests on the serious illness, verified and recorded as severely affecting
    # basic living; heavy medical spending alone would be an alert, not the category.
    assert f.signals == ["severe_shock"]
    # 13,500 >= 30 % of household income 44,000 (家庭年收入, before the 3,000 production costs):
    # the alert threshold is met, and the alert asks for a home check (no case is open).
    assert "signal.medical_burden" in signal_ids(a)
    burden = next(s for s in a.signals if s.rule_id == "signal.medical_burden")
    assert {x.name: x.value for x in burden.facts} == {"expenditure.medical_out_of_pocket": "13,500.00 元",
                                                       "income.total": "44,000.00 元"}
    assert a.flag("alert.medical_burden").conclusion == {"verify": "medical_spending", "measures": ["health"]}
    # near misses: income 10,250 per head is above the range, so not the income categories;
    # net income fell 17.7 %, under the 20 % alert; 13,500 + 1,000 is not above 80 % of 44,000
    assert "identification.marginal_prone" not in flag_ids(a)
    assert "identification.unstable_out_of_poverty" not in flag_ids(a)
    assert "signal.low_income" not in signal_ids(a)
    assert "signal.sharp_income_fall" not in signal_ids(a)
    assert "signal.rigid_expenditure_hardship" not in signal_ids(a)
    assert "signal.income_after_rigid_below_range" not in signal_ids(a)  # 10,250 - 3,625 = 6,625


# -- 4. 绿色通道 -------------------------------------------------------------------------------

def test_green_channel(pack: riskrules.RulePack) -> None:
    h = riskrules.load_example("green_channel")
    a = pack.assess(h, as_of=AS_OF)
    g = a.flag("green_channel.assist_first")
    assert g.conclusion == {"action": "assist_first"}
    # The national shock kinds: the Heilongjiang press conference names no list of its own
    kinds_used = next(p for p in g.parameters if p.name == "green_channel_shock_kinds")
    assert kinds_used.jurisdiction == "CN"
    assert kinds_used.value == "自然灾害/natural_disaster"
    assert "自然灾害/natural_disaster" in g.explanation_zh and "自然灾害/natural_disaster" in g.explanation_en
    assert "green_channel.assistance_start_missing" not in flag_ids(a)
    # assistance began 2022-07-14, the day after the clue: nothing late
    assert "deadline.assistance_missing" not in flag_ids(a)
    assert "deadline.assistance_late" not in flag_ids(a)
    # the verified, severe flood also makes it a household in sudden severe difficulty
    assert a.category == "sudden_severe_difficulty"
    assert "natural_disaster" in a.flag("identification.sudden_severe_difficulty").risk_types
    assert "severe_shock" in a.flag("identification.sudden_severe_difficulty").signals
    # near miss: the 15 days from the clue (2022-07-13) ran out on 2022-07-28, yet no breach,
    # because the case went through the green channel
    fact, _ = pack.engine_fact(h, AS_OF, h.region_code)
    assert date.fromordinal(fact["deadline__identification"]) == date(2022, 7, 28)
    assert "deadline.identification_overdue" not in flag_ids(a)
    assert "deadline.identification_due_soon" not in flag_ids(a)


def test_green_channel_is_what_prevents_the_breach(pack: riskrules.RulePack) -> None:
    raw = json.loads(example_json("green_channel"))
    raw["monitoring_case"]["green_channel"] = False
    a = pack.assess(raw, as_of=AS_OF)
    f = a.flag("deadline.identification_overdue")
    assert f.conclusion["due"] == "2022-07-28" and f.conclusion["days_overdue"] == 3


# -- 5. 识别超期 -------------------------------------------------------------------------------

def test_late_identification(pack: riskrules.RulePack) -> None:
    a = assess(pack, "late_identification")
    f = a.flag("deadline.identification_overdue")
    # the 15th day after 2022-07-01 is Saturday 07-16: it rolls to Monday 07-18 (Civil Code art. 203)
    assert f.conclusion == {"status": "breached", "due": "2022-07-18", "days_overdue": 13}
    assert f.severity == "breach"
    assert "2022-07-18" in f.explanation_zh and "13" in f.explanation_zh
    assert "2022-07-18" in f.explanation_en
    # near misses: not identified, so not "completed late"; long past due, so not "due soon"
    assert "deadline.identification_late" not in flag_ids(a)
    assert "deadline.identification_due_soon" not in flag_ids(a)
    assert "green_channel.assist_first" not in flag_ids(a)
    # no measure either: "about half a month" from discovery (docs/policy.md), guidance, a warning
    m = a.flag("deadline.assistance_missing")
    assert m.conclusion == {"status": "overdue", "due": "2022-07-18", "days_overdue": 13}
    assert m.severity == "warning"


# -- 6. 海南：20个工作日 -----------------------------------------------------------------------

def test_hainan_working_days(pack: riskrules.RulePack) -> None:
    h = riskrules.load_example("hainan_working_days")
    a = pack.assess(h, as_of=AS_OF)
    assert a.jurisdiction == "469027"
    fact, used = pack.engine_fact(h, AS_OF, h.region_code)
    due = date.fromordinal(fact["deadline__identification"])
    assert due == date(2022, 8, 5)  # 20 working days after Friday 2022-07-08
    assert used["identification_time_limit"].jurisdiction == "46"
    # 5 days left on 2022-07-31: neither breached nor inside the 3-day due-soon window
    assert not {"deadline.identification_overdue", "deadline.identification_due_soon"} & flag_ids(a)
    # Assistance is counted in calendar days from the clue even in Hainan (the national 15 days):
    # due 2022-07-23, before identification is due, and no measure yet.
    assert kinds(a, "deadline_breach") == {"deadline.assistance_missing"}
    # (07-23 is a Saturday: the guide date rolls to Monday 07-25)
    m = a.flag("deadline.assistance_missing")
    assert m.conclusion == {"status": "overdue", "due": "2022-07-25", "days_overdue": 6}
    assert used["assistance_time_limit"].jurisdiction == "CN"
    for f in a.flags:
        assert due.isoformat() not in f.explanation_zh + f.explanation_en
        assert due.isoformat() not in json.dumps(f.conclusion)
    assert a.category == "unstable_out_of_poverty"


def test_hainan_household_under_heilongjiang_rules_is_overdue(pack: riskrules.RulePack) -> None:
    """Near miss: the same record with the national 15 calendar days is 6 days late (07-23 is a
    Saturday, so the last day is Monday 07-25)."""
    a = assess(pack, "hainan_working_days", jurisdiction="230123")
    f = a.flag("deadline.identification_overdue")
    assert f.conclusion == {"status": "breached", "due": "2022-07-25", "days_overdue": 6}


# -- 7. 可标注风险消除 -------------------------------------------------------------------------

def test_ready_for_elimination(pack: riskrules.RulePack) -> None:
    a = assess(pack, "ready_for_elimination")
    assert a.flag("elimination.eligible").conclusion == {"status": "eligible"}
    assert signal_ids(a) == {"elimination.criterion_income_stable", "elimination.criterion_time_since_identification",
                             "elimination.criterion_measures", "elimination.criterion_guarantees",
                             "elimination.criterion_no_new_risk", "elimination.criterion_hardship_resolved"}
    # near misses: no blocked criterion, no deadline breach, no assistance gap, no category
    assert kinds(a, "risk_elimination") == {"elimination.eligible"}
    assert kinds(a, "deadline_breach") == set()
    assert kinds(a, "assistance_gap") == set()
    assert a.category is None
    assert a.undecided == []


# -- 8. 无劳动能力 -----------------------------------------------------------------------------

def test_no_labour_capacity(pack: riskrules.RulePack) -> None:
    a = assess(pack, "no_labour_capacity")
    assert a.flag("elimination.keep_monitoring").conclusion == {"status": "keep_monitoring"}
    assert "risk.lack_of_labour" in signal_ids(a)
    # near misses: no eligibility or blocked criteria for a household that cannot work,
    # no developmental-measure gap (nobody can work), no security gap (低保 in force)
    assert kinds(a, "risk_elimination") == {"elimination.keep_monitoring"}
    assert "assistance.no_developmental_measure" not in flag_ids(a)
    assert "assistance.no_comprehensive_security" not in flag_ids(a)
    assert "data_quality.eliminated_without_labour" not in flag_ids(a)
    assert kinds(a, "deadline_breach") == set()


# -- 9. 公示天数不足 ---------------------------------------------------------------------------

def test_short_publicity(pack: riskrules.RulePack) -> None:
    a = assess(pack, "short_publicity")
    f = a.flag("deadline.publicity_too_short")
    assert f.conclusion == {"status": "breached", "publicity_end": "2022-06-13"}
    facts = {x.name: x.raw for x in f.facts}
    # 10 to 13 June: 4 days as the notice states it, both ends counted (3 by Civil Code art. 201)
    assert facts["case.publicity_days_inclusive"] == 4 and facts["case.publicity_days"] == 3
    assert "4" in f.explanation_zh and "5" in f.explanation_zh
    # near misses: identified on 2022-06-17, inside the 15 days from the clue of 2022-06-05; the
    # employment measure of 2022-06-18 is inside the 15 days from the clue too (due 2022-06-20)
    assert "deadline.identification_late" not in flag_ids(a)
    assert "deadline.assistance_late" not in flag_ids(a)
    assert "assistance.no_developmental_measure" not in flag_ids(a)


# -- 10. 自主申报填写中 ------------------------------------------------------------------------

def test_partial_intake(pack: riskrules.RulePack) -> None:
    h = riskrules.load_example("partial_intake")
    assert len(h.members) == 1 and h.income is None
    a = pack.assess(h, as_of=AS_OF)
    assert a.undecided
    assert any("income" in u.ask_for for u in a.undecided)
    low = next(u for u in a.undecided if u.rule_id == "signal.low_income")
    assert low.ask_for == ["income"]
    # nothing is concluded from a record that says almost nothing
    assert a.flags == []
    assert a.category is None
