"""``riskrules assess``: assess a batch; every rejected row goes to the rejects file."""

from __future__ import annotations

import argparse
import json
import sys

from ..outputs.batch import assess_batch, read_rows
from .common import existing_file, iso_date, pack_of


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("assess", help="assess households from JSON Lines or a JSON array", parents=[common])
    p.add_argument("input", help="file, or - for standard input")
    p.add_argument("--as-of", type=iso_date, required=True)
    p.add_argument("--jurisdiction", default=None)
    p.add_argument("--out", default="-", help="assessments as JSON Lines (default: standard output)")
    p.add_argument("--rejects", required=True, help="rejected rows with their problems, as JSON Lines")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    existing_file(args.input)
    pack = pack_of(args)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    with open(args.rejects, "w", encoding="utf-8") as rejects:
        result = assess_batch(pack, read_rows(source), args.as_of, out=out, rejects=rejects, jurisdiction=args.jurisdiction)
    if out is not sys.stdout:
        out.close()
    print(json.dumps(result.as_dict(), ensure_ascii=False), file=sys.stderr)
    return 0 if result.rejected == 0 else 3
