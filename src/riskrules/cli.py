"""The command line (命令行): ``riskrules demo``, ``assess``, ``diff``, ``schema``, ``rules-doc``, ``check``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from .errors import InvalidRecord, Problem, RulePackError
from .outputs.diff import diff_packs
from .examples import load_examples
from .outputs.batch import assess_batch, read_rows
from .outputs.rules_doc import rules_markdown
from .outputs.summary import summarise
from .pack.pack import load_rules
from .schema import household_json_schema

__all__ = ["main", "DEMO_AS_OF"]

DEMO_AS_OF = date(2022, 7, 31)  # the seed article's reporting date (HLJ, end of July 2022)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _demo(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
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


def _assess(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    with open(args.rejects, "w", encoding="utf-8") as rejects:
        result = assess_batch(pack, read_rows(source), args.as_of, out=out, rejects=rejects, jurisdiction=args.jurisdiction)
    if out is not sys.stdout:
        out.close()
    print(json.dumps(result.as_dict(), ensure_ascii=False), file=sys.stderr)
    return 0 if result.rejected == 0 else 3


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(household_json_schema(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def _rules_doc(args: argparse.Namespace) -> int:
    text = rules_markdown(load_rules(args.rules))
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


def _diff(args: argparse.Namespace) -> int:
    old, new = load_rules(args.old), load_rules(args.new)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    records = []
    with open(args.rejects, "w", encoding="utf-8") as rejects:
        for row_number, row in read_rows(source):
            try:
                if not isinstance(row, dict):
                    raise InvalidRecord([Problem("$", "model_type", "每行应为一个 JSON 对象", "each row must be a JSON object")])
                records.append(old.validate(row, args.as_of, args.jurisdiction))
            except InvalidRecord as e:
                rejects.write(json.dumps({"row": row_number, "problems": e.as_dicts()}, ensure_ascii=False) + "\n")
    result = diff_packs(old, new, records, args.as_of, jurisdiction=args.jurisdiction)
    sys.stdout.write(result.to_json_lines())
    summary = {"old": result.old_version, "new": result.new_version, "households": result.households,
               "rejected": sum(1 for _ in open(args.rejects, encoding="utf-8")), "by_rule": result.counts()}
    print(json.dumps(summary, ensure_ascii=False), file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    pack = load_rules(args.rules)
    print(f"ok: {pack.name} {pack.version}, {len(pack.rules)} rules, {len(pack.parameters.decls)} parameters, "
          f"jurisdictions {', '.join(pack.parameters.jurisdictions())}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="riskrules", description="防止返贫动态监测规则 / rules for preventing return to poverty")
    parser.add_argument("--rules", default=None, help="rule pack folder (default: the bundled pack)")
    # --rules is accepted after the command too (riskrules check --rules X).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--rules", default=argparse.SUPPRESS, help="rule pack folder (default: the bundled pack)")
    sub = parser.add_subparsers(dest="command")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    demo = command("demo", help="assess the bundled example households")
    demo.add_argument("--as-of", type=_date, default=DEMO_AS_OF)
    assess = command("assess", help="assess households from JSON Lines or a JSON array")
    assess.add_argument("input", help="file, or - for standard input")
    assess.add_argument("--as-of", type=_date, required=True)
    assess.add_argument("--jurisdiction", default=None)
    assess.add_argument("--out", default="-", help="assessments as JSON Lines (default: standard output)")
    assess.add_argument("--rejects", required=True, help="rejected rows with their problems, as JSON Lines")
    command("schema", help="print the JSON Schema of the intake record")
    doc = command("rules-doc", help="print (or --write) the rule catalogue in Markdown")
    doc.add_argument("--write", default=None)
    command("check", help="load a rule pack and report its errors")
    diff = command("diff", help="who gains or loses which flag between two rule packs")
    diff.add_argument("input", help="households as JSON Lines or a JSON array, or - for standard input")
    diff.add_argument("--old", required=True, help="the current rule pack folder")
    diff.add_argument("--new", required=True, help="the changed rule pack folder")
    diff.add_argument("--as-of", type=_date, required=True)
    diff.add_argument("--jurisdiction", default=None)
    diff.add_argument("--rejects", required=True, help="rows that are not valid households, with their problems")
    args = parser.parse_args(argv)
    handlers = {"demo": _demo, "assess": _assess, "schema": _schema, "rules-doc": _rules_doc, "check": _check, "diff": _diff,
                None: _demo}
    if args.command is None:
        args.as_of = DEMO_AS_OF
    try:
        return handlers[args.command](args)
    except RulePackError as e:
        if len(e.errors) > 1:
            print(f"riskrules: {len(e.errors)} errors in the rule pack / 规则包共有 {len(e.errors)} 处错误", file=sys.stderr)
        for error in e.errors:
            print(f"riskrules: {error.describe()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
