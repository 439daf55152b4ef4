"""Outputs: the demo, batches with a rejects file (no row dropped), the summary, generated docs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import riskrules
from riskrules.cli import main
from riskrules.outputs.batch import assess_batch, read_rows
from riskrules.outputs.rules_doc import rules_markdown
from riskrules.outputs.summary import summarise

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2022, 7, 31)


def test_demo_examples_prints_every_example_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--examples"]) == 0
    out = capsys.readouterr().out
    for name in riskrules.example_names():
        assert f"== {name}" in out
    assert "deadline.identification_overdue" in out and "summary / 汇总" in out
    assert "{" not in "\n".join(line for line in out.splitlines() if line.startswith("  ["))


def test_python_dash_m_runs_the_demo(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "riskrules", "demo", "--households", "150", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "riskrules demo" in proc.stdout and "已识别监测对象户 identified households" in proc.stdout
    assert (tmp_path / "report.html").is_file() and (tmp_path / "results.jsonl").is_file() and (tmp_path / "county.csv").is_file()


@pytest.mark.slow
def test_the_main_job_demo_screens_a_county_in_under_a_minute(tmp_path: Path) -> None:
    import time

    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "riskrules", "demo", "--dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert time.perf_counter() - started < 60
    assert "户均帮扶措施" in proc.stdout and "逾期清单" in proc.stdout


def test_batch_writes_rejects_with_reasons_and_drops_nothing(pack: riskrules.RulePack) -> None:
    good = json.loads(riskrules.examples.example_json("late_identification"))
    bad_record = dict(good, household_id="BAD-1", region_code="990102")
    lines = [json.dumps(good, ensure_ascii=False), "{not json", json.dumps(bad_record, ensure_ascii=False), "", "[1, 2]",
             json.dumps(dict(good, household_id="GOOD-2"), ensure_ascii=False)]
    out, rejects = io.StringIO(), io.StringIO()
    result = assess_batch(pack, read_rows(io.StringIO("\n".join(lines))), AS_OF, out=out, rejects=rejects)
    assert (result.read, result.assessed, result.rejected) == (5, 2, 3)
    assessed = [json.loads(line) for line in out.getvalue().splitlines()]
    rejected = [json.loads(line) for line in rejects.getvalue().splitlines()]
    assert [a["household_id"] for a in assessed] == [good["household_id"], "GOOD-2"]
    assert [r["row"] for r in rejected] == [2, 3, 5]  # the blank line 4 is counted, not read
    assert rejected[1]["household_id"] == "BAD-1"
    assert rejected[1]["problems"][0]["path"] == "region_code" and rejected[1]["problems"][0]["message_zh"]
    assert rejected[0]["problems"][0]["code"] == "json_invalid"
    per_household = len(pack.assess(good, as_of=AS_OF).flags_of("deadline_breach"))
    assert per_household >= 1 and result.flags_by_kind["deadline_breach"] == 2 * per_household


def test_batch_accepts_a_json_array(pack: riskrules.RulePack) -> None:
    rows = [json.loads(riskrules.examples.example_json(n)) for n in ("marginal_prone", "green_channel")]
    out, rejects = io.StringIO(), io.StringIO()
    result = assess_batch(pack, read_rows(io.StringIO(json.dumps(rows, ensure_ascii=False))), AS_OF, out=out, rejects=rejects)
    assert (result.read, result.assessed, result.rejected) == (2, 2, 0)


def test_assess_command_counts_and_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(riskrules.examples.example_json("marginal_prone").replace("\n", " ") + "\n{}\n", encoding="utf-8")
    code = main(["assess", str(source), "--as-of", "2022-07-31", "--out", str(tmp_path / "out.jsonl"),
                 "--rejects", str(tmp_path / "rejects.jsonl")])
    assert code == 3  # some rows were rejected
    counts = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert counts["read"] == 2 and counts["assessed"] == 1 and counts["rejected"] == 1
    (reject,) = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {p["path"] for p in reject["problems"]} == {"household_id", "region_code", "members"}


def test_summary_reproduces_the_reported_measures(pack: riskrules.RulePack) -> None:
    pairs = [(r, pack.assess(r, as_of=AS_OF)) for r in riskrules.load_examples().values()]
    s = summarise(pairs, AS_OF)
    assert s.households == len(pairs)
    assert s.people == sum(len(r.members) for r, _ in pairs)
    assert s.monitoring_households >= 5
    assert s.measures_per_household == (s.measures / s.monitoring_households if s.monitoring_households else 0) \
        or abs(float(s.measures_per_household) - s.measures / s.monitoring_households) < 0.005
    assert any("户均" in line for line in s.lines())


def test_rule_catalogue_in_docs_is_in_sync(pack: riskrules.RulePack) -> None:
    expected = rules_markdown(pack)
    actual = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `riskrules rules-doc --write docs/rules.md`"
    for rule in pack.rules:
        assert f"`{rule.id}`" in actual


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"].startswith("农户信息采集记录")


def test_check_reports_a_broken_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--rules", str(tmp_path), "check"]) == 2
    assert "riskrules:" in capsys.readouterr().err


def _changed_pack(tmp_path: Path, national_range: str) -> riskrules.RulePack:
    import shutil

    from riskrules.pack.pack import bundled_rules_path

    changed = tmp_path / "rules"
    shutil.copytree(bundled_rules_path(), changed)
    cn = changed / "parameters" / "CN.yaml"
    cn.write_text(cn.read_text(encoding="utf-8").replace("        value: 6000\n", f"        value: {national_range}\n", 1),
                  encoding="utf-8")
    return riskrules.load_rules(changed)


@pytest.fixture(scope="module")
def range_4800(tmp_path_factory: pytest.TempPathFactory) -> riskrules.RulePack:
    return _changed_pack(tmp_path_factory.mktemp("r4800"), "4800")


def test_diff_of_two_packs_names_who_gains_and_loses(pack: riskrules.RulePack, range_4800: riskrules.RulePack) -> None:
    from riskrules.outputs.diff import diff_packs

    records = list(riskrules.load_examples().values())
    result = diff_packs(pack, range_4800, records, AS_OF)
    gained = {(c.household_id, c.rule_id) for c in result.changes if c.change == "gained"}
    # 5,600 per head: inside 6,000; over 4,800 but in serious difficulty after rigid spending, so
    # the case's recorded category (unstable) now contradicts the computed one
    nolab = riskrules.load_example("no_labour_capacity")
    assert (nolab.household_id, "data_quality.category_contradicts_sudden") in gained
    change = next(c for c in result.changes if c.household_id == nolab.household_id and c.change == "gained")
    assert change.old.outcome == "false" and any("6,000.00 元" in item for item in change.old.read)
    assert change.new.outcome == "fired" and change.new.conclusion
    unstable = riskrules.load_example("unstable_out_of_poverty")  # 4,600: inside both
    assert not any(c.household_id == unstable.household_id and c.rule_id.startswith("identification.") for c in result.changes)
    assert result.counts()["data_quality.category_contradicts_sudden"]["gained"] >= 1
    assert result.households == len(records) and result.old_version != result.new_version and result.rejected == 0


def test_a_household_that_changes_category_is_one_reclassified_row(pack: riskrules.RulePack,
                                                                  range_4800: riskrules.RulePack) -> None:
    from riskrules.outputs.diff import diff_packs

    marginal = riskrules.load_example("marginal_prone")  # 4,900 per head: inside 6,000; over 4,800 with heavy spending
    result = diff_packs(pack, range_4800, [marginal], AS_OF)
    rows = [c for c in result.changes if c.kind == "monitoring_object"]
    assert len(rows) == 1
    (row,) = rows
    assert (row.change, row.from_category, row.to_category) == ("reclassified", "marginal_prone", "sudden_severe_difficulty")
    assert row.old.rule_id == "identification.marginal_prone" and row.rule_id == row.new.rule_id == "identification.sudden_severe_difficulty"
    assert "6,000.00" in (row.old.explanation_zh or "") and "4,800.00" in (row.new.explanation_zh or "")
    assert not any(rule.startswith("identification.") for rule in result.counts())
    assert result.reclassifications() == {"marginal_prone → sudden_severe_difficulty": 1}
    line = json.loads(result.to_json_lines().splitlines()[0])
    assert (line["change"], line["from"], line["to"]) == ("reclassified", "marginal_prone", "sudden_severe_difficulty")
    assert line["old"]["explanation_zh"] and line["new"]["explanation_zh"]


@pytest.fixture()
def loaded(monkeypatch: pytest.MonkeyPatch, pack: riskrules.RulePack, range_4800: riskrules.RulePack) -> None:
    """``riskrules diff`` given --old rules/ and --new <anything else> gets the packs already loaded."""
    import riskrules.cli.diff

    monkeypatch.setattr(riskrules.cli.diff, "load_rules",
                        lambda path: pack if Path(path).resolve() == (ROOT / "rules").resolve() else range_4800)


def _diff(tmp_path: Path, rows: list[Any], *extra: str, rejects: str | None = None) -> tuple[int, str, dict[str, Any]]:
    source = tmp_path / "in.jsonl"
    source.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                      encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["diff", str(source), "--old", str(ROOT / "rules"), "--new", str(tmp_path / "rules"),
                     "--as-of", "2022-07-31", "--rejects", rejects or str(tmp_path / "rejects.jsonl"), *extra])
    lines = err.getvalue().strip().splitlines()
    summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return code, out.getvalue(), summary


def test_diff_command_counts_rejects_whatever_the_rejects_path(tmp_path: Path, loaded: None) -> None:
    good = json.loads(riskrules.examples.example_json("marginal_prone"))
    hainan = json.loads(riskrules.examples.example_json("hainan_working_days"))
    rows = [good, "{not json", {"household_id": "X"}, "[1]"]
    for rejects in (str(tmp_path / "rejects.jsonl"), os.devnull, str(tmp_path / "r" / ".." / "again.jsonl")):
        (tmp_path / "r").mkdir(exist_ok=True)
        code, out, summary = _diff(tmp_path, rows, rejects=rejects)
        assert code == 3 and summary["rejected"] == 3 and summary["households"] == 1, (rejects, summary)
        assert summary["reclassified"] == {"marginal_prone → sudden_severe_difficulty": 1}
    written = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in written] == [2, 3, 4] and written[0]["problems"][0]["code"] == "json_invalid"
    assert written[1]["household_id"] == "X"
    # A row valid for the old pack that an assessment refuses (no 2027 calendar) is rejected, not fatal.
    hainan["monitoring_case"] = {"clue_found_on": "2026-12-20"}
    source = tmp_path / "late.jsonl"
    source.write_text(json.dumps(hainan, ensure_ascii=False) + "\n" + json.dumps(good, ensure_ascii=False) + "\n", encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["diff", str(source), "--old", str(ROOT / "rules"), "--new", str(tmp_path / "rules"),
                     "--as-of", "2026-12-28", "--rejects", str(tmp_path / "late-rejects.jsonl")])
    assert code == 3 and json.loads(err.getvalue().strip().splitlines()[-1])["rejected"] == 1
    (reject,) = [json.loads(x) for x in (tmp_path / "late-rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["row"] == 1 and reject["problems"][0]["code"] == "calendar_not_covered"


def test_diff_command_refuses_a_rejects_file_that_is_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               loaded: None) -> None:
    source = tmp_path / "in.jsonl"
    text = riskrules.examples.example_json("marginal_prone").replace("\n", " ") + "\n"
    source.write_text(text, encoding="utf-8")
    code = main(["diff", str(source), "--old", str(ROOT / "rules"), "--new", str(tmp_path / "rules"), "--as-of", "2022-07-31",
                 "--rejects", str(tmp_path / "." / "in.jsonl")])
    assert code == 2 and "is the input file" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == text
    code = main(["diff", str(source), "--old", str(ROOT / "rules"), "--new", str(tmp_path / "rules"), "--as-of", "2022-07-31",
                 "--rejects", str(tmp_path / "no" / "such" / "dir.jsonl")])
    assert code == 2 and "cannot write the rejects file" in capsys.readouterr().err


def test_diff_explain_shows_both_explanations_side_by_side(tmp_path: Path, loaded: None) -> None:
    code, out, summary = _diff(tmp_path, [json.loads(riskrules.examples.example_json("marginal_prone"))], "--explain",
                               "--width", "140")
    assert code == 0 and summary["households"] == 1
    lines = out.splitlines()
    assert lines[0].endswith("reclassified  marginal_prone → sudden_severe_difficulty")
    assert lines[1].startswith("old: identification.marginal_prone fired") and "│ new: identification.sudden_severe_difficulty fired" in lines[1]
    left = "".join(line.split(" │ ")[0].strip() for line in lines[1:] if " │ " in line)
    right = "".join(line.split(" │ ")[-1].strip() for line in lines[1:] if " │ " in line)
    assert "6,000.00" in left and "4,800.00" in right and "{" not in out.replace('{"category"', "")


def test_a_row_that_needs_a_missing_calendar_is_rejected_not_fatal(pack: riskrules.RulePack) -> None:
    good = json.loads(riskrules.examples.example_json("marginal_prone"))
    hainan = json.loads(riskrules.examples.example_json("hainan_working_days"))
    hainan["monitoring_case"] = {"clue_found_on": "2026-12-20"}
    rows = [good, hainan, dict(good, household_id="AFTER")]
    out, rejects = io.StringIO(), io.StringIO()
    result = assess_batch(pack, read_rows(io.StringIO(json.dumps(rows, ensure_ascii=False))), date(2026, 12, 28), out=out,
                          rejects=rejects)
    assert (result.read, result.assessed, result.rejected) == (3, 2, 1)
    (reject,) = [json.loads(x) for x in rejects.getvalue().splitlines()]
    assert reject["row"] == 2 and reject["problems"][0]["code"] == "calendar_not_covered"
    assert "2027.yaml" in reject["problems"][0]["message_en"]
