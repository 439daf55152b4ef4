"""The command line (命令行). Each command is a module of this package that defines
``register(subparsers, common)`` and is found here by name, so a new command is a new module.

Exit codes, for every command: 0 done; 1 done, but something was found that the caller asked
to fail on (a failing test case, coverage below the minimum); 2 the rule pack or the arguments
are wrong; 3 done, but some input rows were rejected (they are in the rejects output).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from ..errors import RulePackError
from .common import DEMO_AS_OF, CommandError

__all__ = ["main", "DEMO_AS_OF", "EXIT_OK", "EXIT_FOUND", "EXIT_USAGE", "EXIT_REJECTED"]

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskrules", description="防止返贫动态监测规则 / rules for preventing return to poverty")
    parser.add_argument("--rules", default=None, help="rule pack folder (default: the bundled pack)")
    # --rules is accepted after the command too (riskrules check --rules X).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--rules", default=argparse.SUPPRESS, help="rule pack folder (default: the bundled pack)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command is None:  # plain `riskrules` runs the demo
        args = parser.parse_args([*argv, "demo"])
    try:
        return int(args.run(args))
    except RulePackError as e:
        if len(e.errors) > 1:
            print(f"riskrules: {len(e.errors)} errors in the rule pack / 规则包共有 {len(e.errors)} 处错误", file=sys.stderr)
        for error in e.errors:
            print(f"riskrules: {error.describe()}", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as e:
        print(f"riskrules: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # the reader went away (riskrules demo | head): not an error of ours
        sys.stderr.close()
        return EXIT_OK
