"""The synthetic county: seeded, realistic, valid where it means to be, fast."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.io import open_input
from riskrules.synthetic import households, write_county

AS_OF = date(2022, 7, 31)


def test_same_seed_same_county_and_every_record_valid(pack: riskrules.RulePack) -> None:
    a, b = list(households(300, seed=1)), list(households(300, seed=1))
    assert a == b and a != list(households(300, seed=2))
    for h in a:
        pack.validate(h, AS_OF)
    kinds = Counter(h["household_type"] for h in a)
    assert 0.2 < kinds["poverty_alleviated"] / 300 < 0.4
    cases = [h for h in a if h.get("monitoring_case")]
    assert 0.03 < len(cases) / 300 < 0.3
    stages = Counter("eliminated" if c["monitoring_case"].get("eliminated_on") else "identified" if c["monitoring_case"].get("identified_on")
                     else "clue" for c in cases)
    assert stages["eliminated"] and stages["identified"] and stages["clue"]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "xlsx"])
def test_written_county_reads_back_to_the_same_households(tmp_path: Path, suffix: str) -> None:
    if suffix == "xlsx":
        pytest.importorskip("xlsxwriter")
        pytest.importorskip("python_calamine")
    path = write_county(tmp_path / f"c.{suffix}", 60, seed=3, bad_share=0.0)
    src = open_input(str(path))
    units = list(src.units())
    src.close()
    assert len(units) == 60 and not any(u.problems for u in units)
    expected = [riskrules.Household.model_validate(h) for h in households(60, seed=3)]
    got = [riskrules.Household.model_validate(u.record) for u in units]
    assert got == expected


def test_bad_rows_are_there_to_be_rejected(tmp_path: Path) -> None:
    path = write_county(tmp_path / "c.csv", 300, seed=3, bad_share=0.2)
    src = open_input(str(path))
    bad = [u for u in src.units() if u.problems]
    src.close()
    assert 30 < len(bad) < 90


@pytest.mark.slow
def test_a_hundred_thousand_households_in_seconds(tmp_path: Path) -> None:
    for suffix in ("jsonl", "csv"):
        started = time.perf_counter()
        write_county(tmp_path / f"c.{suffix}", 100_000, seed=1)
        assert time.perf_counter() - started < 120


def test_generate_command_writes_the_county_and_its_places(tmp_path: Path) -> None:
    from riskrules.cli import main

    assert main(["generate", str(tmp_path / "c.csv"), "--households", "40", "--seed", "2"]) == 0
    assert (tmp_path / "places.csv").read_text(encoding="utf-8").startswith("code,name")
    assert (tmp_path / "c.csv").read_bytes() == write_county(tmp_path / "again.csv", 40, seed=2).read_bytes()
    assert main(["generate", str(tmp_path / "c.txt")]) == 2
