"""``riskrules demo``: assess the bundled example households and print a summary."""

from __future__ import annotations

import argparse

from ..examples import load_examples
from ..outputs.summary import summarise
from .common import DEMO_AS_OF, iso_date, pack_of


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", help="assess the bundled example households", parents=[common])
    p.add_argument("--as-of", type=iso_date, default=DEMO_AS_OF)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
