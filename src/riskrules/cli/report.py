"""``riskrules report RESULTS``: the county report of a screening -- terminal tables, and on
request an Excel workbook (--excel) and a self-contained HTML page with charts (--html)."""

from __future__ import annotations

import argparse
import sys

from .common import CommandError, existing_file


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", help="the county report of a screening's results (terminal, Excel, HTML)", parents=[common])
    p.add_argument("results", help="household rows written by riskrules assess (.jsonl, .csv or .parquet)")
    p.add_argument("--catalogue", default=None, help="the rule catalogue (default: RESULTS' NAME.catalogue.json)")
    p.add_argument("--places", default=None, help="CSV of region codes and names (code,name) for townships and villages")
    p.add_argument("--excel", default=None, help="write the workbook here (.xlsx; needs riskrules[excel])")
    p.add_argument("--html", default=None, help="write the HTML page here")
    p.add_argument("--limit", type=int, default=15, help="rows of each long table on the terminal (default 15)")
    p.add_argument("--quiet", action="store_true", help="no terminal tables")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..io.tables import TableError
    from ..report import (
        ReportError,
        build_report,
        load_places,
        render_text,
        write_excel,
        write_html,
    )

    existing_file(args.results)
    if args.places:
        existing_file(args.places)
    for out in (args.excel, args.html):
        if out is not None and out in (args.results, args.catalogue, args.places):
            raise CommandError(f"{out} is an input of the report: it would be overwritten / 输出与输入为同一文件")
    try:
        report = build_report(args.results, catalogue=args.catalogue, places=load_places(args.places))
        if not args.quiet:
            print(render_text(report, limit=args.limit))
        if args.excel:
            write_excel(report, args.excel)
            print(f"riskrules: workbook written to {args.excel}", file=sys.stderr)
        if args.html:
            write_html(report, args.html)
            print(f"riskrules: HTML report written to {args.html}", file=sys.stderr)
    except (ReportError, TableError, ValueError, KeyError) as e:
        raise CommandError(f"cannot read the results {args.results}: {e} / 无法读取结果") from None
    return 0
