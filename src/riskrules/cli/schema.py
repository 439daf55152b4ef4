"""``riskrules schema``: the JSON Schema of the intake record, with Chinese titles."""

from __future__ import annotations

import argparse
import json

from ..schema import household_json_schema


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the intake record", parents=[common])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(household_json_schema(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0
