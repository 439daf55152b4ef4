"""Benchmark: the columnar back end against the plain-Python conditions and the durable path.

    python benchmarks/bench_columnar.py                       # everything: sample lines, 1M in memory, 10M Parquet
    python benchmarks/bench_columnar.py --skip-10m            # without the 10M Parquet screen
    python benchmarks/bench_columnar.py --data /tmp/rr-bench  # keep the generated inputs for the next run

Not a test: run it by hand. One run, one process for the in-memory lines, so that the ratios
compare like with like on a noisy machine:

(a) ``plain-Python conditions``: the reference runner over every condition of the pack on
    prepared engine facts (``bench_assess.py``'s baseline, same code: ``_common.py``), on a
    sample of ``--sample`` generated households, per household;
(b) ``durable-rules engine``: the same facts through the durable-rules runner; and the durable
    path as the referee runs it (``pack.outcomes(engine="durable")``: validation, encoding and
    durable-rules) on the same sample;
(c) the columnar back end in memory on ``--n`` households (an Arrow table built beforehand, not
    timed): ``pack.screen(table, detail="compact", referee="off")`` -- the decision only -- with
    each stage timed apart (normalise/check, facts/parameters/deadlines, quantifiers + rule
    expressions, output rows, row JSON); then ``detail="full"`` with the default referee on
    ``--full-n`` households, reported separately;
(d) a ``--parquet-n`` household Parquet file screened end to end (``pack.screen(path,
    out=...parquet)``, streamed in batches) in its own process, started by a small launcher so
    that its peak resident memory (``getrusage``) is the screen's alone, with the resident memory
    traced after every batch; also a ``--n`` file, to compare the peaks.

Every rate is given by wall clock and by the process's CPU time (all threads): the machine these
run on is shared, and the wall clock also counts the time spent waiting for a core.

Inputs: ``--distinct`` households are generated once by ``riskrules.synthetic.households``
(seed ``--seed``) and kept as Parquet under ``--data``; the larger tables and files are that
table tiled, each copy with fresh household ids (``<id>T<copy>``; member ids are per household
and no identity numbers are generated, so nothing else must be unique). A batch of the screen
(50,000 rows) therefore never holds the same household twice. Generated files are reused by the
next run with the same ``--data``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import AS_OF, Rate, measure, peak_rss_mb, reference_items


# -- inputs ---------------------------------------------------------------------------------------

def distinct_table(data: Path, n: int, seed: int) -> Path:
    """``n`` generated households as Parquet (cached)."""
    import pyarrow.parquet as pq

    from riskrules import synthetic
    from riskrules.columnar import arrow_schema, records_to_table

    path = data / f"distinct-{n}-seed{seed}.parquet"
    if path.exists():
        return path
    t = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    writer = pq.ParquetWriter(str(partial), arrow_schema(), compression="zstd")
    chunk: list[dict[str, Any]] = []
    for record in synthetic.households(n, seed=seed):
        chunk.append(record)
        if len(chunk) == 10_000:
            writer.write_table(records_to_table(chunk).cast(arrow_schema()))
            chunk = []
    if chunk:
        writer.write_table(records_to_table(chunk).cast(arrow_schema()))
    writer.close()
    partial.replace(path)
    print(f"generated {n:,} distinct households (synthetic.households, seed {seed}) in {time.perf_counter() - t:,.1f} s: "
          f"{path.stat().st_size / 1e6:,.1f} MB Parquet", flush=True)
    return path


def tile(distinct: Any, k: int) -> Any:
    """Copy ``k`` of the distinct table, with fresh household ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    i = distinct.schema.get_field_index("household_id")
    ids = pc.binary_join_element_wise(distinct["household_id"], pa.scalar(f"T{k:03d}"), "")
    return distinct.set_column(i, "household_id", ids)


def tiled_file(data: Path, distinct_path: Path, n: int) -> Path:
    """A Parquet file of ``n`` households: the distinct table tiled (cached)."""
    import pyarrow.parquet as pq

    path = data / f"tiled-{n}-from-{distinct_path.stem}.parquet"
    if path.exists():
        return path
    t = time.perf_counter()
    distinct = pq.read_table(distinct_path)
    partial = path.with_name(path.name + ".partial")
    with pq.ParquetWriter(str(partial), distinct.schema, compression="zstd") as writer:
        written, k = 0, 0
        while written < n:
            part = tile(distinct, k).slice(0, n - written)
            writer.write_table(part, row_group_size=100_000)
            written += part.num_rows
            k += 1
    partial.replace(path)
    print(f"wrote {n:,} households ({k} copies of {distinct.num_rows:,} with fresh ids) in {time.perf_counter() - t:,.1f} s: "
          f"{path.stat().st_size / 1e6:,.1f} MB Parquet", flush=True)
    return path


# -- stage timing ---------------------------------------------------------------------------------

class Stages:
    """Wall-clock seconds spent in the screen's stages, by wrapping its functions in this process."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # the process's CPU time (every thread's)
        self._undo: list[Callable[[], None]] = []

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:  # the library moved on: that stage is not timed apart (it falls in "other")
            print(f"note: {getattr(owner, '__name__', owner)}.{name} not found; not timed apart", flush=True)
            return
        seconds, cpu = self.seconds, self.cpu

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t, c = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - t
                cpu[label] += time.process_time() - c

        setattr(owner, name, wrapper)
        self._undo.append(lambda: setattr(owner, name, original))

    def __enter__(self) -> Stages:
        import importlib

        decide = importlib.import_module("riskrules.columnar.decide")
        referee = importlib.import_module("riskrules.columnar.referee")
        screen = importlib.import_module("riskrules.columnar.screen")

        self.wrap(screen, "prepare", "prepare")
        self.wrap(screen, "_with_json", "json")
        self.wrap(decide.Decider, "decide", "decide")
        self.wrap(decide.Decider, "_deadlines", "deadlines")
        self.wrap(decide.Decider, "_quantifiers", "quantifiers")
        self.wrap(decide.Decider, "_rules", "rules")
        self.wrap(screen.Screener, "_columnar_rows", "rows")
        self.wrap(screen.Screener, "_explain", "explain")
        self.wrap(screen.Screener, "_slow_rows", "slow")
        self.wrap(referee.Referee, "check", "referee")
        return self

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self._undo):
            undo()


def stage_lines(stages: dict[str, float], total: float) -> list[tuple[str, float]]:
    """(label, seconds) of each stage of a screen that took ``total`` seconds."""
    s = stages
    facts = s["decide"] - s["deadlines"] - s["quantifiers"] - s["rules"]
    rows_own = s["rows"] - s["explain"] - s["referee"]
    other = total - s["prepare"] - s["decide"] - s["rows"] - s["slow"] - s["json"]
    lines = [
        ("normalise + checks (prepare)", s["prepare"]),
        ("facts + parameters (decide)", facts),
        ("deadlines (decide)", s["deadlines"]),
        ("quantifiers: any/all (decide)", s["quantifiers"]),
        ("rule expressions (decide)", s["rules"]),
        ("output rows, patterns, counts", rows_own),
        ("explanations (full only)", s["explain"]),
        ("referee: durable path", s["referee"]),
        ("slow path (row by row)", s["slow"]),
        ("row JSON", s["json"]),
        ("other: Arrow->Polars, concat, sort", other),
    ]
    return lines


def per_s(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


# -- the 10M screen, in its own process -----------------------------------------------------------

def _rss_mb() -> float:
    """The resident memory of this process now (VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_screen(path: str, out: str, detail: str, referee: str, rate: float) -> None:
    import importlib

    import riskrules

    pack = riskrules.load_rules()
    before = peak_rss_mb()
    # the resident memory after each batch, to see whether it levels off or grows with the file
    screen_module = importlib.import_module("riskrules.columnar.screen")
    batch = screen_module.Screener.batch
    trace: list[float] = []

    def traced(self: Any, *a: Any, **k: Any) -> Any:
        result = batch(self, *a, **k)
        trace.append(_rss_mb())
        return result

    screen_module.Screener.batch = traced
    t, c = time.perf_counter(), time.process_time()
    summary = pack.screen(path, AS_OF, detail=detail, referee=referee, referee_rate=rate, out=out)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb(), "rss_trace_mb": trace,
                      "summary": summary.as_dict()}))


# The screen is started by a small launcher, not by this (large) process: on Linux a child's
# ru_maxrss starts from the resident size of the process that forked it, kept across exec.
_LAUNCH = r"""
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print("MAXRSS", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code, flush=True)
"""


def screen_file(path: Path, out: Path, detail: str, referee: str, rate: float, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-c", _LAUNCH, sys.executable, str(Path(__file__).resolve()), "--child-screen", str(path), str(out),
           detail, referee, str(rate)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"screen of {path} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    lines = proc.stdout.strip().splitlines()
    _, maxrss, code = lines[-1].split()
    if code != "0":
        raise SystemExit(f"screen of {path} failed (exit {code}):\n{proc.stderr[-4000:]}")
    result = json.loads(lines[-2])
    result["process_wall"] = wall
    result["process_peak_rss_mb"] = int(maxrss) / 1024
    return result


# -- main -----------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="households screened in memory (c)")
    ap.add_argument("--sample", type=int, default=30_000, help="households of the plain-Python and durable lines (a, b)")
    ap.add_argument("--full-n", type=int, default=100_000, help="households of the detail=full, default-referee screen (0: skip)")
    ap.add_argument("--parquet-n", type=int, default=10_000_000, help="households of the Parquet file screened end to end (d)")
    ap.add_argument("--skip-10m", action="store_true", help="skip (d)")
    ap.add_argument("--only-parquet", action="store_true", help="only (d): the Parquet screens")
    ap.add_argument("--parquet-detail", choices=["compact", "full"], default="compact")
    ap.add_argument("--parquet-referee", choices=["off", "sample", "flagged"], default="sample")
    ap.add_argument("--referee-rate", type=float, default=0.001)
    ap.add_argument("--distinct", type=int, default=200_000, help="distinct generated households, tiled for the large inputs")
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--data", default=None, help="where generated inputs are kept (default: a temporary folder)")
    ap.add_argument("--one-core", action="store_true", help="pin to one core and one Polars thread")
    ap.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed for each Parquet screen")
    ap.add_argument("--child-screen", nargs=5, metavar=("PATH", "OUT", "DETAIL", "REFEREE", "RATE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_core:
        os.environ["POLARS_MAX_THREADS"] = "1"
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.child_screen:
        path, out, detail, referee, rate = args.child_screen
        child_screen(path, out, detail, referee, float(rate))
        return

    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    import riskrules
    from riskrules import synthetic

    data = Path(args.data or tempfile.mkdtemp(prefix="riskrules-columnar-"))
    data.mkdir(parents=True, exist_ok=True)
    pack = riskrules.load_rules()
    results: dict[str, Any] = {"n": args.n, "sample": args.sample, "distinct": args.distinct, "seed": args.seed,
                               "cpus": os.cpu_count(), "polars_threads": pl.thread_pool_size(),
                               "python": sys.version.split()[0], "polars": pl.__version__, "pyarrow": pa.__version__}
    print(f"riskrules columnar benchmark: pack {pack.name} {pack.version}, {len(pack.rules)} rules, Python {results['python']}, "
          f"Polars {pl.__version__} ({pl.thread_pool_size()} threads), {os.cpu_count()} CPUs, data in {data}", flush=True)
    distinct_path = distinct_table(data, args.distinct, args.seed)

    if not args.only_parquet:
        # (a), (b): one household at a time, on the first households of the same generated population
        records = list(synthetic.households(min(args.sample, args.distinct), seed=args.seed))
        households, facts = reference_items(pack, records)
        print(f"\n(a, b) one household at a time: {len(facts):,} generated households (the first of the distinct set); "
              f"cpu: by the process's CPU time", flush=True)
        base = measure("plain-Python conditions", facts, pack._reference.run)
        durable: Rate | None = None
        if pack._runner is not None:
            durable = measure("durable-rules engine", facts, pack._runner.run, base)
        else:
            print("durable-rules engine: not importable on this Python")
        encoded = measure("facts (record -> fact)", households, lambda h: pack._encoder.encode(h, AS_OF, h.region_code), base)
        path_sample = records[: min(len(records), 10_000)]
        durable_path: Rate | None = None
        if "durable" in pack.engines:
            durable_path = measure("durable path (referee's)", path_sample, lambda r: pack.outcomes(r, AS_OF, engine="durable"), base)
        python_path = measure("plain-Python path", path_sample, lambda r: pack.outcomes(r, AS_OF), base)
        for key, rate in (("plain_conditions", base), ("durable_engine", durable), ("facts", encoded), ("durable_path", durable_path),
                          ("python_path", python_path)):
            results[key] = None if rate is None else {"wall_per_s": rate.wall, "cpu_per_s": rate.cpu}

        # (c): the columnar back end in memory
        distinct = pq.read_table(distinct_path)
        t = time.perf_counter()
        copies = -(-args.n // distinct.num_rows)
        table = pa.concat_tables([tile(distinct, k) for k in range(copies)]).slice(0, args.n).combine_chunks()
        print(f"\n(c) columnar, in memory: {table.num_rows:,} households ({copies} copies of {distinct.num_rows:,} with fresh ids; "
              f"{table.nbytes / 1e6:,.0f} MB Arrow, built in {time.perf_counter() - t:,.1f} s, not timed); Polars on "
              f"{pl.thread_pool_size()} threads, so its CPU time can exceed its wall clock", flush=True)
        n = table.num_rows
        with Stages() as st:
            t, c = time.perf_counter(), time.process_time()
            screening = pack.screen(table, AS_OF, detail="compact", referee="off")
            wall, cpu = time.perf_counter() - t, time.process_time() - c
        s = screening.summary
        col = Rate(per_s(n, wall), per_s(n, cpu))
        results["columnar_compact"] = {"seconds": wall, "cpu_seconds": cpu, "wall_per_s": col.wall, "cpu_per_s": col.cpu,
                                       "stages": dict(st.seconds), "stages_cpu": dict(st.cpu), "summary": s.as_dict()}
        print(f"pack.screen(detail='compact', referee='off'): {wall:,.1f} s ({cpu:,.1f} s CPU), {col.wall:,.0f} households/s "
              f"(cpu {col.cpu:,.0f}/s)  (assessed {s.assessed:,}, rejected {s.rejected:,}, slow path {s.slow_path:,}, "
              f"flagged {s.flagged:,}, undecided {s.undecided:,})")
        print(f"{'stage':<36} {'seconds':>8} {'households/s':>13} {'share':>6} {'CPU s':>8} {'cpu/s':>12}")
        for (label, secs), (_, csecs) in zip(stage_lines(st.seconds, wall), stage_lines(st.cpu, cpu)):
            if secs < 0.0005 and label.startswith(("explanations", "referee", "slow")):
                continue
            print(f"{label:<36} {secs:8.2f} {per_s(n, secs):13,.0f} {secs / wall:6.1%} {csecs:8.2f} {per_s(n, csecs):12,.0f}")
        del screening
        decide = Rate(per_s(n, st.seconds["decide"]), per_s(n, st.cpu["decide"]))
        conditions = Rate(per_s(n, st.seconds["quantifiers"] + st.seconds["rules"]), per_s(n, st.cpu["quantifiers"] + st.cpu["rules"]))
        py_facts_cond = Rate(1 / (1 / base.wall + 1 / encoded.wall), 1 / (1 / base.cpu + 1 / encoded.cpu))
        print("\nratios, columnar households/s over the one-household-at-a-time line (>1: columnar faster); wall clock, and by CPU time:")
        ratio_lines = [
            ("whole screen (compact, referee off)", col, "plain-Python conditions", base),
            ("whole screen (compact, referee off)", col, "durable-rules engine", durable),
            ("whole screen (compact, referee off)", col, "durable path (referee's)", durable_path),
            ("decide stage: facts..rules", decide, "plain-Python facts + conditions", py_facts_cond),
            ("decide stage: facts..rules", decide, "plain-Python conditions", base),
            ("quantifiers + rule expressions", conditions, "plain-Python conditions", base),
            ("quantifiers + rule expressions", conditions, "durable-rules engine", durable),
        ]
        results["ratios"] = []
        for left, lv, right, rv in ratio_lines:
            if rv is None:
                continue
            print(f"  {left:<36} {lv.wall:>10,.0f}/s  vs {right:<32} {rv.wall:>8,.0f}/s  {lv.wall / rv.wall:7.2f}x   "
                  f"by CPU {lv.cpu:>10,.0f}/s vs {rv.cpu:>8,.0f}/s  {lv.cpu / rv.cpu:7.2f}x")
            results["ratios"].append({"columnar": left, "against": right, "wall": [lv.wall, rv.wall, lv.wall / rv.wall],
                                      "cpu": [lv.cpu, rv.cpu, lv.cpu / rv.cpu]})
        sys.stdout.flush()

        if args.full_n:
            part = table.slice(0, min(args.full_n, n))
            m = part.num_rows
            for detail, referee in (("full", "off"), ("full", "flagged")):
                with Stages() as st:
                    t, c = time.perf_counter(), time.process_time()
                    screening = pack.screen(part, AS_OF, detail=detail, referee=referee)
                    wall, cpu = time.perf_counter() - t, time.process_time() - c
                s = screening.summary
                del screening
                results[f"columnar_{detail}_{referee}"] = {"n": m, "seconds": wall, "cpu_seconds": cpu, "wall_per_s": per_s(m, wall),
                                                          "cpu_per_s": per_s(m, cpu), "stages": dict(st.seconds),
                                                          "stages_cpu": dict(st.cpu), "summary": s.as_dict()}
                print(f"\npack.screen(detail='{detail}', referee='{referee}') on {m:,}: {wall:,.1f} s ({cpu:,.1f} s CPU), "
                      f"{per_s(m, wall):,.0f} households/s (cpu {per_s(m, cpu):,.0f}/s), {per_s(m, wall) / base.wall:.2f}x the "
                      f"plain-Python conditions ({per_s(m, cpu) / base.cpu:.2f}x by CPU); flagged {s.flagged:,}, "
                      f"refereed {s.refereed:,} by {s.referee_engine}")
                for label, secs in stage_lines(st.seconds, wall):
                    if secs >= 0.05:
                        print(f"  {label:<34} {secs:8.2f} s {secs / wall:6.1%}")
                sys.stdout.flush()
        del table, distinct
        results["peak_rss_in_memory_mb"] = peak_rss_mb()
        print(f"\npeak resident memory of this process so far (in-memory lines): {results['peak_rss_in_memory_mb']:,.0f} MB", flush=True)

    # (d): Parquet files screened end to end, each in its own process
    if not args.skip_10m:
        sizes = sorted({min(args.n, args.parquet_n), args.parquet_n})
        print(f"\n(d) Parquet screened end to end in its own process: pack.screen(path, detail='{args.parquet_detail}', "
              f"referee='{args.parquet_referee}', referee_rate={args.referee_rate}, out=....parquet); streamed in batches of 50,000",
              flush=True)
        results["parquet"] = []
        for size in sizes:
            path = tiled_file(data, distinct_path, size)
            out = data / f"screened-{size}.parquet"
            out.unlink(missing_ok=True)
            r = screen_file(path, out, args.parquet_detail, args.parquet_referee, args.referee_rate, args.timeout)
            s = r["summary"]
            r.update({"n": size, "file_mb": path.stat().st_size / 1e6, "out_mb": out.stat().st_size / 1e6,
                      "per_s": size / r["wall"]})
            results["parquet"].append(r)
            tr = r["rss_trace_mb"]
            marks = sorted({0, len(tr) // 4, len(tr) // 2, 3 * len(tr) // 4, len(tr) - 1}) if tr else []
            print(f"{size:>12,} households: {r['wall']:8,.1f} s  {r['per_s']:9,.0f} households/s  (CPU {r['cpu']:,.1f} s: "
                  f"{size / r['cpu']:,.0f} households per CPU-second)  peak RSS {r['peak_rss_mb']:7,.0f} MB "
                  f"(after loading the pack {r['rss_before_mb']:,.0f} MB)  input {r['file_mb']:,.1f} MB Parquet, output "
                  f"{r['out_mb']:,.1f} MB  (process {r['process_wall']:,.1f} s; assessed {s['assessed']:,}, rejected {s['rejected']:,}, "
                  f"slow path {s['slow_path']:,}, refereed {s['refereed']:,}, flagged {s['flagged']:,})", flush=True)
            print("    resident memory after batch " + ", ".join(f"{i + 1}: {tr[i]:,.0f} MB" for i in marks) +
                  f" (of {len(tr)} batches; highest {max(tr, default=0):,.0f} MB)", flush=True)
            out.unlink(missing_ok=True)
    print(json.dumps(results, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
