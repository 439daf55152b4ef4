"""Start ``riskrules serve`` on a free loopback port for a test, and stop it (its own process).

Used by the browser tests and the slow service tests. The server's log (stderr and stdout) is
kept in a file, so a test can scan it (for identity numbers, say).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LiveService", "free_port", "require_chromium", "running_service"]

CHROMIUM = os.environ.get("RISKRULES_CHROMIUM", "/usr/bin/chromium")
# As the machine notes say: no sandbox as root, no background networking (the network is closed).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    """Skip where Debian's chromium or playwright is missing, but fail on CI (where .ci/run installs them)."""
    import pytest

    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install playwright)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveService:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_service(log_dir: Path, *extra: str, workers: int = 1, start_timeout: float = 60.0) -> Iterator[LiveService]:
    """``riskrules serve`` on 127.0.0.1 and a free port, until the block ends."""
    port = free_port()
    log_path = log_dir / f"serve-{port}.log"
    args = [sys.executable, "-m", "riskrules", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), *extra]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"riskrules serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"riskrules serve did not answer in {start_timeout:g} s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield LiveService(url, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
