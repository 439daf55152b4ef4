"""``riskrules check``: load a rule pack and report every error (file, line, rule id)."""

from __future__ import annotations

import argparse

from .common import pack_of


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("check", help="load a rule pack and report its errors", parents=[common])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    pack = pack_of(args)
    print(f"ok: {pack.name} {pack.version}, {len(pack.rules)} rules, {len(pack.parameters.decls)} parameters, "
          f"jurisdictions {', '.join(pack.parameters.jurisdictions())}")
    return 0
