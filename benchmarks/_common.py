"""Helpers shared by the benchmarks (not a test; nothing here is timed by the suite).

``measure`` (and ``timed``) is the per-item loop of ``bench_assess.py`` (warm-up, garbage collector off, wall
clock and per-item latencies); ``reference_items`` builds what its baseline lines read: validated
households and their prepared engine facts.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

AS_OF = date(2022, 7, 31)


@dataclass(frozen=True)
class Rate:
    """Items per second by wall clock, and by the process's CPU time (every thread's): on a
    shared machine the wall clock also counts the time the process waited for a core, the CPU
    time does not."""

    wall: float
    cpu: float


def measure(label: str, items: list[Any], fn: Callable[[Any], Any], base: Rate | None = None) -> Rate:
    """Run ``fn`` on every item, print items per second (wall clock and CPU time), p50 and p99,
    and the time relative to ``base``; return both rates."""
    for item in items[: min(200, len(items))]:  # warm up
        fn(item)
    gc.collect()
    gc.disable()
    latencies = []
    cpu = time.process_time()
    start = time.perf_counter()
    for item in items:
        t0 = time.perf_counter_ns()
        fn(item)
        latencies.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    gc.enable()
    latencies.sort()
    rate = Rate(len(items) / total, len(items) / cpu if cpu > 0 else float("inf"))
    ratio = ""
    if base is not None:
        ratio = f"   {base.wall / rate.wall:5.1f}x the baseline's time"
        if base.cpu == base.cpu:  # not NaN
            ratio += f" ({base.cpu / rate.cpu:.1f}x by CPU)"
    print(f"{label:<30} {rate.wall:>9,.0f}/s   p50 {statistics.median(latencies) / 1000:>7.1f} µs   "
          f"p99 {latencies[int(len(latencies) * 0.99) - 1] / 1000:>7.1f} µs   cpu {rate.cpu:>9,.0f}/s{ratio}", flush=True)
    return rate


def timed(label: str, items: list[Any], fn: Callable[[Any], Any], base: float | None = None) -> float:
    """:func:`measure` by wall clock alone (``base`` and the result: items per second)."""
    rate = measure(label, items, fn, None if base is None else Rate(base, float("nan")))
    return rate.wall


def reference_items(pack: Any, records: Iterable[Any], as_of: date = AS_OF) -> tuple[list[Any], list[dict[str, Any]]]:
    """Validated households and their engine facts (what the plain-Python conditions and the
    durable-rules runner read), as ``bench_assess.py`` prepares them."""
    households = [pack.validate(r, as_of) for r in records]
    facts = [pack.engine_fact(h, as_of, h.region_code)[0] for h in households]
    return households, facts


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (``getrusage``; kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
