"""Screening on Spark (分布式筛查) in local mode with two executors: the same rows, byte for byte,
and the same counts as the single-process screen of the same Parquet file, however Spark
splits it; an invalid row rejected in both; a custom pack shipped to the executors as data.

Slow (a Spark session takes tens of seconds to start): run with ``pytest -m slow``."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

import riskrules
from riskrules.errors import RiskRulesError
from riskrules.pack.pack import bundled_rules_path

pytestmark = [pytest.mark.slow,
              # pyspark warns about pandas 3 when mapInArrow starts; no pandas object is made
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'riskrules[spark]')")
# pyspark's mapInArrow refuses to start without pandas (pyspark's own `sql` extra).
pytest.importorskip("pandas", reason="pyspark's mapInArrow needs pandas: pip install 'pyspark[sql]'")
pq = pytest.importorskip("pyarrow.parquet")
pl = pytest.importorskip("polars")

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from riskrules.columnar import records_to_table
from riskrules.spark import PackBundle, screen_dataframe, screen_spark
from riskrules.synthetic import households

AS_OF = date(2022, 7, 31)
HOUSEHOLDS = 240
BAD_ROW = 117
FULL_ID = "110105194912310021"  # a resident ID number with a wrong check digit
COUNTS = ("households", "assessed", "rejected", "flagged", "undecided", "slow_path", "refereed", "flags_by_rule")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One small session for the module: two executor threads; tiny file splits and Arrow
    batches so a few hundred households span several partitions and many batches."""
    # Workers on this Python, not PATH's python3 (the SparkContext reads PYSPARK_PYTHON when made).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("riskrules tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.files.maxPartitionBytes", "24k")
               .config("spark.sql.files.openCostInBytes", "1k")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "29")
               .config("spark.driver.memory", "512m")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _records() -> list[dict[str, Any]]:
    records = list(households(HOUSEHOLDS, seed=11))
    bad = dict(records[BAD_ROW])
    bad["household_type"] = "bogus"
    bad["members"] = [dict(m) for m in bad["members"]]
    bad["members"][0]["id_number"] = FULL_ID
    records[BAD_ROW] = bad
    return records


@pytest.fixture(scope="module")
def parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The population as one Parquet file of several row groups."""
    path = tmp_path_factory.mktemp("spark") / "households.parquet"
    pq.write_table(records_to_table(_records()), str(path), row_group_size=40)
    return path


@pytest.fixture(scope="module")
def single(parquet: Path) -> Any:
    return riskrules.load_rules().screen(parquet, AS_OF)


def _parts(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


@pytest.fixture(scope="module")
def on_spark(spark: SparkSession, parquet: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], bytes]:
    """The Parquet file screened once on Spark, to JSON lines: the counts, and the part files
    joined in name order."""
    out = tmp_path_factory.mktemp("spark-out") / "rows.jsonl"
    summary = screen_spark(parquet, AS_OF, out=out)
    return summary, b"".join(p.read_bytes() for p in _parts(out, "part-*"))


def test_same_rows_and_counts_as_the_single_process_screen(on_spark: tuple[dict[str, Any], bytes], single: Any,
                                                          parquet: Path, tmp_path: Path) -> None:
    summary, lines = on_spark
    assert summary["partitions"] >= 2
    # The single-process JSON lines, byte for byte: every row's json, in row order.
    one = tmp_path / "one.jsonl"
    riskrules.load_rules().screen(parquet, AS_OF, out=one)
    assert lines == one.read_bytes()
    assert lines.decode("utf-8").splitlines() == single.rows["json"].to_list()
    expected = single.summary.as_dict()
    assert {k: summary[k] for k in COUNTS} == {k: expected[k] for k in COUNTS}
    assert summary["refereed"] > 0 and summary["flagged"] > 0


def test_an_invalid_row_is_rejected_on_spark_as_in_one_process(on_spark: tuple[dict[str, Any], bytes], single: Any) -> None:
    summary, lines = on_spark
    assert summary["rejected"] == 1 == single.summary.rejected
    assert single.rows["status"][BAD_ROW] == "rejected"
    bad = orjson.loads(lines.splitlines()[BAD_ROW])
    assert (bad["row"], bad["status"]) == (BAD_ROW, "rejected")
    assert any(p["path"] == "household_type" for p in bad["problems"])
    assert FULL_ID.encode() not in lines


def test_a_custom_pack_is_shipped_to_the_executors(spark: SparkSession, parquet: Path, single: Any,
                                                   tmp_path: Path) -> None:
    folder = tmp_path / "province-rules"
    shutil.copytree(bundled_rules_path(), folder)
    cn = folder / "parameters" / "CN.yaml"
    text = cn.read_text(encoding="utf-8")
    assert text.count("        value: 6000\n") == 1
    cn.write_text(text.replace("        value: 6000\n", "        value: 60000\n"), encoding="utf-8")
    custom = riskrules.load_rules(folder)
    expected = custom.screen(parquet, AS_OF)

    result = screen_dataframe(spark.read.parquet(str(parquet)), AS_OF, rules=folder)
    # The plan is lazy: with the folder gone, the executors can only have the shipped copy.
    shutil.rmtree(folder)
    rows = pl.from_arrow(result.toArrow()).sort("row")
    assert rows["json"].to_list() == expected.rows["json"].to_list()
    assert rows["json"].to_list() != single.rows["json"].to_list()
    marginal = "identification.marginal_prone"
    assert expected.summary.flags_by_rule.get(marginal, 0) > single.summary.flags_by_rule.get(marginal, 0)


def test_a_dataframe_is_numbered_in_its_own_order(spark: SparkSession, parquet: Path, single: Any) -> None:
    df = spark.read.parquet(str(parquet))
    assert df.rdd.getNumPartitions() >= 2
    rows = pl.from_arrow(screen_dataframe(df, AS_OF).toArrow())
    assert rows["row"].to_list() == list(range(HOUSEHOLDS))  # partitions keep their order: no sort needed
    assert rows["json"].to_list() == single.rows["json"].to_list()


def test_a_dataframe_counted_only(spark: SparkSession, parquet: Path) -> None:
    compact = riskrules.load_rules().screen(parquet, AS_OF, detail="compact", referee="off")
    summary = screen_spark(spark.read.parquet(str(parquet)), AS_OF, detail="compact", referee="off")
    assert summary["out"] is None
    expected = compact.summary.as_dict()
    assert {k: summary[k] for k in COUNTS} == {k: expected[k] for k in COUNTS}
    assert summary["refereed"] == 0


def test_a_folder_of_parquet_files_is_numbered_by_file_then_row(spark: SparkSession, tmp_path: Path) -> None:
    table = records_to_table(_records())
    folder = tmp_path / "in"
    folder.mkdir()
    # Sizes that Spark's planner (largest split first) would put out of order.
    for name, start, stop in (("part-0.parquet", 0, 30), ("part-1.parquet", 30, 200), ("part-2.parquet", 200, HOUSEHOLDS)):
        pq.write_table(table.slice(start, stop - start), str(folder / name), row_group_size=40)
    one = tmp_path / "one.parquet"
    riskrules.load_rules().screen(table, AS_OF, out=one)
    out = tmp_path / "out"
    summary = screen_spark(folder, AS_OF, out=out)
    rows = pl.concat([pl.read_parquet(p) for p in _parts(out, "part-*.parquet")])
    assert rows["row"].to_list() == list(range(HOUSEHOLDS))
    # The single-process Parquet layout and values: row columns, then one boolean per rule.
    assert rows.equals(pl.read_parquet(one))
    assert summary["households"] == HOUSEHOLDS


def test_refusals_come_before_any_job(spark: SparkSession, parquet: Path, tmp_path: Path) -> None:
    with pytest.raises(RiskRulesError, match="已存在"):
        screen_spark(parquet, AS_OF, out=tmp_path)
    with pytest.raises(RiskRulesError, match="找不到文件"):
        screen_spark(tmp_path / "missing.parquet", AS_OF)
    with pytest.raises(riskrules.InvalidRecord):
        screen_spark(parquet, AS_OF, jurisdiction="XX")
    with pytest.raises(RiskRulesError, match="Parquet"):
        screen_spark([{"household_id": "1"}], AS_OF)


def test_an_executor_refuses_another_riskrules_and_the_driver_says_why(spark: SparkSession, parquet: Path) -> None:
    from riskrules import spark as module

    pack = riskrules.load_rules()
    bundle = dataclasses.replace(PackBundle.of(pack), riskrules_version="0.0.0-other")
    job = module._Job(bundle, AS_OF, None, "full", "flagged", 0.001, 0)
    rule_ids = [c.rule.id for c in pack._plan.order]
    df = spark.read.parquet(str(parquet)).limit(5).select("*", F.lit(0).cast("long").alias(module.ROW))
    with pytest.raises(Exception) as caught:
        df.mapInArrow(module._ScreenPartition(job, rule_ids, None), module.result_schema(pack)).collect()
    error = module._translated(caught.value)
    assert type(error) is RiskRulesError and "0.0.0-other" in str(error) and "不一致" in str(error)
    assert type(module._translated(ValueError("riskrules.errors.EngineError: disagree\n\nat jvm"))).__name__ == "EngineError"


def test_the_bundle_is_the_pack_as_data(tmp_path: Path) -> None:
    pack = riskrules.load_rules()
    bundle = PackBundle.of(pack)
    assert all(not rel.startswith("tests/") for rel, _ in bundle.files)
    assert PackBundle.of(pack).digest == bundle.digest
    again = riskrules.load_rules(bundle.unpack(tmp_path))
    assert (again.version, again.name) == (pack.version, pack.name)
    with pytest.raises(RiskRulesError, match="参数覆盖"):
        PackBundle.of(pack.with_parameters({"monitoring_range": 7000}))


def test_a_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from riskrules import spark as module

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(RiskRulesError, match=r"riskrules\[spark\].*需要可选依赖"):
        module.screen_spark("x.parquet", AS_OF)
