"""``riskrules schema``: the JSON Schema of the intake record, with Chinese titles.

``--form`` prints the form-ready schema instead, with its UI hints and sections
(``{"schema", "uiSchema", "sections"}``), for a JSON-Schema form library to render.
"""

from __future__ import annotations

import argparse
import json

from ..schema import household_form_schema, household_json_schema


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the intake record", parents=[common])
    p.add_argument("--form", action="store_true",
                   help="the form-ready schema with UI hints and sections, for intake forms / 表单用结构")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.form:
        # Key order is the form's order (sections, fields): not sorted.
        print(json.dumps(household_form_schema(), ensure_ascii=False, indent=2))
    else:
        print(json.dumps(household_json_schema(), ensure_ascii=False, indent=2, sort_keys=True))
    return 0
