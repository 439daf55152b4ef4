"""End-to-end screening benchmark: a synthetic county read, validated, assessed and written.

    python benchmarks/bench_batch.py --n 1000000                # JSON Lines input
    python benchmarks/bench_batch.py --n 200000 --format csv    # the Chinese-header CSV export

Each line runs as its own process (``riskrules assess`` as a user runs it), one after another,
and reports households per second (wall clock, whole process: start-up, pack loading, reading,
validation, both engines, writing) and the peak resident memory of the largest process (the
parent or a worker). In the same run, two plain-Python baselines over the same file:

- ``plain loop``: ``for line in file: pack.assess(json.loads(line))`` writing compact JSON, the
  loop a user would write by hand (one process, no checkpoints, no ordering, no rejects file);
- ``reference only``: the same loop with validation, fact encoding and the plain-Python
  reference evaluator only -- no durable-rules, no flags: the floor of what a household costs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2022-07-31"

_LOOP = r"""
import json, sys, datetime, orjson
import riskrules
from riskrules.io.jsonin import parse_row
pack = riskrules.load_rules()
as_of = datetime.date(2022, 7, 31)
mode = sys.argv[3]
n = 0
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    for line in f:
        n += 1
        record, bad = parse_row(line, n)
        if bad is not None:
            continue
        try:
            if mode == "assess":
                a = pack.assess(record, as_of)
                out.write(orjson.dumps({"household_id": a.household_id, "category": a.category,
                                        "flags": [f.rule_id for f in a.flags]}) + b"\n")
            else:
                h = pack.validate(record, as_of)
                enc = pack._encoder.encode(h, as_of, h.region_code)
                outcome, _ = pack._reference.run(enc.fact)
                out.write(orjson.dumps({"household_id": h.household_id, "fired": [k for k, v in outcome.items() if v]}) + b"\n")
        except riskrules.RiskRulesError:
            pass
"""

_MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_maxrss, code, usage.ru_utime + usage.ru_stime)
"""


def measure(cmd: list[str]) -> tuple[float, int, int, float]:
    """Wall seconds, peak RSS (kB) of the largest process, exit code, CPU seconds of every process."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), float(out[3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--dir", default=None, help="where the county and the outputs go (default: a temporary folder)")
    ap.add_argument("--skip-baselines", action="store_true")
    args = ap.parse_args()
    from riskrules.synthetic import write_county

    folder = Path(args.dir or tempfile.mkdtemp(prefix="riskrules-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"county-{args.n}.{args.format}"
    if not source.exists():
        t = time.perf_counter()
        write_county(source, args.n, seed=2022, bad_share=0.002)
        print(f"generated {args.n:,} households ({source.stat().st_size / 1e6:,.0f} MB {args.format}) in "
              f"{time.perf_counter() - t:,.1f} s", flush=True)
    lines = []

    def report(label: str, wall: float, rss_kb: int, cpu: float, extra: str = "") -> None:
        line = (f"{label:<34} {args.n / wall:8,.0f} households/s   {wall:8,.1f} s   peak {rss_kb / 1024:7,.0f} MB   "
                f"CPU {cpu:8,.1f} s ({args.n / cpu:6,.0f} households per CPU-second) {extra}")
        lines.append(line)
        print(line, flush=True)

    for w in [int(x) for x in args.workers.split(",")]:
        out, rej = folder / f"out-{w}.jsonl", folder / f"rejects-{w}.jsonl"
        for p in (out, rej):
            p.unlink(missing_ok=True)
        wall, rss, code, cpu = measure([sys.executable, "-m", "riskrules", "assess", str(source), "--as-of", AS_OF, "--out", str(out),
                                   "--rejects", str(rej), "--workers", str(w), "--progress", "off"])
        report(f"riskrules assess --workers {w}", wall, rss, cpu, f"(exit {code}{': rows rejected, as generated' if code == 3 else ''})")
    outs = sorted(folder.glob("out-*.jsonl"))
    if len(outs) > 1:
        same = len({p.read_bytes() for p in outs}) == 1
        print(f"outputs identical across worker counts: {same}", flush=True)
    if not args.skip_baselines and args.format == "jsonl":
        for mode, label in (("assess", "plain loop (pack.assess)"), ("reference", "reference only (no durable-rules)")):
            wall, rss, code, cpu = measure([sys.executable, "-c", _LOOP, str(source), str(folder / f"plain-{mode}.jsonl"), mode])
            report(label, wall, rss, cpu)
    print(json.dumps({"n": args.n, "format": args.format, "cpus": os.cpu_count(), "lines": lines}, ensure_ascii=False))


if __name__ == "__main__":
    main()
