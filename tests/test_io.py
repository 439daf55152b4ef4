"""Readers, the column mapping and cell conversion: every problem a reject with row, column and reason."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from riskrules.io import CellError, MappingError, bundled_mapping, open_input
from riskrules.io.convert import (
    converter,
    safe_value,
    to_bool,
    to_date,
    to_int,
    to_money,
)
from riskrules.io.fields import record_fields
from riskrules.io.jsonin import json_units
from riskrules.io.mapping import mapping_from_dict

HEAD = "户编号,行政区划代码,户类型,成员编号,出生日期,与户主关系,是否参加基本医疗保险,工资性收入（元）,收入统计期起,收入统计期止,帮扶措施1,帮扶措施1开始日期,有无帮扶措施,姓名"


def units_of(tmp_path: Path, text: str | bytes, name: str = "in.csv", **kw) -> list:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    src = open_input(str(p), **kw)
    try:
        return list(src.units())
    finally:
        src.close()


@pytest.mark.parametrize("cell, expected", [
    ("1689.87", Decimal("1689.87")), ("1,689.87", Decimal("1689.87")), ("１,６８９.８７", Decimal("1689.87")),
    ("￥1,689.87", Decimal("1689.87")), ("1689.87元", Decimal("1689.87")), (1689.87, Decimal("1689.87")),
    (1689.8700000000001, Decimal("1689.87")), (12, Decimal(12)), ("1,234,567.00", Decimal("1234567.00")),
])
def test_money_is_decimal_and_exact(cell, expected) -> None:
    value = to_money(cell)
    assert isinstance(value, Decimal) and value == expected


@pytest.mark.parametrize("cell, code", [("16,89.87", "thousands_separator"), ("1.689,87", "number_format"),
                                        ("12.345", "money_decimals"), ("一千", "number_format"), (True, "money_type")])
def test_bad_money_is_refused_with_reason(cell, code) -> None:
    with pytest.raises(CellError) as e:
        to_money(cell)
    assert e.value.code == code and e.value.message_zh and e.value.message_en


@pytest.mark.parametrize("cell, expected", [
    ("2022-07-01", date(2022, 7, 1)), ("2022/7/1", date(2022, 7, 1)), ("2022.7.1", date(2022, 7, 1)),
    ("2022年7月1日", date(2022, 7, 1)), ("20220701", date(2022, 7, 1)), (44743, date(2022, 7, 1)), ("44743", date(2022, 7, 1)),
    (44743.0, date(2022, 7, 1)), ("２０２２/７/１", date(2022, 7, 1)), ("2022/7/1 00:00:00", date(2022, 7, 1)),
])
def test_dates_in_every_county_form(cell, expected) -> None:
    assert to_date(cell) == expected


@pytest.mark.parametrize("cell, code", [("7/1/2022", "date_ambiguous"), ("2022/13/1", "date_invalid"), ("2022/2/29", "date_invalid"),
                                        (44743.5, "date_serial_time"), (59, "date_serial_range"), ("昨天", "date_format")])
def test_bad_dates_are_refused(cell, code) -> None:
    with pytest.raises(CellError) as e:
        to_date(cell)
    assert e.value.code == code


def test_yes_no_whole_numbers_and_labels() -> None:
    assert [to_bool(x) for x in ("是", "否", "有", "无", "Y", "n", "√", "×", 1, 0, True)] == [True, False, True, False, True, False,
                                                                                            True, False, True, False, True]
    with pytest.raises(CellError):
        to_bool("是的")
    assert to_int("３") == 3 and to_int(3.0) == 3
    mapping = bundled_mapping()
    assert mapping.rule("帮扶措施1").convert("教育帮扶") == "other_education"
    assert mapping.rule("帮扶措施1").convert("综合保障") == "comprehensive_security"
    assert mapping.rule("住房安全等级").convert("C级（局部危房）") == "C"
    assert converter("list:code", None)("因病、因学") == ["因病", "因学"] and converter("list:date")("无") == []


def test_every_record_field_has_a_kind_and_the_bundled_mapping_names_only_real_fields() -> None:
    fields = record_fields()
    assert fields["income.wage"].kind == "money" and fields["members[].birth_date"].kind == "date"
    assert fields["monitoring_case.risk_types"].kind == "list:code" and fields["members[].id_number"].kind == "id_number"
    assert all(spec.kind for spec in fields.values())
    assert len(bundled_mapping().columns) > 60
    with pytest.raises(MappingError) as e:
        mapping_from_dict({"columns": {"户编号": "household_id", "错": "income.wages", "x": {"path": "income.wage", "type": "nope"}}})
    assert len(e.value.errors) == 2


def test_chinese_csv_one_row_per_member_with_problems_located(tmp_path: Path) -> None:
    text = "\ufeff" + HEAD + "\n" + "\n".join([
        'H1,230124101201,脱贫户,1,1980/5/1,户主,是,"1,689.87",2021/7/1,44742,教育帮扶,2022/7/1,有,张三',
        'H1,230124101201,脱贫户,2,29000,配偶,否,"1,689.87",,,,,,李四',
        'H2,230124101202,一般农户,1,1975/2/30,户主,是的,"16,89.87",2021/7/1,2022/6/30,,,无,王五',
        'H3,230124101202,一般农户,1,1975/2/3,户主,√,"１,６８９.８７",2021/7/1,2022/6/30,,,无,赵六',
        'H3,230124101203,一般农户,2,1975/2/3,配偶,√,,,,,,,赵七',
    ]) + "\n"
    units = units_of(tmp_path, text)
    assert [(u.row, u.last_row, u.household_id) for u in units] == [(2, 3, "H1"), (4, 4, "H2"), (5, 6, "H3")]
    h1 = units[0].record
    assert h1["members"][1]["birth_date"] == date(1979, 5, 25)  # Excel serial 29000
    assert h1["income"]["wage"] == Decimal("1689.87") and h1["assistance_measures"] == [{"kind": "other_education",
                                                                                          "started_on": date(2022, 7, 1)}]
    assert units[1].record["assistance_measures"] == []  # 无: asked, none
    problems = {(p["row"], p["column"], p["code"]) for p in units[1].problems}
    assert problems == {(4, "工资性收入（元）", "thousands_separator"), (4, "出生日期", "date_invalid"),
                        (4, "是否参加基本医疗保险", "yes_no")}
    assert units[2].problems[0]["code"] == "rows_disagree" and units[2].problems[0]["row"] == 6


def test_households_and_members_in_two_files(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("户编号,成员编号,出生日期\nB,1,1970/1/1\nA,1,1980/1/1\nA,2,1982/2/2\nZ,1,1990/1/1\n",
                                    encoding="utf-8")
    units = units_of(tmp_path, "户编号,行政区划代码\nA,620522\nB,620522\n", members=str(tmp_path / "m.csv"))
    assert [len(u.record["members"]) if u.record else None for u in units] == [2, 1, None]
    assert units[2].problems[0]["code"] == "member_without_household" and units[2].household_id == "Z"


def test_a_bad_byte_rejects_its_row_only(tmp_path: Path) -> None:
    data = (HEAD + "\n").encode() + b"H1,620522,\xff\xfe,1,1980/5/1,,,,,,,,,\n" + "H2,620522,一般农户,1,1980/5/1,,,,,,,,,\n".encode()
    units = units_of(tmp_path, data)
    assert units[0].record is None and units[0].problems[0]["code"] == "encoding" and "gb18030" in units[0].problems[0]["message_en"]
    assert units[1].record["household_id"] == "H2"
    gbk = ("户编号,行政区划代码,成员编号\nH1,620522,1\n").encode("gb18030")
    assert units_of(tmp_path, gbk, encoding="gb18030")[0].record["household_id"] == "H1"


def test_jsonl_rows_are_read_one_at_a_time_and_each_fault_is_its_row() -> None:
    data = (b"\xef\xbb\xbf" + '{"household_id":"a\u2028b"}\n'.encode() + b"{bad\n\xff{}\n" + b"[" * 100_000 + b"\n"
            + b'{"a":' + b"9" * 5000 + b"}\n" + b'{"a":' + str(2**63).encode() + b"}\n" + b'{"household_id":"last","v":1.5}\n')
    units = list(json_units(io.BytesIO(data)))
    assert [u.row for u in units] == [1, 2, 3, 4, 5, 6, 7]
    assert units[0].record == {"household_id": "a\u2028b"}
    assert [u.problems[0]["code"] if u.problems else None for u in units] == [None, "json_invalid", "encoding", "json_too_deep",
                                                                               "json_number", None, None]
    assert units[6].record["v"] == Decimal("1.5")


def test_a_json_array_is_split_element_by_element() -> None:
    data = b' [ {"household_id":"a"}, {"x": "]\\"}"}, 3, {"household_id": "\xff"} ]'
    units = list(json_units(io.BytesIO(data)))
    assert [u.row for u in units] == [1, 2, 3, 4]
    assert units[1].record == {"x": ']"}'} and units[2].problems and units[3].problems[0]["code"] == "encoding"


def test_identity_numbers_are_never_echoed(tmp_path: Path) -> None:
    number = "110101199003077774"
    assert number not in safe_value(number) and "1101" in safe_value(number)
    units = units_of(tmp_path, "户编号,行政区划代码,成员编号,身份证号码,出生日期\nH1,620522,1,110101199003077774,"
                               "110101199003077774\n")
    text = json.dumps([u.problems for u in units], ensure_ascii=False, default=str)
    assert number not in text and units[0].problems[0]["column"] == "出生日期"


def test_excel_and_parquet_inputs(tmp_path: Path) -> None:
    pytest.importorskip("python_calamine")
    pytest.importorskip("pyarrow")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    wb = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    ws = wb.add_worksheet("农户")
    ws.write_row(0, 0, ["户编号", "行政区划代码", "家庭人口数", "工资性收入（元）", "收入统计期起"])
    ws.write_row(1, 0, ["H1", 620522, 3, 1689.87])
    ws.write_datetime(1, 4, __import__("datetime").datetime(2021, 7, 1), wb.add_format({"num_format": "yyyy/m/d"}))
    wb.close()
    (u,) = units_of(tmp_path, (tmp_path / "c.xlsx").read_bytes(), name="c2.xlsx")
    assert u.row == 2 and u.record["region_code"] == "620522" and len(u.record["members"]) == 3
    assert u.record["income"] == {"wage": Decimal("1689.87"), "start": date(2021, 7, 1)}
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"户编号": ["P1"], "行政区划代码": ["620522"], "成员编号": ["1"], "出生日期": [date(1980, 1, 1)]}),
                   tmp_path / "c.parquet")
    (u,) = units_of(tmp_path, (tmp_path / "c.parquet").read_bytes(), name="c2.parquet")
    assert u.record["members"] == [{"member_id": "1", "birth_date": date(1980, 1, 1)}]
