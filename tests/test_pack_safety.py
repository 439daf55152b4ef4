"""Rule packs are data: a broken or hostile pack is refused at load with file, line and rule id,
every error at once, in bounded time; nothing a pack says can crash the process or break an
assessment later."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable

import pytest

import riskrules
from riskrules import RulePackError
from riskrules.cli import main

RULE = """rules:
  - id: custom.safety_rule
    kind: data_quality
    severity: warning
    title: {{zh: 测试, en: test}}
    when: {when}
    conclusion: {conclusion}
    explain: {{zh: "{explain}", en: test explanation}}
    source: {source}
"""
SOURCE = "{document: 测试文件, issuer: 测试机关, date: 2024-01-01, clause: 第一条, quote: 测试}"


def add_rule(pack_dir: Path, *, when: str = "household.size > 0", conclusion: str = "{problem: test}",
             explain: str = "测试说明", source: str = SOURCE, extra: str = "") -> None:
    text = extra + RULE.format(when=when, conclusion=conclusion, explain=explain, source=source)
    (pack_dir / "policy" / "zz_safety.yaml").write_text(text, encoding="utf-8")


def edit(pack_dir: Path, relative: str, old: str, new: str) -> None:
    path = pack_dir / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _long_or(p: Path) -> None:
    add_rule(p, when=" or ".join(f"household.size == {i}" for i in range(65)))


def _anchor_chain(p: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    add_rule(p, conclusion="{problem: *a8}", extra="anchors:\n" + "\n".join("  " + x for x in levels) + "\n")


def _small_anchor_in_conclusion(p: Path) -> None:
    add_rule(p, conclusion="{problem: *a1}", extra="anchors:\n  a0: &a0 [x, x]\n  a1: &a1 [*a0, *a0]\n")


def _deep_not(p: Path) -> None:
    add_rule(p, when="not " * 3000 + "household.size > 0")


def _deep_yaml(p: Path) -> None:
    (p / "policy" / "zz_safety.yaml").write_text("rules: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")


def _huge_file(p: Path) -> None:
    (p / "policy" / "zz_safety.yaml").write_text("# " + "x" * 2_100_000 + "\nrules: []\n", encoding="utf-8")


CASES: list[tuple[str, Callable[[Path], None], str, str | None]] = [
    ("a flat or of 65 terms", _long_or, "or' of 65 terms", "custom.safety_rule"),
    ("16 nested and/or", lambda p: add_rule(p, when="(" * 8 + "household.size == 1" + " and (household.size == 2 or household.size == 3))" * 8),
     "too many 'and'/'or'", "custom.safety_rule"),
    ("a datetime as an effective date", lambda p: edit(p, "parameters/CN.yaml", "effective: 2021-01-01\n",
                                                        "effective: 2021-01-01 00:00:00\n"), "without a time of day", None),
    ("an impossible date", lambda p: edit(p, "parameters/CN.yaml", "effective: 2021-01-01\n", "effective: 2021-02-30\n"),
     "not a calendar date", None),
    ("an absurd period", lambda p: edit(p, "parameters/CN.yaml", "{amount: 15, unit: calendar_days}",
                                        "{amount: 99999999, unit: calendar_days}"), "from 0 to 3660", None),
    ("a value of 1e30", lambda p: edit(p, "parameters/CN.yaml", "value: 6000\n", "value: 1e30\n"), "from 0 to 100,000,000", None),
    ("an anchor chain", _anchor_chain, "aliases expand", None),
    ("a nested list in a conclusion", _small_anchor_in_conclusion, "'conclusion' maps", "custom.safety_rule"),
    ("an unmatched brace", lambda p: add_rule(p, explain="收入 {income.net 未闭合"), "unmatched brace", "custom.safety_rule"),
    ("a nested any()", lambda p: add_rule(p, when="any(any(n.age > 1 for n in members) for m in members)"),
     "nested any()", "custom.safety_rule"),
    ("a number as a document", lambda p: add_rule(p, source=SOURCE.replace("测试文件", "12345")), "must be text",
     "custom.safety_rule"),
    ("3,000 nested not", _deep_not, "nests more than", "custom.safety_rule"),
    ("YAML nested 3,000 deep", _deep_yaml, "nested more than", None),
    ("a file over the size limit", _huge_file, "at most 2,000,000 bytes", None),
    ("an impossible calendar date", lambda p: edit(p, "calendars/2022.yaml", "{date: 2022-01-31, name: 春节}",
                                                   "{date: 2022-02-30, name: 春节}"), "invalid date", None),
]


@pytest.mark.parametrize("label, make, fragment, rule_id", CASES, ids=[c[0] for c in CASES])
def test_a_bad_pack_is_refused_with_file_line_and_rule(pack_dir: Path, label: str, make: Callable[[Path], None],
                                                        fragment: str, rule_id: str | None) -> None:
    make(pack_dir)
    started = time.perf_counter()
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    assert time.perf_counter() - started < 30, "loading a hostile pack must stay bounded"
    (error,) = info.value.errors
    assert fragment in error.describe()
    assert error.file and (error.line is not None or label == "a file over the size limit")
    if rule_id:
        assert error.rule_id == rule_id


def test_check_reports_every_error_not_the_first(pack_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_rule(pack_dir, when="income.per_capita > 0", explain="{oops")
    edit(pack_dir, "parameters/CN.yaml", "value: 6000\n", "value: -1\n")
    edit(pack_dir, "parameters/46.yaml", "unit: working_days", "unit: workdays")
    with pytest.raises(RulePackError) as info:
        riskrules.load_rules(pack_dir)
    where = {(e.file, e.line) for e in info.value.errors}
    assert len(info.value.errors) == 3 and len(where) == 3
    assert any(e.suggestion == "income.per_capita_net" for e in info.value.errors)
    assert main(["check", "--rules", str(pack_dir)]) == 2
    err = capsys.readouterr().err
    assert "3 errors" in err and "policy/zz_safety.yaml" in err and "parameters/CN.yaml" in err and "parameters/46.yaml" in err


def test_an_or_of_64_terms_is_assessed_correctly(pack_dir: Path) -> None:
    add_rule(pack_dir, when=" or ".join(f"household.size == {i}" for i in range(2, 66)))
    pack = riskrules.load_rules(pack_dir)
    two = riskrules.load_example("late_identification")
    one = two.model_copy(update={"members": two.members[:1]})
    assert "custom.safety_rule" in pack.assess(two, as_of=riskrules.cli.DEMO_AS_OF).rule_ids()
    assert "custom.safety_rule" not in pack.assess(one, as_of=riskrules.cli.DEMO_AS_OF).rule_ids()


_WORST = textwrap.dedent('''
    import json, shutil, sys
    from datetime import date
    from pathlib import Path
    import riskrules
    from riskrules.pack.pack import bundled_rules_path
    sys.path.insert(0, sys.argv[2])
    import test_pack_safety as t

    out = {}
    base = Path(sys.argv[1])
    for label, make, fragment, rule_id in t.CASES:
        target = base / label.replace(" ", "_").replace(",", "")
        shutil.copytree(bundled_rules_path(), target)
        make(target)
        try:
            riskrules.load_rules(target)
            out[label] = "loaded"
        except riskrules.RulePackError:
            out[label] = "refused"
    pack = riskrules.load_rules()
    records = [
        {"household_id": "H", "region_code": "230102", "members": [{"member_id": "m"}],
         "drinking_water": {"fetch_minutes": 2**63, "horizontal_distance_m": 2**64, "vertical_distance_m": 10**5000}},
        {"household_id": "H", "region_code": "230102", "household_type": [[[[[]]]]] * 1, "members": [{"member_id": "m"}]},
        {"household_id": "H", "region_code": "460105", "members": [{"member_id": "m"}],
         "monitoring_case": {"clue_found_on": "2003-05-01"}},
    ]
    nested = []
    for _ in range(1000):
        nested = [nested]
    records.append({"household_id": "H", "region_code": "230102", "household_type": nested, "members": [{"member_id": "m"}]})
    for i, record in enumerate(records):
        for as_of in (date(2022, 7, 31), date(2020, 1, 1)):
            try:
                pack.assess(record, as_of=as_of)
                out[f"record {i} {as_of}"] = "assessed"
            except riskrules.InvalidRecord:
                out[f"record {i} {as_of}"] = "invalid"
    print(json.dumps(out))
''')


@pytest.mark.slow  # ~6.5 s: CI runs it with `pytest -m slow`
def test_the_worst_packs_and_records_never_end_the_process(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _WORST, str(tmp_path), str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    out = json.loads(done.stdout)
    assert all(out[label] == "refused" for label, *_ in CASES), out
    assert {v for k, v in out.items() if k.startswith("record")} == {"invalid"}, out
