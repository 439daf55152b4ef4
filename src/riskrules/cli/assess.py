"""``riskrules assess``: screen a batch of households -- JSON Lines, JSON, CSV, Excel or
Parquet in; JSON Lines, CSV or Parquet out; every rejected row in the rejects file.

Exit codes: 0 every household assessed; 3 done, some rows rejected (they are in the rejects
file); 2 the arguments, paths, mapping, input header or rule pack are wrong (nothing written);
130 interrupted, and 4 a worker process died: the checkpoint holds what was done, and the same
command with --resume finishes the run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .common import (
    EXIT_INTERRUPTED,
    EXIT_STOPPED,
    CommandError,
    check_jurisdiction,
    existing_file,
    iso_date,
    out_format_of,
    pack_of,
    rejects_format_of,
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("assess", help="screen households from JSON Lines, JSON, CSV, Excel or Parquet", parents=[common],
                       description="Screen a batch of households. Exit codes: 0 all assessed; 3 some rows rejected (in the "
                                   "rejects file); 2 arguments, paths, mapping or pack wrong (nothing written); 130 interrupted "
                                   "and 4 a worker died (run again with --resume).")
    p.add_argument("input", help="households: .jsonl/.json, .csv, .xlsx or .parquet; - for JSON Lines on standard input")
    p.add_argument("--as-of", type=iso_date, required=True, help="the date to assess on (YYYY-MM-DD)")
    p.add_argument("--jurisdiction", default=None, help="whose parameters apply (default: each household's region code)")
    p.add_argument("--out", default="-", help="results: .jsonl, .csv or .parquet (default: JSON Lines on standard output)")
    p.add_argument("--rejects", required=True, help="rejected rows with every reason: .jsonl, or .csv (one line a problem)")
    g = p.add_argument_group("input")
    g.add_argument("--format", dest="in_format", choices=["json", "csv", "excel", "parquet"], default=None,
                   help="input format (default: from the file name)")
    g.add_argument("--mapping", default=None, help="column mapping YAML for tables (default: the bundled Chinese headers, zh-CN)")
    g.add_argument("--members", default=None, help="a members table (CSV, Excel, Parquet) joined to the households by household id")
    g.add_argument("--sheet", default=None, help="Excel sheet of the households (default: the mapping's, or the first)")
    g.add_argument("--members-sheet", default=None, help="Excel sheet of the members (default: the mapping's, when present)")
    g.add_argument("--encoding", default="utf-8", help="text encoding of a CSV file (utf-8, gb18030...)")
    o = p.add_argument_group("output")
    o.add_argument("--out-format", choices=["jsonl", "csv", "parquet"], default=None, help="default: from the --out file name")
    o.add_argument("--rows", choices=["household", "flag"], default="household", help="one row per household (default) or per flag")
    o.add_argument("--detail", choices=["compact", "full"], default="compact",
                   help="compact: flags by rule id (default); full: the whole assessment with explanations")
    o.add_argument("--citations", choices=["ref", "full"], default="ref",
                   help="ref: rule id and pack version, full text in NAME.catalogue.json (default); full: in every flag")
    r = p.add_argument_group("run")
    r.add_argument("--engine", choices=["auto", "python", "columnar"], default="auto",
                   help="python: household by household; columnar: decided column-wise, the same rows (needs "
                        "riskrules[columnar]); auto (default): columnar for Parquet input when it is installed")
    r.add_argument("--workers", type=int, default=1, help="worker processes (default 1: this process); output is the same for any N")
    r.add_argument("--resume", action="store_true", help="finish a run that was interrupted (same command, plus --resume)")
    r.add_argument("--restart", action="store_true", help="discard an interrupted run's checkpoint and start again")
    r.add_argument("--progress", choices=["auto", "bar", "lines", "off"], default="auto",
                   help="auto: a bar on a terminal, a line every --progress-every seconds otherwise")
    r.add_argument("--progress-every", type=float, default=10.0, help="seconds between progress lines (default 10)")
    r.add_argument("--checkpoint-every", type=float, default=2.0, help=argparse.SUPPRESS)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..io import MappingError, TableError
    from ..io.source import open_input
    from ..screening import (
        Interrupted,
        Plan,
        Progress,
        ScreeningError,
        Settings,
        WorkerDied,
        file_fingerprint,
        screen,
    )

    existing_file(args.input)
    for extra in (args.members, args.mapping):
        if extra is not None:
            existing_file(extra)
    if args.resume and args.restart:
        raise CommandError("give --resume or --restart, not both")
    if args.workers < 1 or args.workers > 64:
        raise CommandError("--workers must be from 1 to 64")
    pack = pack_of(args)
    check_jurisdiction(pack, args.as_of, args.jurisdiction)
    out_format = args.out_format or out_format_of(args.out)
    try:
        source = open_input(args.input, fmt=args.in_format, mapping=args.mapping, members=args.members, sheet=args.sheet,
                            members_sheet=args.members_sheet, encoding=args.encoding)
        source.prepare()
    except (MappingError, TableError) as e:
        raise CommandError(str(e)) from None
    engine = _engine(args, source.fmt, pack)
    if source.unmapped:
        shown = ", ".join(source.unmapped[:20]) + (" ..." if len(source.unmapped) > 20 else "")
        print(f"riskrules: columns not in the mapping, ignored / 未映射的列（已忽略）: {shown}", file=sys.stderr)
    settings = Settings(as_of=args.as_of, jurisdiction=args.jurisdiction, rules=args.rules, out_format=out_format,
                        rows=args.rows, detail=args.detail, citations=args.citations,
                        rejects_format=rejects_format_of(args.rejects), source=source.name, engine=engine)
    inputs = tuple(x for x in (args.input, args.members, args.mapping) if x)
    fingerprint: dict[str, Any] = {"input": file_fingerprint(args.input) if args.input != "-" else {"path": "-"},
                                   "members": file_fingerprint(args.members) if args.members else None,
                                   "mapping": file_fingerprint(args.mapping) if args.mapping else source.mapping.name if source.mapping else None,
                                   "format": source.fmt, "sheet": args.sheet, "members_sheet": args.members_sheet,
                                   "encoding": args.encoding}
    if args.rules:
        inputs += tuple(str(p) for p in Path(args.rules).rglob("*") if p.is_file())
    plan = Plan(out=args.out, rejects=args.rejects, settings=settings, workers=args.workers, resume=args.resume,
                restart=args.restart, checkpoint_every=args.checkpoint_every, inputs=inputs, fingerprint=fingerprint,
                chunk=COLUMNAR_CHUNK if engine == "columnar" else 32)
    progress = Progress(args.progress, every=args.progress_every)
    try:
        outcome = screen(source, plan, pack, progress)
    except ScreeningError as e:
        source.close()
        raise CommandError(str(e)) from None
    except (MappingError, TableError) as e:
        raise CommandError(str(e)) from None
    except Interrupted as e:
        print(f"riskrules: {e}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkerDied as e:
        print(f"riskrules: {e}", file=sys.stderr)
        return EXIT_STOPPED
    print(json.dumps(outcome.as_dict(), ensure_ascii=False), file=sys.stderr)
    return 0 if outcome.rejected == 0 else 3


COLUMNAR_CHUNK = 4096
"""Households a columnar chunk holds: deciding a chunk has a fixed cost, paid once per chunk."""


def _columnar_installed() -> bool:
    try:
        import polars  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _without_columnar_form(pack: Any, as_of: Any) -> list[str]:
    from ..columnar.decide import without_columnar_form

    return without_columnar_form(pack, as_of)


def _engine(args: argparse.Namespace, fmt: str, pack: Any) -> str:
    """The engine to run: --engine, or for auto the columnar back end on Parquet input (where it
    is installed, one process is asked for and it can compute every fact the pack reads), else
    the plain path."""
    if args.engine == "auto":
        usable = fmt == "parquet" and args.workers == 1 and _columnar_installed()
        return "columnar" if usable and not _without_columnar_form(pack, args.as_of) else "python"
    if args.engine == "columnar":
        if not _columnar_installed():
            raise CommandError("--engine columnar needs the optional packages polars and pyarrow: pip install "
                               "'riskrules[columnar]' / 列式后端需要可选依赖 polars 与 pyarrow：pip install 'riskrules[columnar]'")
        if args.workers != 1:
            raise CommandError("--engine columnar runs in one process and uses every core itself: leave out --workers "
                               "/ 列式后端在单个进程内即使用全部核心，请勿同时指定 --workers")
        missing = _without_columnar_form(pack, args.as_of)
        if missing:
            raise CommandError(f"--engine columnar cannot compute {', '.join(missing)}, which this pack reads: use --engine "
                               f"python / 列式后端无法计算本规则包读取的 {', '.join(missing)}，请使用 --engine python")
    return str(args.engine)
