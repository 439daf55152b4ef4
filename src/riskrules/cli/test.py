"""``riskrules test``: run YAML case files on a rule pack, with rule coverage.

``riskrules test`` alone runs the ``tests/`` folder of the pack (``--rules``, else the bundled
one). A PATH is a case file, a rule-pack folder (its ``tests/``), or any folder (every YAML file
under it whose top level has ``cases:``). Each file runs on ``--rules`` when given, else on the
pack its ``pack:`` key names, else on the pack whose ``tests/`` folder holds it.

Exit codes: 0 every case passed; 1 a case failed, or coverage is below ``--min-coverage``;
2 a case file or a rule pack has an error (file and line are printed), or no case was found.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ..testing.runner import run_cases, summary_line


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("test", help="run YAML case files on a rule pack (exit 0 passed, 1 failed, 2 file errors)",
                       parents=[common], description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", metavar="PATH", help="case files or folders (default: the pack's tests/ folder)")
    p.add_argument("-k", dest="select", default=None, metavar="TEXT", help="only the cases whose name contains TEXT")
    p.add_argument("--tag", action="append", default=[], help="only the cases with this tag (repeatable)")
    p.add_argument("--coverage", action="store_true", help="print which rules and cited clauses the cases fired")
    p.add_argument("--coverage-json", default=None, metavar="FILE", help="write the coverage as JSON to FILE")
    p.add_argument("--min-coverage", type=float, default=None, metavar="N",
                   help="fail (exit 1) when fewer than N %% of the pack's rules fired in some case")
    p.add_argument("-v", "--verbose", action="store_true", help="name every case as it passes")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    suite = run_cases(args.paths, rules=args.rules, select=args.select, tags=args.tag)
    for result in suite.results:
        if result.ok:
            if args.verbose:
                print(f"{result.status} {result.case.where}  {result.case.name}")
        else:
            print(result.report)
            print()
    for error in suite.errors:
        print(f"riskrules: {error.describe()}", file=sys.stderr)
    coverages = suite.coverage() if suite.results else []
    if args.coverage:
        for cov in coverages:
            print(cov.table())
            print()
    if args.coverage_json:
        with open(args.coverage_json, "w", encoding="utf-8") as out:
            json.dump([c.as_dict() for c in coverages], out, ensure_ascii=False, indent=2)
    print(summary_line(suite, time.perf_counter() - started))
    if suite.errors:
        return 2
    if not suite.results:
        print("riskrules: no cases found / 没有找到用例", file=sys.stderr)
        return 2
    low = [c for c in coverages if args.min_coverage is not None and c.percent < args.min_coverage]
    for c in low:
        print(f"coverage {c.percent:.1f} % of {c.pack_name} is below the minimum {args.min_coverage:g} % "
              f"(never fired: {', '.join(c.never_fired)})")
    return 1 if suite.failed or low else 0
