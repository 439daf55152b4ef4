"""Screening on Spark (分布式筛查): the columnar back end on every partition of a cluster.

A provincial data platform holds its households in Spark. :func:`screen_dataframe` turns a
Spark DataFrame of intake records (the layout of :func:`riskrules.columnar.arrow_schema`) into a
DataFrame of result rows, one per household, with the columns and the ``json`` bytes of the
single-process :meth:`RulePack.screen <riskrules.pack.pack.RulePack.screen>`;
:func:`screen_spark` is the whole job -- a Parquet path or a DataFrame in, a folder of JSON
lines or Parquet out, the counts back -- and what ``riskrules screen --spark MASTER`` runs.

How it runs:

- Rows are numbered in input order before anything is split: for a Parquet path, by file (in
  path order) and row within the file, read from Parquet itself (``_metadata.row_index``), so
  the numbers do not depend on how Spark splits the files; for a DataFrame, by partition and
  position (or its own ``__row`` column, kept as it is).
- ``DataFrame.mapInArrow`` hands each Arrow batch of a partition to a
  :class:`~riskrules.columnar.Screener`, the same object the single-process screen uses.
- The rule pack travels as data (:class:`PackBundle`: its files' bytes and a digest), never as a
  path: an executor unpacks it once per Python process, loads and compiles it, and keeps the
  screener for every later batch and task (a module-level cache keyed by the digest).
- Each batch's counts come back through an accumulator keyed by the batch's first row, so a task
  Spark runs twice is counted once.

Needs ``riskrules[spark]``: pyspark (with pandas, which pyspark's ``mapInArrow`` insists on),
polars and pyarrow, on the driver and on every executor. See docs/spark.md.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import RiskRulesError
from .io.tables import need

if TYPE_CHECKING:  # pyspark, polars and pyarrow are optional: imported when a screen runs
    import pyarrow as pa
    from pyspark.accumulators import Accumulator
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from .columnar.screen import Screener, Summary
    from .pack.pack import RulePack

__all__ = ["ROW", "PackBundle", "result_schema", "screen_dataframe", "screen_spark"]

#: the input column that numbers households; a DataFrame that has it keeps its numbers
ROW = "__row"

_STRING_COLUMNS = ("household_id", "as_of", "jurisdiction", "status", "category")


def _need_spark() -> Any:
    """pyspark, or a bilingual error naming the extra that installs it."""
    pyspark = need("pyspark", "spark")
    need("polars", "spark")
    need("pyarrow", "spark")
    # mapInArrow is built on pandas_udf, which refuses to start without pandas even though no
    # pandas object is ever made: say so here rather than deep inside pyspark.
    need("pandas", "spark")
    return pyspark


# -- the pack, as data ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PackBundle:
    """A rule pack as data (规则包数据), shipped to executors in the task closure.

    ``files`` holds every ``.yaml``/``.yml`` file of the pack folder outside ``tests/`` (the
    files a :class:`~riskrules.pack.pack.RulePack` reads), each compressed, by relative POSIX
    path. ``digest`` is a SHA-256 of the paths and bytes; executors cache the compiled pack by
    it. ``name`` is the folder's name, which names a pack whose ``pack.yaml`` does not."""

    name: str
    digest: str
    pack_version: str
    riskrules_version: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, pack: RulePack) -> PackBundle:
        from . import __version__

        if "+" in pack.version:
            # with_parameters() changes parameters in memory only; the folder would lose them.
            raise RiskRulesError("a pack with parameter overrides cannot be shipped to Spark executors: write the "
                                 "parameters into the pack folder / 含参数覆盖的规则包无法分发到 Spark 执行器：请把参数写入规则包目录")
        root = pack.root
        paths = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml")
                       and p.relative_to(root).parts[0] != "tests")
        h = hashlib.sha256()
        files: list[tuple[str, bytes]] = []
        for path in paths:
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes()
            h.update(rel.encode("utf-8") + b"\0" + data + b"\0")
            files.append((rel, zlib.compress(data, 6)))
        return cls(name=root.name, digest=h.hexdigest(), pack_version=pack.version,
                   riskrules_version=__version__, files=tuple(files))

    def unpack(self, into: Path) -> Path:
        """Write the files under ``into/<name>`` and return that folder."""
        root = into / self.name
        for rel, data in self.files:
            parts = PurePosixPath(rel).parts
            if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
                raise RiskRulesError(f"unsafe path in a shipped rule pack: {rel!r} / 分发的规则包含不安全路径：{rel!r}")
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zlib.decompress(data))
        return root


@dataclass(frozen=True)
class _Job:
    """Everything an executor needs to screen: small, picklable, no paths of the driver."""

    bundle: PackBundle
    as_of: date
    jurisdiction: str | None
    detail: str
    referee: str
    referee_rate: float
    seed: int

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.bundle.digest, self.as_of, self.jurisdiction, self.detail, self.referee, self.referee_rate, self.seed)


# Per executor Python process: Spark reuses its Python workers across tasks, so a pack is
# unpacked and compiled once per process, not once per task or batch.
_CACHE_LOCK = threading.Lock()
_PACKS: dict[str, RulePack] = {}
_SCREENERS: dict[tuple[Any, ...], Screener] = {}


def _executor_pack(bundle: PackBundle) -> RulePack:
    from .pack.pack import RulePack

    pack = _PACKS.get(bundle.digest)
    if pack is None:
        folder = Path(tempfile.mkdtemp(prefix=f"riskrules-pack-{bundle.digest[:12]}-"))
        try:
            pack = RulePack(bundle.unpack(folder))
        finally:
            # Everything a pack reads is read while it loads; nothing is left to pile up in /tmp.
            shutil.rmtree(folder, ignore_errors=True)
        if pack.version != bundle.pack_version:
            raise RiskRulesError(f"the shipped rule pack loaded as version {pack.version}, not {bundle.pack_version} / "
                                 f"分发的规则包版本 {pack.version} 与驱动端 {bundle.pack_version} 不一致")
        _PACKS[bundle.digest] = pack
    return pack


def _executor_screener(job: _Job) -> Screener:
    from . import __version__
    from .columnar.screen import Screener

    if job.bundle.riskrules_version != __version__:
        # Another riskrules could decide differently: refuse rather than mix answers.
        raise RiskRulesError(
            f"riskrules {__version__} on this executor, {job.bundle.riskrules_version} on the driver: install the same "
            f"version everywhere / 执行器上的 riskrules 版本 {__version__} 与驱动端 {job.bundle.riskrules_version} 不一致")
    with _CACHE_LOCK:
        screener = _SCREENERS.get(job.key)
        if screener is None:
            if len(_SCREENERS) >= 8:
                # A long-lived executor screening many dates or packs keeps the latest few only.
                del _SCREENERS[next(iter(_SCREENERS))]
            screener = Screener(_executor_pack(job.bundle), job.as_of, job.jurisdiction, detail=job.detail,
                                referee=job.referee, referee_rate=job.referee_rate, seed=job.seed)
            _SCREENERS[job.key] = screener
        return screener


# -- the result rows ------------------------------------------------------------------------------

def _arrow_schema(rule_ids: list[str]) -> pa.Schema:
    import pyarrow as pa

    return pa.schema([pa.field("row", pa.int64())]
                     + [pa.field(c, pa.string()) for c in _STRING_COLUMNS]
                     + [pa.field("fired", pa.list_(pa.string())), pa.field("undecided", pa.list_(pa.string())),
                        pa.field("flags", pa.string()), pa.field("problems", pa.string()),
                        pa.field("outcomes", pa.struct([pa.field(r, pa.bool_()) for r in rule_ids])),
                        pa.field("json", pa.string())])


def result_schema(rules: str | Path | RulePack | None = None) -> StructType:
    """The Spark schema of the result rows (筛查结果结构) for a pack: ``row``, ``household_id``,
    ``as_of``, ``jurisdiction``, ``status``, ``category``, ``fired``, ``undecided``, ``flags``,
    ``problems``, ``outcomes`` (a struct, one nullable boolean per rule) and ``json``."""
    _need_spark()
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    pack = _pack(rules)
    rule_ids = [c.rule.id for c in pack._plan.order]
    return StructType([StructField("row", LongType(), False)]
                      + [StructField(c, StringType(), True) for c in _STRING_COLUMNS]
                      + [StructField("fired", ArrayType(StringType(), True), True),
                         StructField("undecided", ArrayType(StringType(), True), True),
                         StructField("flags", StringType(), True), StructField("problems", StringType(), True),
                         StructField("outcomes", StructType([StructField(r, BooleanType(), True) for r in rule_ids]), True),
                         StructField("json", StringType(), True)])


class _ScreenPartition:
    """The function ``mapInArrow`` runs on executors: Arrow batches of households in, Arrow
    batches of result rows out, each batch's counts added to the accumulator."""

    def __init__(self, job: _Job, rule_ids: list[str], counts: Accumulator[dict[int, tuple[int, Summary]]] | None):
        self.job = job
        self.rule_ids = rule_ids
        self.counts = counts

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc
        from pyspark import TaskContext

        context = TaskContext.get()
        partition = context.partitionId() if context is not None else -1
        screener = _executor_screener(self.job)
        schema = _arrow_schema(self.rule_ids)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            rows, summary = screener.batch(batch)
            if self.counts is not None:
                first = int(pc.min(batch.column(ROW)).as_py())
                self.counts.add({first: (partition, summary)})
            yield from rows.to_arrow().select(schema.names).cast(schema).to_batches()


class _Counts:
    """Accumulator of batch counts by first row: adding a batch again (a task retried or run
    speculatively) replaces its entry instead of counting it twice."""

    def zero(self, value: dict[int, tuple[int, Summary]]) -> dict[int, tuple[int, Summary]]:
        return {}

    def addInPlace(self, a: dict[int, tuple[int, Summary]],
                   b: dict[int, tuple[int, Summary]]) -> dict[int, tuple[int, Summary]]:
        a.update(b)
        return a


# -- numbering rows -------------------------------------------------------------------------------

def _numbered_by_partition(df: DataFrame) -> DataFrame:
    """Number rows by partition, then position, in one count and one narrow column: the row
    numbers follow the DataFrame's own order, as the single-process screen follows a table's."""
    from pyspark.sql import functions as F

    pid = F.spark_partition_id()
    counts = {int(p): int(n) for p, n in df.select(pid.alias("p")).groupBy("p").count().collect()}
    offsets: list[int] = []
    total = 0
    for p in range(max(counts, default=-1) + 1):
        offsets.append(total)
        total += counts.get(p, 0)
    if not offsets:
        return df.withColumn(ROW, F.lit(0).cast("long"))
    # monotonically_increasing_id is the partition id in the upper 31 bits and the position
    # within the partition in the lower 33: the position plus the partition's offset is consecutive.
    position = F.monotonically_increasing_id() - F.shiftleft(pid.cast("long"), 33)
    offset = F.element_at(F.array(*[F.lit(o).cast("long") for o in offsets]), pid + 1)
    return df.withColumn(ROW, offset + position)


def _read_parquet(spark: SparkSession, path: str) -> DataFrame:
    """A Parquet file or folder, numbered by file (in path order) and row within the file: the
    numbers of the single-process screen of the same file, whatever the splits."""
    from pyspark.sql import functions as F

    base = spark.read.parquet(path)
    if len(base.inputFiles()) <= 1:  # the file listing, without a job
        return base.select("*", F.col("_metadata.row_index").alias(ROW))
    counts = sorted((str(f), int(n)) for f, n in
                    base.select(F.col("_metadata.file_path").alias("f")).groupBy("f").count().collect())
    # One scan per file, in path order: partitions then follow row order (a folder scan orders
    # its splits by size), so the rows come out sorted without a shuffle.
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    parts: list[DataFrame] = []
    offset = 0
    for uri, n in counts:
        # _metadata.file_path is a URI (spaces as %20); read back the path it names.
        file = jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(uri)).toString()
        parts.append(spark.read.schema(base.schema).parquet(file)
                     .select("*", (F.lit(offset) + F.col("_metadata.row_index")).alias(ROW)))
        offset += n
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


def _translated(error: Exception) -> Exception:
    """An executor's riskrules error as the driver's own: Spark hands it over as text inside
    its exception, and a referee's disagreement must stay an :class:`EngineError` for the caller."""
    import re

    from .errors import EngineError

    found = list(re.finditer(r"riskrules\.errors\.(\w+): ", str(error)))
    if not found:
        return error
    last = found[-1]
    message = str(error)[last.end():].split("\n\n", 1)[0].strip()
    return EngineError(message) if last.group(1) == "EngineError" else RiskRulesError(message)


# -- entry points ---------------------------------------------------------------------------------

_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


def _write(result: DataFrame, out: str) -> None:
    """Write the rows as the single-process screen writes them, one part file per partition:
    JSON lines (``.jsonl``) or Parquet with one boolean column per rule (anything else)."""
    from pyspark.sql import functions as F

    from .columnar.screen import ROW_COLUMNS

    if out.lower().endswith(_JSON_SUFFIXES):
        result.select("json").write.option("compression", "none").text(out)
    else:
        result.select(*[F.col(c) for c in ROW_COLUMNS], "outcomes.*").write.option("compression", "zstd").parquet(out)


def _pack(rules: str | Path | RulePack | None) -> RulePack:
    from .pack.pack import RulePack, load_rules

    return rules if isinstance(rules, RulePack) else load_rules(rules)


def _driver_screener(rules: str | Path | RulePack | None, as_of: date, jurisdiction: str | None, *, referee: str,
                     referee_rate: float, seed: int, detail: str) -> Screener:
    """The screener of the driver: built before any data is read, so a wrong date,
    jurisdiction, detail or referee fails at once rather than on an executor."""
    from .columnar.screen import Screener

    return Screener(_pack(rules), as_of, jurisdiction, detail=detail, referee=referee, referee_rate=referee_rate, seed=seed)


def _plan(df: DataFrame, screener: Screener, counts: Accumulator[dict[int, tuple[int, Summary]]] | None) -> DataFrame:
    pack = screener.pack
    job = _Job(PackBundle.of(pack), screener.as_of, screener.jurisdiction, screener.detail, screener.referee.mode,
               screener.referee.rate, screener.referee.seed)
    numbered = df if ROW in df.columns else _numbered_by_partition(df)
    if ROW in df.columns:
        numbered = numbered.withColumn(ROW, numbered[ROW].cast("long"))
    schema = result_schema(pack)
    with warnings.catch_warnings():
        # pyspark warns about the pandas version it finds; mapInArrow makes no pandas object.
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\..*")
        return numbered.mapInArrow(_ScreenPartition(job, screener.rule_ids, counts), schema)


def screen_dataframe(df: DataFrame, as_of: date, jurisdiction: str | None = None, *,
                     rules: str | Path | RulePack | None = None, referee: str = "flagged", referee_rate: float = 0.001,
                     seed: int = 0, detail: str = "full") -> DataFrame:
    """Screen a Spark DataFrame of households (分布式筛查): a lazy DataFrame of result rows
    (:func:`result_schema`), one per household, for a province composing its own job.

    ``df`` has the columns of :func:`riskrules.columnar.arrow_schema`. Its rows are numbered in
    its own order (partition, then position), unless it has a ``__row`` column (long), whose
    numbers are kept. Within each partition the results come sorted by ``row``; partitions keep
    the input's order, so when the input is in row order (as read by :func:`screen_spark`) so is
    the output, without a shuffle. A DataFrame whose order is not repeatable (one read after a
    shuffle) should be checkpointed, or given ``__row``, first: it is read once to count its
    partitions and once to screen. ``rules``, ``referee``, ``referee_rate``, ``seed`` and
    ``detail`` are those of :meth:`RulePack.screen <riskrules.pack.pack.RulePack.screen>`.
    """
    _need_spark()
    screener = _driver_screener(rules, as_of, jurisdiction, referee=referee, referee_rate=referee_rate, seed=seed,
                                detail=detail)
    return _plan(df, screener, None)


def screen_spark(source: Any, as_of: date, jurisdiction: str | None = None, *, rules: str | Path | RulePack | None = None,
                 master: str | None = "local[2]", out: str | Path | None = None, referee: str = "flagged",
                 referee_rate: float = 0.001, seed: int = 0, detail: str = "full") -> dict[str, Any]:
    """Screen a population on Spark (分布式筛查) and return the counts.

    ``source``: a Parquet file or folder path (rows numbered by file, in path order, then row:
    a single file's numbers are those of ``pack.screen`` of it) or a Spark DataFrame (see
    :func:`screen_dataframe`). ``master``: the Spark master of a session this call starts and
    stops (``None``: as spark-submit configured it); a session already running is used as it
    is. ``out``: a folder that must not exist yet, written as Spark writes one, a part file per
    partition, in row order: JSON lines when its name ends in ``.jsonl`` (the part files, joined
    in name order, are byte for byte the single-process ``.jsonl``), else Parquet with the
    columns of the single-process ``.parquet`` (the row columns, then one nullable boolean per
    rule; no ``json``). Without ``out`` the rows are decided and counted, and not kept.

    Returns the counts of :meth:`riskrules.columnar.Summary.as_dict` (households, assessed,
    rejected, flagged, undecided, slow_path, refereed, referee_engine, flags_by_rule), with
    ``seconds`` (the whole call), ``startup_seconds`` (starting Spark), ``partitions`` (those that held households),
    ``master`` and ``out``.
    """
    _need_spark()
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession

    from .columnar.screen import Summary

    started = time.perf_counter()
    screener = _driver_screener(rules, as_of, jurisdiction, referee=referee, referee_rate=referee_rate, seed=seed,
                                detail=detail)
    if out is not None and "://" not in str(out) and Path(out).exists():
        raise RiskRulesError(f"{out} exists already: Spark writes a new folder / 输出路径 {out} 已存在：Spark 需写入新目录")
    if not isinstance(source, (str, Path, SparkDataFrame)):
        raise RiskRulesError(f"cannot screen a {type(source).__name__} on Spark: give a Parquet path or a Spark DataFrame / "
                             f"无法在 Spark 上筛查 {type(source).__name__}：请提供 Parquet 路径或 Spark DataFrame")
    if isinstance(source, (str, Path)) and "://" not in str(source) and not Path(source).exists():
        raise RiskRulesError(f"no such file: {source} / 找不到文件：{source}")
    own = False
    starting = time.perf_counter()
    if isinstance(source, SparkDataFrame):
        spark = source.sparkSession
    else:
        spark = SparkSession.getActiveSession()  # type: ignore[assignment]
        if spark is None:
            # The command line prints its own summary: no progress bars over it.
            builder = SparkSession.builder.appName("riskrules screen").config("spark.ui.showConsoleProgress", "false")
            if master is not None:
                builder = builder.master(master)
            if (master or "").startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
                # Local workers start `python3` from PATH unless PYSPARK_PYTHON names another (the
                # SparkContext reads it when created), which need not be this Python: a virtual
                # environment, or another version, which PySpark then refuses.
                os.environ["PYSPARK_PYTHON"] = sys.executable
            spark = builder.getOrCreate()
            own = True
    startup = time.perf_counter() - starting
    try:
        counts: Accumulator[dict[int, tuple[int, Summary]]] = spark.sparkContext.accumulator({}, _Counts())  # type: ignore[arg-type]
        df = source if isinstance(source, SparkDataFrame) else _read_parquet(spark, str(source))
        result = _plan(df, screener, counts)
        # No shuffle after mapInArrow: the screen runs in the write's own tasks, whose
        # accumulator updates Spark applies once per partition.
        try:
            if out is not None:
                _write(result, str(out))
            else:
                result.write.format("noop").mode("overwrite").save()
        except Exception as e:
            if out is not None and "://" not in str(out):
                # It did not exist before this call (checked above): a failed job leaves nothing.
                shutil.rmtree(out, ignore_errors=True)
            mine = _translated(e)
            if mine is e:
                raise
            raise mine from e
        total = Summary()
        engines: set[str] = set()
        seen: set[int] = set()
        for _, (partition, part) in sorted(counts.value.items()):
            seen.add(partition)
            total.add(part)
            engines.add(part.referee_engine)
        partitions = len(seen)
        total.referee_engine = ",".join(sorted(engines)) or screener.referee.engine
        used = spark.sparkContext.master
    finally:
        if own:
            spark.stop()
    total.seconds = time.perf_counter() - started
    return {**total.as_dict(), "startup_seconds": round(startup, 3), "partitions": partitions, "master": used,
            "out": str(out) if out is not None else None}

