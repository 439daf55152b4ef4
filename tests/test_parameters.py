"""Dated parameters per jurisdiction: resolution at prefix and date boundaries, and load errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import riskrules
from riskrules.errors import MissingParameter, RulePackError
from riskrules.pack.parameters import Period, jurisdiction_chain, load_parameters
from riskrules.deadlines.periods import PeriodUnit


def write(pack_dir: Path, jurisdiction: str, body: str) -> None:
    (pack_dir / "parameters" / f"{jurisdiction}.yaml").write_text(f'jurisdiction: "{jurisdiction}"\nparameters:\n{body}',
                                                                   encoding="utf-8")


SOURCE = """        source: {document: 测试文件, issuer: 测试县, date: 2022-01-01, clause: 第一条, quote: 测试}"""


def test_jurisdiction_chain() -> None:
    assert jurisdiction_chain("230102001001") == ("230102001001", "230102001", "230102", "2301", "23", "CN")
    assert jurisdiction_chain("460100") == ("460100", "4601", "46", "CN")
    assert jurisdiction_chain("CN") == ("CN",)
    with pytest.raises(ValueError):
        jurisdiction_chain("2301x")


def test_most_specific_prefix_then_latest_effective_value(pack_dir: Path) -> None:
    write(pack_dir, "2301", f"""  monitoring_range:
    values:
      - effective: 2022-01-01
        value: 6900
        local: true
{SOURCE}
      - effective: 2023-01-01
        value: 7500
        local: true
{SOURCE}
""")
    write(pack_dir, "230102", f"""  monitoring_range:
    values:
      - effective: 2022-07-01
        value: 7000
        local: true
{SOURCE}
""")
    table = load_parameters(pack_dir)
    r = table.resolve
    assert r("monitoring_range", "230102", date(2022, 6, 30)).value == 6900      # county not yet in force: city
    assert r("monitoring_range", "230102", date(2022, 7, 1)).value == 7000       # county from its first day
    assert r("monitoring_range", "230102", date(2023, 1, 1)).value == 7000       # most specific prefix wins
    assert r("monitoring_range", "230103", date(2022, 12, 31)).value == 6900     # sibling county: the city's value
    assert r("monitoring_range", "230103", date(2023, 1, 1)).value == 7500       # the city's later value
    assert r("monitoring_range", "230103", date(2021, 12, 31)).value == 6000     # before the city: national
    assert r("monitoring_range", "230103", date(2021, 12, 31)).jurisdiction == "CN"
    assert r("monitoring_range", "230102001001", date(2022, 7, 1)).jurisdiction == "230102"
    assert r("monitoring_range", "110105", date(2023, 1, 1)).value == 6000


def test_hainan_period_and_national_period() -> None:
    table = riskrules.load_rules().parameters
    assert table.resolve("identification_time_limit", "460100", date(2022, 7, 1)).value == Period(20, PeriodUnit.WORKING_DAYS)
    assert table.resolve("identification_time_limit", "230102", date(2022, 7, 1)).value == Period(15, PeriodUnit.CALENDAR_DAYS)


def test_missing_parameter_names_it_the_jurisdiction_and_the_date() -> None:
    table = riskrules.load_rules().parameters
    with pytest.raises(MissingParameter) as info:
        table.resolve("monitoring_range", "230102", date(2020, 12, 31))
    text = str(info.value)
    assert "monitoring_range" in text and "230102" in text and "2020-12-31" in text


def test_assessing_before_any_value_is_an_error() -> None:
    pack = riskrules.load_rules()
    record = {"household_id": "H", "region_code": "230102", "members": [{"member_id": "m"}]}
    with pytest.raises(riskrules.InvalidRecord) as info:
        pack.assess(record, as_of=date(2020, 6, 30))
    assert info.value.paths == ["as_of"] and "2021-01-01" in str(info.value)


@pytest.mark.parametrize("body, fragment, line", [
    ("  monitoring_rang:\n    values: []\n", "not declared", 3),
    (f"  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: 12.345\n{SOURCE}\n", "at most 2 decimals", 6),
    ("  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: 7000\n", "source", 5),
    (f"  identification_time_limit:\n    values:\n      - effective: 2022-01-01\n        value: {{amount: 15, unit: workdays}}\n{SOURCE}\n",
     "unknown period unit", 6),
    (f"  green_channel_shock_kinds:\n    values:\n      - effective: 2022-01-01\n        value: [flood]\n{SOURCE}\n",
     "'flood' is not one of", 6),
    (f"  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: '6,000'\n{SOURCE}\n", "written with digits", 6),
    (f"  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: -1\n{SOURCE}\n", "from 0 to 100,000,000", 6),
    (f"  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: 1e30\n{SOURCE}\n", "from 0 to 100,000,000", 6),
    (f"  identification_time_limit:\n    values:\n      - effective: 2022-01-01\n        value: {{amount: 99999999, unit: calendar_days}}\n{SOURCE}\n",
     "from 0 to 3660", 6),
    (f"  monitoring_range:\n    values:\n      - effective: 2022-01-01\n        value: .nan\n{SOURCE}\n", "from 0 to", 6),
])
def test_bad_parameter_files_name_file_and_line(pack_dir: Path, body: str, fragment: str, line: int) -> None:
    write(pack_dir, "2301", body)
    with pytest.raises(RulePackError) as info:
        load_parameters(pack_dir)
    assert fragment in str(info.value)
    assert info.value.file == "parameters/2301.yaml"
    assert info.value.line == line


def test_unknown_parameter_suggests_the_declared_name(pack_dir: Path) -> None:
    write(pack_dir, "2301", "  monitoring_rang:\n    values: []\n")
    with pytest.raises(RulePackError) as info:
        load_parameters(pack_dir)
    assert info.value.suggestion == "monitoring_range"


def test_two_values_on_one_day_are_refused(pack_dir: Path) -> None:
    write(pack_dir, "2301", f"""  monitoring_range:
    values:
      - effective: 2022-01-01
        value: 6900
{SOURCE}
      - effective: 2022-01-01
        value: 7000
{SOURCE}
""")
    with pytest.raises(RulePackError, match="two values"):
        load_parameters(pack_dir)


def test_file_name_must_match_jurisdiction(pack_dir: Path) -> None:
    (pack_dir / "parameters" / "2301.yaml").write_text('jurisdiction: "2302"\nparameters: {}\n', encoding="utf-8")
    with pytest.raises(RulePackError, match="must match the file name"):
        load_parameters(pack_dir)


def test_every_parameter_value_has_a_source_and_local_values_say_so() -> None:
    table = riskrules.load_rules().parameters
    count = 0
    for name, places in table.values.items():
        for place, values in places.items():
            for v in values:
                count += 1
                assert v.source.document and v.source.issuer and v.source.date and v.source.clause and v.source.quote
                if v.source.unconfirmed:
                    # [unconfirmed] is never presented as national policy: it must be local.
                    assert v.local, (name, place)
    assert count >= 25
    # Values a province or county sets are marked local: the pack must say so.
    for name in ("monitoring_range", "income_fall_share", "medical_expense_share", "rigid_expense_share",
                 "elimination_min_time_identified", "income_stable_period", "elimination_min_measures",
                 "labour_capable_review_period"):
        assert all(v.local for v in table.values[name]["CN"]), name
    # "About half a month" is said nationally, so it is national guidance, restated rather than quoted.
    (assistance,) = table.values["assistance_time_limit"]["CN"]
    assert not assistance.local and "转述" in (assistance.source.note or "")
    assert all(v.local for v in table.values["identification_time_limit"]["46"])
