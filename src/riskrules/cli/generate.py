"""``riskrules generate``: write a synthetic county (JSON Lines, a CSV export with Chinese
headers, or an Excel workbook) and the names of its townships and villages."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .common import DEMO_AS_OF, CommandError, iso_date


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("generate", help="write a synthetic county of households (.jsonl, .csv, .xlsx)", parents=[common])
    p.add_argument("out", help="the file to write: .jsonl, .csv (Chinese headers, one row per member) or .xlsx")
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--bad-share", type=float, default=0.002, help="share of rows broken as exports break (default 0.002)")
    p.add_argument("--as-of", type=iso_date, default=DEMO_AS_OF, help="the date the county's cases lead up to")
    p.add_argument("--places", default=None, help="where to write the place names (default: places.csv beside OUT)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..io.tables import TableError
    from ..synthetic import write_county, write_places

    out = Path(args.out)
    if not 1 <= args.households <= 10_000_000:
        raise CommandError("--households must be from 1 to 10,000,000")
    if not 0 <= args.bad_share <= 1:
        raise CommandError("--bad-share must be from 0 to 1")
    if out.suffix.lower() not in (".jsonl", ".json", ".csv", ".xlsx"):
        raise CommandError(f"cannot tell the format of {out}: name it .jsonl, .csv or .xlsx")
    started = time.perf_counter()
    tmp = out.with_name(out.name + ".partial" + out.suffix)
    try:
        write_county(tmp, args.households, seed=args.seed, bad_share=args.bad_share, as_of=args.as_of,
                     fmt={".json": "jsonl"}.get(out.suffix.lower()))
    except TableError as e:
        tmp.unlink(missing_ok=True)
        raise CommandError(str(e)) from None
    tmp.replace(out)
    places = write_places(args.places or out.with_name("places.csv"), seed=args.seed)
    print(f"riskrules: {args.households:,} households written to {out} in {time.perf_counter() - started:,.1f} s; "
          f"place names in {places}", file=sys.stderr)
    return 0
