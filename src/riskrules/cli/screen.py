"""``riskrules screen``: screen a whole population with the columnar back end (列式批量筛查) --
a Parquet file (read in batches, so memory stays bounded) or JSON Lines in; one row per
household out (JSON Lines or Parquet), rejected rows kept in place and also written to the
rejects file; with ``--spark MASTER`` the same screen on a Spark cluster.

Exit codes: 0 every household assessed; 3 done, some rows rejected; 2 the arguments, paths,
input or rule pack are wrong, or an optional package is missing (nothing written); 1 the
referee found the columnar back end and the durable path disagreeing on a household (nothing
written: the error names the household and the rule).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .common import CommandError, check_jurisdiction, existing_file, iso_date, pack_of

_PARQUET = (".parquet", ".pq")
_JSON = (".jsonl", ".ndjson", ".json")
_REFEREES = ("flagged", "sample", "off")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("screen", help="screen a population column-wise (Parquet or JSON Lines in), optionally on Spark",
                       parents=[common],
                       description="Screen a whole population with the columnar back end: one row per household, flags "
                                   "explained as `assess` explains them, a referee re-deciding a sample and every flagged or "
                                   "undecided household. Exit codes: 0 all assessed; 3 some rows rejected; 2 arguments, "
                                   "paths, input or pack wrong (nothing written); 1 the referee found a disagreement "
                                   "(nothing written).")
    p.add_argument("input", help="households: .parquet (the layout of riskrules.columnar.arrow_schema), or .jsonl/.json; "
                                 "- for JSON Lines on standard input")
    p.add_argument("--as-of", type=iso_date, required=True, help="the date to assess on (YYYY-MM-DD)")
    p.add_argument("--jurisdiction", default=None, help="whose parameters apply (default: each household's region code)")
    p.add_argument("--out", default="-", help="results: .jsonl or .parquet (default: JSON Lines on standard output); "
                                               "with --spark a folder that does not exist yet, of JSON Lines parts (NAME.jsonl) or Parquet parts")
    p.add_argument("--rejects", default=None, help="also write the rejected rows here (JSON Lines)")
    p.add_argument("--referee", choices=_REFEREES, default="flagged",
                   help="flagged: a sample plus every flagged or undecided household (default); sample: the sample only; off")
    p.add_argument("--referee-rate", type=float, default=0.001, help="the sample's share, 0 to 1 (default 0.001)")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed (default 0)")
    p.add_argument("--detail", choices=["full", "compact"], default="full",
                   help="full: flags with explanations (default); compact: rules fired and undecided only")
    p.add_argument("--batch-size", type=int, default=None, help="households per batch (default 50000); bounds the memory used")
    p.add_argument("--spark", metavar="MASTER", default=None,
                   help="run on Spark (local[2], spark://host:7077, yarn...): Parquet in, a folder of parts out; "
                        "needs riskrules[spark]")
    p.set_defaults(run=run)


def _kind(path: str) -> str:
    if path == "-":
        return "json"
    suffix = Path(path).suffix.lower()
    if suffix in _PARQUET:
        return "parquet"
    if suffix in _JSON:
        return "json"
    raise CommandError(f"cannot screen {path}: give a .parquet or a .jsonl/.json file (for CSV or Excel use "
                       f"`riskrules assess --engine columnar`) / 只能筛查 .parquet 或 .jsonl/.json 文件")


def _same(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return pa.samefile(pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def _check_paths(args: argparse.Namespace) -> None:
    outputs = [(name, path) for name, path in (("--out", args.out), ("--rejects", args.rejects)) if path and path != "-"]
    for name, path in outputs:
        if args.input != "-" and _same(path, args.input):
            raise CommandError(f"{name} {path} is the input file: it would be overwritten / 输出文件与输入文件相同，将覆盖输入")
        if Path(path).is_dir():
            raise CommandError(f"{name} {path} is a folder / {name} 是一个目录")
        if not Path(path).resolve().parent.is_dir():
            raise CommandError(f"no folder {Path(path).resolve().parent} for {name} / {name} 所在目录不存在")
    if len(outputs) == 2 and _same(outputs[0][1], outputs[1][1]):
        raise CommandError(f"--out and --rejects are the same file ({args.out}) / 两个输出为同一文件")


def _check_options(args: argparse.Namespace) -> None:
    if not 0 <= args.referee_rate <= 1:
        raise CommandError(f"--referee-rate must be from 0 to 1, not {args.referee_rate} / 复核抽样比例应在 0 到 1 之间")
    if args.batch_size is not None and args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1 / 每批户数至少为 1")


def run(args: argparse.Namespace) -> int:
    if args.input != "-":
        existing_file(args.input)
    kind = _kind(args.input)
    _check_options(args)
    _check_paths(args)
    if args.spark is not None:
        return _run_spark(args, kind)
    try:
        import polars  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise CommandError("riskrules screen needs the optional packages polars and pyarrow: pip install "
                           "'riskrules[columnar]' / 需要可选依赖 polars 与 pyarrow：pip install 'riskrules[columnar]'") from None
    if args.out != "-" and Path(args.out).suffix.lower() not in (*_PARQUET, ".jsonl", ".ndjson", ".json"):
        raise CommandError(f"cannot tell the output format of {args.out}: name it .jsonl or .parquet / 输出文件应为 .jsonl 或 .parquet")
    pack = pack_of(args)
    check_jurisdiction(pack, args.as_of, args.jurisdiction)
    return _run_local(args, kind, pack)


def _records(stream: IO[bytes]) -> Iterator[Any]:
    """JSON Lines (or a JSON array) one household at a time; a row that is no record is kept as
    :class:`~riskrules.columnar.screen.Unreadable`, so it is rejected in its place."""
    from ..columnar.screen import Unreadable
    from ..io.jsonin import json_units

    for unit in json_units(stream):  # type: ignore[arg-type]
        if unit.record is None:
            yield Unreadable(tuple(unit.problems), unit.household_id)
        else:
            yield unit.record


def _run_local(args: argparse.Namespace, kind: str, pack: Any) -> int:
    from pyarrow import ArrowInvalid

    from ..columnar.output import RowWriter
    from ..columnar.screen import Summary, empty_rows, screen_batches
    from ..errors import EngineError, RiskRulesError

    started = time.perf_counter()
    stream: IO[bytes] | None = None
    if kind == "parquet":
        source: Any = args.input
    else:
        stream = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")
        source = _records(stream)
    total = Summary(referee_engine="durable" if "durable" in pack.engines else "python")
    rejects_part = Path(args.rejects + ".partial") if args.rejects else None
    try:
        batches = screen_batches(pack, source, args.as_of, args.jurisdiction, detail=args.detail, referee=args.referee,
                                 referee_rate=args.referee_rate, seed=args.seed, batch_rows=args.batch_size or 50_000)
    except RiskRulesError as e:  # e.g. the pack reads a fact the columnar back end cannot compute
        if stream is not None and stream is not sys.stdin.buffer:
            stream.close()
        raise CommandError(str(e)) from None
    try:
        rejects = open(rejects_part, "wb") if rejects_part is not None else None
        try:
            if args.out == "-":
                out = sys.stdout.buffer
                for rows, summary in batches:
                    total.add(summary)
                    if rows.height:
                        out.write(("\n".join(rows["json"].to_list()) + "\n").encode("utf-8"))
                    _write_rejects(rejects, rows)
                out.flush()
            else:
                with RowWriter(Path(args.out)) as writer:
                    for rows, summary in batches:
                        total.add(summary)
                        writer.write(rows)
                        _write_rejects(rejects, rows)
                    if not total.households:
                        writer.write(empty_rows(pack))
        finally:
            if rejects is not None:
                rejects.close()
    except EngineError as e:
        _discard(rejects_part)
        print(f"riskrules: {e}", file=sys.stderr)
        return 1
    except RiskRulesError as e:  # an input that cannot be read as households: nothing kept
        _discard(rejects_part)
        raise CommandError(str(e)) from None
    except ArrowInvalid as e:
        _discard(rejects_part)
        raise CommandError(f"{args.input} cannot be read as Parquet: {e} / 无法读取 Parquet 文件") from None
    except BaseException:
        _discard(rejects_part)
        raise
    finally:
        if stream is not None and stream is not sys.stdin.buffer:
            stream.close()
    if rejects_part is not None:
        os.replace(rejects_part, args.rejects)
    total.seconds = time.perf_counter() - started
    _report(total.households, total.assessed, total.rejected, total.flagged, total.refereed, total.seconds)
    return 0 if total.rejected == 0 else 3


def _write_rejects(rejects: IO[bytes] | None, rows: Any) -> None:
    if rejects is None or not rows.height:
        return
    import polars as pl

    bad = rows.filter(pl.col("status") == "rejected")["json"].to_list()
    if bad:
        rejects.write(("\n".join(bad) + "\n").encode("utf-8"))


def _discard(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)


def _report(households: int, assessed: int, rejected: int, flagged: int, refereed: int, seconds: float) -> None:
    rate = round(households / seconds) if seconds > 0 else None
    print(json.dumps({"households": households, "assessed": assessed, "rejected": rejected, "flagged": flagged,
                      "refereed": refereed, "seconds": round(seconds, 3), "rate": rate}, ensure_ascii=False), file=sys.stderr)


def _run_spark(args: argparse.Namespace, kind: str) -> int:
    if kind != "parquet":
        raise CommandError("--spark reads a Parquet file or folder / --spark 只读取 Parquet 文件")
    if args.rejects:
        raise CommandError("--rejects is not written with --spark: rejected rows are in the output with status "
                           "'rejected' / 使用 --spark 时不单独输出拒绝文件，被拒绝的行在输出中（status 为 rejected）")
    if args.batch_size is not None:
        raise CommandError("--batch-size is not used with --spark: Spark sizes the batches / 使用 --spark 时由 Spark 决定批大小")
    if args.out == "-":
        raise CommandError("--spark needs --out: a Parquet folder that does not exist yet / 使用 --spark 时须以 --out 指定 "
                           "Parquet 输出目录")
    try:
        import pyspark  # noqa: F401
        from ..spark import screen_spark
    except ImportError as e:
        raise CommandError(f"--spark needs the optional package pyspark ({e.name or e}): pip install 'riskrules[spark]' "
                           f"/ 需要可选依赖 pyspark：pip install 'riskrules[spark]'") from None
    from ..errors import EngineError, RiskRulesError

    pack = pack_of(args)
    check_jurisdiction(pack, args.as_of, args.jurisdiction)
    started = time.perf_counter()
    try:
        summary = screen_spark(args.input, args.as_of, args.jurisdiction, rules=pack, master=args.spark, out=args.out,
                               referee=args.referee, referee_rate=args.referee_rate, seed=args.seed, detail=args.detail)
    except EngineError as e:
        print(f"riskrules: {e}", file=sys.stderr)
        return 1
    except RiskRulesError as e:
        raise CommandError(str(e)) from None
    seconds = float(summary.get("seconds") or (time.perf_counter() - started))
    _report(int(summary.get("households", 0)), int(summary.get("assessed", 0)), int(summary.get("rejected", 0)),
            int(summary.get("flagged", 0)), int(summary.get("refereed", 0)), seconds)
    return 0 if not summary.get("rejected") else 3
