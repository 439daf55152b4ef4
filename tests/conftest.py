"""Shared fixtures: the bundled pack (loaded once per session), a writable copy of it, the
working-day calendar, and the reporting date of the seed article."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.deadlines import WorkCalendar, load_calendar
from riskrules.pack.pack import bundled_rules_path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests import builders.py

AS_OF = date(2022, 7, 31)


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
