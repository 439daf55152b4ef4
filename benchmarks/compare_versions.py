"""Full assessments per second of this checkout against an earlier commit, side by side.

``python benchmarks/compare_versions.py --before 860f220 [--rounds 5] [--n 4000]`` checks the
earlier commit out into a temporary worktree and alternates the two versions, each in its own
process pinned to the same core, round by round, on the ten bundled examples (validated once,
fresh household ids), so both meet the same machine load. It prints every round and the median
ratio. The machine is shared and noisy: only ratios from the same run mean anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = r"""
import gc, json, os, sys, time
from datetime import date
sys.path.insert(0, sys.argv[1])
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
import riskrules
pack = riskrules.load_rules(sys.argv[3])
examples = [riskrules.Household.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted(__import__("pathlib").Path(sys.argv[4]).glob("*.json"))]
n = int(sys.argv[2])
records = [examples[i % len(examples)].model_copy(update={"household_id": f"B{i:06d}"}) for i in range(n)]
as_of = date(2022, 7, 31)
for r in records[:300]:
    pack.assess(r, as_of=as_of)
gc.collect(); gc.disable()
t0 = time.perf_counter()
for r in records:
    pack.assess(r, as_of=as_of)
print(json.dumps({"per_second": n / (time.perf_counter() - t0)}))
"""


def measure(src: Path, rules: Path, examples: Path, n: int) -> float:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(src), str(n), str(rules), str(examples)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["per_second"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.before], check=True)
        try:
            ratios = []
            print(f"full assess, {args.n} households a round, one core; before = {args.before}")
            for i in range(args.rounds):
                before = measure(old / "src", old / "rules", old / "examples", args.n)
                now = measure(ROOT / "src", ROOT / "rules", ROOT / "examples", args.n)
                ratios.append(now / before)
                print(f"round {i + 1}: before {before:8,.0f}/s   now {now:8,.0f}/s   {now / before:4.2f}x")
            print(f"median: now is {statistics.median(ratios):.2f}x the speed of {args.before}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)


if __name__ == "__main__":
    main()
