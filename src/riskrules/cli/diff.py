"""``riskrules diff``: who gains or loses which flag between two versions of a rule pack."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InvalidRecord, Problem
from ..outputs.batch import read_rows
from ..outputs.diff import diff_packs
from ..pack.pack import load_rules
from .common import existing_file, iso_date


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("diff", help="who gains or loses which flag between two rule packs", parents=[common])
    p.add_argument("input", help="households as JSON Lines or a JSON array, or - for standard input")
    p.add_argument("--old", required=True, help="the current rule pack folder")
    p.add_argument("--new", required=True, help="the changed rule pack folder")
    p.add_argument("--as-of", type=iso_date, required=True)
    p.add_argument("--jurisdiction", default=None)
    p.add_argument("--rejects", required=True, help="rows that are not valid households, with their problems")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    existing_file(args.input)
    old, new = load_rules(args.old), load_rules(args.new)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    records = []
    rejected = 0
    with open(args.rejects, "w", encoding="utf-8") as rejects:
        for row_number, row in read_rows(source):
            try:
                if not isinstance(row, dict):
                    raise InvalidRecord([Problem("$", "model_type", "每行应为一个 JSON 对象", "each row must be a JSON object")])
                records.append(old.validate(row, args.as_of, args.jurisdiction))
            except InvalidRecord as e:
                rejected += 1
                rejects.write(json.dumps({"row": row_number, "problems": e.as_dicts()}, ensure_ascii=False) + "\n")
    result = diff_packs(old, new, records, args.as_of, jurisdiction=args.jurisdiction)
    sys.stdout.write(result.to_json_lines())
    summary = {"old": result.old_version, "new": result.new_version, "households": result.households,
               "rejected": rejected, "by_rule": result.counts()}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return 0 if rejected == 0 else 3
