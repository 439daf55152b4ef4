"""``riskrules demo``: screen a synthetic county end to end and print its report.

It writes a seeded county of households as the CSV export a county office has (Chinese
headers, one row per member, a few broken rows), screens it with ``riskrules assess``'s own
pipeline, and prints the county report; the results, the rejects, the HTML report and (with
``riskrules[excel]``) the Excel workbook are left in a folder it names. ``--examples`` assesses
the bundled example households one by one instead, with every explanation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from ..examples import load_examples
from ..outputs.summary import summarise
from .common import DEMO_AS_OF, CommandError, iso_date, pack_of


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", help="screen a synthetic county and print its report (--examples: the bundled examples)",
                       parents=[common])
    p.add_argument("--as-of", type=iso_date, default=DEMO_AS_OF)
    p.add_argument("--households", type=int, default=3000, help="households in the synthetic county (default 3,000)")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--dir", default=None, help="folder for the county, results and reports (default: a new temporary folder)")
    p.add_argument("--examples", action="store_true", help="assess the bundled example households and explain each flag")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.examples:
        return _examples(args)
    return _county(args)


def _county(args: argparse.Namespace) -> int:
    from ..io.source import open_input
    from ..report import build_report, load_places, render_text, write_html
    from ..screening import Plan, Progress, Settings, screen
    from ..synthetic import write_county, write_places

    if not 1 <= args.households <= 2_000_000:
        raise CommandError("--households must be from 1 to 2,000,000")
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="riskrules-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    pack = pack_of(args)
    started = time.perf_counter()
    county = folder / "county.csv"
    write_county(county, args.households, seed=args.seed, as_of=args.as_of)
    places = write_places(folder / "places.csv", seed=args.seed)
    print(f"riskrules demo: a synthetic county of {args.households:,} households (seed {args.seed}) written as a CSV export "
          f"with Chinese headers: {county}", file=sys.stderr)
    source = open_input(str(county))
    settings = Settings(as_of=args.as_of, jurisdiction=None, rules=args.rules, out_format="jsonl", rows="household",
                        detail="compact", citations="ref", rejects_format="csv", source=source.name)
    results, rejects = folder / "results.jsonl", folder / "rejects.csv"
    for stale in (results, rejects, folder / "results.jsonl.checkpoint.json"):
        stale.unlink(missing_ok=True)
    plan = Plan(out=str(results), rejects=str(rejects), settings=settings, workers=args.workers, inputs=(str(county),))
    outcome = screen(source, plan, pack, Progress("auto", every=5.0))
    report = build_report(results, places=load_places(places))
    print(render_text(report, limit=10))
    html = write_html(report, folder / "report.html")
    written = [f"results {results}", f"rejects {rejects} ({outcome.rejected:,} row(s))", f"HTML report {html}"]
    try:
        from ..report import write_excel

        written.append(f"workbook {write_excel(report, folder / 'report.xlsx')}")
    except Exception as e:  # noqa: BLE001 -- the workbook needs the optional riskrules[excel]
        written.append(f"no workbook ({str(e).split(':')[0]})")
    print(f"\nriskrules demo: {outcome.assessed:,} households assessed, {outcome.rejected:,} row(s) rejected, "
          f"{time.perf_counter() - started:,.1f} s. Written: " + "; ".join(written))
    print(f"Same as: riskrules assess {county} --as-of {args.as_of} --out {results} --rejects {rejects} && "
          f"riskrules report {results} --places {places} --html {html}")
    return 0


def _examples(args: argparse.Namespace) -> int:
    pack = pack_of(args)
    as_of = args.as_of
    print(f"riskrules demo: rule pack {pack.name} ({pack.version}), as of {as_of}")
    pairs = []
    for name, record in load_examples().items():
        assessment = pack.assess(record, as_of=as_of)
        pairs.append((record, assessment))
        print(f"\n== {name}  (household {record.household_id}, jurisdiction {assessment.jurisdiction})")
        for flag in assessment.flags:
            print(f"  [{flag.kind}] {flag.rule_id}: {flag.explanation_zh}")
            print(f"      {flag.explanation_en}")
        if not assessment.flags:
            print("  no flags / 无标记")
        if assessment.undecided:
            asks = sorted({p for u in assessment.undecided for p in u.ask_for})
            print(f"  undecided: {len(assessment.undecided)} rule(s); ask for: {', '.join(asks)}")
    print("\n== summary / 汇总")
    for line in summarise(pairs, as_of).lines():
        print(f"  {line}")
    return 0
