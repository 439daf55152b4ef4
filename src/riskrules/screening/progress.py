"""Progress of a screening (进度): a bar on a terminal, plain periodic lines in a pipe or a log.

Progress lines carry counts, rates and times only: never a household id or any value read.
"""

from __future__ import annotations

import sys
import time
from typing import IO

__all__ = ["Progress"]


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}"


class Progress:
    """``mode``: ``bar`` (redrawn in place), ``lines`` (one line every ``every`` seconds), ``off``;
    ``auto`` is ``bar`` on a terminal and ``lines`` otherwise."""

    def __init__(self, mode: str = "auto", stream: IO[str] | None = None, every: float = 10.0, label: str = "riskrules"):
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "lines"
        self.mode = mode
        self.every = every
        self.label = label
        self.start = time.monotonic()
        self.last = 0.0
        self.base = 0
        self.done = 0
        self.rejected = 0
        self.fraction: float | None = None

    def begin(self, already: int = 0) -> None:
        self.start = time.monotonic()
        self.last = self.start if self.mode == "lines" else 0.0
        self.base = already
        self.done = already

    def update(self, done: int, rejected: int, fraction: float | None, *, force: bool = False) -> None:
        self.done, self.rejected, self.fraction = done, rejected, fraction
        if self.mode == "off":
            return
        now = time.monotonic()
        gap = 0.2 if self.mode == "bar" else self.every
        if not force and now - self.last < gap:
            return
        self.last = now
        self._draw(now)

    def _numbers(self, now: float) -> tuple[float, str]:
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.base) / elapsed
        eta = "?"
        f = self.fraction
        if f is not None and f > 0.001 and self.done > self.base:
            eta = _clock(elapsed * (1 - f) / f)
        return rate, eta

    def _draw(self, now: float) -> None:
        rate, eta = self._numbers(now)
        f = self.fraction
        if self.mode == "bar":
            width = 24
            filled = int(width * f) if f is not None else 0
            bar = "#" * filled + "-" * (width - filled)
            pct = f"{100 * f:5.1f}%" if f is not None else "   ? "
            text = (f"\r{self.label} [{bar}] {pct} {self.done:,} households, {self.rejected:,} rejected, "
                    f"{rate:,.0f}/s, ETA {eta}  ")
            self.stream.write(text)
        else:
            pct = f", {100 * f:.1f}% of the input" if f is not None else ""
            self.stream.write(f"{self.label}: {self.done:,} households read, {self.rejected:,} rejected, {rate:,.0f}/s{pct}, "
                              f"ETA {eta}, {_clock(now - self.start)} elapsed\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.mode == "off":
            return
        now = time.monotonic()
        rate, _ = self._numbers(now)
        if self.mode == "bar":
            self.stream.write("\r" + " " * 100 + "\r")
        self.stream.write(f"{self.label}: done, {self.done:,} households, {self.rejected:,} rejected, {rate:,.0f}/s, "
                          f"{_clock(now - self.start)}\n")
        self.stream.flush()
