"""Case files (rules/tests/*.yaml and any pack's tests/): the format, its located errors, the
runner and its readable failures, coverage, ``riskrules test`` and the pytest plugin.

The bundled pack's policy cases themselves run as pytest items collected from
``rules/tests/`` by the plugin; :func:`test_every_rule_has_tests` holds every rule to a case
that fires it, a near miss and boundary cases on both sides.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.cli import main
from riskrules.errors import RulePackError
from riskrules.pack.pack import bundled_rules_path
from riskrules.testing import builders, load_cases, run_case, run_cases
from riskrules.testing.cases import apply_changes, find_case_files, parse_path

BUNDLED_TESTS = bundled_rules_path() / "tests"
AS_OF = builders.AS_OF


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def pack_with_tests(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    """A folder that is a rule pack (a copy of the bundled one, without its cases) with one case file."""
    root = tmp_path / "my-rules"
    shutil.copytree(bundled_rules_path(), root, ignore=shutil.ignore_patterns("tests"))
    return write(root / "tests", name, text)


ONE_GOOD_ONE_WRONG = """\
    defaults: {as_of: 2022-07-31}
    cases:
      - name: low income at 5,000 per head
        tags: [fires]
        record:
          base: baseline
          set: {income.wage: "10000.00", previous_income.wage: "10000.00"}
        expect:
          flags:
            - rule: signal.low_income
              facts: {income.per_capita_net: "5,000.00 元"}
      - name: a deliberately wrong category
        record:
          base: baseline
          set: {income.wage: "10000.00", previous_income.wage: "10000.00"}
        expect:
          flags: [{rule: identification.marginal_prone, category: sudden_severe_difficulty}]
"""


# -- the bundled suite -----------------------------------------------------------------------------

def _bundled_files() -> list[riskrules.testing.CaseFile]:
    return [load_cases(p) for p in sorted(BUNDLED_TESTS.glob("*.yaml"))]


def test_every_rule_has_tests(pack: riskrules.RulePack) -> None:
    """Every rule: a case tagged fires that fires it, a near miss that decides it false, and
    boundary cases on both sides of its line. Cases may name only rules the pack has."""
    ids = {r.id for r in pack.rules}
    assert len(ids) == len(pack.rules), "duplicate rule ids in the pack"
    sides: dict[str, set[str]] = {rid: set() for rid in ids}
    named: set[str] = set()
    for case_file in _bundled_files():
        for case in case_file.cases:
            named.update(case.expect.rules())
            if case.xfail:
                continue
            for tag in ("fires", "near_miss", "boundary"):
                if tag not in case.tags:
                    continue
                for rid in case.fires():
                    sides.setdefault(rid, set()).add(f"{tag}:fires")
                for rid in case.silent():
                    sides.setdefault(rid, set()).add(f"{tag}:silent")
    assert not sorted(named - ids), f"cases for rules no longer in the pack: {sorted(named - ids)}"
    for need, what in (("fires:fires", "a 'fires' case that fires it"), ("near_miss:silent", "a 'near_miss' case"),
                       ("boundary:fires", "a boundary case on the firing side"),
                       ("boundary:silent", "a boundary case on the silent side")):
        missing = sorted(rid for rid in ids if need not in sides[rid])
        assert not missing, f"rules without {what}: {missing}"


def test_the_bundled_suite_passes_and_fires_every_rule(pack: riskrules.RulePack) -> None:
    suite = run_cases(rules=pack)
    assert not suite.errors, [e.describe() for e in suite.errors]
    assert not suite.failed, suite.failed[0].report
    (coverage,) = suite.coverage()
    assert coverage.cases == len(suite.results) > 400
    assert coverage.never_fired == [] and coverage.percent == 100.0
    assert not coverage.clauses_never_fired


def test_baseline_household_triggers_nothing(pack: riskrules.RulePack) -> None:
    a = pack.assess(builders.household(), as_of=AS_OF)
    assert a.flags == [] and a.signals == []
    assert a.jurisdiction == "620522"
    # With no monitoring case the case facts are decided (not identified, not eliminated, no
    # green channel), so every case rule is decided false and nothing is left to ask.
    assert a.undecided == []


def test_baseline_open_case_with_measure_is_clean_apart_from_elimination_timing(pack: riskrules.RulePack) -> None:
    h = builders.with_measure(builders.open_case(builders.household()), "employment", "2022-06-16")
    h = builders.with_case(h, income_above_range_since="2022-01-01")
    a = pack.assess(h, as_of=AS_OF)
    assert [f.rule_id for f in a.flags] == ["elimination.blocked"]
    assert a.flags[0].signals == ["elimination_unmet_time"]
    assert {f.rule_id for f in a.signals} == {
        "elimination.criterion_income_stable", "elimination.criterion_measures",
        "elimination.criterion_guarantees", "elimination.criterion_no_new_risk",
        "elimination.criterion_hardship_resolved", "elimination.unmet_time"}
    # only the home visits are not on record
    assert [u.rule_id for u in a.undecided] == ["deadline.home_visit_overdue"]


def test_case_files_do_not_change_the_pack_version(pack: riskrules.RulePack, pack_dir: Path) -> None:
    from riskrules.pack.pack import _content_hash

    assert _content_hash(pack_dir) == pack.version
    write(pack_dir / "tests", "extra.yaml", ONE_GOOD_ONE_WRONG)
    (pack_dir / "tests" / "identification.yaml").unlink()
    assert _content_hash(pack_dir) == pack.version
    write(pack_dir / "policy", "extra.yaml", "rules: []\n")
    assert _content_hash(pack_dir) != pack.version


# -- the format -----------------------------------------------------------------------------------

def test_records_are_built_from_a_base_and_changes(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", """\
        defaults: {as_of: 2022-07-31, jurisdiction: "620522"}
        cases:
          - name: first
            record:
              base: baseline
              set:
                income.wage: "10000.00"
                "members[0].labour_capacity": weak
                "members[2]": {member_id: m3, birth_date: 2010-01-01}
                monitoring_case.clue_found_on: 2022-07-01
              remove: [previous_income]
            expect: {absent: [signal.low_income]}
          - name: second
            as_of: 2022-08-01
            jurisdiction: null
            record:
              case: first
              set: {household_type: poverty_alleviated}
            expect: {absent: [signal.low_income]}
          - name: third
            record: {example: marginal_prone}
            expect: {flags: [identification.marginal_prone]}
          - name: fourth
            record: {household: {household_id: X, region_code: "230102", members: [{member_id: a}]}}
            expect: {undecided: [{rule: signal.low_income, ask_for: [income]}]}
    """)
    first, second, third, fourth = load_cases(path).cases
    assert first.as_of == date(2022, 7, 31) and first.jurisdiction == "620522" and first.line == 3
    assert first.record["income"]["wage"] == "10000.00" and "previous_income" not in first.record
    assert first.record["members"][0]["labour_capacity"] == "weak"
    assert first.record["members"][2] == {"member_id": "m3", "birth_date": "2010-01-01"}
    assert first.record["monitoring_case"] == {"clue_found_on": "2022-07-01"}
    assert second.record["household_type"] == "poverty_alleviated" and second.record["income"]["wage"] == "10000.00"
    assert second.as_of == date(2022, 8, 1) and second.jurisdiction is None
    assert third.record["household_id"] == riskrules.load_example("marginal_prone").household_id
    assert fourth.record["members"] == [{"member_id": "a"}]
    assert builders.household()["income"]["wage"] == "20000.00"  # the baseline was not changed


def test_paths() -> None:
    assert parse_path("members[0].labour_capacity") == ["members", 0, "labour_capacity"]
    assert parse_path("a[1][2].b") == ["a", 1, 2, "b"]
    for bad in ("", "a..b", "a[x]", "1a", "a.[0]"):
        with pytest.raises(ValueError):
            parse_path(bad)
    record = {"xs": [1, 2]}
    apply_changes(record, {"xs[2]": 3, "y.z": 1}, ["xs[0]"])
    assert record == {"xs": [2, 3], "y": {"z": 1}}
    with pytest.raises(ValueError, match="beyond the end"):
        apply_changes(record, {"xs[5]": 1}, [])
    with pytest.raises(ValueError, match="no q to remove"):
        apply_changes(record, {}, ["q"])


BROKEN = [
    ("unknown case key", "  - name: a\n    recrod: {base: baseline}\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n",
     4, "unknown key 'recrod'", "record"),
    ("bare jurisdiction", "  - name: a\n    jurisdiction: 23\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n",
     4, 'quote the jurisdiction: "23"', None),
    ("no as-of", "  - name: a\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n", 3, "needs 'as_of'", None),
    ("unknown example", "  - name: a\n    as_of: 2022-07-31\n    record: {example: marginal}\n    expect: {absent: [x.y]}\n",
     5, "no bundled example named 'marginal'", "marginal_prone"),
    ("later case", "  - name: a\n    as_of: 2022-07-31\n    record: {case: b}\n    expect: {absent: [x.y]}\n",
     5, "no earlier case named 'b'", None),
    ("bad path", "  - name: a\n    as_of: 2022-07-31\n    record:\n      base: baseline\n      set:\n        members[9].health: x\n"
                 "    expect: {absent: [x.y]}\n", 8, "members[9] is beyond the end of the list", None),
    ("nothing expected", "  - name: a\n    as_of: 2022-07-31\n    record: {base: baseline}\n    expect: {}\n",
     6, "names nothing to check", None),
    ("invalid and flags", "  - name: a\n    as_of: 2022-07-31\n    record: {base: baseline}\n"
                          "    expect: {invalid: [members], absent: [x.y]}\n", 6, "cannot expect flags as well", None),
    ("a date that does not exist", "  - name: a\n    as_of: 2022-02-30\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n",
     4, "not a calendar date", None),
    ("two names alike", "  - name: a\n    as_of: 2022-07-31\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n"
                        "  - name: a\n    as_of: 2022-07-31\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n",
     7, "case name 'a' is used twice", None),
]


@pytest.mark.parametrize("body, line, message, suggestion", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_case_file_errors_name_file_and_line(tmp_path: Path, body: str, line: int, message: str,
                                             suggestion: str | None) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("# a comment\ncases:\n" + body, encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_cases(path)
    error = next((e for e in info.value.errors if message in e.message_en), None)
    assert error is not None, [e.describe() for e in info.value.errors]
    assert error.file and error.file.endswith("broken.yaml") and error.line == line, error.describe()
    assert error.suggestion == suggestion


def test_unknown_rules_and_parameters_are_errors_against_the_pack(tmp_path: Path, pack: riskrules.RulePack) -> None:
    path = write(tmp_path, "c.yaml", """\
        cases:
          - name: a
            as_of: 2022-07-31
            record: {base: baseline}
            parameters: {monitoring_rnage: 6500}
            expect:
              flags: [{rule: signal.low_incom, parameters_from: {monitoring_range: CN}}]
        """)
    (case,) = load_cases(path).cases
    with pytest.raises(RulePackError) as info:
        run_case(case, pack)
    found = {(e.line, e.suggestion) for e in info.value.errors}
    assert found == {(7, "signal.low_income"), (5, "monitoring_range")}, [e.describe() for e in info.value.errors]


# -- running ----------------------------------------------------------------------------------------

def _one(tmp_path: Path, pack: riskrules.RulePack, expect: str, record: str = "{base: baseline}",
         extra: str = "") -> riskrules.testing.CaseResult:
    path = tmp_path / "c.yaml"
    path.write_text(f"cases:\n  - name: it\n    as_of: 2022-07-31\n    record: {record}\n{extra}    expect: {expect}\n",
                    encoding="utf-8")
    (case,) = load_cases(path).cases
    return run_case(case, pack)


def test_a_wrong_expectation_fails_with_expected_against_actual(pack: riskrules.RulePack, tmp_path: Path) -> None:
    result = _one(tmp_path, pack, "{flags: [{rule: signal.low_income, facts: {income.per_capita_net: '4,000.00 元'}}]}",
                  "{base: baseline, set: {income.wage: '10000.00', previous_income.wage: '10000.00'}}")
    assert result.status == "failed"
    assert "signal.low_income: fact income.per_capita_net expected '4,000.00 元', actual '5,000.00 元'" in result.report
    assert "家庭人均纯收入 5,000.00 元，低于监测范围 6,000.00 元" in result.report  # the explanation of the flag
    assert "c.yaml:2" in result.report.splitlines()[0]


def test_a_rule_that_did_not_fire_shows_what_it_read(pack: riskrules.RulePack, tmp_path: Path) -> None:
    result = _one(tmp_path, pack, "{flags: [signal.low_income]}")
    assert result.problems == ["signal.low_income: expected to fire; it was decided false (did not fire)"]
    assert "income.per_capita_net = 10,000.00 元" in result.report
    assert "monitoring_range = 6,000.00 元 (from CN, effective 2021-01-01)" in result.report


def test_undecided_and_invalid_expectations(pack: riskrules.RulePack, tmp_path: Path) -> None:
    undecided = "{undecided: [{rule: identification.marginal_prone, ask_for: [income]}]}"
    assert _one(tmp_path, pack, undecided, "{example: partial_intake}").status == "passed"
    wrong = _one(tmp_path, pack, "{undecided: [{rule: identification.marginal_prone, ask_for: [shocks]}]}",
                 "{example: partial_intake}")
    assert wrong.problems == ["identification.marginal_prone: expected to ask for shocks; it asks for income"]
    assert _one(tmp_path, pack, "{absent: [signal.low_income]}", "{example: partial_intake}").problems == [
        "signal.low_income: expected to be decided false; it is undecided, asking for income"]
    born_late = "{base: baseline, set: {'members[0].birth_date': 2023-01-01}}"
    assert _one(tmp_path, pack, "{invalid: ['members[0].birth_date']}", born_late).status == "passed"
    refused = _one(tmp_path, pack, "{absent: [signal.low_income]}", born_late)
    assert refused.status == "failed" and "members[0].birth_date" in refused.report and refused.outcomes == {}
    accepted = _one(tmp_path, pack, "{invalid: [members]}")
    assert accepted.problems == ["expected the record to be refused at members; it was accepted and assessed"]


def test_parameter_overrides_and_xfail(pack: riskrules.RulePack, tmp_path: Path) -> None:
    record = "{base: baseline, set: {income.wage: '12400.00', previous_income.wage: '12400.00'}}"
    flags = "{flags: [{rule: signal.low_income, explanation_contains: ['6,500.00 元']}]}"
    assert _one(tmp_path, pack, flags, record, "    parameters: {monitoring_range: 6500}\n").status == "passed"
    assert _one(tmp_path, pack, flags, record, "    xfail: the national range is 6,000\n").status == "xfailed"
    xpassed = _one(tmp_path, pack, "{absent: [signal.low_income]}", record, "    xfail: no reason\n")
    assert xpassed.status == "xpassed" and not xpassed.ok and "remove 'xfail'" in xpassed.report


# -- riskrules test ---------------------------------------------------------------------------------

def test_cli_fails_a_wrong_expectation_naming_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pack_with_tests(tmp_path, ONE_GOOD_ONE_WRONG)
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "a deliberately wrong category" in out
    assert ("identification.marginal_prone: category expected sudden_severe_difficulty, actual marginal_prone") in out
    assert "1 passed, 1 failed" in out


@pytest.fixture()
def bundled_loaded(monkeypatch: pytest.MonkeyPatch, pack: riskrules.RulePack) -> None:
    """``riskrules test --rules <bundled>`` gets the session's pack instead of loading it again."""
    import riskrules.testing.runner as runner

    real = runner.load_rules
    monkeypatch.setattr(runner, "load_rules", lambda root: pack if Path(root).resolve() == pack.root else real(root))


def test_cli_exit_codes_for_file_errors_and_coverage(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     bundled_loaded: None) -> None:
    broken = pack_with_tests(tmp_path, "cases:\n  - name: a\n    record: {base: baseline}\n    expect: {absent: [x.y]}\n")
    assert main(["test", str(broken)]) == 2
    assert "mine.yaml:2: a case needs 'as_of'" in capsys.readouterr().err
    good = write(tmp_path / "elsewhere", "one.yaml", ONE_GOOD_ONE_WRONG.split("      - name: a deliberately")[0])
    assert main(["test", str(good)]) == 2  # outside a pack, no pack: key, no --rules
    assert "which rule pack" in capsys.readouterr().err
    assert main(["test", str(good), "--rules", str(bundled_rules_path()), "--min-coverage", "5", "--coverage"]) == 1
    out = capsys.readouterr().out
    assert "below the minimum 5 %" in out and "signal.low_income" in out and "rules never fired: " in out
    assert main(["test", str(good), "--rules", str(bundled_rules_path()), "--min-coverage", "1"]) == 0
    assert main(["test", str(tmp_path / "nothing-here")]) == 2


def test_find_case_files(tmp_path: Path) -> None:
    good = write(tmp_path, "a/cases.yaml", "cases: []\n")
    write(tmp_path, "a/other.yaml", "rules: []\n")
    files, errors = find_case_files([tmp_path / "a"])
    assert files == [good.resolve()] and not errors
    files, errors = find_case_files([bundled_rules_path()])
    assert len(files) == len(list(BUNDLED_TESTS.glob("*.yaml"))) and not errors


# -- the pytest plugin ------------------------------------------------------------------------------
# In-process runs; hypothesis's plugin is left out (it would re-import hypothesis in every run).
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def test_pytest_collects_a_pack_tests_folder_and_shows_a_readable_failure(pytester: pytest.Pytester, tmp_path: Path) -> None:
    path = pack_with_tests(tmp_path, ONE_GOOD_ONE_WRONG)
    result = pytester.runpytest(str(path), *QUIET, "--riskrules-coverage")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "identification.marginal_prone: category expected sudden_severe_difficulty, actual marginal_prone" in out
    assert "一般农户人均纯收入 5,000.00 元" in out  # the explanation of the flag that fired
    assert "riskrules coverage" in out and "rules fired at least once" in out
    assert "Traceback" not in out


def test_pytest_collects_a_named_case_file_with_a_pack_key(pytester: pytest.Pytester, tmp_path: Path) -> None:
    text = ONE_GOOD_ONE_WRONG.split("      - name: a deliberately")[0]
    path = write(tmp_path / "elsewhere", "mine.yaml", f"pack: {bundled_rules_path()}\n" + textwrap.dedent(text))
    write(tmp_path / "elsewhere", "not-cases.yaml", "something: else\n")
    pytester.runpytest(str(path.parent), *QUIET).assert_outcomes()  # a folder outside a pack: nothing
    result = pytester.runpytest(str(path), *QUIET, "--riskrules-min-coverage", "50")
    result.assert_outcomes(passed=1)
    assert result.ret == 1 and "below the minimum 50 %" in result.stdout.str()


def test_pytest_reports_case_file_errors_with_file_and_line(pytester: pytest.Pytester, tmp_path: Path) -> None:
    path = pack_with_tests(tmp_path, "cases:\n  - name: a\n    as_of: 2022-07-31\n    record: {base: basline}\n"
                                     "    expect: {absent: [x.y]}\n")
    result = pytester.runpytest(str(path), *QUIET)
    assert result.ret == pytest.ExitCode.INTERRUPTED or result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "mine.yaml:4: unknown base 'basline'" in out and "did you mean 'baseline'" in out
