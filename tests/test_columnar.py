"""The columnar back end (列式后端): ``pack.screen`` and what it promises beside equal outcomes
(those are tests/test_columnar_differential.py) -- flags byte for byte those of ``assess``, the
same row JSON whatever the source or the batch size, rejected rows kept in place with masked
identity numbers, and a referee that refuses to let a disagreement pass."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import riskrules  # noqa: E402
from riskrules import synthetic  # noqa: E402
from riskrules.assessment import Flag  # noqa: E402
from riskrules.columnar import records_to_table  # noqa: E402
from riskrules.columnar import decide as decide_module  # noqa: E402
from riskrules.columnar.referee import Referee, sampled  # noqa: E402
from riskrules.errors import EngineError, InvalidRecord, RiskRulesError  # noqa: E402
from riskrules.testing import builders as b  # noqa: E402

AS_OF = date(2022, 7, 31)
ID_NUMBER = "11010519491231002X"  # a well-formed resident identity number (GB 11643 check digit)
MASKED = "1101**********002X"


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(synthetic.households(160, seed=7, as_of=AS_OF))


@pytest.fixture(scope="module")
def screened(pack: riskrules.RulePack, records: list[dict[str, Any]]) -> Any:
    return pack.screen(records, AS_OF, referee="off")


def _flags_json(flags: list[Flag]) -> bytes:
    from pydantic import TypeAdapter

    return TypeAdapter(list[Flag]).dump_json(flags)


# -- the generator ---------------------------------------------------------------------------------

def test_generator_reads_only_the_ir_the_types_and_the_layout() -> None:
    """As each back end of language/ is: a generator per target, never importing another one."""
    import riskrules.language.columnar as generator

    tree = ast.parse(Path(generator.__file__).read_text(encoding="utf-8"))
    relative, absolute = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            (relative if node.level else absolute).add(node.module)
        elif isinstance(node, ast.Import):
            absolute.update(a.name for a in node.names)
    assert relative <= {"ir", "types", "layout"}
    assert absolute <= {"__future__", "datetime", "polars"}


# -- flags and rows --------------------------------------------------------------------------------

def test_flags_are_those_of_assess_byte_for_byte(pack: riskrules.RulePack, records: list[dict[str, Any]],
                                                 screened: Any) -> None:
    rows = screened.rows
    flagged = 0
    for i, record in enumerate(records):
        a = pack.assess(record, AS_OF)
        text = rows["flags"][i]
        assert text.encode("utf-8") == _flags_json(a.flags)
        assert orjson.loads(text) == orjson.loads(a.model_dump_json())["flags"]
        assert rows["category"][i] == a.category
        assert rows["jurisdiction"][i] == a.jurisdiction
        flagged += bool(a.flags)
    assert flagged > 25  # the synthetic county flags enough households for this to mean something
    assert screened.summary.flagged == flagged


def test_compact_rows_have_no_flags(pack: riskrules.RulePack, records: list[dict[str, Any]], screened: Any) -> None:
    compact = pack.screen(records[:40], AS_OF, referee="off", detail="compact").rows
    assert compact["flags"].null_count() == compact.height
    for line, full in zip(compact["json"], screened.rows["json"][:40]):
        d, f = orjson.loads(line), orjson.loads(full)
        assert "flags" not in d
        f.pop("flags")
        assert d == f


def test_row_json_is_the_same_whatever_the_source_or_batch_size(pack: riskrules.RulePack, records: list[dict[str, Any]],
                                                               screened: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from riskrules.columnar.screen import Screener

    sizes: list[int] = []
    batch = Screener.batch
    monkeypatch.setattr(Screener, "batch", lambda self, table, *a: sizes.append(table.num_rows) or batch(self, table, *a))
    expected = screened.rows["json"].to_list()
    table = records_to_table(records)
    small_groups, big_groups = tmp_path / "small.parquet", tmp_path / "big.parquet"
    pq.write_table(table, small_groups, row_group_size=17)
    pq.write_table(table, big_groups, row_group_size=100_000)
    sources: dict[str, tuple[Any, int]] = {
        "records, batches of 70": (records, 70),
        "Polars DataFrame": (pl.from_arrow(table), 50_000),
        "Arrow table, batches of 57": (table, 57),
        "Parquet, row groups of 17": (str(small_groups), 60),
        "Parquet, one row group, batches of 101": (big_groups, 101),
    }
    for name, (source, batch_rows) in sources.items():
        sizes.clear()
        got = pack.screen(source, AS_OF, referee="off", batch_rows=batch_rows).rows["json"].to_list()
        assert got == expected, name
        assert max(sizes) <= batch_rows and sum(sizes) == len(records), name  # Parquet is read a batch at a time
    # A table split in two (as partitions are) numbers its rows by a __row column.
    numbered = table.append_column("__row", pa.array(range(table.num_rows), pa.int64()))
    halves = [pack.screen(numbered.slice(0, 61), AS_OF, referee="off").rows,
              pack.screen(numbered.slice(61), AS_OF, referee="off").rows]
    assert pl.concat(halves)["json"].to_list() == expected


def test_written_output_is_the_rows(pack: riskrules.RulePack, records: list[dict[str, Any]], screened: Any,
                                    tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    summary = pack.screen(records, AS_OF, referee="off", out=out, batch_rows=100)
    assert out.read_bytes() == b"".join(screened.json_lines())
    assert summary.households == len(records) and summary.assessed == len(records)
    assert not (tmp_path / "rows.jsonl.partial").exists()
    out = tmp_path / "rows.parquet"
    pack.screen(records, AS_OF, referee="off", out=out, batch_rows=100)
    written = pl.read_parquet(out)
    assert written["household_id"].to_list() == screened.rows["household_id"].to_list()
    rule = "identification.unstable_out_of_poverty"
    assert written[rule].to_list() == [o[rule] for o in screened.rows["outcomes"].to_list()]


def test_an_empty_source_gives_no_rows(pack: riskrules.RulePack) -> None:
    s = pack.screen([], AS_OF)
    assert s.rows.height == 0 and s.summary.households == 0
    assert "json" in s.rows.columns


# -- rejected rows ---------------------------------------------------------------------------------

def test_rejected_rows_stay_in_place_with_masked_identity_numbers(pack: riskrules.RulePack,
                                                                  records: list[dict[str, Any]]) -> None:
    good = records[:5]
    id_as_household = b.household(household_id=ID_NUMBER)
    bad_member = b.with_member(b.household(household_id="HH-BAD"), "m1", id_number=ID_NUMBER, birth_date="1990-01-01")
    not_a_record: Any = {"household_id": "HH-ODD", "region_code": 620522, "members": "nobody"}
    population = [good[0], id_as_household, good[1], bad_member, good[2], not_a_record, *good[3:]]
    s = pack.screen(population, AS_OF, referee="flagged")
    rows = s.rows
    assert rows["row"].to_list() == list(range(len(population)))
    assert rows["status"].to_list() == ["assessed", "rejected", "assessed", "rejected", "assessed", "rejected",
                                        "assessed", "assessed"]
    assert s.summary.rejected == 3 and s.summary.assessed == 5 and s.summary.households == 8
    assert rows["household_id"][1] == MASKED
    for i in (1, 3, 5):
        problems = orjson.loads(rows["problems"][i])
        assert problems and all(p["message_zh"] and p["message_en"] and p["code"] and "path" in p for p in problems)
        with pytest.raises(InvalidRecord) as refused:
            pack.validate(population[i], AS_OF)
        assert [p["code"] for p in problems] == [p.code for p in refused.value.problems]
        assert s.outcomes(i) == {}
    assert any(p["path"] == "members[0].birth_date" for p in orjson.loads(rows["problems"][3]))
    everything = b"".join(s.json_lines()).decode("utf-8")
    assert ID_NUMBER not in everything and "11010519491231" not in everything


def test_a_wrong_date_or_jurisdiction_is_refused_before_any_row(pack: riskrules.RulePack,
                                                                records: list[dict[str, Any]]) -> None:
    with pytest.raises(InvalidRecord):
        pack.screen(records[:2], "2022-07-31")  # type: ignore[arg-type]
    with pytest.raises(InvalidRecord) as refused:
        pack.screen(records[:2], date(2020, 1, 1), "23")
    assert refused.value.problems
    with pytest.raises(EngineError):
        pack.screen(records[:2], AS_OF, detail="everything")
    with pytest.raises(RiskRulesError):
        pack.screen(42, AS_OF)


# -- the referee -----------------------------------------------------------------------------------

def test_the_referee_names_the_household_and_the_rule_of_a_disagreement(pack: riskrules.RulePack,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A compiled expression made wrong on purpose: the referee stops the screening."""
    target = pack.rule("alert.housing_unsafe").condition
    compiled = decide_module.condition

    def wrong(cond: Any) -> Any:
        return pl.lit(True) if cond is target else compiled(cond)

    monkeypatch.setattr(decide_module, "condition", wrong)
    population = [b.household(household_id=f"HH-{i:04d}") for i in range(3)]
    with pytest.raises(EngineError) as stopped:
        pack.screen(population, AS_OF, referee="flagged")
    message = str(stopped.value)
    assert "HH-0000" in message and "alert.housing_unsafe" in message
    assert "列式" in message
    # Without the referee the wrong answer goes through: that is what the referee is for.
    s = pack.screen(population, AS_OF, referee="off")
    assert s.rows["fired"][0].to_list() == ["alert.housing_unsafe"]


def test_the_referee_masks_an_identity_number(pack: riskrules.RulePack) -> None:
    referee = Referee(pack, AS_OF, None)
    record = b.household()
    right = pack.outcomes(record, AS_OF)
    referee.check(record, ID_NUMBER, right)  # agreeing: nothing raised
    wrong = {**right, "identification.marginal_prone": True}
    with pytest.raises(EngineError) as stopped:
        referee.check(record, ID_NUMBER, wrong)
    assert MASKED in str(stopped.value) and ID_NUMBER not in str(stopped.value)
    assert "identification.marginal_prone" in str(stopped.value)


def test_the_seeded_sample_is_reproducible_and_its_rate_configurable(pack: riskrules.RulePack,
                                                                     records: list[dict[str, Any]]) -> None:
    population = records[:120]
    ids = [r["household_id"] for r in population]
    chosen = {i for i in ids if sampled(i, 11, 0.25)}
    assert 10 < len(chosen) < 60  # about a quarter
    for batch_rows in (45, 1000):
        s = pack.screen(population, AS_OF, referee="sample", referee_rate=0.25, seed=11, batch_rows=batch_rows,
                        detail="compact")
        assert s.summary.refereed == len(chosen)
    assert {i for i in ids if sampled(i, 12, 0.25)} != chosen  # another seed, another sample
    assert pack.screen(population, AS_OF, referee="sample", referee_rate=0, detail="compact").summary.refereed == 0
    assert pack.screen(population[:20], AS_OF, referee="sample", referee_rate=1, detail="compact").summary.refereed == 20
    assert pack.screen(population[:20], AS_OF, referee="off").summary.refereed == 0
    flagged = pack.screen(population[:40], AS_OF, referee="flagged", referee_rate=0)
    s = flagged.summary
    undecided_or_flagged = sum(1 for f, u in zip(flagged.rows["flags"], flagged.rows["undecided"]) if f != "[]" or len(u))
    assert s.refereed == undecided_or_flagged > 0
    with pytest.raises(EngineError):
        pack.screen(population, AS_OF, referee="sample", referee_rate=1.5)
    with pytest.raises(EngineError):
        pack.screen(population, AS_OF, referee="sometimes")
