"""Screen a population column-wise (列式批量筛查): one row per household, in input order.

:func:`screen` reads households -- a Polars or Arrow table, a Parquet file (streamed in
batches, so memory stays bounded however large the file), or records -- and decides each batch
with the columnar back end. Households its checks do not accept outright go the slow way: the
record model (a rejected row with the model's own problems, identity numbers masked) and the
plain-Python path. Flagged households get their flags with explanations from the pack's own
explainer (``detail="full"``), byte for byte those of :meth:`RulePack.assess`; a referee
re-decides a seeded sample, and every flagged or undecided household, by the durable path.

Each row's JSON (:attr:`Screening.rows` column ``json``) depends only on the household, the
as-of date, the jurisdiction and the pack: the same bytes whatever the batch size, the number
of partitions or of machines.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
from pydantic import TypeAdapter

from ..assessment import Flag, FlagKind
from ..errors import EngineError, InvalidRecord, Problem, RiskRulesError, mask_identity
from ..pack.pack import RulePack
from .decide import Decider
from .encoded import encoded_facts
from .normalise import H, prepare
from .referee import Referee
from .shape import records_to_batch

__all__ = ["Screener", "Screening", "Summary", "Unreadable", "empty_rows", "screen", "screen_batches", "ROW_COLUMNS", "DETAILS"]

DETAILS = ("full", "compact")
ROW_COLUMNS = ["row", "household_id", "as_of", "jurisdiction", "status", "category", "fired", "undecided", "flags", "problems"]
_FLAGS = TypeAdapter(list[Flag])
_RESULT_SCHEMA: dict[str, Any] = {"row": pl.Int64, "household_id": pl.String, "as_of": pl.String, "jurisdiction": pl.String,
                  "status": pl.String, "category": pl.String, "fired": pl.List(pl.String), "undecided": pl.List(pl.String),
                  "flags": pl.String, "problems": pl.String}


@dataclass
class Summary:
    """What a screening did (筛查汇总)."""

    households: int = 0
    assessed: int = 0
    rejected: int = 0
    flagged: int = 0
    undecided: int = 0
    slow_path: int = 0          # decided (or refused) row by row, not column-wise
    refereed: int = 0
    referee_engine: str = ""
    seconds: float = 0.0
    flags_by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"households": self.households, "assessed": self.assessed, "rejected": self.rejected, "flagged": self.flagged,
                "undecided": self.undecided, "slow_path": self.slow_path, "refereed": self.refereed,
                "referee_engine": self.referee_engine, "seconds": round(self.seconds, 3),
                "flags_by_rule": dict(sorted(self.flags_by_rule.items()))}

    def add(self, other: "Summary") -> None:
        for name in ("households", "assessed", "rejected", "flagged", "undecided", "slow_path", "refereed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.flags_by_rule.items():
            self.flags_by_rule[k] = self.flags_by_rule.get(k, 0) + v


@dataclass
class Screening:
    """An in-memory screening: :attr:`rows` has one row per household, in input order --
    ``row``, ``household_id``, ``as_of``, ``jurisdiction``, ``status`` (assessed or rejected),
    ``category``, ``fired``, ``undecided``, ``flags`` (JSON, with ``detail="full"``),
    ``problems`` (JSON, for a rejected row), ``outcomes`` (a struct: one nullable boolean per
    rule) and ``json`` (the row as one JSON object)."""

    rows: pl.DataFrame
    summary: Summary

    def json_lines(self) -> Iterator[bytes]:
        for line in self.rows["json"]:
            yield line.encode("utf-8") + b"\n"

    def outcomes(self, row: int) -> dict[str, bool | None]:
        """Every rule's outcome for the household of input row ``row`` (empty when rejected)."""
        value = self.rows.filter(pl.col("row") == row)["outcomes"][0]
        return dict(value) if value is not None else {}


@dataclass(frozen=True)
class Unreadable:
    """An input row that is no record at all (not JSON, not an object): its rejected row carries
    the reader's ``problems`` (dicts with ``path``, ``code``, ``message_zh``, ``message_en``)."""

    problems: tuple[dict[str, Any], ...]
    household_id: str | None = None


class Screener:
    """Screens batches of one pack on one as-of date; the unit a process, a worker or a Spark
    executor holds (the pack is loaded and compiled once, then reused for every batch)."""

    def __init__(self, pack: RulePack, as_of: date, jurisdiction: str | None = None, *, detail: str = "full",
                 referee: str = "flagged", referee_rate: float = 0.001, seed: int = 0):
        _check_call(pack, as_of, jurisdiction)
        if detail not in DETAILS:
            raise EngineError(f"unknown detail {detail!r}: one of {', '.join(DETAILS)}")
        self.pack = pack
        self.as_of = as_of
        self.jurisdiction = jurisdiction
        self.detail = detail
        self.decider = Decider(pack, as_of, jurisdiction)
        self.referee = Referee(pack, as_of, jurisdiction, mode=referee, rate=referee_rate, seed=seed)
        self.rule_ids = [r.id for r in self.decider.rules]
        self.sorted_ids = sorted(self.rule_ids)
        order = pack._flag_order
        self.flag_rules = [c.rule.id for c in order if c.rule.kind is not FlagKind.SIGNAL]
        self.categories = [(c.rule.id, str(c.rule.conclusion.get("category"))) for c in order
                           if c.rule.kind is FlagKind.MONITORING_OBJECT and "category" in c.rule.conclusion]
        self.signal_rules = {c.rule.id: c.rule.concludes for c in pack._plan.order if c.rule.concludes}

    # -- one batch --------------------------------------------------------------------------------

    def batch(self, table: pa.Table | pa.RecordBatch, first_row: int = 0, originals: list[Any] | None = None) -> tuple[pl.DataFrame, Summary]:
        """The result rows of one batch (``first_row`` numbers its first household, unless the
        table has a ``__row`` column), and its counts. ``originals`` are the records the table
        was made from, read again by the slow path."""
        frame = pl.from_arrow(table) if isinstance(table, (pa.Table, pa.RecordBatch)) else table
        assert isinstance(frame, pl.DataFrame)
        n = frame.height
        rows = frame["__row"].cast(pl.Int64) if "__row" in frame.columns else pl.int_range(first_row, first_row + n, eager=True)
        frame = frame.with_columns(pl.int_range(0, n, dtype=pl.Int64).alias(H))
        prepared = prepare(frame, self.as_of)
        decided = self.decider.decide(prepared)
        summary = Summary(households=n, referee_engine=self.referee.engine)
        out = self._columnar_rows(decided, frame, rows, originals, table, summary)
        slow = sorted(set(prepared.suspect.arg_true().to_list()) | set(decided.slow.to_list()))
        parts = [out]
        if slow:
            parts.append(self._slow_rows(slow, rows, originals, table, summary))
        result = pl.concat(parts, how="diagonal_relaxed").sort("row")
        return _with_json(result, self.rule_ids), summary

    def _columnar_rows(self, decided: Any, frame: pl.DataFrame, rows: pl.Series, originals: list[Any] | None,
                       table: Any, summary: Summary) -> pl.DataFrame:
        outcomes = decided.outcomes
        ids = self.rule_ids
        # Outcomes packed into words of 60 bits (fired, undecided): households share few distinct
        # patterns, and each pattern's lists and JSON are made once, not once per household.
        words = []
        for k in range(0, len(self.sorted_ids), 60):
            chunk = self.sorted_ids[k:k + 60]
            words.append(pl.sum_horizontal([pl.col(r).fill_null(False).cast(pl.Int64) * (1 << j) for j, r in enumerate(chunk)])
                         .alias(f"__f{k}"))
            words.append(pl.sum_horizontal([pl.col(r).is_null().cast(pl.Int64) * (1 << j) for j, r in enumerate(chunk)])
                         .alias(f"__u{k}"))
        packed = outcomes.select(H, *words)
        keys = [w.meta.output_name() for w in words]
        patterns = self._patterns(packed.select(keys).unique(maintain_order=False), keys)
        base = (packed.join(patterns, on=keys, how="left")
                .join(decided.facts.select(H, "__place"), on=H, how="left")
                .join(frame.select(H, pl.col("household_id")), on=H, how="left")
                .join(outcomes.select(H, pl.struct([pl.col(r) for r in ids]).alias("outcomes")), on=H, how="left")
                .sort(H))
        base = base.with_columns(rows.gather(base[H]).alias("row") if base.height else pl.lit(None, dtype=pl.Int64).alias("row"))
        result = base.select(
            H, "row", pl.col("household_id"), pl.lit(self.as_of.isoformat()).alias("as_of"), pl.col("__place").alias("jurisdiction"),
            pl.lit("assessed").alias("status"), "category", "fired", "undecided", "__tail", "__flagged", "__undecided", "outcomes")
        summary.assessed += result.height
        summary.flagged += int(result["__flagged"].sum())
        summary.undecided += int(result["__undecided"].sum())
        for r in self.flag_rules:
            hits = int(outcomes[r].fill_null(False).sum())
            if hits:
                summary.flags_by_rule[r] = summary.flags_by_rule.get(r, 0) + hits
        flags: dict[int, str] = {}
        if self.detail == "full":
            wanted = result.filter(pl.col("__flagged"))[H].to_list()
            flags = self._explain(decided, wanted, outcomes)
        chosen = result.filter(self.referee.chosen(pl.col("household_id"), pl.col("__flagged"), pl.col("__undecided")))
        picked = chosen.select(H, "household_id", "outcomes")
        for record, (hid, o) in zip(_originals(picked[H].to_list(), originals, table), picked.select("household_id", "outcomes").iter_rows()):
            self.referee.check(record, hid, o)
        summary.refereed += chosen.height
        if self.detail == "full":
            flag_col = pl.Series("flags", [flags.get(h, "[]") for h in result[H]], dtype=pl.String) if flags else \
                pl.Series("flags", ["[]"] * result.height, dtype=pl.String)
        else:
            flag_col = pl.Series("flags", [None] * result.height, dtype=pl.String)
        return result.with_columns(flag_col, pl.lit(None, dtype=pl.String).alias("problems")).drop(H, "__flagged", "__undecided")

    def _patterns(self, distinct: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        """For each distinct outcome pattern: the rules fired and undecided, the category,
        whether a flag is raised, and the row's JSON tail."""
        flag_rules = set(self.flag_rules)
        out: dict[str, list[Any]] = {"fired": [], "undecided": [], "category": [], "__flagged": [], "__undecided": [], "__tail": []}
        for values in distinct.iter_rows():
            fired: list[str] = []
            undecided: list[str] = []
            for k in range(0, len(self.sorted_ids), 60):
                f, u = values[keys.index(f"__f{k}")], values[keys.index(f"__u{k}")]
                for j, r in enumerate(self.sorted_ids[k:k + 60]):
                    if f >> j & 1:
                        fired.append(r)
                    elif u >> j & 1:
                        undecided.append(r)
            fired_set = set(fired)
            category = next((cat for r, cat in self.categories if r in fired_set), None)
            out["fired"].append(fired)
            out["undecided"].append(undecided)
            out["category"].append(category)
            out["__flagged"].append(bool(fired_set & flag_rules))
            out["__undecided"].append(bool(undecided))
            out["__tail"].append(_tail(category, fired, undecided))
        table = pl.DataFrame(out, schema={"fired": pl.List(pl.String), "undecided": pl.List(pl.String), "category": pl.String,
                                          "__flagged": pl.Boolean, "__undecided": pl.Boolean, "__tail": pl.String})
        return pl.concat([distinct, table], how="horizontal")

    def _explain(self, decided: Any, households: list[int], outcomes: pl.DataFrame) -> dict[int, str]:
        if not households:
            return {}
        encoded = encoded_facts(self.decider, decided, households)
        by_h = {r[H]: r for r in outcomes.filter(pl.col(H).is_in(pl.Series(households).implode())).iter_rows(named=True)}
        explainer = self.pack._explainer
        risk_rules = self.pack._risk_rules
        out: dict[int, str] = {}
        for h in households:
            outcome = by_h[h]
            risk_types = sorted({risk for rule_id, risk in risk_rules if outcome[rule_id]})
            signals = {s for rid, s in self.signal_rules.items() if outcome[rid]}
            flags = [explainer.flag(c, encoded[h], risk_types, signals) for c in self.pack._flag_order
                     if outcome[c.rule.id] and c.rule.kind is not FlagKind.SIGNAL]
            out[h] = _FLAGS.dump_json(flags).decode("utf-8")
        return out

    def _slow_rows(self, households: list[int], rows: pl.Series, originals: list[Any] | None, table: Any,
                   summary: Summary) -> pl.DataFrame:
        records = [self._one(record, int(rows[h]), summary)
                   for h, record in zip(households, _originals(households, originals, table))]
        summary.slow_path += len(households)
        frame = pl.DataFrame(records, schema={**_RESULT_SCHEMA, "__tail": pl.String,
                                              "outcomes": pl.Struct({r: pl.Boolean for r in self.rule_ids})})
        return frame

    def _one(self, record: Any, row: int, summary: Summary) -> dict[str, Any]:
        """One household the slow way: the record model, then the plain-Python path (and
        durable-rules beside it, where it runs), as ``assess`` decides it."""
        hid = record.get("household_id") if isinstance(record, dict) else getattr(record, "household_id", None)
        hid = mask_identity(hid) if isinstance(hid, str) else None
        if isinstance(record, Unreadable):
            summary.rejected += 1
            return _rejected(row, hid, self.as_of, [{k: p.get(k) or "" for k in ("path", "code", "message_zh", "message_en")}
                                                    for p in record.problems])
        try:
            household = self.pack.validate(record, self.as_of, self.jurisdiction)
            outcome = self.pack.outcomes(household, self.as_of, self.jurisdiction)
            assessment = self.pack.assess(household, self.as_of, self.jurisdiction)
        except InvalidRecord as e:
            summary.rejected += 1
            return _rejected(row, hid, self.as_of, [p.as_dict() for p in e.problems])
        summary.assessed += 1
        flagged = bool(assessment.flags)
        summary.flagged += flagged
        summary.undecided += any(v is None for v in outcome.values())
        for f in assessment.flags:
            summary.flags_by_rule[f.rule_id] = summary.flags_by_rule.get(f.rule_id, 0) + 1
        fired = sorted(r for r, v in outcome.items() if v)
        undecided = sorted(r for r, v in outcome.items() if v is None)
        return {"row": row, "household_id": household.household_id, "as_of": self.as_of.isoformat(),
                "jurisdiction": assessment.jurisdiction, "status": "assessed", "category": assessment.category,
                "fired": fired, "undecided": undecided, "__tail": _tail(assessment.category, fired, undecided),
                "flags": _FLAGS.dump_json(assessment.flags).decode("utf-8") if self.detail == "full" else None,
                "problems": None, "outcomes": {r: outcome[r] for r in self.rule_ids}}


def _rejected(row: int, household_id: str | None, as_of: date, problems: list[dict[str, str]]) -> dict[str, Any]:
    """A rejected row: where it was, and every problem, identity numbers masked."""
    masked = [{k: mask_identity(str(v)) for k, v in p.items()} for p in problems]
    return {"row": row, "household_id": household_id, "as_of": as_of.isoformat(), "jurisdiction": None, "status": "rejected",
            "category": None, "fired": None, "undecided": None, "flags": None, "outcomes": None,
            "__tail": _tail(None, None, None), "problems": orjson.dumps(masked).decode("utf-8")}


def _originals(households: list[int], originals: list[Any] | None, table: Any) -> list[Any]:
    """The records of ``households`` (positions in the batch), as the slow path and the referee
    read them: all in one ``take``, since a slice per household costs ten times as much."""
    if originals is not None:
        return [originals[h] for h in households]
    if not households:
        return []
    rows = table.take(pa.array(households, type=pa.int64())).to_pylist()
    return [{k: v for k, v in row.items() if not k.startswith("__")} for row in rows]


def _tail(category: str | None, fired: list[str] | None, undecided: list[str] | None) -> str:
    """The part of a row's JSON after its identification: category, rules fired and undecided."""
    return orjson.dumps({"category": category, "fired": fired, "undecided": undecided}).decode("utf-8")[1:-1]


def _with_json(result: pl.DataFrame, rule_ids: list[str]) -> pl.DataFrame:
    head = pl.struct([pl.col(c) for c in ROW_COLUMNS[:5]]).struct.json_encode().str.head(-1)
    body = pl.concat_str([head, pl.lit(","), pl.col("__tail")])
    json = (pl.when(pl.col("status") == "rejected").then(pl.concat_str([body, pl.lit(',"problems":'), pl.col("problems"), pl.lit("}")]))
            .when(pl.col("flags").is_not_null()).then(pl.concat_str([body, pl.lit(',"flags":'), pl.col("flags"), pl.lit("}")]))
            .otherwise(pl.concat_str([body, pl.lit("}")])))
    return result.select(*ROW_COLUMNS, "outcomes", json.alias("json"))


def _check_call(pack: RulePack, as_of: Any, jurisdiction: str | None) -> None:
    """Refuse a wrong as-of date or jurisdiction once, before any household is read."""
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise InvalidRecord.one("as_of", "as_of_type", "评估日期应为日期（datetime.date）", "the as-of date must be a datetime.date")
    probe = {"household_id": "probe", "region_code": "110101", "members": [{"member_id": "1"}]}
    try:
        pack.validate(probe, as_of, jurisdiction)
    except InvalidRecord as e:
        bad = [p for p in e.problems if p.path == "jurisdiction" or (p.path == "as_of" and jurisdiction is not None)]
        if bad:
            raise InvalidRecord(bad) from None


# -- sources -------------------------------------------------------------------------------------

def _batches(source: Any, rows: int) -> Iterator[tuple[pa.Table, list[Any] | None]]:
    """Batches of at most ``rows`` households, with the records they came from (for records)."""
    if isinstance(source, (str, Path)):
        import pyarrow.parquet as pq

        path = Path(source)
        if not path.is_file():
            raise RiskRulesError(f"no such file: {path} / 找不到文件：{path}")
        # pre_buffer=False: with it on, pyarrow keeps ~3 MB per 100,000 rows read for the
        # life of the file, so a 10-million-row screen grew to 1.1 GB (measured).
        pf = pq.ParquetFile(str(path), pre_buffer=False)
        for batch in pf.iter_batches(batch_size=rows):
            yield pa.Table.from_batches([batch]), None
        return
    if isinstance(source, pl.LazyFrame):
        source = source.collect()
    if isinstance(source, pl.DataFrame):
        source = source.to_arrow()
    if isinstance(source, pa.RecordBatch):
        source = pa.Table.from_batches([source])
    if isinstance(source, pa.Table):
        for start in range(0, max(source.num_rows, 1), rows):
            part = source.slice(start, rows)
            if part.num_rows:
                yield part, None
        return
    if isinstance(source, Iterable):
        chunk: list[Any] = []
        for record in source:
            chunk.append(record)
            if len(chunk) >= rows:
                yield records_to_batch(chunk), chunk
                chunk = []
        if chunk:
            yield records_to_batch(chunk), chunk
        return
    raise RiskRulesError(f"cannot screen a {type(source).__name__}: give a Polars or Arrow table, a Parquet path or records")


def screen_batches(pack: RulePack, source: Any, as_of: date, jurisdiction: str | None = None, *, detail: str = "full",
                   referee: str = "flagged", referee_rate: float = 0.001, seed: int = 0,
                   batch_rows: int = 50_000) -> Iterator[tuple[pl.DataFrame, Summary]]:
    """The result rows of ``source`` batch by batch, each with its counts, as :func:`screen`
    makes them; for a caller that writes them as they come (the command line)."""
    if batch_rows < 1:
        raise RiskRulesError("batch_rows must be at least 1")
    # Built before the first batch is asked for, so a wrong date, jurisdiction or option is
    # refused before anything is read or written.
    screener = Screener(pack, as_of, jurisdiction, detail=detail, referee=referee, referee_rate=referee_rate, seed=seed)

    def run() -> Iterator[tuple[pl.DataFrame, Summary]]:
        first = 0
        for table, originals in _batches(source, batch_rows):
            result, summary = screener.batch(table, first, originals)
            first += table.num_rows
            yield result, summary

    return run()


def screen(pack: RulePack, source: Any, as_of: date, jurisdiction: str | None = None, *, detail: str = "full",
           referee: str = "flagged", referee_rate: float = 0.001, seed: int = 0, batch_rows: int = 50_000,
           out: str | Path | None = None) -> Screening | Summary:
    """Screen households column-wise (列式批量筛查); see the module's documentation.

    ``source``: a Polars DataFrame/LazyFrame, an Arrow Table/RecordBatch (the layout of
    :func:`riskrules.columnar.arrow_schema`), a Parquet path (read ``batch_rows`` rows at a
    time), or an iterable of records (dicts, ``Household`` objects, or :class:`Unreadable`).
    ``detail``: ``full`` (flags with explanations) or ``compact`` (outcomes only).
    ``referee``: ``flagged`` (a sample, plus every flagged or undecided household), ``sample``
    or ``off``; ``referee_rate`` is the sample's share, ``seed`` its seed. Without ``out`` the
    rows are returned (:class:`Screening`); with ``out`` (``.jsonl`` or ``.parquet``) they are
    written batch by batch and the counts returned (:class:`Summary`).
    """
    started = time.perf_counter()
    batches = screen_batches(pack, source, as_of, jurisdiction, detail=detail, referee=referee, referee_rate=referee_rate,
                             seed=seed, batch_rows=batch_rows)
    total = Summary(referee_engine="durable" if "durable" in pack.engines else "python")
    if out is None:
        parts: list[pl.DataFrame] = []
        for result, summary in batches:
            total.add(summary)
            parts.append(result)
        rows = pl.concat(parts) if parts else empty_rows(pack)
        total.seconds = time.perf_counter() - started
        return Screening(rows, total)
    from .output import RowWriter

    with RowWriter(Path(out)) as writer:
        for result, summary in batches:
            total.add(summary)
            writer.write(result)
        if not total.households:  # an empty result still has its columns
            writer.write(empty_rows(pack))
    total.seconds = time.perf_counter() - started
    return total


def empty_rows(pack: RulePack) -> pl.DataFrame:
    """No result row, with every column of one."""
    outcomes = pl.Struct({c.rule.id: pl.Boolean for c in pack._plan.order})
    return pl.DataFrame(schema={**_RESULT_SCHEMA, "outcomes": outcomes, "json": pl.String})


def problems_of(row: pl.DataFrame) -> list[Problem]:
    """The problems of a rejected row, as :class:`~riskrules.errors.Problem` items."""
    text = row["problems"][0]
    return [Problem(**p) for p in orjson.loads(text)] if text else []
