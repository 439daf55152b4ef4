"""The bundled pack's assessments are byte-identical to the recorded ones.

``tests/golden/digests.txt`` holds the SHA-256 of the assessment JSON of every bundled example
on four dates and of 3,000 seeded households (``tests/golden/population.py``) across 2021-2026
and three jurisdictions. A refactoring of the engine, the facts or the outputs must leave every
byte of every assessment as it was; a policy change regenerates the file on purpose.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

import regenerate  # noqa: E402


@pytest.mark.slow  # ~12 s: CI runs it with `pytest -m slow`
def test_assessments_are_byte_identical_to_the_recorded_digests() -> None:
    recorded = (GOLDEN / "digests.txt").read_text(encoding="utf-8").splitlines()
    now = regenerate.lines()
    assert len(now) == len(recorded)
    changed = [(a, b) for a, b in zip(recorded, now) if a != b]
    assert not changed, f"{len(changed)} assessment(s) changed, first: {changed[:3]}"
