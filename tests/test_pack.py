"""Rule packs: load errors name file, line and rule; versions side by side; explanations;
threads; no state left behind; deterministic output."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules import InvalidRecord, RulePackError

AS_OF = date(2022, 7, 31)


def low_income_household(**extra: object) -> dict:
    record = {
        "household_id": "HH-LOW",
        "region_code": "230102",
        "household_type": "poverty_alleviated",
        "members": [
            {"member_id": "a", "birth_date": "1975-04-02", "labour_capacity": "ordinary", "basic_medical_insurance": True,
             "willing_to_work": True, "health": "healthy"},
            {"member_id": "b", "birth_date": "1978-09-10", "labour_capacity": "weak", "basic_medical_insurance": True,
             "willing_to_work": False, "health": "chronic_illness"},
        ],
        "income": {"start": "2021-08-01", "end": "2022-07-31", "wage": "9000.00", "business": "2500.00",
                   "property": "0.00", "transfer": "1200.00", "production_costs": "900.00"},
        "rigid_expenditures": [], "housing_grade": "B", "shocks": [], "assistance_measures": [],
        "drinking_water": {"litres_per_person_day": 60, "piped_to_home": True, "days_cut_off": 2,
                           "quality_checked": True, "quality_acceptable": True, "water_scarce_area": False},
    }
    record.update(extra)
    return record


RULE_FILE = """rules:
  - id: custom.test_rule
    kind: data_quality
    severity: warning
    title: {{zh: 测试, en: test}}
    when: >-
      household.size > 0
      and {condition}
    explain: {{zh: 测试说明, en: test explanation}}
    source: {{document: 测试文件, issuer: 测试县, date: 2022-01-01, clause: 第一条, quote: 测试}}
"""


def add_rule(pack_dir: Path, condition: str) -> None:
    (pack_dir / "policy" / "zz_custom.yaml").write_text(RULE_FILE.format(condition=condition), encoding="utf-8")


# -- load errors --------------------------------------------------------------------------
def test_unknown_fact_name_fails_with_file_line_rule_and_suggestion(pack_dir: Path) -> None:
    add_rule(pack_dir, "income.per_capita_nett <= params.monitoring_range")
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    e = info.value
    # A folded (>-) condition is one line once YAML has read it: the error points at its first line.
    assert (e.file, e.line, e.rule_id, e.suggestion) == ("policy/zz_custom.yaml", 7, "custom.test_rule", "income.per_capita_net")
    assert "policy/zz_custom.yaml:7" in str(e) and "custom.test_rule" in str(e) and "did you mean" in str(e)


@pytest.mark.parametrize("condition, fragment", [
    ("household.size > 'x'", "cannot compare"),
    ("not signal.low_income", "cannot be negated"),
    ("signal.no_such_signal", "unknown name"),
    ("income.net / 2 > 1", "division is not exact"),
    ("income.net >", "syntax error"),
])
def test_bad_conditions_fail_at_load(pack_dir: Path, condition: str, fragment: str) -> None:
    add_rule(pack_dir, condition)
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert fragment in str(info.value) and info.value.rule_id == "custom.test_rule"
    assert info.value.file == "policy/zz_custom.yaml"


def test_unsafe_yaml_is_refused(pack_dir: Path) -> None:
    (pack_dir / "policy" / "zz_custom.yaml").write_text("rules: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert info.value.file == "policy/zz_custom.yaml" and info.value.line == 1


@pytest.mark.parametrize("edit, fragment", [
    (lambda t: t.replace("    source: {document: 测试文件, issuer: 测试县, date: 2022-01-01, clause: 第一条, quote: 测试}\n", ""), "'source' must be a mapping"),
    (lambda t: t.replace("quote: 测试", "quote: ''"), "source lacks quote"),
    (lambda t: t.replace("kind: data_quality", "kind: data_qualty"), "unknown kind"),
    (lambda t: t.replace("id: custom.test_rule", "id: signal.low_income"), "rule id already used"),
    (lambda t: t.replace("explain: {zh: 测试说明, en: test explanation}", "explain: {zh: '{income.nett}', en: x}"), "explanation uses"),
    (lambda t: t.replace("    explain:", "    explian: {}\n    explain:"), "unknown key 'explian'"),
])
def test_structural_errors_name_the_rule(pack_dir: Path, edit: object, fragment: str) -> None:
    text = RULE_FILE.format(condition="household.size < 100")
    (pack_dir / "policy" / "zz_custom.yaml").write_text(edit(text), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert fragment in str(info.value)
    assert info.value.file == "policy/zz_custom.yaml" and info.value.line is not None


def test_signal_cycle_is_refused(pack_dir: Path) -> None:
    text = """rules:
  - id: custom.a
    kind: signal
    concludes: sig_a
    title: {zh: 甲, en: a}
    when: signal.sig_b
    explain: {zh: 甲, en: a}
    source: {document: 测试, issuer: 测试, date: 2022, clause: 一, quote: 测试}
  - id: custom.b
    kind: signal
    concludes: sig_b
    title: {zh: 乙, en: b}
    when: signal.sig_a
    explain: {zh: 乙, en: b}
    source: {document: 测试, issuer: 测试, date: 2022, clause: 一, quote: 测试}
"""
    (pack_dir / "policy" / "zz_custom.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError, match="cycle"):
        riskrules.load_rules(pack_dir)


def test_condition_too_complex_for_durable_rules_names_the_rule(pack_dir: Path) -> None:
    parts = " and ".join(f"income.fall > income.net * {i}" for i in range(1, 18))
    add_rule(pack_dir, parts)
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert info.value.rule_id == "custom.test_rule" and "too many 'and'/'or'" in str(info.value)


# -- versions side by side ----------------------------------------------------------------
def test_two_packs_differing_in_one_parameter_assess_differently_and_say_why(pack: riskrules.RulePack, pack_dir: Path) -> None:
    cn = pack_dir / "parameters" / "CN.yaml"
    cn.write_text(cn.read_text(encoding="utf-8").replace("        value: 6000\n", "        value: 5000\n", 1), encoding="utf-8")
    other = riskrules.load_rules(pack_dir)
    assert other.version != pack.version
    record = low_income_household()  # per capita 5,900.00
    a, b = pack.assess(record, as_of=AS_OF), other.assess(record, as_of=AS_OF)
    assert a.category == "unstable_out_of_poverty" and b.category is None
    flag = a.flag("identification.unstable_out_of_poverty")
    assert "5,900.00 元" in flag.explanation_zh and "6,000.00 元" in flag.explanation_zh
    assert [p.value for p in flag.parameters if p.name == "monitoring_range"] == ["6,000.00 元"]
    assert a.rule_pack.version == pack.version and b.rule_pack.version == other.version
    # The other pack says why not: the income signal did not fire, its range is 5,000.
    assert "signal.low_income" not in [s.rule_id for s in b.signals]
    assert pack.assess(record, as_of=AS_OF) == a  # the first pack is unaffected by the second


# -- explanations -------------------------------------------------------------------------
def test_flag_explains_itself(pack: riskrules.RulePack) -> None:
    a = pack.assess(low_income_household(), as_of=AS_OF)
    flag = a.flag("identification.unstable_out_of_poverty")
    assert flag.kind == "monitoring_object" and flag.conclusion == {"category": "unstable_out_of_poverty"}
    assert flag.citation.document.startswith("关于实现巩固拓展脱贫攻坚成果") and flag.citation.quote
    facts = {f.name: f for f in flag.facts}
    assert facts["income.per_capita_net"].value == "5,900.00 元" and facts["income.per_capita_net"].raw == 590000
    assert facts["household.type"].raw == "poverty_alleviated"
    (param,) = [p for p in flag.parameters if p.name == "monitoring_range"]
    assert (param.jurisdiction, param.effective, param.local) == ("CN", date(2021, 1, 1), True)
    assert param.source.issuer == "中央农村工作领导小组"
    assert flag.signals == ["low_income"]
    assert "{" not in flag.explanation_zh + flag.explanation_en
    assert "5,900.00" in flag.explanation_en


def test_undecided_names_the_fields_to_ask_for(pack: riskrules.RulePack) -> None:
    record = low_income_household()
    del record["income"]
    a = pack.assess(record, as_of=AS_OF)
    undecided = {u.rule_id: u for u in a.undecided}
    assert "income" in undecided["identification.unstable_out_of_poverty"].ask_for
    assert "income" in undecided["signal.low_income"].ask_for
    assert a.category is None


def test_unknown_member_field_is_asked_for_by_index(pack: riskrules.RulePack) -> None:
    record = low_income_household()
    record["members"].append({"member_id": "c", "birth_date": "2013-03-01", "basic_medical_insurance": True,
                              "labour_capacity": "none", "health": "healthy"})
    a = pack.assess(record, as_of=AS_OF)
    undecided = {u.rule_id: u for u in a.undecided}
    assert "members[2].in_school" in undecided["signal.child_out_of_school"].ask_for


def test_assess_accepts_a_dict_and_rejects_bad_input(pack: riskrules.RulePack) -> None:
    with pytest.raises(InvalidRecord) as info:
        pack.assess({"household_id": "", "region_code": "230102", "members": []}, as_of=AS_OF)
    assert set(info.value.paths) == {"household_id", "members"}
    with pytest.raises(InvalidRecord) as bad_date:
        pack.assess(low_income_household(), as_of="2022-07-31")  # type: ignore[arg-type]
    assert bad_date.value.paths == ["as_of"]


def test_explicit_jurisdiction_overrides_the_region_code(pack: riskrules.RulePack) -> None:
    record = low_income_household(monitoring_case={"clue_found_on": "2022-07-08"})
    hlj = pack.assess(record, as_of=AS_OF)
    hainan = pack.assess(record, as_of=AS_OF, jurisdiction="46")
    assert "deadline.identification_overdue" in hlj.rule_ids()
    assert "deadline.identification_overdue" not in hainan.rule_ids()  # 20 working days: due 2022-08-05
    assert hainan.jurisdiction == "46"


def test_output_is_deterministic(pack: riskrules.RulePack) -> None:
    record = low_income_household(monitoring_case={"clue_found_on": "2022-07-01"})
    first = pack.assess(record, as_of=AS_OF).model_dump_json()
    again = riskrules.load_rules().assess(riskrules.Household.model_validate(record), as_of=AS_OF).model_dump_json()
    assert first == again


def test_every_rule_cites_document_issuer_date_and_quote(pack: riskrules.RulePack) -> None:
    assert len(pack.rules) >= 40
    for rule in pack.rules:
        c = rule.source
        assert c.document and c.issuer and c.date and c.clause and c.quote, rule.id
        assert rule.title_zh and rule.title_en and rule.explain_zh and rule.explain_en, rule.id


def test_pack_version_is_a_content_hash(pack: riskrules.RulePack, pack_dir: Path) -> None:
    assert riskrules.load_rules(pack_dir).version == pack.version  # same content, other folder
    (pack_dir / "policy" / "identification.yaml").write_text(
        (pack_dir / "policy" / "identification.yaml").read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert riskrules.load_rules(pack_dir).version != pack.version


# -- concurrency and state ----------------------------------------------------------------
def test_eight_threads_give_the_same_results_as_one(pack: riskrules.RulePack) -> None:
    records = [low_income_household(household_id=f"H{i}", monitoring_case={"clue_found_on": f"2022-07-{1 + i % 28:02d}"})
               for i in range(40)]
    expected = [pack.assess(r, as_of=AS_OF).model_dump_json() for r in records]
    results: dict[int, list[str]] = {}

    def work(t: int) -> None:
        results[t] = [pack.assess(r, as_of=AS_OF).model_dump_json() for r in records]

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[t] == expected for t in range(8))


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.durable
@pytest.mark.slow  # 100,000 engine runs, well over 5 s: CI runs it with `pytest -m slow`
def test_100000_assessments_leave_no_state_and_flat_memory(pack: riskrules.RulePack) -> None:
    record = riskrules.Household.model_validate(low_income_household(monitoring_case={"clue_found_on": "2022-07-01"}))
    fact, _ = pack.engine_fact(record, AS_OF, record.region_code)
    runner = pack._runner
    expected = runner.run(fact)
    for _ in range(10_000):
        runner.run(fact)
    before = _rss_kib()
    differing = 0
    for _ in range(90_000):
        differing += runner.run(fact)[0] != expected[0]
    after = _rss_kib()
    assert differing == 0
    assert runner.state_count() == 0
    assert after - before < 16 * 1024, f"RSS grew by {after - before} KiB over 90,000 assessments"


# -- deadlines in working days and calendars -------------------------------------------------
def test_working_day_deadline_beyond_the_calendar_is_an_error_naming_the_file(pack: riskrules.RulePack) -> None:
    record = low_income_household(region_code="460100", monitoring_case={"clue_found_on": "2026-12-20"})
    with pytest.raises(InvalidRecord) as info:
        pack.assess(record, as_of=date(2026, 12, 28))
    (problem,) = info.value.problems
    assert problem.path == "monitoring_case.clue_found_on" and problem.code == "calendar_not_covered"
    assert "2027.yaml" in problem.message_en
    # Calendar days need the calendar too when the last day may roll forward (Civil Code art. 203,
    # the national default); a jurisdiction that does not roll forward is assessed without it.
    with pytest.raises(InvalidRecord):
        pack.assess(dict(record, region_code="230102"), as_of=date(2026, 12, 28))
    unrolled = pack.with_parameters({"deadline_roll_forward": False})
    assert unrolled.assess(dict(record, region_code="230102"), as_of=date(2026, 12, 28)).jurisdiction == "230102"


def test_roll_forward_is_a_jurisdiction_parameter(pack: riskrules.RulePack, pack_dir: Path) -> None:
    # Clue on 2024-09-16: the 15th day is 2024-10-01, National Day. Nationally (Civil Code art. 203,
    # applied by default) the last day moves to 2024-10-08; a jurisdiction whose text provides
    # otherwise (art. 204) keeps 2024-10-01.
    record = low_income_household(monitoring_case={"clue_found_on": "2024-09-16"})
    national = pack.assess(record, as_of=date(2024, 10, 9))
    assert national.flag("deadline.identification_overdue").conclusion == {"status": "breached", "due": "2024-10-08",
                                                                          "days_overdue": 1}
    assert "deadline.identification_overdue" not in pack.assess(record, as_of=date(2024, 10, 5)).rule_ids()
    (pack_dir / "parameters" / "2301.yaml").write_text(
        'jurisdiction: "2301"\nparameters:\n  deadline_roll_forward:\n    values:\n      - effective: 2021-01-01\n'
        "        value: false\n        local: true\n        source: {document: 测试文件, issuer: 测试市, date: 2021, clause: 第一条, "
        "quote: 期限届满日不因节假日顺延}\n", encoding="utf-8")
    unrolled = riskrules.load_rules(pack_dir).assess(record, as_of=date(2024, 10, 5))
    flag = unrolled.flag("deadline.identification_overdue")
    assert flag.conclusion["due"] == "2024-10-01"
    (param,) = [p for p in flag.parameters if p.name == "deadline_roll_forward"]
    assert param.jurisdiction == "2301" and param.local


def test_definitions_are_checked_like_rules(pack_dir: Path) -> None:
    path = pack_dir / "definitions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  open_case:\n    when: case.identified and not case.eliminated",
                                 "  open_case:\n    when: case.identified and not case.eliminated\n    sorce: {}"), encoding="utf-8")
    with pytest.raises(RulePackError, match="unknown key 'sorce'") as info:
        riskrules.load_rules(pack_dir)
    assert info.value.file == "definitions.yaml"
    path.write_text(text.replace("  open_case:\n    when: case.identified and", "  open_case:\n    when: case.identifed and"),
                    encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert info.value.suggestion == "case.identified" and info.value.rule_id == "definition open_case"
    path.write_text(text.replace("definitions:\n", "definitions:\n  never_used:\n    when: case.exists\n", 1), encoding="utf-8")
    with pytest.raises(RulePackError, match="used by no rule"):
        riskrules.load_rules(pack_dir)


def test_dates_after_the_as_of_date_are_rejected_for_dicts_too(pack: riskrules.RulePack) -> None:
    record = low_income_household(shocks=[{"kind": "natural_disaster", "occurred_on": "2022-09-01"}],
                                  monitoring_case={"clue_found_on": "2022-07-01", "concentrated_checks": ["2022-08-01"]})
    for given in (record, riskrules.Household.model_validate(record)):
        with pytest.raises(InvalidRecord) as info:
            pack.assess(given, as_of=AS_OF)
        assert set(info.value.paths) == {"shocks[0].occurred_on", "monitoring_case.concentrated_checks[0]"}


def test_a_measure_without_a_start_date_leaves_assistance_undecided(pack: riskrules.RulePack) -> None:
    record = low_income_household(monitoring_case={"clue_found_on": "2022-07-01", "identified_on": "2022-07-10"},
                                  assistance_measures=[{"kind": "industry"}])
    a = pack.assess(record, as_of=AS_OF)
    undecided = {u.rule_id: u for u in a.undecided}
    assert "deadline.assistance_missing" in undecided and "elimination.unmet_measures" in undecided
    assert "assistance_measures[0].started_on" in undecided["deadline.assistance_missing"].ask_for
    planned = low_income_household(monitoring_case={"clue_found_on": "2022-07-01", "identified_on": "2022-07-10"},
                                   assistance_measures=[{"kind": "industry", "started_on": "2022-08-15"}])
    assert "deadline.assistance_missing" in pack.assess(planned, as_of=AS_OF).rule_ids()  # planned is not begun


def test_a_broken_calendar_file_is_a_rule_pack_error(pack_dir: Path) -> None:
    path = pack_dir / "calendars" / "2025.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("year: 2025", "year: 2024"), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert info.value.file == "calendars/2025.yaml"
