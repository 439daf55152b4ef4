"""China working-day calendar (工作日历) loaded from rule-pack YAML.

Each ``rules/calendars/<YEAR>.yaml`` records one year's State Council holiday
notice (国务院办公厅关于<YEAR>年部分节假日安排的通知): statutory holidays
(法定节假日, including rest days joined to them) and adjusted working days
(调休上班). Everything else follows the ordinary week: Monday–Friday work,
Saturday–Sunday rest (休息日).

Years without a file are *not* guessed: a deadline that depends on an unknown
调休 schedule raises :class:`CalendarNotCovered`, so a missing notice surfaces
as an error instead of a silently wrong due date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = [
    "CalendarError",
    "CalendarNotCovered",
    "WorkCalendar",
    "load_calendar",
]

DEFAULT_FOLDER_HINT = Path("rules") / "calendars"

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MAX_BYTES = 200_000  # a year's notice is a few kilobytes
_FILE_NAME = re.compile(r"^(\d{4})\.yaml$")
_TOP_KEYS = frozenset({"year", "source", "holidays", "adjusted_working_days"})
_REQUIRED_TOP_KEYS = frozenset({"year", "source", "holidays"})
_SOURCE_KEYS = frozenset({"document", "issuer", "reference", "seeded_from", "supplements"})
_REQUIRED_SOURCE_KEYS = frozenset({"document", "issuer"})
_ENTRY_KEYS = frozenset({"date", "name"})
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"


class CalendarNotCovered(LookupError):
    """A date falls in a year with no calendar file (日历未覆盖该年度)."""

    def __init__(self, year: int, path: Path) -> None:
        self.year = year
        self.path = path
        super().__init__(
            f"工作日历未覆盖 {year} 年，请根据国务院办公厅当年节假日安排通知添加 {path}；"
            f"working-day calendar does not cover {year}: add {path}"
        )


class CalendarError(ValueError):
    """A calendar file is malformed (日历文件错误); names the file and line."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}, line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class WorkCalendar:
    """Working-day calendar (工作日历) over the years that have a file.

    ``holidays`` and ``adjusted_working_days`` map each date to its festival
    name; ``sources`` keeps each year's ``source`` block for audit trails.
    """

    holidays: Mapping[date, str]
    adjusted_working_days: Mapping[date, str]
    years: frozenset[int]
    sources: Mapping[int, dict[str, Any]]
    # Only used to tell the user which file to add; not part of equality.
    folder: Path = field(default=DEFAULT_FOLDER_HINT, compare=False)

    def is_covered(self, d: date) -> bool:
        """Whether ``d``'s year has a calendar file."""
        return d.year in self.years

    def _require(self, d: date) -> None:
        if d.year not in self.years:
            raise CalendarNotCovered(d.year, self.folder / f"{d.year}.yaml")

    def is_working_day(self, d: date) -> bool:
        """工作日: a weekday that is not a holiday, or an adjusted working day (调休上班)."""
        self._require(d)
        if d in self.adjusted_working_days:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_rest_day(self, d: date) -> bool:
        """休假日: weekend or statutory holiday.

        The Civil Code's 法定休假日 (art. 203) covers weekly rest days as well
        as festivals, so both count here.
        """
        return not self.is_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """Return the ``n``-th working day *after* ``start``.

        《民法典》第二百零一条: 开始的当日不计入，自下一日开始计算 — so
        ``start`` itself is never counted, even if it is a working day.
        """
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        d = start
        remaining = n
        while remaining:
            d += timedelta(days=1)
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in ``(start, end]``; 0 when ``end <= start``."""
        count = 0
        d = start + timedelta(days=1)
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += timedelta(days=1)
        return count


def load_calendar(folder: Path, on_error: Callable[[CalendarError], None] | None = None) -> WorkCalendar:
    """Load every ``<YEAR>.yaml`` in ``folder`` into one :class:`WorkCalendar`.

    Parsing uses PyYAML's SafeLoader only (no arbitrary object construction),
    and the node tree is walked directly so errors can cite line numbers. With
    ``on_error``, a broken file is reported to it and left out, and the other
    files still load; without it the first error is raised.
    """
    folder = Path(folder)
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    sources: dict[int, dict[str, Any]] = {}
    files = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not files:
        error = CalendarError(folder, None, "文件夹中没有日历文件 / no <YEAR>.yaml files found")
        if on_error is None:
            raise error
        on_error(error)
    for path in files:
        try:
            year, hol, work, source = _load_file(path)
        except CalendarError as error:
            if on_error is None:
                raise
            on_error(error)
            continue
        holidays.update(hol)
        workdays.update(work)
        sources[year] = source
    return WorkCalendar(
        holidays=MappingProxyType(holidays),
        adjusted_working_days=MappingProxyType(workdays),
        years=frozenset(sources),
        sources=MappingProxyType(sources),
        folder=folder,
    )


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _load_file(path: Path) -> tuple[int, dict[date, str], dict[date, str], dict[str, Any]]:
    m = _FILE_NAME.match(path.name)
    if not m:
        raise CalendarError(path, None, "文件名须为 <YEAR>.yaml / file name must be <YEAR>.yaml")
    file_year = int(m.group(1))
    if path.stat().st_size > _MAX_BYTES:
        raise CalendarError(path, None, f"日历文件不能超过 {_MAX_BYTES} 字节 / a calendar file is at most {_MAX_BYTES} bytes")
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except UnicodeDecodeError:
        raise CalendarError(path, None, "文件不是 UTF-8 文本 / not UTF-8 text") from None
    except RecursionError:
        raise CalendarError(path, None, "嵌套过深 / nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CalendarError(path, mark.line + 1 if mark else None, f"YAML 语法错误 / invalid YAML: {exc}") from exc
    if not isinstance(root, MappingNode):
        raise CalendarError(path, _line(root) if root else None, "顶层须为映射 / top level must be a mapping")
    top = _mapping(path, root, _TOP_KEYS, _REQUIRED_TOP_KEYS)
    constructor = SafeConstructor()

    year_node = top["year"]
    if not (isinstance(year_node, ScalarNode) and year_node.tag == _INT_TAG):
        raise CalendarError(path, _line(year_node), "year 须为整数 / year must be an integer")
    year = int(constructor.construct_object(year_node))
    if year != file_year:
        raise CalendarError(
            path, _line(year_node), f"year: {year} 与文件名 {path.name} 不符 / year does not match file name"
        )

    source = _source(path, top["source"], constructor)
    hol = _entries(path, top["holidays"], year, constructor)
    work = _entries(path, top["adjusted_working_days"], year, constructor) if "adjusted_working_days" in top else {}
    for d, (_, line) in work.items():
        if d in hol:
            raise CalendarError(
                path, line, f"{d} 既是节假日又是调休上班日 / {d} is both a holiday and an adjusted working day"
            )
        # 调休上班 only ever converts a weekend into a working day; a weekday
        # here means the entry is misplaced or mistyped.
        if d.weekday() < 5:
            raise CalendarError(path, line, f"{d} 不是周末，不能是调休上班日 / adjusted working day must be a weekend")
    return (
        year,
        {d: name for d, (name, _) in hol.items()},
        {d: name for d, (name, _) in work.items()},
        source,
    )


def _mapping(path: Path, node: Node, allowed: frozenset[str], required: frozenset[str]) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        raise CalendarError(path, _line(node), "须为映射 / expected a mapping")
    out: dict[str, Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key not in allowed:
            raise CalendarError(path, _line(key_node), f"未知键 {key!r} / unknown key {key!r}")
        if key in out:
            raise CalendarError(path, _line(key_node), f"重复键 {key!r} / duplicate key {key!r}")
        out[key] = value_node
    missing = required - out.keys()
    if missing:
        raise CalendarError(path, _line(node), f"缺少键 / missing keys: {sorted(missing)}")
    return out


def _source(path: Path, node: Node, constructor: SafeConstructor) -> dict[str, Any]:
    fields = _mapping(path, node, _SOURCE_KEYS, _REQUIRED_SOURCE_KEYS)
    for key, value in fields.items():
        if key != "supplements" and not (isinstance(value, ScalarNode) and value.tag == _STR_TAG and value.value):
            raise CalendarError(path, _line(value), f"source.{key} 须为非空字符串 / must be a non-empty string")
    if "supplements" in fields and not isinstance(fields["supplements"], SequenceNode):
        raise CalendarError(path, _line(fields["supplements"]), "source.supplements 须为列表 / must be a list")
    return dict(constructor.construct_object(node, deep=True))


def _entries(
    path: Path, node: Node, year: int, constructor: SafeConstructor
) -> dict[date, tuple[str, int]]:
    """Parse a list of ``{date, name}`` entries; values carry their line for later checks."""
    if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return {}
    if not isinstance(node, SequenceNode):
        raise CalendarError(path, _line(node), "须为列表 / expected a list")
    out: dict[date, tuple[str, int]] = {}
    for item in node.value:
        fields = _mapping(path, item, _ENTRY_KEYS, _ENTRY_KEYS)
        d = _date(path, fields["date"], constructor)
        line = _line(fields["date"])
        if d.year != year:
            raise CalendarError(path, line, f"{d} 不在 {year} 年内 / date outside the file's year {year}")
        if d in out:
            raise CalendarError(
                path, line, f"日期 {d} 重复（首次见第 {out[d][1]} 行）/ duplicate date {d} (first on line {out[d][1]})"
            )
        name_node = fields["name"]
        if not (isinstance(name_node, ScalarNode) and name_node.tag == _STR_TAG and name_node.value.strip()):
            raise CalendarError(path, _line(name_node), "name 须为非空字符串 / name must be a non-empty string")
        out[d] = (name_node.value, line)
    return out


def _date(path: Path, node: Node, constructor: SafeConstructor) -> date:
    """Accept a YAML date or a quoted ISO ``YYYY-MM-DD`` string; nothing else."""
    if isinstance(node, ScalarNode):
        if node.tag == _TIMESTAMP_TAG:
            try:
                value = constructor.construct_object(node)
            except ValueError:  # 2022-02-30 matches YAML's date pattern but is no date
                value = None
            # datetime is a date subclass; a time part means a malformed entry.
            if isinstance(value, date) and not isinstance(value, datetime):
                return value
        elif node.tag == _STR_TAG and _ISO_DATE.match(node.value):
            try:
                return date.fromisoformat(node.value)
            except ValueError:
                pass
    raise CalendarError(path, _line(node), f"无效日期 {getattr(node, 'value', node)!r} / invalid date, expected YYYY-MM-DD")
