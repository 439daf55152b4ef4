"""Browser tests: Debian's chromium driven by Playwright (never a downloaded browser), against
the service started on a free loopback port. All slow (``pytest -m slow``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_service import CHROMIUM, CHROMIUM_ARGS, LiveService, require_chromium, running_service


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    pytest.importorskip("fastapi")
    with running_service(tmp_path_factory.mktemp("service")) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # A new, empty profile for each launch (Playwright's default), Debian's chromium.
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=zh-CN"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def artefacts(tmp_path: Path) -> Path:
    """Where screenshots go: RISKRULES_ARTEFACTS if set (to keep them), else the test's tmp dir."""
    folder = Path(os.environ.get("RISKRULES_ARTEFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
