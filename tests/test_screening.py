"""Screening runs: nothing lost, nothing overwritten, the same output whatever the workers, resumable."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.cli import main
from riskrules.io import open_input
from riskrules.screening import Plan, Progress, Settings, screen
from riskrules.synthetic import write_county

AS_OF = "2022-07-31"
ID = "110101199003077774"  # a valid resident identity number (GB 11643 check digit)


def csv_export(path: Path) -> Path:
    """A county export with Chinese headers, good rows and a few malformed ones."""
    rows = [
        "户编号,行政区划代码,户类型,成员编号,身份证号码,出生日期,与户主关系,劳动能力,是否参加基本医疗保险,工资性收入（元）,收入统计期起,收入统计期止,有无帮扶措施,帮扶措施1,帮扶措施1开始日期,发现风险线索日期",
        "H-001,230124101201,脱贫户,1,,1970/3/5,户主,普通劳动力,是,\"4,689.87\",2021/7/1,2022/6/30,有,产业帮扶,2022/3/1,2022/6/1",
        "H-001,230124101201,脱贫户,2,,1972/8/9,配偶,弱劳动力,是,\"4,689.87\",2021/7/1,2022/6/30,有,产业帮扶,2022/3/1,2022/6/1",
        "H-002,230124101202,一般农户,1,,1975/2/30,户主,普通劳动力,是,\"16,89.87\",2021/7/1,2022/6/30,无,,",
        "H-003,230124101202,一般农户,1,,44743,户主,普通劳动力,是的,\"20,000.00\",2021/7/1,2022/6/30,无,,",
        f"H-004,230124101203,一般农户,1,{ID},1990/3/7,户主,普通劳动力,是,\"30,000.00\",2021/7/1,2022/6/30,无,,",
        "H-005,990124101203,一般农户,1,,1990/3/7,户主,外星劳动力,是,\"30,000.00\",2021/7/1,2022/6/30,无,,",
        f"{ID},230124101203,一般农户,1,,1990/3/7,户主,普通劳动力,是,\"30,000.00\",2021/7/1,2022/6/30,无,,",
        "H-006,230124101204,一般农户,1,,1988/1/1,户主,普通劳动力,是,\"８,０００.００\",2021/7/1,2022/6/30,无,,",
    ]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


def test_malformed_csv_export_good_rows_assessed_bad_rows_rejected(tmp_path: Path) -> None:
    src = csv_export(tmp_path / "export.csv")
    out, rej = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    code, err = run_cli("assess", str(src), "--as-of", AS_OF, "--out", str(out), "--rejects", str(rej), "--progress", "off")
    assert code == 3
    counts = json.loads(err.strip().splitlines()[-1])
    assert (counts["read"], counts["assessed"], counts["rejected"]) == (7, 3, 4)
    assessed = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(a["household_id"], a["row"], a["people"]) for a in assessed] == [("H-001", 2, 2), ("H-004", 6, 1), ("H-006", 9, 1)]
    rejects = [json.loads(x) for x in rej.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rejects] == [4, 5, 7, 8]
    by_row = {r["row"]: {(p["row"], p["column"], p["code"]) for p in r["problems"]} for r in rejects}
    assert by_row[4] == {(4, "出生日期", "date_invalid"), (4, "工资性收入（元）", "thousands_separator")}
    assert by_row[5] == {(5, "是否参加基本医疗保险", "yes_no")}
    assert by_row[7] == {(7, "行政区划代码", "region_province"), (7, "劳动能力", "enum")}
    assert by_row[8] == {(8, "户编号", "id_is_identity_number")} or {p[1] for p in by_row[8]} == {"户编号"}
    for r in rejects:
        assert r["source"] == "export.csv" and all(p["message_zh"] and p["message_en"] for p in r["problems"])
    everything = out.read_text(encoding="utf-8") + rej.read_text(encoding="utf-8") + err
    assert ID not in everything  # never in full, not even the household id that is one
    catalogue = json.loads((tmp_path / "out.catalogue.json").read_text(encoding="utf-8"))
    some_flag = next(f for a in assessed for f in a["flags"])
    assert catalogue["rules"][some_flag["rule_id"]]["citation"]["document"]
    assert catalogue["pack"]["version"] == assessed[0]["pack_version"] and "citation" not in some_flag


def test_rejects_as_csv_one_line_a_problem(tmp_path: Path) -> None:
    src = csv_export(tmp_path / "export.csv")
    code, _ = run_cli("assess", str(src), "--as-of", AS_OF, "--out", str(tmp_path / "o.csv"), "--rejects", str(tmp_path / "r.csv"),
                      "--progress", "off")
    assert code == 3
    import csv

    rows = list(csv.DictReader(open(tmp_path / "r.csv", encoding="utf-8-sig")))
    assert {(r["row"], r["column"]) for r in rows} >= {("4", "出生日期"), ("4", "工资性收入（元）"), ("5", "是否参加基本医疗保险")}
    out = list(csv.DictReader(open(tmp_path / "o.csv", encoding="utf-8-sig")))
    assert [r["household_id"] for r in out] == ["H-001", "H-004", "H-006"]


@pytest.mark.parametrize("which", ["--out", "--rejects"])
def test_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path: Path, which: str) -> None:
    src = csv_export(tmp_path / "export.csv")
    before = src.read_bytes()
    args = {"--out": str(tmp_path / "o.jsonl"), "--rejects": str(tmp_path / "r.jsonl")}
    args[which] = str(src)
    code, err = run_cli("assess", str(src), "--as-of", AS_OF, *[x for kv in args.items() for x in kv])
    assert code == 2 and "input" in err and src.read_bytes() == before


def test_two_outputs_on_one_path_and_bad_arguments_are_refused_before_writing(tmp_path: Path) -> None:
    src = csv_export(tmp_path / "export.csv")
    same = str(tmp_path / "x.jsonl")
    assert run_cli("assess", str(src), "--as-of", AS_OF, "--out", same, "--rejects", same)[0] == 2
    code, err = run_cli("assess", str(tmp_path / "missing.csv"), "--as-of", AS_OF, "--rejects", str(tmp_path / "r.jsonl"))
    assert code == 2 and "no such file" in err
    code, err = run_cli("assess", str(src), "--as-of", AS_OF, "--jurisdiction", "XX", "--out", str(tmp_path / "o.jsonl"),
                        "--rejects", str(tmp_path / "r.jsonl"))
    assert code == 2 and "--jurisdiction" in err
    assert not list(tmp_path.glob("o.jsonl*")) and not list(tmp_path.glob("r.jsonl*"))


def test_full_detail_writes_the_assessment_bytes(tmp_path: Path, pack: riskrules.RulePack) -> None:
    record = json.loads(riskrules.examples.example_json("late_identification"))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert run_cli("assess", str(src), "--as-of", AS_OF, "--out", str(out), "--rejects", str(tmp_path / "r.jsonl"),
                   "--detail", "full", "--citations", "full")[0] == 0
    line = out.read_bytes().rstrip(b"\n")
    expected = pack.assess(record, date(2022, 7, 31)).model_dump_json().encode()
    assert line.endswith(b',"assessment":' + expected + b"}")


def test_flag_rows_and_parquet(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    src = csv_export(tmp_path / "export.csv")
    assert run_cli("assess", str(src), "--as-of", AS_OF, "--out", str(tmp_path / "f.jsonl"), "--rejects", str(tmp_path / "r1.jsonl"),
                   "--rows", "flag")[0] == 3
    flags = [json.loads(x) for x in (tmp_path / "f.jsonl").read_text(encoding="utf-8").splitlines()]
    assert flags and all({"household_id", "kind", "rule_id", "row"} <= set(f) for f in flags)
    assert run_cli("assess", str(src), "--as-of", AS_OF, "--out", str(tmp_path / "h.parquet"), "--rejects", str(tmp_path / "r2.jsonl"))[0] == 3
    table = pq.read_table(tmp_path / "h.parquet")
    assert table.column("household_id").to_pylist() == ["H-001", "H-004", "H-006"]


class _Stop(Exception):
    pass


def _interrupting(source, after: int):  # a source that is interrupted part-way, as Ctrl-C would
    units = source.units

    def gen():
        for i, u in enumerate(units()):
            if i == after:
                raise KeyboardInterrupt
            yield u

    source.units = gen
    return source


def _settings(name: str) -> Settings:
    return Settings(as_of=date(2022, 7, 31), jurisdiction=None, rules=None, out_format="jsonl", rows="household", detail="compact",
                    citations="ref", rejects_format="jsonl", source=name)


def test_interrupted_then_resumed_equals_an_uninterrupted_run(tmp_path: Path, pack: riskrules.RulePack) -> None:
    from riskrules.screening import Interrupted, ScreeningError

    county = write_county(tmp_path / "county.csv", 150, seed=7, bad_share=0.05)
    clean = Plan(out=str(tmp_path / "clean.jsonl"), rejects=str(tmp_path / "clean-r.jsonl"), settings=_settings("county.csv"),
                 inputs=(str(county),))
    screen(open_input(str(county)), clean, pack)
    plan = Plan(out=str(tmp_path / "o.jsonl"), rejects=str(tmp_path / "r.jsonl"), settings=_settings("county.csv"), inputs=(str(county),),
                checkpoint_every=0.0, chunk=8)
    with pytest.raises(Interrupted):
        screen(_interrupting(open_input(str(county)), 77), plan, pack)
    assert not (tmp_path / "o.jsonl").exists() and (tmp_path / "o.jsonl.checkpoint.json").exists()
    with pytest.raises(ScreeningError):  # a rerun without --resume does not throw the work away
        screen(open_input(str(county)), plan, pack)
    plan.resume = True
    outcome = screen(open_input(str(county)), plan, pack)
    assert outcome.resumed_at > 0
    assert (tmp_path / "o.jsonl").read_bytes() == (tmp_path / "clean.jsonl").read_bytes()
    assert (tmp_path / "r.jsonl").read_bytes() == (tmp_path / "clean-r.jsonl").read_bytes()
    assert not (tmp_path / "o.jsonl.checkpoint.json").exists()


def test_an_engine_error_rejects_one_household_and_the_run_goes_on(tmp_path: Path, pack: riskrules.RulePack,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    county = write_county(tmp_path / "county.jsonl", 20, seed=3, bad_share=0)
    original = pack.assess

    def flaky(record, as_of, jurisdiction=None):
        if record.household_id.endswith("05"):
            raise riskrules.EngineError("durable-rules and the reference evaluator disagree")
        return original(record, as_of, jurisdiction)

    monkeypatch.setattr(pack, "assess", flaky)
    plan = Plan(out=str(tmp_path / "o.jsonl"), rejects=str(tmp_path / "r.jsonl"), settings=_settings("county.jsonl"))
    outcome = screen(open_input(str(county)), plan, pack)
    assert (outcome.assessed, outcome.rejected) == (19, 1)
    (reject,) = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert reject["problems"][0]["code"] == "engine_error"


def test_progress_lines_in_a_pipe_carry_no_identity(tmp_path: Path, pack: riskrules.RulePack) -> None:
    src = csv_export(tmp_path / "export.csv")
    stream = io.StringIO()
    progress = Progress("lines", stream=stream, every=0.0)
    plan = Plan(out=str(tmp_path / "o.jsonl"), rejects=str(tmp_path / "r.jsonl"), settings=_settings("export.csv"), chunk=1)
    screen(open_input(str(src)), plan, pack, progress)
    text = stream.getvalue()
    assert "households read" in text and "/s" in text and "done, 7 households, 4 rejected" in text
    assert ID not in text and "H-00" not in text
    bar = io.StringIO()
    p = Progress("bar", stream=bar)
    p.begin()
    p.update(5, 1, 0.5, force=True)
    assert "\r" in bar.getvalue() and "50.0%" in bar.getvalue() and "ETA" in bar.getvalue()


@pytest.mark.slow
def test_output_is_the_same_whatever_the_number_of_workers(tmp_path: Path) -> None:
    county = write_county(tmp_path / "county.csv", 400, seed=11, bad_share=0.02)
    outs = []
    for workers in (1, 2, 3):
        out, rej = tmp_path / f"o{workers}.jsonl", tmp_path / f"r{workers}.jsonl"
        code, _ = run_cli("assess", str(county), "--as-of", AS_OF, "--out", str(out), "--rejects", str(rej), "--workers", str(workers),
                          "--progress", "off")
        assert code == 3
        outs.append((out.read_bytes(), rej.read_bytes(), (tmp_path / f"o{workers}.catalogue.json").read_bytes()))
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.slow
def test_killed_with_sigkill_and_resumed_gives_the_uninterrupted_output(tmp_path: Path) -> None:
    county = write_county(tmp_path / "county.csv", 1500, seed=5, bad_share=0.01)
    base = [sys.executable, "-m", "riskrules", "assess", str(county), "--as-of", AS_OF, "--progress", "off"]
    clean = subprocess.run(base + ["--out", str(tmp_path / "clean.jsonl"), "--rejects", str(tmp_path / "clean-r.jsonl")],
                           capture_output=True, timeout=600)
    assert clean.returncode == 3
    args = base + ["--out", str(tmp_path / "o.jsonl"), "--rejects", str(tmp_path / "r.jsonl"), "--checkpoint-every", "0.3"]
    checkpoint = tmp_path / "o.jsonl.checkpoint.json"
    for attempt in range(3):  # killed three times at different points, then finished
        proc = subprocess.Popen(args + (["--resume"] if attempt else []), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        start = json.loads(checkpoint.read_text())["units_done"] if checkpoint.exists() else 0
        while time.time() < deadline:
            if checkpoint.exists():
                try:
                    if json.loads(checkpoint.read_text())["units_done"] > start + 100:
                        break
                except (ValueError, KeyError):
                    pass
            time.sleep(0.05)
        time.sleep(0.1 * attempt)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (tmp_path / "o.jsonl").exists()
    done = subprocess.run(args + ["--resume"], capture_output=True, timeout=600)
    assert done.returncode == 3, done.stderr
    assert (tmp_path / "o.jsonl").read_bytes() == (tmp_path / "clean.jsonl").read_bytes()
    assert (tmp_path / "r.jsonl").read_bytes() == (tmp_path / "clean-r.jsonl").read_bytes()
