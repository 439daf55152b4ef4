"""Benchmark: assessments per second and latency, against a plain-Python baseline.

Not a test: run it by hand, ``python benchmarks/bench_assess.py [--n 20000]``. Everything is
measured in one process on one core, on validated records (the bundled examples, with fresh
household ids), so the ratios compare like with like:

- ``plain-Python conditions``: the reference evaluator runs every condition of the pack over
  the same engine facts (topological order, signals included) -- the baseline;
- ``durable-rules engine``: the same facts through the durable-rules runner alone (assert,
  actions, state deleted);
- ``facts``: deriving the engine fact from a record (the same for both back ends);
- ``full assess``: ``pack.assess`` -- facts, durable-rules, the reference check, flags with
  explanations, undecided rules.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import riskrules  # noqa: E402

AS_OF = date(2022, 7, 31)


def timed(label: str, items: list[Any], fn: Callable[[Any], Any]) -> dict[str, float]:
    for item in items[: min(200, len(items))]:  # warm up
        fn(item)
    gc.collect()
    gc.disable()
    latencies = []
    start = time.perf_counter()
    for item in items:
        t0 = time.perf_counter_ns()
        fn(item)
        latencies.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - start
    gc.enable()
    latencies.sort()
    result = {
        "per_second": len(items) / total,
        "median_us": statistics.median(latencies) / 1000,
        "p99_us": latencies[int(len(latencies) * 0.99) - 1] / 1000,
    }
    print(f"{label:<28} {result['per_second']:>10,.0f}/s   median {result['median_us']:>8.1f} µs   "
          f"p99 {result['p99_us']:>8.1f} µs")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    pack = riskrules.load_rules()
    examples = list(riskrules.load_examples().values())
    records = [examples[i % len(examples)].model_copy(update={"household_id": f"B{i:06d}"}) for i in range(args.n)]
    facts = [pack.engine_fact(r, AS_OF, r.region_code)[0] for r in records]
    compiled = pack._compiled  # the reference evaluator, in signal order

    def plain_python(fact: dict[str, Any]) -> list[str]:
        state: dict[str, bool | None] = {}
        fired = []
        for c in compiled:
            result = c.evaluate(fact, state)
            if result:
                fired.append(c.rule.id)
                if c.rule.concludes:
                    state[c.rule.concludes] = True
        return fired

    runner = pack._runner
    print(f"riskrules benchmark: pack {pack.name} {pack.version}, {len(pack.rules)} rules, {args.n} households, "
          f"Python {sys.version.split()[0]}, one core")
    base = timed("plain-Python conditions", facts, plain_python)
    engine = timed("durable-rules engine", facts, runner.run)
    derive = timed("facts (record -> fact)", records, lambda r: pack.engine_fact(r, AS_OF, r.region_code))
    full = timed("full assess", records, lambda r: pack.assess(r, as_of=AS_OF))
    print()
    print(f"durable-rules engine / plain-Python conditions: {base['per_second'] / engine['per_second']:.1f}x slower")
    print(f"full assess / plain-Python conditions:          {base['per_second'] / full['per_second']:.1f}x slower")
    print(f"target: >= 10,000 assessments/s and p99 < 2 ms: full assess {full['per_second']:,.0f}/s, "
          f"p99 {full['p99_us'] / 1000:.2f} ms")
    _ = derive


if __name__ == "__main__":
    main()
