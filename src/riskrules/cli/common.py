"""What the commands share: argument types, the demo date, and the command error."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ..pack.pack import RulePack, load_rules

__all__ = ["DEMO_AS_OF", "CommandError", "iso_date", "pack_of", "existing_file"]

DEMO_AS_OF = date(2022, 7, 31)  # the seed article's reporting date (HLJ, end of July 2022)


class CommandError(Exception):
    """A command cannot run as asked (a missing file, two outputs on one path); exit code 2."""


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def pack_of(args: argparse.Namespace) -> RulePack:
    return load_rules(args.rules)


def existing_file(path: str) -> Path:
    """An input file that must exist ("-" is standard input)."""
    if path != "-" and not Path(path).is_file():
        raise CommandError(f"no such file: {path} / 找不到文件：{path}")
    return Path(path)
