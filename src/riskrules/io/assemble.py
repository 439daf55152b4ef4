"""Rows to household records (组装农户记录), through a column mapping.

Layouts:

- **one row per household**: members from numbered columns (``members[0].member_id``), from
  ``members.count`` (家庭人口数: members 1..N), or from a members table joined by household id;
- **one row per member**: the main table has member columns (``members[].birth_date``);
  consecutive rows with the same household id are one household. Household columns may be
  repeated on each member row or given once; values that disagree are a problem.

Every cell that cannot be converted is a problem naming its row, column and record path; a
row whose bytes cannot be read rejects the household whose rows surround it.
"""

from __future__ import annotations

import operator
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .convert import NONE_WORDS, CellError, is_empty, safe_value, to_bool, to_text
from .mapping import COUNT_SUFFIX, ColumnRule, Mapping, MappingError
from .tables import BadRow
from .units import Unit, problem

__all__ = ["MAX_GROUP_ROWS", "Binding", "MembersStore", "bind", "tabular_units"]

MAX_GROUP_ROWS = 500  # rows of one household; more is a broken export, not a family
MAX_COUNT = 50


@dataclass
class Binding:
    """A table's header bound to a mapping: which column index fills which path."""

    source: str
    household: list[tuple[int, ColumnRule]]     # household-level columns (incl. numbered items)
    items: list[tuple[int, ColumnRule]]         # columns of item rows (members[].x)
    item_list: str | None
    key: int                                    # the household id column
    unmapped: list[str]
    width: int = 0                              # cells in the header: shorter rows are padded

    @property
    def getter(self) -> Any:
        g = self.__dict__.get("_getter")
        if g is None:
            idx = [i for i, _ in self.household]
            g = operator.itemgetter(*idx) if len(idx) > 1 else (lambda c, _i=idx[0]: (c[_i],)) if idx else (lambda c: ())
            self.__dict__["_getter"] = g
        return g


def bind(header: list[Any], mapping: Mapping, source: str, *, members_table: bool = False) -> Binding:
    household: list[tuple[int, ColumnRule]] = []
    items: list[tuple[int, ColumnRule]] = []
    unmapped: list[str] = []
    seen: dict[str, str] = {}
    errors: list[str] = []
    key = -1
    for i, cell in enumerate(header):
        if is_empty(cell):
            continue
        rule = mapping.rule(cell)
        if rule is None:
            unmapped.append(str(cell))
            continue
        if rule.path in seen and rule.path != "household_id":
            errors.append(f"{source}: columns {seen[rule.path]!r} and {cell!r} both fill {rule.path}")
            continue
        seen[rule.path] = str(cell)
        if rule.path == "household_id":
            if key < 0:
                key = i
                household.append((i, rule))
            continue
        if members_table:
            if rule.item_list == "members":
                items.append((i, rule))
            else:
                unmapped.append(str(cell))
            continue
        (items if rule.item_list else household).append((i, rule))
    lists = {r.item_list for _, r in items}
    if len(lists) > 1:
        errors.append(f"{source}: item columns of several lists in one table ({', '.join(sorted(x or '' for x in lists))}); "
                      f"give one list as rows and the others as numbered columns")
    if key < 0:
        heads = ", ".join(mapping.headers_for("household_id")) or "?"
        errors.append(f"{source}: no household id column (one of: {heads}) / 缺少户编号列")
    if members_table and not items:
        errors.append(f"{source}: the members table has no member column (such as {', '.join(mapping.headers_for('members[].member_id'))})")
    if errors:
        raise MappingError(errors)
    return Binding(source, household, items, next(iter(lists)) if lists else None, key, unmapped, len(header))


def _cell(cells: list[Any], i: int) -> Any:
    return cells[i] if i < len(cells) else None


def _key(cells: list[Any], b: Binding) -> str | None:
    cell = _cell(cells, b.key)
    if is_empty(cell):
        return None
    try:
        return to_text(cell)
    except CellError:
        return None


class _Builder:
    def __init__(self, source: str):
        self.source = source
        self.record: dict[str, Any] = {}
        self.where: dict[str, tuple[str | None, int, str | None]] = {}
        self.problems: list[dict[str, Any]] = []
        self.failed: list[str] = []
        self.indexed: dict[str, dict[int, dict[str, Any]]] = {}
        self.indexed_where: dict[str, dict[int, dict[str, tuple[str, int, str | None]]]] = {}

    def fail(self, path: str, rule: ColumnRule, row: int, cell: Any, e: CellError, source: str | None = None) -> None:
        value = None if rule.kind == "id_number" else safe_value(cell)
        self.problems.append(problem(e.code, e.message_zh, e.message_en, path=path, row=row, column=rule.header, value=value,
                                     source=source))
        self.failed.append(path)

    def set(self, path: str, value: Any, header: str, row: int) -> None:
        parts = path.split(".")
        node = self.record
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        self.where[path] = (header, row, None)


def _convert(b: _Builder, rule: ColumnRule, path: str, cell: Any, row: int, source: str | None = None) -> tuple[bool, Any]:
    try:
        return True, rule.convert(cell)
    except CellError as e:
        b.fail(path, rule, row, cell, e, source)
        return False, None


def _household_columns(b: _Builder, binding: Binding, rows: list[tuple[int, list[Any]]]) -> dict[str, tuple[str, int, Any]]:
    """Household-level values; returns the special ones (counts, presence) for later."""
    special: dict[str, tuple[str, int, Any]] = {}
    cols = binding.household
    if not cols:
        return special
    get = binding.getter
    first_row, first_cells = rows[0]
    first = get(first_cells)
    # Member rows usually repeat the household cells exactly (or leave them empty): only rows
    # that differ from the first are looked at cell by cell.
    others = [(row, vals) for row, vals in ((r, get(c)) for r, c in rows[1:]) if vals != first]
    for j, (i, rule) in enumerate(cols):
        chosen: tuple[int, Any] | None = None
        raw: Any = None
        candidates = [(first_row, first[j])]
        if others:
            candidates += [(row, vals[j]) for row, vals in others]
        for row, cell in candidates:
            if cell is None or cell == raw or is_empty(cell):
                continue  # the same text as the chosen cell: nothing to compare
            if chosen is None:
                ok, value = _convert(b, rule, rule.path, cell, row)
                if not ok:
                    break
                chosen, raw = (row, value), cell
                continue
            try:
                other = rule.convert(cell)
            except CellError:
                other = object()
            if other != chosen[1]:
                b.problems.append(problem("rows_disagree", f"同一户的各行该列取值不一致（第 {chosen[0]} 行与第 {row} 行）",
                                          f"the rows of this household disagree in this column (rows {chosen[0]} and {row})",
                                          path=rule.path, row=row, column=rule.header, value=None if rule.kind == "id_number" else safe_value(cell)))
                b.failed.append(rule.path)
                break
        if chosen is None:
            continue
        row, value = chosen
        if rule.kind in ("count", "presence"):
            special[rule.path] = (rule.header, row, value)
        elif "[" in rule.path:
            lst, rest = rule.path.split("[", 1)
            index, field = rest.split("].", 1)
            b.indexed.setdefault(lst, {}).setdefault(int(index), {})
            _set_nested(b.indexed[lst][int(index)], field, value)
            b.indexed_where.setdefault(lst, {}).setdefault(int(index), {})[field] = (rule.header, row, None)
        else:
            b.set(rule.path, value, rule.header, row)
    return special


def _set_nested(node: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _item(b: _Builder, cols: list[tuple[int, ColumnRule]], cells: list[Any], row: int, lst: str, index: int,
          source: str | None) -> tuple[dict[str, Any], dict[str, tuple[str, int, str | None]]]:
    item: dict[str, Any] = {}
    where: dict[str, tuple[str, int, str | None]] = {}
    for i, rule in cols:
        cell = _cell(cells, i)
        if is_empty(cell):
            continue
        field = rule.path.split("[].", 1)[1]
        ok, value = _convert(b, rule, f"{lst}[{index}].{field}", cell, row, source)
        if ok:
            _set_nested(item, field, value)
            where[field] = (rule.header, row, source)
        else:
            item.setdefault("__failed__", True)
    return item, where


def _place_list(b: _Builder, lst: str, items: list[tuple[dict[str, Any], dict[str, Any], int]]) -> None:
    """Put items at ``lst`` (a dotted path), remembering where each field came from."""
    out = []
    for n, (item, where, row) in enumerate(items):
        item.pop("__failed__", None)
        out.append(item)
        b.where[f"{lst}[{n}]"] = (None, row, where.get("__source__"))  # type: ignore[arg-type]
        for field, w in where.items():
            if field != "__source__":
                b.where[f"{lst}[{n}].{field}"] = w
    _set_nested(b.record, lst, out)


def build_household(binding: Binding, rows: list[tuple[int, list[Any]]],
                    member_rows: list[tuple[int, list[Any]]] | None = None, members_binding: Binding | None = None,
                    extra: list[dict[str, Any]] | None = None) -> Unit:
    b = _Builder(binding.source)
    first, last = rows[0][0], rows[-1][0]
    special = _household_columns(b, binding, rows)
    lists: dict[str, list[tuple[dict[str, Any], dict[str, Any], int]]] = {}
    # item rows of the main table
    if binding.items and binding.item_list:
        lst = binding.item_list
        for row, cells in rows:
            item, where = _item(b, binding.items, cells, row, lst, len(lists.get(lst, [])), None)
            if item:
                lists.setdefault(lst, []).append((item, where, row))
    # item rows of the members table
    if member_rows and members_binding is not None:
        for row, cells in member_rows:
            item, where = _item(b, members_binding.items, cells, row, "members", len(lists.get("members", [])),
                                members_binding.source)
            if item:
                where["__source__"] = members_binding.source  # type: ignore[assignment]
                lists.setdefault("members", []).append((item, where, row))
    # numbered columns
    for lst, by_index in b.indexed.items():
        for index in sorted(by_index):
            fields = by_index[index]
            lists.setdefault(lst, []).append((fields, dict(b.indexed_where[lst][index]), first))
    # counts and presence markers
    for path, (header, row, value) in special.items():
        if path.endswith(COUNT_SUFFIX):
            lst = path[: -len(COUNT_SUFFIX)]
            if lists.get(lst):
                continue  # member rows win over a count
            if not 1 <= value <= MAX_COUNT:
                b.problems.append(problem("count_range", f"人数应在 1 至 {MAX_COUNT} 之间", f"the count must be from 1 to {MAX_COUNT}",
                                          path=lst, row=row, column=header, value=safe_value(value)))
                b.failed.append(lst)
                continue
            lists[lst] = [({"member_id": str(n)}, {}, row) for n in range(1, value + 1)]
            continue
        text = str(value).strip()
        try:
            has = False if text in NONE_WORDS else to_bool(text)
        except CellError:
            try:
                has = int(text) > 0
            except ValueError:
                b.problems.append(problem("presence", "应为 有/无（或 是/否）", "must be 有/无 (yes or no)", path=path, row=row,
                                          column=header, value=safe_value(value)))
                b.failed.append(path)
                continue
        if not has and lists.get(path):
            b.problems.append(problem("presence_conflict", "标为“无”，但同时填写了明细", "marked as none, but items are given",
                                      path=path, row=row, column=header))
            b.failed.append(path)
        elif has and not lists.get(path):
            b.problems.append(problem("presence_missing", "标为“有”，但没有填写明细", "marked as having items, but none is given",
                                      path=path, row=row, column=header))
            b.failed.append(path)
        elif not has:
            lists[path] = []
    for lst, items in lists.items():
        _place_list(b, lst, items)
    if extra:
        b.problems.extend(extra)
        b.failed.append("$")
    hid = b.record.get("household_id")
    where = {k: (v[0], v[1]) if v[2] is None else (v[0], v[1], v[2]) for k, v in b.where.items()}  # type: ignore[misc]
    return Unit(first, last, b.record, b.problems, safe_value(hid, 64) if isinstance(hid, str) else None, where, tuple(b.failed))


def _bad_unit(bad: BadRow) -> Unit:
    return Unit(bad.first, bad.last, None, [problem(bad.code, bad.message_zh, bad.message_en, row=bad.first)])


class MembersStore:
    """Member rows of a separate table, kept on disk (SQLite) by household id and handed out
    when their household is read: memory stays flat whatever the order of the two tables."""

    def __init__(self, binding: Binding, rows: Iterable[tuple[int, Any]]):
        self.binding = binding
        self.dir = tempfile.TemporaryDirectory(prefix="riskrules-members-")
        self.db = sqlite3.connect(str(Path(self.dir.name) / "members.db"))
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE m (hid TEXT, row INTEGER, cells BLOB)")
        self.db.execute("CREATE TABLE used (hid TEXT PRIMARY KEY)")
        self.bad: list[Unit] = []
        batch: list[tuple[str | None, int, bytes]] = []
        for row, cells in rows:
            if isinstance(cells, BadRow):
                self.bad.append(_bad_unit(cells))
                continue
            batch.append((_key(cells, binding), row, pickle.dumps(cells, protocol=5)))
            if len(batch) >= 5000:
                self.db.executemany("INSERT INTO m VALUES (?, ?, ?)", batch)
                batch.clear()
        self.db.executemany("INSERT INTO m VALUES (?, ?, ?)", batch)
        self.db.execute("CREATE INDEX m_hid ON m (hid, row)")
        self.db.commit()

    def take(self, hid: str) -> list[tuple[int, list[Any]]]:
        self.db.execute("INSERT OR IGNORE INTO used VALUES (?)", (hid,))
        return [(row, pickle.loads(blob)) for row, blob in
                self.db.execute("SELECT row, cells FROM m WHERE hid = ? ORDER BY row LIMIT ?", (hid, MAX_GROUP_ROWS))]

    def leftovers(self) -> Iterator[Unit]:
        """Member rows whose household never came (and rows without a household id)."""
        yield from self.bad
        query = ("SELECT hid, MIN(row), MAX(row), COUNT(*) FROM m WHERE hid IS NULL OR hid NOT IN (SELECT hid FROM used) "
                 "GROUP BY hid ORDER BY MIN(row)")
        for hid, first, last, count in self.db.execute(query):
            if hid is None:
                msg = ("家庭成员表中有行缺少户编号", "member rows without a household id")
            else:
                msg = ("家庭成员表中的这些行所属的户不在农户表中", "member rows of a household that is not in the households table")
            yield Unit(first, last, None, [problem("member_without_household", f"{msg[0]}（共 {count} 行）", f"{msg[1]} ({count} row(s))",
                                                   path="members", row=first, source=self.binding.source)],
                       safe_value(hid, 64) if hid else None)

    def close(self) -> None:
        self.db.close()
        self.dir.cleanup()


def tabular_units(binding: Binding, rows: Iterator[tuple[int, Any]], members: MembersStore | None = None) -> Iterator[Unit]:
    """Households of a table (its header already read), in order."""
    grouped = bool(binding.items)
    group: list[tuple[int, list[Any]]] = []
    group_key: str | None = None
    group_extra: list[dict[str, Any]] = []
    held_bad: list[BadRow] = []
    overflow = 0

    def emit() -> Iterator[Unit]:
        nonlocal group, group_key, overflow, group_extra
        if not group:
            return
        extra = list(group_extra)
        if overflow:
            extra.append(problem("too_many_rows", f"同一户超过 {MAX_GROUP_ROWS} 行（多出 {overflow} 行）",
                                 f"more than {MAX_GROUP_ROWS} rows for one household ({overflow} more)", row=group[0][0]))
        mrows = members.take(group_key) if members is not None and group_key is not None else None
        unit = build_household(binding, group, mrows, members.binding if members else None, extra)
        if overflow:
            unit.last_row = max(unit.last_row, last_seen)
        if group_key is None:
            unit.problems.append(problem("household_id_missing", "缺少户编号", "the household id is missing", path="household_id",
                                         row=group[0][0]))
            unit.failed_paths += ("household_id",)
        yield unit
        group, group_key, overflow, group_extra = [], None, 0, []

    last_seen = 0
    for row, cells in rows:
        last_seen = row
        if isinstance(cells, BadRow):
            if grouped and group:
                held_bad.append(cells)  # decided when the next readable row says whose rows these are
            else:
                yield _bad_unit(cells)
            continue
        if len(cells) < binding.width:
            cells = list(cells) + [None] * (binding.width - len(cells))
        key = _key(cells, binding)
        if grouped and group and key is not None and key == group_key:
            for bad in held_bad:  # unreadable rows inside this household's rows: it may be missing a member
                group_extra.append(problem(bad.code, bad.message_zh + "；该户可能因此缺少成员",
                                           bad.message_en + "; the household may be missing a member because of it", row=bad.first))
            held_bad = []
            if len(group) >= MAX_GROUP_ROWS:
                overflow += 1
            else:
                group.append((row, cells))
            continue
        yield from emit()
        for bad in held_bad:
            yield _bad_unit(bad)
        held_bad = []
        group, group_key = [(row, cells)], key
        if not grouped or key is None:
            yield from emit()
    yield from emit()
    for bad in held_bad:
        yield _bad_unit(bad)
    if members is not None:
        yield from members.leftovers()
