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
from riskrules.pack.pack import bundled_rules_path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # test files that still `import builders` (a re-export)

pytest_plugins = ["pytester"]  # tests of the riskrules pytest plugin

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


# Tests over ~5 s are marked slow and left out of the default run (`pytest -m slow` runs them).
# These two live in files owned elsewhere, so they are marked here, by node id.
SLOW_ELSEWHERE = {
    "tests/test_golden.py::test_assessments_are_byte_identical_to_the_recorded_digests",    # ~12 s
    "tests/test_pack_safety.py::test_the_worst_packs_and_records_never_end_the_process",    # ~6.5 s
}


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m selection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid in SLOW_ELSEWHERE:
            item.add_marker(pytest.mark.slow)
