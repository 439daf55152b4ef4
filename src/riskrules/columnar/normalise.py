"""From an input table to typed columns (规范化与校验), checking every row as the record model does.

Each leaf of the record (:mod:`.shape`) becomes one typed column -- money as ``Int64`` fen,
dates as ``pl.Date``, codes as their English code (a Chinese label is read as its code), whole
numbers as ``Int64`` -- and one "ok" test that holds when the value is one the record model
accepts. Lists of items become child tables (one row per item, with the household's row
``__h`` and the item's position ``__i``).

The checks are *conservative*: a row the model would refuse is always marked (``__suspect``),
and so may be a row the model would accept but that is unusual (a member id with a full-width
letter, money written ``-0``). Marked rows are decided the slow way, by the record model and
the plain-Python path, row by row: their problems are exactly the model's, and a row marked by
excess caution gets the same answer as any other. A differential test holds this module to the
model: no row the model refuses passes unmarked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ..io.tables import TableError
from ..record.bounds import FIRST_DAY, LAST_DAY
from ..record.household import CASE_DATE_FIELDS
from ..record.values import PROVINCE_CODES
from .shape import Group, Leaf, record_shape

__all__ = ["Prepared", "prepare", "H", "ITEM_GROUPS"]

H = "__h"
"""The household's row in its batch: the key of every child table."""

ITEM_GROUPS = ("members", "rigid_expenditures", "shocks", "assistance_measures", "income.transfer_items",
               "previous_income.transfer_items", "monitoring_case.concentrated_checks", "monitoring_case.home_visits",
               "monitoring_case.risk_types")

_MAX_FEN = 100_000_000 * 100
_MONEY_TEXT = r"^[0-9]+(\.[0-9]{1,2})?$"                 # the model's text form, less "-0" (sent the slow way)
_NUMBER_TEXT = r"^(-?)([0-9]{1,16})(?:\.([0-9]+))?$"     # a decimal column written as text
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_PLAIN_ID = r"^[!-~]([ -~]*[!-~])?$"                      # printable ASCII without outer spaces: compared as the model does
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_INTEGER = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_NULL_BOOL = pl.lit(None, dtype=pl.Boolean)


@dataclass
class Prepared:
    """A batch as typed columns: the household frame, the child tables, and which rows go the
    slow way."""

    house: pl.DataFrame                 # __h, every household leaf by path (income.wage), struct presence, list counts
    children: dict[str, pl.DataFrame]   # by group path: __h, __i, each leaf by name (a list of values: "value")
    suspect: pl.Series                  # boolean per household row


def _dtype_at(schema: Any, parts: list[str]) -> Any:
    dt: Any = schema
    for p in parts:
        if isinstance(dt, pl.Struct):
            fields = {f.name: f.dtype for f in dt.fields}
        elif isinstance(dt, pl.List):
            inner = dt.inner
            fields = {f.name: f.dtype for f in inner.fields} if isinstance(inner, pl.Struct) else {}
        else:
            fields = dict(dt)
        if p not in fields:
            return None
        dt = fields[p]
    return dt


def _unknown(group: Group, dtype: Any, prefix: str) -> list[str]:
    """Fields of the input that the record does not have (the model refuses them)."""
    if isinstance(dtype, pl.List):
        dtype = dtype.inner
    if not isinstance(dtype, (pl.Struct, pl.Schema, dict)):
        return []
    names = [f.name for f in dtype.fields] if isinstance(dtype, pl.Struct) else list(dtype)
    types = {f.name: f.dtype for f in dtype.fields} if isinstance(dtype, pl.Struct) else dict(dtype)
    known = {f.name: f for f in group.fields}
    out = []
    for n in names:
        if n.startswith("__"):
            continue
        node = known.get(n)
        if node is None:
            out.append(prefix + n)
        elif isinstance(node, Group) and node.kind != "values":
            out.extend(_unknown(node, types[n], f"{prefix}{n}{'[].' if node.kind == 'items' else '.'}"))
    return out


# -- leaves ---------------------------------------------------------------------------------------

def _in_range(value: pl.Expr, low: Any, high: Any) -> pl.Expr:
    return (value >= low) & (value <= high)


def _date(src: pl.Expr, dtype: Any) -> tuple[pl.Expr, pl.Expr]:
    if dtype == pl.Date:
        value = src
    elif dtype == pl.String:
        value = pl.when(src.str.contains(_ISO_DATE)).then(src.str.to_date("%Y-%m-%d", strict=False))
    else:
        return pl.lit(None, dtype=pl.Date), src.is_null()
    ok = src.is_null() | (value.is_not_null() & _in_range(value, FIRST_DAY, LAST_DAY))
    return value, ok


def _scaled_text(text: pl.Expr, scale: int) -> tuple[pl.Expr, pl.Expr]:
    """Decimal text (``-12.50``) as an integer at ``scale`` decimals, and whether it is exactly one."""
    parts = text.str.extract_groups(_NUMBER_TEXT)
    whole = parts.struct.field("2").cast(pl.Int64, strict=False)
    frac = parts.struct.field("3").fill_null("")
    kept = frac.str.slice(0, scale).str.pad_end(scale, "0") if scale else pl.lit("")
    extra = frac.str.slice(scale).str.replace_all("0", "")
    number = whole * 10**scale + (kept.cast(pl.Int64, strict=False) if scale else pl.lit(0))
    negative = parts.struct.field("1") == "-"
    exact = whole.is_not_null() & (extra.str.len_chars() == 0) & ~negative
    return number, exact


def _money(src: pl.Expr, dtype: Any) -> tuple[pl.Expr, pl.Expr]:
    if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) <= 2:
        value = (src.cast(pl.Decimal(38, 2)) * 100).cast(pl.Int64, strict=False)
        fits = src.is_not_null() & value.is_not_null()
    elif dtype in _INTEGER:
        wide = src.cast(pl.Int64, strict=False)
        fits = wide.is_not_null() & _in_range(wide, 0, 100_000_000)
        value = pl.when(fits).then(wide * 100)
    elif dtype == pl.String:
        number, exact = _scaled_text(src, 2)
        fits = src.str.contains(_MONEY_TEXT) & exact
        value = pl.when(fits).then(number)
    elif isinstance(dtype, pl.Decimal):
        number, exact = _scaled_text(src.cast(pl.String), 2)
        fits = exact
        value = pl.when(fits).then(number)
    else:  # a float, or anything else: the model decides, row by row
        return pl.lit(None, dtype=pl.Int64), src.is_null()
    ok = src.is_null() | (fits & _in_range(value, 0, _MAX_FEN))
    return pl.when(ok).then(value), ok


def _decimal(src: pl.Expr, dtype: Any, leaf: Leaf) -> tuple[pl.Expr, pl.Expr]:
    """Litres with one decimal, as an integer of tenths (the engine's value)."""
    if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) <= 1:
        value = (src.cast(pl.Decimal(38, 1)) * 10).cast(pl.Int64, strict=False)
    elif dtype in _INTEGER:
        wide = src.cast(pl.Int64, strict=False)
        value = pl.when(_in_range(wide, 0, 10**9)).then(wide * 10)
    elif dtype == pl.String:
        number, exact = _scaled_text(src, 1)
        value = pl.when(src.str.contains(r"^[0-9]+(\.[0-9])?$") & exact).then(number)
    else:
        return pl.lit(None, dtype=pl.Int64), src.is_null()
    low = (leaf.low if leaf.low is not None else 0) * 10
    high = (leaf.high if leaf.high is not None else 10**6) * 10
    ok = src.is_null() | (value.is_not_null() & _in_range(value, low, high))
    return pl.when(ok).then(value), ok


def _int(src: pl.Expr, dtype: Any, leaf: Leaf) -> tuple[pl.Expr, pl.Expr]:
    if dtype not in _INTEGER:
        return pl.lit(None, dtype=pl.Int64), src.is_null()
    value = src.cast(pl.Int64, strict=False)
    ok = src.is_null() | (value.is_not_null() & _in_range(value, leaf.low, leaf.high))
    return pl.when(ok).then(value), ok


def _code(src: pl.Expr, dtype: Any, leaf: Leaf) -> tuple[pl.Expr, pl.Expr]:
    if not (dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))):
        return pl.lit(None, dtype=pl.String), src.is_null()
    assert leaf.enum is not None
    table = {m.label_zh: m.value for m in leaf.enum}
    table.update({m.value: m.value for m in leaf.enum})  # a code wins over an equal label (as the model reads it)
    value = src.cast(pl.String).replace_strict(table, default=None, return_dtype=pl.String)
    return value, src.is_null() | value.is_not_null()


def _text(src: pl.Expr, dtype: Any, leaf: Leaf) -> tuple[pl.Expr, pl.Expr]:
    if dtype != pl.String:
        return pl.lit(None, dtype=pl.String), src.is_null()
    n = src.str.len_chars()
    ok = src.is_null() | (n >= (leaf.min_len or 0)) & (n <= (leaf.max_len or 10**9))
    return src, ok


def _identity(src: pl.Expr, dtype: Any, today: date) -> tuple[pl.Expr, pl.Expr]:
    """A resident identity number: masked (kept masked), or checked as GB 11643 is. The value
    is the upper-case number when it is a verified one (else null), for the duplicate and
    birth-date checks."""
    if dtype != pl.String:
        return pl.lit(None, dtype=pl.String), src.is_null()
    upper = src.str.to_uppercase()
    masked = upper.str.contains(r"^[0-9]{4}\*{10}[0-9]{3}[0-9X]$")
    full = upper.str.contains(r"^[0-9]{17}[0-9X]$")
    born = upper.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    # The check digit from the 17 digits as one integer (under 10**17): arithmetic, not 17 slices.
    number = upper.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(number // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_ID_WEIGHTS)])
    check = (total % 11).replace_strict({i: c for i, c in enumerate("10X98765432")}, default=None, return_dtype=pl.String)
    verified = (full & upper.str.slice(0, 2).is_in(list(PROVINCE_CODES)) & born.is_not_null()
                & _in_range(born, FIRST_DAY, today) & (check == upper.str.slice(17, 1)))
    ok = src.is_null() | masked | verified.fill_null(False)
    return pl.when(verified.fill_null(False)).then(upper), ok


def _leaf(leaf: Leaf, src: pl.Expr, dtype: Any, today: date, empty: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """The typed value of a leaf and whether the model accepts it; ``empty``: the batch has no
    value in this column (so nothing to convert or check, but a required field)."""
    if dtype is None or dtype == pl.Null or empty:  # no value in the batch: every value unknown
        return _NULL_OF[leaf.kind], (pl.lit(True) if not leaf.required else pl.lit(False))
    if leaf.kind == "money":
        value, ok = _money(src, dtype)
    elif leaf.kind == "date":
        value, ok = _date(src, dtype)
    elif leaf.kind == "bool":
        value, ok = (src, pl.lit(True)) if dtype == pl.Boolean else (_NULL_BOOL, src.is_null())
    elif leaf.kind == "int":
        value, ok = _int(src, dtype, leaf)
    elif leaf.kind == "decimal":
        value, ok = _decimal(src, dtype, leaf)
    elif leaf.kind == "code":
        value, ok = _code(src, dtype, leaf)
    elif leaf.kind == "text":
        value, ok = _text(src, dtype, leaf)
    else:
        value, ok = _identity(src, dtype, today)
    if leaf.required:
        ok = ok & src.is_not_null()
    return value, ok


_NULL_OF = {"money": pl.lit(None, dtype=pl.Int64), "int": pl.lit(None, dtype=pl.Int64), "decimal": pl.lit(None, dtype=pl.Int64),
            "date": pl.lit(None, dtype=pl.Date), "bool": _NULL_BOOL, "code": pl.lit(None, dtype=pl.String),
            "text": pl.lit(None, dtype=pl.String), "id_number": pl.lit(None, dtype=pl.String)}


# -- the household frame and the child tables -----------------------------------------------------

def _struct_leaves(group: Group, frame: pl.DataFrame, src: pl.Expr | None, dtype: Any, prefix: str, today: date,
                   cols: list[pl.Expr], oks: list[pl.Expr], lists: list[tuple[Group, pl.Expr, Any, str]],
                   empty: set[str]) -> None:
    for f in group.fields:
        fdt = _dtype_at(dtype, [f.name]) if dtype is not None else None
        fsrc = (src.struct.field(f.name) if src is not None else pl.col(f.name)) if fdt is not None else pl.lit(None)
        path = prefix + f.name
        if isinstance(f, Leaf):
            value, ok = _leaf(f, pl.col(path) if fdt is not None else fsrc, fdt, today, path in empty)
            cols.append(value.alias(path))
            oks.append(ok)
        elif f.kind == "struct":
            present = pl.col(path + ".__present")
            cols.append(present)
            if fdt is not None and not isinstance(fdt, pl.Struct):
                fdt = None  # a column of the wrong type: its fields read as missing, so a present one is refused
            inner_cols: list[pl.Expr] = []
            inner_oks: list[pl.Expr] = []
            _struct_leaves(f, frame, fsrc, fdt, path + ".", today, inner_cols, inner_oks, lists, empty)
            cols.extend(inner_cols)
            # A missing sub-record is fine; a present one must be valid.
            oks.append(~present | pl.all_horizontal(inner_oks) if inner_oks else pl.lit(True))
        else:
            n = pl.col(path + ".__n")
            cols.append(n)
            if fdt is not None and not isinstance(fdt, pl.List):
                oks.append(pl.col(path + ".__raw_null"))
                continue
            count_ok = n.is_null() | _in_range(n, f.min_items, f.max_items if f.max_items is not None else 10**9)
            oks.append(count_ok & (n.is_not_null() if f.required else pl.lit(True)))
            lists.append((f, fsrc, fdt, path))


def _flat(group: Group, src: pl.Expr | None, dtype: Any, prefix: str, out: list[pl.Expr]) -> None:
    """Raw columns of every leaf outside lists, by path; struct presence; list lengths."""
    for f in group.fields:
        fdt = _dtype_at(dtype, [f.name]) if dtype is not None else None
        if fdt is None:
            continue
        fsrc = src.struct.field(f.name) if src is not None else pl.col(f.name)
        path = prefix + f.name
        if isinstance(f, Leaf):
            out.append(fsrc.alias(path))
        elif f.kind == "struct":
            out.append(fsrc.is_not_null().alias(path + ".__present"))
            if isinstance(fdt, pl.Struct):
                _flat(f, fsrc, fdt, path + ".", out)
        elif isinstance(fdt, pl.List):
            out.append(fsrc.list.len().cast(pl.Int64).alias(path + ".__n"))
        else:
            out.append(pl.lit(None, dtype=pl.Int64).alias(path + ".__n"))
            out.append(fsrc.is_null().alias(path + ".__raw_null"))


def _missing_flat(group: Group, dtype: Any, prefix: str, out: dict[str, Any]) -> None:
    """Columns ``_flat`` could not take from the input (absent there): presence false, no count."""
    for f in group.fields:
        fdt = _dtype_at(dtype, [f.name]) if dtype is not None else None
        path = prefix + f.name
        if isinstance(f, Group) and f.kind == "struct":
            if fdt is None:
                out[path + ".__present"] = pl.lit(False)
            _missing_flat(f, fdt if isinstance(fdt, pl.Struct) else None, path + ".", out)
        elif isinstance(f, Group) and fdt is None:
            out[path + ".__n"] = pl.lit(None, dtype=pl.Int64)


def _child(frame: pl.DataFrame, group: Group, src: pl.Expr, dtype: Any, today: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The child table of a list (one row per item) and, per household, whether one is bad."""
    if dtype is None or not isinstance(dtype, pl.List):
        empty = pl.DataFrame(schema={H: pl.Int64, "__i": pl.Int64})
        return empty, pl.DataFrame(schema={H: pl.Int64, "__bad": pl.Boolean})
    rows = (frame.select(pl.col(H), src.alias("__item"))
            .filter(pl.col("__item").list.len() > 0)
            .with_columns(pl.int_ranges(0, pl.col("__item").list.len(), dtype=pl.Int64).alias("__i"))
            .explode("__item", "__i"))
    inner = dtype.inner
    cols: list[pl.Expr] = [pl.col(H), pl.col("__i")]
    oks: list[pl.Expr] = [pl.col("__item_null").not_()]  # a null item is no item the model accepts
    if isinstance(inner, pl.Struct):
        rows = rows.with_columns(pl.col("__item").is_null().alias("__item_null"),
                                 *[pl.col("__item").struct.field(f.name).alias("." + f.name) for f in inner.fields]).drop("__item")
    else:
        rows = rows.with_columns(pl.col("__item").is_null().alias("__item_null"), pl.col("__item").alias(".value")).drop("__item")
    empty = {c for c in rows.columns if c.startswith(".") and rows[c].null_count() == rows.height}
    if group.kind == "values":
        assert group.value is not None
        value, ok = _leaf(group.value, pl.col(".value"), inner, today, ".value" in empty)
        cols.append(value.alias("value"))
        oks.append(ok)
    else:
        if not isinstance(inner, pl.Struct):
            oks.append(pl.col("__item_null"))
        for f in group.fields:
            fdt = _dtype_at(inner, [f.name]) if isinstance(inner, pl.Struct) else None
            if not isinstance(f, Leaf):
                raise TypeError(f"nested list {group.path}[].{f.name} is not supported")
            value, ok = _leaf(f, pl.col("." + f.name) if fdt is not None else pl.lit(None), fdt, today, "." + f.name in empty)
            cols.append(value.alias(f.name))
            oks.append(ok)
    out = rows.select(*cols, (~pl.all_horizontal(oks)).alias("__bad"))
    bad = out.filter(pl.col("__bad")).select(H).unique().with_columns(pl.lit(True).alias("__bad"))
    return out.drop("__bad"), bad


def prepare(frame: pl.DataFrame, as_of: date, today: date | None = None) -> Prepared:
    """Typed columns and child tables of a batch of household rows (``frame`` holds ``__h``)."""
    today = today or date.today()
    shape = record_shape()
    unknown = _unknown(shape, frame.schema, "")
    if unknown:
        raise TableError(f"columns not in the household record: {', '.join(unknown[:20])} / 表中有农户记录没有的列："
                         f"{', '.join(unknown[:20])}")
    raw: list[pl.Expr] = []
    _flat(shape, None, frame.schema, "", raw)
    missing: dict[str, Any] = {}
    _missing_flat(shape, frame.schema, "", missing)
    flat = frame.select(pl.col(H), *raw, *[e.alias(k) for k, e in missing.items()])
    empty = {c for c in flat.columns if flat[c].null_count() == flat.height}
    cols: list[pl.Expr] = [pl.col(H)]
    oks: list[pl.Expr] = []
    lists: list[tuple[Group, pl.Expr, Any, str]] = []
    _struct_leaves(shape, frame, None, frame.schema, "", today, cols, oks, lists, empty)
    if "__suspect" in frame.columns:  # marked while converting records to the table
        oks.append(~pl.col("__suspect").fill_null(False))
        flat = flat.with_columns(frame["__suspect"])
    house = flat.select(*cols, pl.all_horizontal(oks).alias("__ok"))
    children: dict[str, pl.DataFrame] = {}
    bad_parts: list[pl.DataFrame] = []
    for group, src, dtype, path in lists:
        child, bad = _child(frame, group, src, dtype, today)
        children[path] = child
        bad_parts.append(bad)
    house = _cross_checks(house, children, as_of)
    suspect = house["__suspect"]
    for bad in bad_parts:
        flagged = bad.filter(pl.col("__bad"))[H]
        if len(flagged):
            suspect = suspect | house[H].is_in(flagged.implode())
    return Prepared(house.drop("__ok", "__suspect"), children, suspect.alias("__suspect"))


def _cross_checks(house: pl.DataFrame, children: dict[str, pl.DataFrame], as_of: date) -> pl.DataFrame:
    """The model's checks across fields, and the entrance check's dates after the as-of date."""
    c = pl.col
    problems: list[pl.Expr] = [~c("__ok")]

    def before(later: str, earlier: str) -> pl.Expr:
        return (c(later) < c(earlier)).fill_null(False)

    ids = [c("household_id").str.contains(r"[0-9]{17}").fill_null(False),
           ~c("household_id").str.contains(_PLAIN_ID).fill_null(True)]
    problems += ids
    problems.append(~c("region_code").str.contains(r"^([0-9]{6}|[0-9]{12})$").fill_null(False))
    problems.append(~c("region_code").str.slice(0, 2).is_in(list(PROVINCE_CODES)).fill_null(False))
    for w in ("income", "previous_income"):
        problems.append(before(f"{w}.end", f"{w}.start"))
        problems.append((c(f"{w}.start") > as_of).fill_null(False))
    problems.append((c("previous_income.end") >= c("income.start")).fill_null(False))
    case = "monitoring_case."
    for later, earlier in (("identified_on", "clue_found_on"), ("publicity_end", "publicity_start"),
                           ("publicity_start", "clue_found_on"), ("eliminated_on", "identified_on"),
                           ("not_included_on", "clue_found_on")):
        problems.append(before(case + later, case + earlier))
    problems.append(c(case + "not_included_on").is_not_null() & c(case + "identified_on").is_not_null())
    problems.append(c(case + "not_included_reason").is_not_null() & c(case + "not_included_on").is_null())
    problems.append(c(case + "elimination_method").is_not_null() & c(case + "eliminated_on").is_null())
    for name in CASE_DATE_FIELDS:
        problems.append((c(case + name) > as_of).fill_null(False))
    house = house.with_columns(pl.any_horizontal(problems).alias("__suspect"))
    marks = [_members_checks(children.get("members"), as_of), _transfer_checks(house, children),
             _items_after(children.get("rigid_expenditures"), "spent_on", as_of),
             _items_after(children.get("shocks"), "occurred_on", as_of),
             _items_after(children.get("monitoring_case.concentrated_checks"), "value", as_of),
             _items_after(children.get("monitoring_case.home_visits"), "value", as_of),
             _measures_reversed(children.get("assistance_measures"))]
    for m in marks:
        if m is not None and len(m):
            house = house.with_columns((c("__suspect") | c(H).is_in(m.implode())).alias("__suspect"))
    return house


def _items_after(child: pl.DataFrame | None, column: str, as_of: date) -> pl.Series | None:
    if child is None or column not in child.columns:
        return None
    return child.filter(pl.col(column) > as_of)[H].unique()


def _measures_reversed(child: pl.DataFrame | None) -> pl.Series | None:
    if child is None or "ended_on" not in child.columns:
        return None
    return child.filter(pl.col("ended_on") < pl.col("started_on"))[H].unique()


def _members_checks(m: pl.DataFrame | None, as_of: date) -> pl.Series | None:
    if m is None or "member_id" not in m.columns:
        return None
    c = pl.col
    key = c("member_id").str.to_lowercase()
    flagged = m.with_columns(
        (c("disability_grade").is_not_null() & c("health").is_not_null() & (c("health") != "disabled"))
        .alias("grade_without"),
        (c("birth_date") > as_of).fill_null(False).alias("late"),
        c("member_id").str.contains(r"[0-9]{17}").fill_null(False).alias("id_like"),
        (~c("member_id").str.contains(_PLAIN_ID)).fill_null(True).alias("odd_id"),
        (key.len().over(H, key) > 1).alias("dup"),
        (c("id_number").is_not_null() & (c("id_number").len().over(H, "id_number") > 1)).alias("dup_number"),
        (c("id_number").is_not_null() & c("birth_date").is_not_null()
         & (c("id_number").str.slice(6, 8).str.to_date("%Y%m%d", strict=False) != c("birth_date"))).fill_null(False)
        .alias("mismatch"),
    ).filter(pl.any_horizontal("grade_without", "late", "id_like", "odd_id", "dup", "dup_number", "mismatch"))
    return flagged[H].unique()


def _transfer_checks(house: pl.DataFrame, children: dict[str, pl.DataFrame]) -> pl.Series | None:
    out: list[pl.Series] = []
    for w in ("income", "previous_income"):
        items = children.get(f"{w}.transfer_items")
        if items is None or "amount" not in items.columns or not len(items):
            continue
        sums = items.group_by(H).agg(pl.col("amount").sum().alias("__sum"))
        joined = house.select(H, pl.col(f"{w}.transfer")).join(sums, on=H)
        out.append(joined.filter(pl.col("__sum") > pl.col(f"{w}.transfer"))[H])
    return pl.concat(out).unique() if out else None
