"""Benchmark: single assessments per second and latency, against a plain-Python baseline.

Not a test: run it by hand, ``python benchmarks/bench_assess.py [--n 20000] [--workload examples|population]``.
Everything is measured in one process pinned to one core, on records validated once, so the
ratios compare like with like:

- ``plain-Python conditions``: the reference runner over every condition of the pack, on prepared
  engine facts (signals in order) -- the baseline every other line is divided by;
- ``durable-rules engine``: the same facts through the durable-rules runner alone (assert,
  actions, session deleted);
- ``facts``: encoding a validated record (derived facts, parameters, deadlines);
- ``full assess``: ``pack.assess`` -- entrance check, facts, both back ends and their cross-check,
  flags, undecided rules with what to ask for; each flag's facts, parameters and sentences are
  rendered when first read, so this line does not include them;
- ``full assess + explanations``: the same, then every flag's explanation read (rendered);
- ``full assess + JSON``: the same, then the assessment written as JSON, as a service or a
  batch output does.

Workloads: ``examples`` repeats the ten bundled examples with fresh household ids (the figures in
benchmarks/README.md); ``population`` uses the seeded households of the byte-identity test, which
carry more flags each.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from _common import AS_OF, measure

import riskrules


def workload(name: str, n: int) -> list[tuple[riskrules.Household, date]]:
    if name == "examples":
        examples = list(riskrules.load_examples().values())
        return [(examples[i % len(examples)].model_copy(update={"household_id": f"B{i:06d}"}), AS_OF) for i in range(n)]
    sys.path.insert(0, str(ROOT / "tests" / "golden"))
    from population import (
        population,  # the frozen, seeded population of the byte-identity test
    )

    out = [(riskrules.Household.model_validate(record), as_of) for record, as_of in population(min(n, 3000))]
    return [out[i % len(out)] for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--workload", choices=["examples", "population"], default="examples")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    pack = riskrules.load_rules()
    items = workload(args.workload, args.n)
    facts = [pack.engine_fact(r, as_of, r.region_code)[0] for r, as_of in items]
    reference = pack._reference  # the plain-Python back end, in signal order
    runner = pack._runner
    encoder = pack._encoder
    print(f"riskrules benchmark: pack {pack.name} {pack.version}, {len(pack.rules)} rules, {args.n} households "
          f"({args.workload}), Python {sys.version.split()[0]}, one core")
    base = measure("plain-Python conditions", facts, reference.run)
    if runner is not None:
        measure("durable-rules engine", facts, runner.run, base)
    else:
        print("durable-rules engine: not importable on this Python; assessments use the plain-Python evaluator alone")
    measure("facts (record -> fact)", items, lambda x: encoder.encode(x[0], x[1], x[0].region_code), base)
    full = measure("full assess", items, lambda x: pack.assess(x[0], as_of=x[1]), base)
    measure("full assess + explanations", items, lambda x: pack.assess(x[0], as_of=x[1]).explained(), base)
    measure("full assess + JSON", items, lambda x: pack.assess(x[0], as_of=x[1]).model_dump_json(), base)
    print(f"\nfull assess: {full.wall:,.0f}/s (by CPU time {full.cpu:,.0f}/s)")


if __name__ == "__main__":
    main()
