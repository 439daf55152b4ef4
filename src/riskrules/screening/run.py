"""A screening run (批量筛查): read, assess, write -- streaming, in order, resumable.

- Units are read one at a time and assessed in chunks, in this process or in ``workers``
  processes that each load the pack once; results are written in input order, so the output is
  the same whatever the number of workers.
- Outputs are written to ``NAME.partial`` files and renamed at the end; the final files appear
  only when the run is complete. No output may be the input or another output.
- Every few seconds the partial files are flushed to disk and a checkpoint records how many
  units they hold and their sizes. After a kill, ``resume=True`` cuts the partial files back to
  the checkpoint and carries on from there: no row is lost or written twice.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import RiskRulesError
from ..io.source import InputSource
from ..io.units import Unit
from ..pack.pack import RulePack
from .catalogue import catalogue, catalogue_path
from .progress import Progress
from .rows import FLAG_COLUMNS, HOUSEHOLD_COLUMNS
from .work import REJECT_COLUMNS, Settings, assessor_for, csv_line, init_worker, work_chunk

__all__ = ["Interrupted", "Outcome", "Plan", "ScreeningError", "WorkerDied", "output_paths", "screen"]

CHECKPOINT_VERSION = 1
_BOM = b"\xef\xbb\xbf"


class ScreeningError(RiskRulesError):
    """The run cannot start as asked (paths, a checkpoint that does not match); nothing written."""


class Interrupted(RiskRulesError):
    """Stopped by a signal; the checkpoint holds everything written so far."""


class WorkerDied(RiskRulesError):
    """A worker process ended unexpectedly; the checkpoint holds everything written so far."""


@dataclass
class Plan:
    out: str                        # a file, or "-" for standard output
    rejects: str
    settings: Settings
    workers: int = 1
    resume: bool = False
    restart: bool = False
    chunk: int = 32
    checkpoint_every: float = 2.0   # seconds
    inputs: tuple[str, ...] = ()    # every file read (input, members table, mapping): never an output
    fingerprint: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    read: int = 0
    assessed: int = 0
    rejected: int = 0
    flags_by_kind: dict[str, int] = field(default_factory=dict)
    resumed_at: int = 0
    out: str | None = None
    rejects: str | None = None
    catalogue: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "assessed": self.assessed, "rejected": self.rejected,
                "flags_by_kind": dict(sorted(self.flags_by_kind.items())), "resumed_at": self.resumed_at}


@dataclass(frozen=True)
class _Paths:
    out: Path | None
    out_part: Path | None
    rejects: Path
    rejects_part: Path
    checkpoint: Path
    catalogue: Path | None


def output_paths(out: str, rejects: str) -> _Paths:
    r = Path(rejects)
    if out == "-":
        return _Paths(None, None, r, r.with_name(r.name + ".partial"), r.with_name(r.name + ".checkpoint.json"), None)
    o = Path(out)
    return _Paths(o, o.with_name(o.name + ".partial"), r, r.with_name(r.name + ".partial"),
                  o.with_name(o.name + ".checkpoint.json"), catalogue_path(o))


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _check_paths(paths: _Paths, inputs: tuple[str, ...]) -> None:
    named = {"--out": paths.out, "--rejects": paths.rejects, "the checkpoint": paths.checkpoint, "the catalogue": paths.catalogue,
             "the partial output": paths.out_part, "the partial rejects": paths.rejects_part}
    items = [(k, v) for k, v in named.items() if v is not None]
    for name, p in items:
        if p.is_dir():
            raise ScreeningError(f"{name} {p} is a folder / {name} 是一个目录")
        for i in inputs:
            if i != "-" and _same(p, Path(i)):
                raise ScreeningError(f"{name} {p} is an input file: it would be overwritten / 输出文件与输入文件相同，将覆盖输入")
    for i, (n1, p1) in enumerate(items):
        for n2, p2 in items[i + 1:]:
            if _same(p1, p2):
                raise ScreeningError(f"{n1} and {n2} are the same file ({p1}) / 两个输出为同一文件")
    parent = paths.rejects.resolve().parent
    if not parent.is_dir():
        raise ScreeningError(f"no folder {parent} for the rejects / 拒绝文件所在目录不存在")
    if paths.out is not None and not paths.out.resolve().parent.is_dir():
        raise ScreeningError(f"no folder {paths.out.resolve().parent} for the output / 输出目录不存在")


def file_fingerprint(path: str) -> dict[str, Any]:
    if path == "-":
        return {"path": "-"}
    p = Path(path)
    st = p.stat()
    h = hashlib.sha256()
    with open(p, "rb") as f:
        h.update(f.read(1 << 20))
    return {"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "head_sha256": h.hexdigest()}


def _fsync(f: IO[bytes]) -> None:
    f.flush()
    os.fsync(f.fileno())


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
        _fsync(f)
    os.replace(tmp, path)


def _header(settings: Settings, which: str) -> bytes:
    if which == "out":
        if settings.out_format != "csv":
            return b""
        return _BOM + csv_line(FLAG_COLUMNS if settings.rows == "flag" else HOUSEHOLD_COLUMNS)
    return _BOM + csv_line(REJECT_COLUMNS) if settings.rejects_format == "csv" else b""


class _Chunks:
    """Chunks of units from the source, after skipping the first ``skip`` units."""

    def __init__(self, units: Iterator[Unit], skip: int, size: int):
        self.units = units
        self.skip = skip
        self.size = size
        self.skipped = 0

    def __iter__(self) -> Iterator[list[Unit]]:
        chunk: list[Unit] = []
        for unit in self.units:
            if self.skipped < self.skip:
                self.skipped += 1
                continue
            chunk.append(unit)
            if len(chunk) >= self.size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        if self.skipped < self.skip:
            raise ScreeningError(f"the input has fewer rows ({self.skipped}) than the checkpoint says were done ({self.skip}): "
                                 f"it has changed; use --restart / 输入已改变，请用 --restart 重新开始")


def _results(chunks: Iterator[list[Unit]], plan: Plan, pack: RulePack | None) -> Iterator[list[tuple[bool, bytes, tuple[str, ...]]]]:
    if plan.workers <= 1:
        assessor = assessor_for(plan.settings, pack)
        for chunk in chunks:
            yield assessor.chunk(chunk)
        return
    context = multiprocessing.get_context("spawn")
    window: deque[Future[Any]] = deque()
    with ProcessPoolExecutor(max_workers=plan.workers, mp_context=context, initializer=init_worker,
                             initargs=(plan.settings,)) as pool:
        try:
            for chunk in chunks:
                window.append(pool.submit(work_chunk, chunk))
                if len(window) >= 2 * plan.workers + 2:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for f in window:
                f.cancel()


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def screen(source: InputSource, plan: Plan, pack: RulePack, progress: Progress | None = None,
           on_start: Callable[[Outcome], None] | None = None) -> Outcome:
    """Run the screening; returns the counts. Raises :class:`ScreeningError` before writing
    anything when the paths or the checkpoint are wrong, :class:`Interrupted` or
    :class:`WorkerDied` (with a checkpoint to resume from) when stopped part-way."""
    s = plan.settings
    paths = output_paths(plan.out, plan.rejects)
    _check_paths(paths, plan.inputs)
    fingerprint = {"checkpoint": CHECKPOINT_VERSION, "pack_version": pack.version, **plan.fingerprint,
                   "settings": {k: str(v) for k, v in asdict(s).items()}}
    outcome = Outcome()
    state: dict[str, Any] | None = None
    if paths.checkpoint.exists():
        if plan.restart:
            paths.checkpoint.unlink()
        elif not plan.resume:
            raise ScreeningError(f"an interrupted run left {paths.checkpoint}: add --resume to finish it, or --restart to start "
                                 f"again / 存在中断的运行：用 --resume 继续，或用 --restart 重新开始")
        else:
            try:
                state = json.loads(paths.checkpoint.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raise ScreeningError(f"the checkpoint {paths.checkpoint} cannot be read: use --restart / 检查点无法读取") from None
            if state.get("fingerprint") != fingerprint:
                raise ScreeningError("the checkpoint was made for another input, pack or options: use --restart to start again "
                                     "/ 检查点与本次输入或选项不一致，请用 --restart")
    elif plan.resume and plan.out != "-":
        if paths.out is not None and paths.out.exists() and not paths.out_part.exists():  # type: ignore[union-attr]
            raise ScreeningError(f"nothing to resume: {paths.out} is complete / 没有可继续的运行：输出已完成")
    if plan.resume and plan.out == "-":
        raise ScreeningError("--resume needs --out FILE (standard output cannot be resumed) / 续跑需要输出到文件")

    skip = 0
    if state is not None:
        skip = int(state["units_done"])
        outcome.read, outcome.assessed, outcome.rejected = skip, int(state["assessed"]), int(state["rejected"])
        outcome.flags_by_kind = dict(state["flags_by_kind"])
        outcome.resumed_at = skip
        if state.get("finishing"):
            return _finish(paths, plan, pack, outcome, fingerprint, source)
        out_f = _reopen(paths.out_part, int(state["out_bytes"])) if paths.out_part else None
        rej_f = _reopen(paths.rejects_part, int(state["rejects_bytes"]))
    else:
        out_f = open(paths.out_part, "wb") if paths.out_part else None
        rej_f = open(paths.rejects_part, "wb")
        if out_f is not None:
            out_f.write(_header(s, "out"))
        rej_f.write(_header(s, "rejects"))
    stdout = None
    if out_f is None:
        import sys

        stdout = sys.stdout.buffer
        stdout.write(_header(s, "out"))
    sink = out_f if out_f is not None else stdout
    assert sink is not None

    def save(finishing: bool = False) -> None:
        if out_f is not None:
            _fsync(out_f)
        _fsync(rej_f)
        _write_json_atomic(paths.checkpoint, {
            "fingerprint": fingerprint, "units_done": outcome.read, "assessed": outcome.assessed, "rejected": outcome.rejected,
            "flags_by_kind": outcome.flags_by_kind, "out_bytes": out_f.tell() if out_f is not None else 0,
            "rejects_bytes": rej_f.tell(), "finishing": finishing})

    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    if progress is not None:
        progress.begin(skip)
    if on_start is not None:
        on_start(outcome)
    last_save = time.monotonic()
    try:
        chunks = _Chunks(source.units(), skip, plan.chunk)
        for results in _results(iter(chunks), plan, pack):
            for ok, data, kinds in results:
                outcome.read += 1
                if ok:
                    outcome.assessed += 1
                    sink.write(data)
                    for k in kinds:
                        outcome.flags_by_kind[k] = outcome.flags_by_kind.get(k, 0) + 1
                else:
                    outcome.rejected += 1
                    rej_f.write(data)
            if progress is not None:
                progress.update(outcome.read, outcome.rejected, source.fraction())
            if out_f is not None and time.monotonic() - last_save >= plan.checkpoint_every:
                save()
                last_save = time.monotonic()
        if out_f is not None:
            save(finishing=True)
    except KeyboardInterrupt:
        if out_f is not None:
            save()
        _close(out_f, rej_f)
        raise Interrupted(f"interrupted after {outcome.read:,} households; run again with --resume to finish / "
                          f"已中断，用 --resume 继续") from None
    except BrokenProcessPool:
        if out_f is not None:
            save()
        _close(out_f, rej_f)
        raise WorkerDied(f"a worker process died after {outcome.read:,} households; run again with --resume to finish / "
                         f"工作进程意外退出，用 --resume 继续") from None
    except BaseException:
        # Anything else (a bug, a disk full): keep what was written resumable, then let it be seen.
        if out_f is not None and not out_f.closed:
            try:
                save()
            except OSError:
                pass
        _close(out_f, rej_f)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        source.close()
    if progress is not None:
        progress.done, progress.rejected = outcome.read, outcome.rejected
        progress.finish()
    if stdout is not None:
        stdout.flush()
        _fsync(rej_f)
        rej_f.close()
        os.replace(paths.rejects_part, paths.rejects)
        outcome.rejects = str(paths.rejects)
        return outcome
    _close(out_f, rej_f)
    return _finish(paths, plan, pack, outcome, fingerprint, source)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _reopen(path: Path, size: int) -> IO[bytes]:
    if not path.exists() or path.stat().st_size < size:
        raise ScreeningError(f"the partial file {path} is shorter than the checkpoint says: use --restart / 部分输出文件已损坏")
    f = open(path, "r+b")
    f.truncate(size)
    f.seek(size)
    return f


def _close(*files: IO[bytes] | None) -> None:
    for f in files:
        if f is not None and not f.closed:
            f.close()


def _finish(paths: _Paths, plan: Plan, pack: RulePack, outcome: Outcome, fingerprint: dict[str, Any],
            source: InputSource) -> Outcome:
    """Rename the partial files to their final names (idempotent: a resume may redo it)."""
    s = plan.settings
    assert paths.out is not None and paths.out_part is not None
    if paths.out_part.exists():
        if s.out_format == "parquet":
            from .parquet import staged_to_parquet

            tmp = paths.out.with_name(paths.out.name + ".partial.parquet")
            staged_to_parquet(paths.out_part, tmp, s.rows, s.detail)
            os.replace(tmp, paths.out)
            paths.out_part.unlink()
        else:
            os.replace(paths.out_part, paths.out)
    if paths.rejects_part.exists():
        os.replace(paths.rejects_part, paths.rejects)
    if paths.catalogue is not None:
        run = {"input": source.name, "format": source.fmt, "mapping": source.mapping.name if source.mapping else None,
               "as_of": s.as_of.isoformat(), "jurisdiction": s.jurisdiction, "rows": s.rows, "detail": s.detail,
               "citations": s.citations, "out_format": s.out_format, "counts": outcome.as_dict() | {"resumed_at": None}}
        _write_json_atomic(paths.catalogue, catalogue(pack, run))
    if paths.checkpoint.exists():
        paths.checkpoint.unlink()
    outcome.out, outcome.rejects = str(paths.out), str(paths.rejects)
    outcome.catalogue = str(paths.catalogue) if paths.catalogue else None
    return outcome
