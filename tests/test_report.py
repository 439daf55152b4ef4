"""The county report: the seed's figures from a screening's results, tables, Excel and HTML."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.cli import main
from riskrules.report import build_report, load_places, render_html, render_text
from riskrules.synthetic import households, write_county, write_places

AS_OF = date(2022, 7, 31)


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("county")
    county = write_county(folder / "county.jsonl", 400, seed=9, bad_share=0.0)
    write_places(folder / "places.csv", seed=9)
    assert main(["assess", str(county), "--as-of", "2022-07-31", "--out", str(folder / "results.jsonl"),
                 "--rejects", str(folder / "rejects.jsonl"), "--progress", "off"]) == 0
    return folder


def test_the_seed_figures_are_counted_from_the_records(screened: Path) -> None:
    report = build_report(screened / "results.jsonl", places=load_places(screened / "places.csv"))
    records = [riskrules.Household.model_validate(h) for h in households(400, seed=9)]
    identified = [h for h in records if h.monitoring_case and h.monitoring_case.identified_on]
    assert report.households == 400 and report.people == sum(len(h.members) for h in records)
    assert report.identified_households == len(identified) > 0
    assert report.identified_people == sum(len(h.members) for h in identified)
    measures = sum(len(h.assistance_measures or ()) for h in identified)
    assert report.measures == measures
    assert str(report.measures_per_household) == f"{measures / len(identified):.2f}"
    eliminated = [h for h in identified if h.monitoring_case.eliminated_on]
    assert (report.eliminated_h, report.eliminated_p) == (len(eliminated), sum(len(h.members) for h in eliminated))
    assert sum(p.households for p in report.towns.values()) == 400
    assert all(len(code) == 9 for code in report.towns) and all(len(code) == 12 for code in report.villages)
    assert report.overdue == sorted(report.overdue, key=lambda o: (-(o.days_overdue or 0), o.household_id, o.rule_id))
    assert report.rejected == 0 and report.title("deadline.identification_overdue") == "识别认定超期未完成"


def test_severity_falls_back_to_the_deadline_status_and_alerts_are_read_by_kind(tmp_path: Path) -> None:
    rows = [
        {"row": 2, "household_id": "A", "region_code": "230124101201", "people": 3, "household_type": "ordinary",
         "recorded": {"measures": None}, "as_of": "2022-07-31", "jurisdiction": "23", "pack_version": "v",
         "category": "marginal_prone", "risk_types": ["illness"], "undecided": [],
         "flags": [{"kind": "deadline_breach", "rule_id": "deadline.x", "conclusion": {"status": "breached", "due": "2022-07-01",
                                                                                       "days_overdue": 30}},
                   {"kind": "deadline_breach", "rule_id": "deadline.y", "conclusion": {"status": "due_soon", "due": "2022-08-02"}},
                   {"kind": "risk_alert", "rule_id": "alert.z", "severity": "warning", "conclusion": {"status": "check"}}]},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = build_report(path)
    assert report.by_rule["deadline.x"]["breach"] == 1 and report.by_rule["deadline.y"]["warning"] == 1
    assert [o.rule_id for o in report.overdue] == ["deadline.x"] and [a.rule_id for a in report.alerts] == ["alert.z"]
    assert report.months["2022-07"]["breach"] == 1 and report.months["2022-08"]["warning"] == 1
    assert report.not_identified_h["marginal_prone"] == 1 and report.risk_assessed["illness"] == 1


def test_terminal_excel_and_html(screened: Path, tmp_path: Path) -> None:
    calamine = pytest.importorskip("python_calamine")
    pytest.importorskip("xlsxwriter")
    code = main(["report", str(screened / "results.jsonl"), "--places", str(screened / "places.csv"),
                 "--excel", str(tmp_path / "r.xlsx"), "--html", str(tmp_path / "r.html"), "--quiet"])
    assert code == 0
    wb = calamine.CalamineWorkbook.from_path(str(tmp_path / "r.xlsx"))
    assert {"主要指标", "监测对象", "乡镇", "村", "按规则", "逾期清单", "按月", "风险类型", "待核实预警"} <= set(wb.sheet_names)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "<script" not in page and not re.search(r"(src|href)=\"https?:", page)
    assert "已识别监测对象" in page and "户均措施" in page
    # severities carry the assessment's titles: 警示 is a warning, 预警 only ever an alert
    assert "警示 warning" in page and "预警 warning" not in page and "待入户核实" in page
    text = render_text(build_report(screened / "results.jsonl"))
    assert "监测对象 / monitoring objects" in text and "逾期清单" in text


def test_report_reads_csv_and_parquet_results_alike(screened: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    county = screened / "county.jsonl"
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"results.{suffix}"
        assert main(["assess", str(county), "--as-of", "2022-07-31", "--out", str(out), "--rejects", str(tmp_path / f"r-{suffix}.jsonl"),
                     "--progress", "off"]) == 0
    reference = build_report(screened / "results.jsonl")
    for suffix in ("csv", "parquet"):
        other = build_report(tmp_path / f"results.{suffix}")
        assert other.tables() == reference.tables()


def test_no_identity_number_reaches_the_report(tmp_path: Path) -> None:
    number = "110101199003077774"
    records = list(households(30, seed=4))
    records[0]["members"][0]["id_number"] = number
    records[0]["members"][0]["birth_date"] = "1990-03-07"
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    for detail in ("compact", "full"):
        out = tmp_path / f"o-{detail}.jsonl"
        assert main(["assess", str(src), "--as-of", "2022-07-31", "--out", str(out), "--rejects", str(tmp_path / "r.jsonl"),
                     "--detail", detail, "--progress", "off"]) == 0
        assert number not in out.read_text(encoding="utf-8")
        page = render_html(build_report(out))
        assert number not in page


@pytest.mark.slow
def test_the_html_report_in_a_real_browser(screened: Path, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed")
    assert main(["report", str(screened / "results.jsonl"), "--places", str(screened / "places.csv"), "--html",
                 str(tmp_path / "r.html"), "--quiet"]) == 0
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with playwright.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=str(chromium), args=args, headless=True,
                                                   viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((tmp_path / "r.html").as_uri())
        assert [u for u in requests if not u.startswith("file:")] == []  # self-contained
        assert page.locator("svg").count() == 3
        box = page.locator("#chart-townships svg").bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 150
        bars = page.locator("#chart-townships rect").count()
        assert bars >= 8
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert (tmp_path / "report.png").stat().st_size > 20_000
        ctx.close()
