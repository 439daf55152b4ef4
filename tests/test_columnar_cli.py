"""``riskrules screen`` (列式批量筛查命令) and ``riskrules assess --engine columnar``: the same
rows as the API and as the default path, rejects in place, paths and options refused before
anything is written, a referee's disagreement an error."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pl = pytest.importorskip("polars")
pq = pytest.importorskip("pyarrow.parquet")

import riskrules  # noqa: E402
from riskrules import synthetic  # noqa: E402
from riskrules.cli import main  # noqa: E402
from riskrules.columnar import decide as decide_module  # noqa: E402
from riskrules.columnar import records_to_table  # noqa: E402
from riskrules.testing import builders as b  # noqa: E402

AS_OF = date(2022, 7, 31)
ID_NUMBER = "11010519491231002X"


@pytest.fixture(scope="module")
def population() -> list[dict[str, Any]]:
    return list(synthetic.households(60, seed=21, as_of=AS_OF))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, population: list[dict[str, Any]]) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("screen")
    parquet = root / "households.parquet"
    pq.write_table(records_to_table(population), parquet, row_group_size=25)
    jsonl = root / "households.jsonl"
    bad = b.household(household_id=ID_NUMBER)
    lines = [json.dumps(r, ensure_ascii=False) for r in population[:10]]
    lines[3:3] = ["{not json", json.dumps(bad)]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"parquet": parquet, "jsonl": jsonl}


def _summary(err: str) -> dict[str, Any]:
    return json.loads(err.strip().splitlines()[-1])


def test_parquet_in_rows_out_as_the_api_gives_them(pack: riskrules.RulePack, files: dict[str, Path], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.jsonl"
    code = main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", "--out", str(out), "--batch-size", "40"])
    assert code == 0
    expected = b"".join(pack.screen(str(files["parquet"]), AS_OF, referee="off").json_lines())
    assert out.read_bytes() == expected
    summary = _summary(capsys.readouterr().err)
    assert summary["households"] == summary["assessed"] == 60 and summary["rejected"] == 0
    assert summary["refereed"] >= summary["flagged"] > 0
    assert set(summary) == {"households", "assessed", "rejected", "flagged", "refereed", "seconds", "rate"}
    code = main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", "--out", str(tmp_path / "rows.parquet"),
                 "--detail", "compact", "--referee", "sample", "--referee-rate", "0.5", "--seed", "3"])
    assert code == 0
    rows = pl.read_parquet(tmp_path / "rows.parquet")
    assert rows.height == 60 and rows["row"].to_list() == list(range(60))
    assert "identification.marginal_prone" in rows.columns


def test_json_lines_with_bad_rows_rejected_in_place(files: dict[str, Path], tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out, rejects = tmp_path / "rows.jsonl", tmp_path / "rejects.jsonl"
    code = main(["screen", str(files["jsonl"]), "--as-of", "2022-07-31", "--out", str(out), "--rejects", str(rejects)])
    assert code == 3
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == list(range(12))
    assert [r["status"] for r in rows[2:6]] == ["assessed", "rejected", "rejected", "assessed"]
    assert rows[3]["problems"][0]["code"] == "json_invalid"
    assert rows[4]["household_id"] == "1101**********002X"
    assert [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()] == [rows[3], rows[4]]
    assert ID_NUMBER not in out.read_text(encoding="utf-8") + rejects.read_text(encoding="utf-8")
    summary = _summary(capsys.readouterr().err)
    assert summary["rejected"] == 2 and summary["households"] == 12


@pytest.mark.parametrize("argv, message", [
    (["--out", "{input}"], "input"),
    (["--referee-rate", "1.5"], "referee-rate"),
    (["--batch-size", "0"], "batch-size"),
    (["--out", "{tmp}/rows.csv"], ".parquet"),
    (["--out", "{tmp}/same.jsonl", "--rejects", "{tmp}/same.jsonl"], "same file"),
    (["--jurisdiction", "2"], "jurisdiction"),
])
def test_wrong_arguments_are_refused_before_anything_is_written(files: dict[str, Path], tmp_path: Path, argv: list[str],
                                                                message: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = files["parquet"].read_bytes()
    args = [a.format(input=files["parquet"], tmp=tmp_path) for a in argv]
    assert main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", *args]) == 2
    assert message in capsys.readouterr().err
    assert files["parquet"].read_bytes() == before
    assert not list(tmp_path.iterdir())


def test_a_table_other_than_parquet_or_json_is_sent_to_assess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "county.csv"
    table.write_text("户编号\n1\n", encoding="utf-8")
    assert main(["screen", str(table), "--as-of", "2022-07-31"]) == 2
    assert "--engine columnar" in capsys.readouterr().err


def test_spark_without_pyspark_is_a_clear_error(files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if it were not installed
    code = main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", "--spark", "local[2]",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "pyspark" in err and "riskrules[spark]" in err and "需要" in err
    assert not (tmp_path / "out").exists()


def test_a_disagreement_stops_the_screen_and_leaves_no_output(files: dict[str, Path], tmp_path: Path, pack: riskrules.RulePack,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = pack.rule("alert.housing_unsafe").condition
    compiled = decide_module.condition
    monkeypatch.setattr(decide_module, "condition", lambda cond: pl.lit(True) if cond == target else compiled(cond))
    out, rejects = tmp_path / "rows.parquet", tmp_path / "rejects.jsonl"
    code = main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", "--out", str(out), "--rejects", str(rejects)])
    assert code == 1
    assert "alert.housing_unsafe" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# -- riskrules assess --engine columnar --------------------------------------------------------------

@pytest.fixture(scope="module")
def counties(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("county")
    jsonl = synthetic.write_county(root / "county.jsonl", 120, seed=31, bad_share=0.05)
    csv = synthetic.write_county(root / "county.csv", 60, seed=32, bad_share=0.05)
    parquet = root / "county.parquet"
    pl.read_csv(csv, infer_schema=False, encoding="utf8").write_parquet(parquet)  # the same mapped table, as Parquet
    return {"jsonl": jsonl, "csv": csv, "parquet": parquet}


def _assess(county: Path, out: Path, *options: str) -> int:
    return main(["assess", str(county), "--as-of", "2022-07-31", "--out", str(out), "--rejects",
                 str(out.with_name(out.name + ".rejects.jsonl")), "--progress", "off", *options])


@pytest.mark.parametrize("county, suffix, options", [
    ("jsonl", ".jsonl", ["--detail", "full"]),
    ("jsonl", ".csv", ["--rows", "flag", "--citations", "full"]),
    ("csv", ".parquet", []),
    pytest.param("jsonl", ".jsonl", [], marks=pytest.mark.slow),
    pytest.param("csv", ".jsonl", ["--rows", "flag", "--detail", "full"], marks=pytest.mark.slow),
])
def test_assess_columnar_writes_the_default_paths_bytes(counties: dict[str, Path], tmp_path: Path, county: str, suffix: str,
                                                        options: list[str]) -> None:
    plain, columnar = tmp_path / f"plain{suffix}", tmp_path / f"columnar{suffix}"
    assert _assess(counties[county], plain, "--engine", "python", *options) == 3
    assert _assess(counties[county], columnar, "--engine", "columnar", *options) == 3
    assert columnar.read_bytes() == plain.read_bytes()
    rejects = ".rejects.jsonl"
    assert (tmp_path / f"columnar{suffix}{rejects}").read_bytes() == (tmp_path / f"plain{suffix}{rejects}").read_bytes()
    assert columnar.with_suffix(".catalogue.json").read_bytes() == plain.with_suffix(".catalogue.json").read_bytes()


def test_parquet_input_is_assessed_column_wise_by_default(counties: dict[str, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from riskrules.screening.columnar import ColumnarAssessor

    chunks: list[int] = []
    chunk = ColumnarAssessor.chunk
    monkeypatch.setattr(ColumnarAssessor, "chunk", lambda self, units: chunks.append(len(units)) or chunk(self, units))
    assert _assess(counties["parquet"], tmp_path / "auto.jsonl") == 3
    assert sum(chunks) == 60
    assert _assess(counties["parquet"], tmp_path / "plain.jsonl", "--engine", "python") == 3
    assert sum(chunks) == 60
    assert (tmp_path / "auto.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()


def test_columnar_with_workers_is_refused(counties: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _assess(counties["jsonl"], tmp_path / "o.jsonl", "--engine", "columnar", "--workers", "2") == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "列式" in err
    assert not list(tmp_path.iterdir())


def test_an_interrupted_columnar_run_resumes_to_the_same_output(counties: dict[str, Path], tmp_path: Path,
                                                                pack: riskrules.RulePack) -> None:
    from riskrules.io import open_input
    from riskrules.screening import Interrupted, Plan, Settings, screen

    settings = Settings(as_of=AS_OF, jurisdiction=None, rules=None, out_format="jsonl", rows="household", detail="compact",
                        citations="ref", rejects_format="jsonl", source="county.jsonl", engine="columnar")
    county = str(counties["jsonl"])
    plan = Plan(out=str(tmp_path / "o.jsonl"), rejects=str(tmp_path / "r.jsonl"), settings=settings, inputs=(county,),
                checkpoint_every=0.0, chunk=40)
    source = open_input(county)
    units = source.units

    def interrupted() -> Any:
        for i, u in enumerate(units()):
            if i == 100:
                raise KeyboardInterrupt
            yield u

    source.units = interrupted  # type: ignore[method-assign]
    with pytest.raises(Interrupted):
        screen(source, plan, pack)
    plan.resume = True
    assert screen(open_input(county), plan, pack).resumed_at == 80
    assert _assess(counties["jsonl"], tmp_path / "plain.jsonl", "--engine", "python") == 3
    assert (tmp_path / "o.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert (tmp_path / "r.jsonl").read_bytes() == (tmp_path / "plain.jsonl.rejects.jsonl").read_bytes()


def test_a_fact_without_a_columnar_form_is_refused_or_left_to_the_plain_path(counties: dict[str, Path], files: dict[str, Path],
                                                                            tmp_path: Path, pack: riskrules.RulePack,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """As for a jurisdiction's pack reading a fact added to the catalogue but not to the columnar back end."""
    from riskrules.columnar import facts
    from riskrules.errors import EngineError
    from riskrules.screening.columnar import ColumnarAssessor

    monkeypatch.delitem(facts.HOUSEHOLD_FACTS, "income.per_capita_net")
    with pytest.raises(EngineError, match="income.per_capita_net"):
        pack.screen(str(files["parquet"]), AS_OF)
    assert main(["screen", str(files["parquet"]), "--as-of", "2022-07-31", "--out", str(tmp_path / "o.jsonl")]) == 2
    assert _assess(counties["parquet"], tmp_path / "c.jsonl", "--engine", "columnar") == 2
    assert "income.per_capita_net" in capsys.readouterr().err
    monkeypatch.setattr(ColumnarAssessor, "chunk", lambda self, units: pytest.fail("auto chose the columnar back end"))
    assert _assess(counties["parquet"], tmp_path / "auto.jsonl") == 3  # auto: the plain path, as before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auto.catalogue.json", "auto.jsonl", "auto.jsonl.rejects.jsonl"]
