"""``riskrules rules-doc``: the catalogue of every rule and parameter with its source."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..outputs.rules_doc import rules_markdown
from .common import pack_of


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rules-doc", help="print (or --write) the rule catalogue in Markdown", parents=[common])
    p.add_argument("--write", default=None)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = rules_markdown(pack_of(args))
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0
