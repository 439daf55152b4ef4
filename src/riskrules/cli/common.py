"""What the commands share: argument types, the demo date, the command error, output formats."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ..pack.pack import RulePack, load_rules

__all__ = [
    "DEMO_AS_OF",
    "EXIT_INTERRUPTED",
    "EXIT_STOPPED",
    "CommandError",
    "check_jurisdiction",
    "existing_file",
    "iso_date",
    "out_format_of",
    "pack_of",
    "rejects_format_of",
]

DEMO_AS_OF = date(2022, 7, 31)  # the seed article's reporting date (HLJ, end of July 2022)

# Beyond the codes of cli/__init__.py: a run stopped part-way that --resume finishes.
EXIT_STOPPED = 4         # a worker process died
EXIT_INTERRUPTED = 130   # SIGINT or SIGTERM


class CommandError(Exception):
    """A command cannot run as asked (a missing file, two outputs on one path); exit code 2."""


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


_PACKS: dict[tuple[str, tuple[tuple[str, int, int], ...]], RulePack] = {}


def pack_of(args: argparse.Namespace) -> RulePack:
    """The rule pack of ``--rules`` (the bundled one by default). Within one process a pack whose
    files have not changed is loaded once (tests and services call several commands)."""
    from ..pack.pack import bundled_rules_path

    root = Path(args.rules).resolve() if args.rules else bundled_rules_path().resolve()
    try:
        stamp = tuple(sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
                             for p in root.rglob("*") if p.is_file()))
    except OSError:
        return load_rules(args.rules)
    key = (str(root), stamp)
    pack = _PACKS.get(key)
    if pack is None:
        pack = load_rules(args.rules)
        _PACKS.clear()
        _PACKS[key] = pack
    return pack


def existing_file(path: str) -> Path:
    """An input file that must exist ("-" is standard input)."""
    if path != "-" and not Path(path).is_file():
        raise CommandError(f"no such file: {path} / 找不到文件：{path}")
    return Path(path)


def check_jurisdiction(pack: RulePack, as_of: date, jurisdiction: str | None) -> None:
    """Refuse a wrong --jurisdiction or --as-of once, before any row is read (not on every row)."""
    from ..errors import InvalidRecord

    probe = {"household_id": "probe", "region_code": "110101", "members": [{"member_id": "1"}]}
    try:
        pack.validate(probe, as_of, jurisdiction)
    except InvalidRecord as e:
        bad = [p for p in e.problems if p.path in ("jurisdiction", "as_of")]
        if bad:
            raise CommandError("; ".join(f"--{p.path.replace('_', '-')}: {p.message_en} / {p.message_zh}" for p in bad)) from None


def out_format_of(path: str) -> str:
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise CommandError(f"cannot tell the output format of {path}: name it .jsonl, .csv or .parquet, or give --out-format")


def rejects_format_of(path: str) -> str:
    return "csv" if Path(path).suffix.lower() == ".csv" else "jsonl"
