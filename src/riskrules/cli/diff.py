"""``riskrules diff``: who gains or loses which flag between two rule packs, and who is
reclassified from one monitoring-object category to another.

Standard output has one JSON line a change (``--explain``: the old and new explanations side by
side instead); standard error has the counts. Every row that is not a valid household, or that
either pack refuses, goes to the rejects file with its problems and is counted: exit code 3 when
there are any.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidRecord, Problem
from ..outputs.batch import _Unparsable, read_rows
from ..outputs.diff import diff_packs
from ..pack.pack import load_rules
from .common import CommandError, existing_file, iso_date


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("diff", help="who gains or loses which flag between two rule packs", parents=[common])
    p.add_argument("input", help="households as JSON Lines or a JSON array, or - for standard input")
    p.add_argument("--old", required=True, help="the current rule pack folder")
    p.add_argument("--new", required=True, help="the changed rule pack folder")
    p.add_argument("--as-of", type=iso_date, required=True)
    p.add_argument("--jurisdiction", default=None)
    p.add_argument("--rejects", required=True, help="rows that are not valid households, with their problems")
    p.add_argument("--explain", action="store_true", help="print the old and new explanations side by side instead of JSON")
    p.add_argument("--width", type=int, default=None, help="line width for --explain (default: the terminal's, at least 100)")
    p.set_defaults(run=run)


def _same_file(a: str, b: str) -> bool:
    if a == "-" or b == "-":
        return False
    pa, pb = Path(a), Path(b)
    try:
        return pa.exists() and pb.exists() and pa.samefile(pb)
    except OSError:
        return pa.resolve() == pb.resolve()


def run(args: argparse.Namespace) -> int:
    existing_file(args.input)
    if _same_file(args.input, args.rejects):
        raise CommandError(f"the rejects file {args.rejects} is the input file: it would be overwritten / 拒绝文件与输入文件相同")
    try:
        rejects = open(args.rejects, "w", encoding="utf-8")
    except OSError as e:
        raise CommandError(f"cannot write the rejects file {args.rejects}: {e.strerror} / 无法写入拒绝文件") from None
    try:
        old, new = load_rules(args.old), load_rules(args.new)
    except BaseException:
        rejects.close()
        raise
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    rejected = 0

    def reject(row_number: int, row: Any, error: InvalidRecord) -> None:
        nonlocal rejected
        rejected += 1
        household_id = row.get("household_id") if isinstance(row, dict) and isinstance(row.get("household_id"), str) else None
        rejects.write(json.dumps({"row": row_number, "household_id": household_id, "problems": error.as_dicts()},
                                 ensure_ascii=False, sort_keys=True) + "\n")

    with rejects:
        numbers: list[int] = []
        records: list[Any] = []
        raw: list[Any] = []
        for row_number, row in read_rows(source):
            try:
                if isinstance(row, _Unparsable):
                    raise InvalidRecord([Problem("$", "json_invalid", f"不是有效的 JSON：{row.reason}", f"not valid JSON: {row.reason}")])
                if not isinstance(row, dict):
                    raise InvalidRecord([Problem("$", "model_type", "每行应为一个 JSON 对象", "each row must be a JSON object")])
                records.append(old.validate(row, args.as_of, args.jurisdiction))
                numbers.append(row_number)
                raw.append(row)
            except InvalidRecord as e:
                reject(row_number, row, e)
        # A row valid for the old pack may still be refused by either pack (the new one's
        # parameters start later, a working-day calendar is missing): rejected, not fatal.
        result = diff_packs(old, new, records, args.as_of, jurisdiction=args.jurisdiction,
                            on_invalid=lambda i, _record, e: reject(numbers[i], raw[i], e))
    if args.input != "-":
        source.close()
    if args.explain:
        width = args.width or max(100, shutil.get_terminal_size((160, 24)).columns)
        sys.stdout.write(result.explained(width))
    else:
        sys.stdout.write(result.to_json_lines())
    summary = {"old": result.old_version, "new": result.new_version, "households": result.households,
               "rejected": rejected, "by_rule": result.counts(), "reclassified": result.reclassifications()}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return 0 if rejected == 0 else 3
