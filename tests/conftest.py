"""Shared fixtures: the bundled pack (loaded once per session), a writable copy of it, the
working-day calendar, and the reporting date of the seed article. Household builders are in
:mod:`riskrules.testing.builders`."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.deadlines import WorkCalendar, load_calendar
from riskrules.engine.available import durable_available, durable_import_error
from riskrules.pack.pack import bundled_rules_path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # test files that still `import builders` (a re-export)

pytest_plugins = ["pytester"]  # tests of the riskrules pytest plugin

AS_OF = date(2022, 7, 31)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "durable: needs durable-rules' C core, which imports on Python 3.10-3.12 only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if durable_available():
        return
    skip = pytest.mark.skip(reason=f"durable-rules is not importable here ({durable_import_error()})")
    for item in items:
        if "durable" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pack() -> riskrules.RulePack:
    return riskrules.load_rules()


@pytest.fixture()
def pack_dir(tmp_path: Path) -> Path:
    """A copy of the bundled pack that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_path(), target)
    return target


@pytest.fixture(scope="session")
def cal() -> WorkCalendar:
    return load_calendar(bundled_rules_path() / "calendars")

