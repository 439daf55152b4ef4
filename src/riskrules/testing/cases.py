"""Case files (用例文件): policy cases written as YAML data, beside a rule pack.

A case file holds named cases. Each case is one household record assessed on one date, and
what the rule pack must conclude about it::

    pack: ../my-rules            # optional: the rule pack, relative to this file
    defaults: {as_of: 2022-07-31, jurisdiction: "620522"}   # optional, for every case below
    cases:
      - name: "signal.low_income: 5,000 per head"
        tags: [fires]                      # fires | near_miss | boundary, or any other word
        as_of: 2022-07-31                  # unless defaults give it
        jurisdiction: "23"                 # optional: otherwise the record's region code decides
        record:
          base: baseline                   # or example: <bundled example>, case: <earlier case>,
                                           # or household: {a whole record}
          set: {income.wage: "10000.00", "members[0].labour_capacity": weak}
          remove: [previous_income]
        parameters: {monitoring_range: 6500}   # optional: fixed everywhere for this case
        expect:
          flags:                           # rules that must fire, with what they must say
            - rule: signal.low_income
              facts: {income.per_capita_net: "5,000.00 元"}
          absent: [identification.sudden_severe_difficulty]   # decided false
          undecided: [{rule: signal.medical_burden, ask_for: [rigid_expenditures]}]
          invalid: ["members[0].birth_date"]   # or: the record must be refused at these paths
        xfail: "the rule still counts the start day"   # optional: expected to fail, for now

Files are read with the rule packs' own YAML loader (safe, bounded, line-numbered), and every
error in them is a :class:`~riskrules.errors.RulePackError` naming the file and the line.
Whether the rule ids and parameters a case names exist is checked against the pack it runs
on (:func:`check_against_pack`).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from ..errors import RulePackError
from ..language.errors import suggest
from ..pack.errorlog import ErrorLog
from ..pack.yamlfile import LineDict, load_yaml
from . import builders

__all__ = [
    "Case",
    "CaseFile",
    "Expected",
    "FlagExpected",
    "UndecidedExpected",
    "STANDARD_TAGS",
    "load_cases",
    "find_case_files",
    "shown_path",
    "pack_tests_root",
    "is_case_file",
    "pack_of_case_file",
    "check_against_pack",
    "parse_path",
    "apply_changes",
]

STANDARD_TAGS = ("fires", "near_miss", "boundary")
"""The tags a rule's own tests carry: a case that fires it, a near miss that does not, and its
boundary cases (on both sides of the line)."""

_FILE_KEYS = ("pack", "defaults", "cases", "description")
_DEFAULT_KEYS = ("as_of", "jurisdiction", "parameters")
_CASE_KEYS = ("name", "tags", "as_of", "jurisdiction", "record", "parameters", "expect", "xfail", "note")
_BASE_KEYS = ("base", "example", "case", "household")
_RECORD_KEYS = (*_BASE_KEYS, "set", "remove")
_EXPECT_KEYS = ("flags", "absent", "undecided", "invalid")
_FLAG_KEYS = ("rule", "kind", "severity", "category", "risk_types", "conclusion", "facts", "parameters_from",
              "explanation_contains")
_UNDECIDED_KEYS = ("rule", "ask_for")
_BASES = ("baseline",)
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[0-9]+\])*)")
_INDEX = re.compile(r"\[([0-9]+)\]")


@dataclass(frozen=True)
class FlagExpected:
    """A rule that must fire, and what its flag must say (each part optional)."""

    rule: str
    line: int
    kind: str | None = None
    severity: str | None = None
    category: str | None = None
    risk_types: tuple[str, ...] | None = None
    conclusion: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    parameters_from: dict[str, str] = field(default_factory=dict)
    explanation_contains: tuple[str, ...] = ()


@dataclass(frozen=True)
class UndecidedExpected:
    """A rule that must be undecided, asking at least for ``ask_for`` (when given)."""

    rule: str
    line: int
    ask_for: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Expected:
    flags: tuple[FlagExpected, ...] = ()
    absent: tuple[tuple[str, int], ...] = ()        # (rule id, line)
    undecided: tuple[UndecidedExpected, ...] = ()
    invalid: tuple[str, ...] | None = None          # field paths InvalidRecord must name
    line: int = 0

    def rules(self) -> list[str]:
        """Every rule id the expectations name, in the order written."""
        out = [f.rule for f in self.flags] + [r for r, _ in self.absent] + [u.rule for u in self.undecided]
        return list(dict.fromkeys(out))


@dataclass
class Case:
    """One household on one date and what the rule pack must conclude about it."""

    name: str
    file: str                        # as shown in messages (relative to the working folder when inside it)
    path: Path
    line: int
    as_of: date
    record: dict[str, Any]
    expect: Expected
    tags: tuple[str, ...] = ()
    jurisdiction: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    parameters_line: int = 0
    xfail: str | None = None
    note: str | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def fires(self) -> list[str]:
        """The rules this case expects to fire."""
        return [f.rule for f in self.expect.flags]

    def silent(self) -> list[str]:
        """The rules this case expects to be decided false."""
        return [r for r, _ in self.expect.absent]


@dataclass
class CaseFile:
    path: Path
    file: str                        # as shown in messages
    cases: list[Case]
    pack: Path | None = None         # named by the file's ``pack:`` key
    description: str | None = None


# -- finding files -------------------------------------------------------------------------------

def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when it lies inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def is_case_file(path: Path) -> bool:
    """A YAML file whose top level is a mapping with ``cases:`` (read quickly, not validated)."""
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    try:
        data = load_yaml(path)
    except RulePackError:
        return False
    return isinstance(data, dict) and "cases" in data


def pack_tests_root(path: Path) -> Path | None:
    """The rule pack whose ``tests/`` folder holds ``path`` (at any depth), or None."""
    path = Path(path).resolve()
    for parent in path.parents:
        if parent.name == "tests" and (parent.parent / "pack.yaml").is_file():
            return parent.parent
    return None


def find_case_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[RulePackError]]:
    """The case files a command line names: a file is a case file; a rule-pack folder (with
    ``pack.yaml``) means its ``tests/`` folder; any other folder, every YAML file under it
    whose top level has ``cases:``. Returns the files (sorted, each once) and the errors."""
    found: list[Path] = []
    errors: list[RulePackError] = []
    for given in paths:
        p = Path(given)
        if p.is_file():
            found.append(p.resolve())
            continue
        if not p.is_dir():
            errors.append(RulePackError("no such file or folder", message_zh="找不到该文件或目录", file=str(given)))
            continue
        folder = p / "tests" if (p / "pack.yaml").is_file() else p
        in_pack_tests = pack_tests_root(folder / "x.yaml") is not None
        files = sorted(f.resolve() for f in folder.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
        found.extend(f for f in files if in_pack_tests or is_case_file(f))
        if not files:
            errors.append(RulePackError("no case files here", message_zh="此处没有用例文件", file=str(folder)))
    return list(dict.fromkeys(found)), errors


def pack_of_case_file(case_file: CaseFile) -> Path | None:
    """The rule pack a case file is for: its ``pack:`` key, else the pack whose ``tests/``
    folder holds it, else None (the caller must say, e.g. with ``--rules``)."""
    if case_file.pack is not None:
        return case_file.pack
    return pack_tests_root(case_file.path)


# -- loading -----------------------------------------------------------------------------------

_LOADED: dict[tuple[Path, str, int, int], CaseFile] = {}


def load_cases(path: str | Path) -> CaseFile:
    """Read and check one case file. Every error is collected and raised together as one
    :class:`~riskrules.errors.RulePackError` naming the file and line of each.

    A file already read in this process, unchanged since, is not parsed again (the suite is
    read by the pytest plugin and by the tests about it): treat the result as read-only."""
    path = Path(path).resolve()
    stat = path.stat() if path.is_file() else None
    key = (path, str(Path.cwd()), stat.st_mtime_ns, stat.st_size) if stat else None
    if key is not None and key in _LOADED:
        return _LOADED[key]
    case_file = _load_cases(path)
    if key is not None:
        _LOADED[key] = case_file
    return case_file


def _load_cases(path: Path) -> CaseFile:
    name = shown_path(path)
    log = ErrorLog()
    data: Any = None
    with log.attempt(file=name):
        data = _read(path, name)
        if not isinstance(data, LineDict):
            raise RulePackError("a case file is a mapping with 'cases:'", message_zh="用例文件应为含 'cases:' 的映射", line=1)
        if "cases" not in data:
            raise RulePackError("missing 'cases'", message_zh="缺少 'cases'", line=data.line)
    log.raise_if_any()
    p = _Parser(name, log)
    p.known(data, _FILE_KEYS, "the case file")
    pack: Path | None = None
    if "pack" in data:
        with log.attempt(file=name, line=data.line_of("pack")):
            if not isinstance(data["pack"], str) or not data["pack"].strip():
                raise RulePackError("'pack' must be a folder path (relative to this file)", message_zh="'pack' 应为规则包目录路径（相对于本文件）")
            pack = (path.parent / data["pack"]).resolve()
            if not pack.is_dir():
                raise RulePackError(f"no rule pack folder at {data['pack']}", message_zh=f"找不到规则包目录 {data['pack']}")
    defaults = p.defaults(data)
    cases: list[Case] = []
    raw_cases = data["cases"]
    if not isinstance(raw_cases, list):
        log.add(RulePackError("'cases' must be a list", message_zh="'cases' 应为列表", file=name, line=data.line_of("cases")))
    else:
        if not raw_cases:
            log.add(RulePackError("'cases' is empty", message_zh="'cases' 为空", file=name, line=data.line_of("cases")))
        by_name: dict[str, Case] = {}
        for raw in raw_cases:
            case = p.case(raw, defaults, by_name, path, data.line_of("cases"))
            if case is not None:
                by_name[case.name] = case
                cases.append(case)
    description = data.get("description") if isinstance(data.get("description"), str) else None
    log.raise_if_any()
    return CaseFile(path=path, file=name, cases=cases, pack=pack, description=description)


def _read(path: Path, name: str) -> Any:
    try:
        return load_yaml(path)
    except RulePackError as e:  # the loader names the file by its full path: show it as given
        raise RulePackError.combine([RulePackError(x.message_en, message_zh=x.message_zh, file=name, line=x.line,
                                                   suggestion=x.suggestion) for x in e.errors]) from None


@dataclass
class _Defaults:
    as_of: date | None = None
    jurisdiction: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


class _Parser:
    def __init__(self, file: str, log: ErrorLog):
        self.file = file
        self.log = log

    def error(self, en: str, zh: str, line: int | None, suggestion: str | None = None) -> RulePackError:
        return RulePackError(en, message_zh=zh, file=self.file, line=line, suggestion=suggestion)

    def known(self, mapping: LineDict, keys: tuple[str, ...], what: str) -> bool:
        ok = True
        for key in mapping:
            if key not in keys:
                ok = False
                self.log.add(self.error(f"unknown key '{key}' in {what} (allowed: {', '.join(keys)})",
                                        f"{what} 中有未知的键 '{key}'", mapping.line_of(key), suggest(key, keys)))
        return ok

    def mapping(self, value: Any, what: str, line: int) -> LineDict:
        if not isinstance(value, LineDict):
            raise self.error(f"{what} must be a mapping (key: value)", f"{what} 应为映射（键: 值）", line)
        return value

    # defaults -------------------------------------------------------------------------------
    def defaults(self, data: LineDict) -> _Defaults:
        out = _Defaults()
        if "defaults" not in data:
            return out
        with self.log.attempt(file=self.file, line=data.line_of("defaults")):
            raw = self.mapping(data["defaults"], "'defaults'", data.line_of("defaults"))
            self.known(raw, _DEFAULT_KEYS, "'defaults'")
            if "as_of" in raw:
                out.as_of = self.as_of(raw["as_of"], raw.line_of("as_of"))
            if "jurisdiction" in raw:
                out.jurisdiction = self.jurisdiction(raw["jurisdiction"], raw.line_of("jurisdiction"))
            if "parameters" in raw:
                out.parameters = self.parameters(raw["parameters"], raw.line_of("parameters"))
        return out

    # one case -------------------------------------------------------------------------------
    def case(self, raw: Any, defaults: _Defaults, earlier: dict[str, Case], path: Path, list_line: int) -> Case | None:
        if not isinstance(raw, LineDict):
            self.log.add(self.error("each case must be a mapping with 'name', 'record' and 'expect'",
                                    "每个用例应为含 'name'、'record'、'expect' 的映射", list_line))
            return None
        errors_before = len(self.log.errors)
        line = raw.line
        self.known(raw, _CASE_KEYS, "a case")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.log.add(self.error("a case needs a 'name' (text)", "用例需要名称 'name'（文本）", raw.line_of("name")))
            name = None
        elif name in earlier:
            self.log.add(self.error(f"case name '{name}' is used twice in this file", f"用例名称 '{name}' 在本文件中重复",
                                    raw.line_of("name")))
        result: dict[str, Any] = {}
        with self.log.attempt(file=self.file, line=line):
            result["tags"] = self.tags(raw.get("tags", []), raw.line_of("tags"))
        with self.log.attempt(file=self.file, line=line):
            if "as_of" in raw:
                result["as_of"] = self.as_of(raw["as_of"], raw.line_of("as_of"))
            elif defaults.as_of is not None:
                result["as_of"] = defaults.as_of
            else:
                raise self.error("a case needs 'as_of' (here or in 'defaults')", "用例需要评估日期 'as_of'（或在 'defaults' 中给出）", line)
        with self.log.attempt(file=self.file, line=line):
            result["jurisdiction"] = (self.jurisdiction(raw["jurisdiction"], raw.line_of("jurisdiction"))
                                      if "jurisdiction" in raw else defaults.jurisdiction)
        with self.log.attempt(file=self.file, line=line):
            params = dict(defaults.parameters)
            if "parameters" in raw:
                params.update(self.parameters(raw["parameters"], raw.line_of("parameters")))
            result["parameters"] = params
        with self.log.attempt(file=self.file, line=line):
            if "record" not in raw:
                raise self.error("a case needs a 'record'", "用例需要 'record'", line)
            result["record"] = self.record(raw["record"], raw.line_of("record"), earlier)
        with self.log.attempt(file=self.file, line=line):
            if "expect" not in raw:
                raise self.error("a case needs 'expect': what the rules must conclude", "用例需要 'expect'：规则应得出的结论", line)
            result["expect"] = self.expect(raw["expect"], raw.line_of("expect"))
        xfail = raw.get("xfail")
        if xfail is not None and not (isinstance(xfail, str) and xfail.strip()):
            self.log.add(self.error("'xfail' must give the reason (text)", "'xfail' 应写明原因（文本）", raw.line_of("xfail")))
        note = raw.get("note")
        if len(self.log.errors) > errors_before or name is None:
            return None
        return Case(name=name, file=self.file, path=path, line=line, as_of=result["as_of"], record=result["record"],
                    expect=result["expect"], tags=result["tags"], jurisdiction=result["jurisdiction"],
                    parameters=result["parameters"], parameters_line=raw.line_of("parameters") if "parameters" in raw else line,
                    xfail=xfail, note=note if isinstance(note, str) else None)

    def tags(self, value: Any, line: int) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
            raise self.error("'tags' must be a list of words", "'tags' 应为词语列表", line)
        return tuple(value)

    def as_of(self, value: Any, line: int) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.error(f"'as_of' must be a date (YYYY-MM-DD), not {value!r}"[:200], "'as_of' 应为日期（YYYY-MM-DD）", line)

    def jurisdiction(self, value: Any, line: int) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.error(f"quote the jurisdiction: \"{value}\" (a bare {value} is a number in YAML)",
                             f"辖区代码请加引号：\"{value}\"（不加引号是数字）", line)
        if not isinstance(value, str):
            raise self.error("'jurisdiction' must be text, e.g. \"23\" or CN", "'jurisdiction' 应为文本，如 \"23\" 或 CN", line)
        return value

    def parameters(self, value: Any, line: int) -> dict[str, Any]:
        mapping = self.mapping(value, "'parameters'", line)
        return {str(k): _plain(v) for k, v in mapping.items()}

    # the record -----------------------------------------------------------------------------
    def record(self, value: Any, line: int, earlier: dict[str, Case]) -> dict[str, Any]:
        spec = self.mapping(value, "'record'", line)
        self.known(spec, _RECORD_KEYS, "'record'")
        bases = [k for k in _BASE_KEYS if k in spec]
        if len(bases) != 1:
            raise self.error("a record starts from exactly one of: base: baseline, example: <name>, case: <earlier case>, "
                             "household: {…}", "记录须且只能从以下之一开始：base、example、case、household", spec.line)
        kind = bases[0]
        start = spec[kind]
        at = spec.line_of(kind)
        if kind == "base":
            if start not in _BASES:
                raise self.error(f"unknown base {start!r}: the base is 'baseline' (riskrules.testing.builders.household())"[:300],
                                 "未知的基础记录：应为 baseline", at, suggest(str(start), _BASES))
            record = builders.household()
        elif kind == "example":
            from ..examples import example_names, examples_path

            if not isinstance(start, str) or not (examples_path() / f"{start}.json").is_file():
                names = example_names()
                raise self.error(f"no bundled example named {start!r} (examples: {', '.join(names)})"[:500],
                                 f"没有名为 {start!r} 的示例", at, suggest(str(start), names))
            record = json.loads((examples_path() / f"{start}.json").read_text(encoding="utf-8"))
        elif kind == "case":
            if not isinstance(start, str) or start not in earlier:
                raise self.error(f"no earlier case named {start!r} in this file (a case may only start from one above it)"[:300],
                                 f"本文件中此前没有名为 {start!r} 的用例", at, suggest(str(start), earlier))
            record = copy.deepcopy(earlier[start].record)
        else:
            record = _plain(self.mapping(start, "'household'", at))
        changes = spec.get("set")
        changes = LineDict() if changes is None else self.mapping(changes, "'set'", spec.line_of("set"))
        removals = spec.get("remove", [])
        if isinstance(removals, str):
            removals = [removals]
        if not isinstance(removals, list) or not all(isinstance(r, str) for r in removals):
            raise self.error("'remove' must be a list of paths", "'remove' 应为路径列表", spec.line_of("remove"))
        for key, raw in changes.items():
            try:
                apply_changes(record, {key: _plain(raw)}, [])
            except ValueError as e:
                self.log.add(self.error(f"set {key}: {e}", f"set {key}：{e}", changes.line_of(key)))
        for key in removals:
            try:
                apply_changes(record, {}, [key])
            except ValueError as e:
                self.log.add(self.error(f"remove {key}: {e}", f"remove {key}：{e}", spec.line_of("remove")))
        return record

    # what is expected -----------------------------------------------------------------------
    def expect(self, value: Any, line: int) -> Expected:
        spec = self.mapping(value, "'expect'", line)
        self.known(spec, _EXPECT_KEYS, "'expect'")
        if not any(k in spec for k in _EXPECT_KEYS):
            raise self.error("'expect' names nothing to check (flags, absent, undecided or invalid)",
                             "'expect' 没有任何预期（flags、absent、undecided 或 invalid）", line)
        flags = tuple(self.flag(item, spec.line_of("flags")) for item in self.items(spec, "flags"))
        absent = tuple((self.rule_id(item, spec.line_of("absent")), spec.line_of("absent")) for item in self.items(spec, "absent"))
        undecided = tuple(self.undecided(item, spec.line_of("undecided")) for item in self.items(spec, "undecided"))
        invalid: tuple[str, ...] | None = None
        if "invalid" in spec:
            paths = spec["invalid"]
            if isinstance(paths, str):
                paths = [paths]
            if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
                raise self.error("'invalid' must list the field paths the record is refused at", "'invalid' 应列出记录被拒绝的字段路径",
                                 spec.line_of("invalid"))
            if flags or absent or undecided:
                raise self.error("a case that expects an invalid record cannot expect flags as well", "预期记录无效的用例不能同时预期标记",
                                 spec.line_of("invalid"))
            invalid = tuple(paths)
        named = [f.rule for f in flags] + [r for r, _ in absent] + [u.rule for u in undecided]
        twice = sorted({r for r in named if named.count(r) > 1})
        if twice:
            raise self.error(f"rule(s) expected in two ways at once: {', '.join(twice)}", f"同一规则有多个预期：{', '.join(twice)}", line)
        return Expected(flags=flags, absent=absent, undecided=undecided, invalid=invalid, line=line)

    def items(self, spec: LineDict, key: str) -> list[Any]:
        if key not in spec:
            return []
        value = spec[key]
        if isinstance(value, (str, LineDict)):
            value = [value]
        if not isinstance(value, list):
            raise self.error(f"'{key}' must be a list", f"'{key}' 应为列表", spec.line_of(key))
        return value

    def rule_id(self, value: Any, line: int) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(f"a rule id (text) is expected, not {value!r}"[:200], "此处应为规则编号（文本）", line)
        return value

    def flag(self, item: Any, line: int) -> FlagExpected:
        if isinstance(item, str):
            return FlagExpected(rule=item, line=line)
        spec = self.mapping(item, "a flag expectation", line)
        self.known(spec, _FLAG_KEYS, "a flag expectation")
        at = spec.line
        if "rule" not in spec:
            raise self.error("a flag expectation needs 'rule'", "标记预期需要 'rule'", at)
        risk_types = spec.get("risk_types")
        if risk_types is not None and (not isinstance(risk_types, list) or not all(isinstance(r, str) for r in risk_types)):
            raise self.error("'risk_types' must be a list of codes", "'risk_types' 应为代码列表", spec.line_of("risk_types"))
        texts = spec.get("explanation_contains", [])
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, (str, int, float)) for t in texts):
            raise self.error("'explanation_contains' must be a list of texts", "'explanation_contains' 应为文本列表",
                             spec.line_of("explanation_contains"))
        for key in ("kind", "severity", "category"):
            if key in spec and not isinstance(spec[key], str):
                raise self.error(f"'{key}' must be text", f"'{key}' 应为文本", spec.line_of(key))
        return FlagExpected(
            rule=self.rule_id(spec["rule"], spec.line_of("rule")), line=at, kind=spec.get("kind"), severity=spec.get("severity"),
            category=spec.get("category"), risk_types=tuple(risk_types) if risk_types is not None else None,
            conclusion=self.submapping(spec, "conclusion"), facts={k: _text(v) for k, v in self.submapping(spec, "facts").items()},
            parameters_from={k: _text(v) for k, v in self.submapping(spec, "parameters_from").items()},
            explanation_contains=tuple(str(t) for t in texts))

    def submapping(self, spec: LineDict, key: str) -> dict[str, Any]:
        if key not in spec:
            return {}
        return {str(k): _plain(v) for k, v in self.mapping(spec[key], f"'{key}'", spec.line_of(key)).items()}

    def undecided(self, item: Any, line: int) -> UndecidedExpected:
        if isinstance(item, str):
            return UndecidedExpected(rule=item, line=line)
        spec = self.mapping(item, "an undecided expectation", line)
        self.known(spec, _UNDECIDED_KEYS, "an undecided expectation")
        if "rule" not in spec:
            raise self.error("an undecided expectation needs 'rule'", "待定预期需要 'rule'", spec.line)
        ask = spec.get("ask_for")
        if isinstance(ask, str):
            ask = [ask]
        if ask is not None and (not isinstance(ask, list) or not all(isinstance(a, str) for a in ask)):
            raise self.error("'ask_for' must be a list of field paths", "'ask_for' 应为字段路径列表", spec.line_of("ask_for"))
        return UndecidedExpected(rule=self.rule_id(spec["rule"], spec.line_of("rule")), line=spec.line,
                                 ask_for=tuple(ask) if ask is not None else None)


def _plain(value: Any) -> Any:
    """YAML data as plain JSON-like data: mappings as dicts, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _text(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        return "是/yes" if value else "否/no"
    return str(value)


# -- paths and changes -------------------------------------------------------------------------

def parse_path(path: str) -> list[str | int]:
    """``members[0].labour_capacity`` -> ``["members", 0, "labour_capacity"]``."""
    if not isinstance(path, str) or not path:
        raise ValueError("a path is text such as income.wage or members[0].health")
    parts: list[str | int] = []
    for segment in path.split("."):
        m = _SEGMENT.fullmatch(segment)
        if not m:
            raise ValueError(f"'{path}' is not a field path (write e.g. income.wage or members[0].health)")
        parts.append(m.group(1))
        parts.extend(int(i) for i in _INDEX.findall(m.group(2)))
    return parts


def _shown(parts: list[str | int]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def apply_changes(record: dict[str, Any], changes: dict[str, Any], removals: Iterable[str]) -> dict[str, Any]:
    """Set each ``changes`` path to its value, then remove each path of ``removals``, in place.

    A missing or null mapping or list on the way is created; a list index equal to the list's
    length appends. Raises ``ValueError`` naming what is wrong.
    """
    for path, value in changes.items():
        parts = parse_path(path)
        node = _walk(record, parts, create=True)
        _put(node, parts, copy.deepcopy(value))
    for path in removals:
        parts = parse_path(path)
        node = _walk(record, parts, create=False)
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or last >= len(node):
                raise ValueError(f"there is no {_shown(parts)} to remove")
            node.pop(last)
        else:
            if not isinstance(node, dict) or last not in node:
                raise ValueError(f"there is no {_shown(parts)} to remove")
            del node[last]
    return record


def _walk(root: Any, parts: list[str | int], *, create: bool) -> Any:
    node = root
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        fresh: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ValueError(f"{_shown(parts[:i]) or 'the record'} is not a list")
            if part < len(node):
                if node[part] is None and create:
                    node[part] = fresh
            elif part == len(node) and create:
                node.append(fresh)
            else:
                raise ValueError(f"{_shown(parts[:i + 1])} is beyond the end of the list ({len(node)} item(s))")
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise ValueError(f"{_shown(parts[:i]) or 'the record'} is not a mapping")
            if node.get(part) is None:
                if not create:
                    raise ValueError(f"there is no {_shown(parts[:i + 1])}")
                node[part] = fresh
            node = node[part]
    return node


def _put(node: Any, parts: list[str | int], value: Any) -> None:
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise ValueError(f"{_shown(parts[:-1])} is not a list")
        if last < len(node):
            node[last] = value
        elif last == len(node):
            node.append(value)
        else:
            raise ValueError(f"{_shown(parts)} is beyond the end of the list ({len(node)} item(s))")
    else:
        if not isinstance(node, dict):
            raise ValueError(f"{_shown(parts[:-1]) or 'the record'} is not a mapping")
        node[last] = value


# -- checks against the pack ---------------------------------------------------------------------

def check_against_pack(case: Case, rule_ids: Iterable[str], parameter_names: Iterable[str]) -> list[RulePackError]:
    """The case's references that the pack does not have: rule ids, flag kinds, parameters."""
    from ..assessment import FlagKind

    ids = set(rule_ids)
    params = set(parameter_names)
    kinds = [k.value for k in FlagKind]
    errors: list[RulePackError] = []

    def err(en: str, zh: str, line: int, suggestion: str | None = None) -> None:
        errors.append(RulePackError(en, message_zh=zh, file=case.file, line=line, suggestion=suggestion))

    def rule(rule_id: str, line: int) -> None:
        if rule_id not in ids:
            err(f"case '{case.name}': no rule '{rule_id}' in the rule pack", f"用例 '{case.name}'：规则包中没有规则 '{rule_id}'", line,
                suggest(rule_id, ids))

    for f in case.expect.flags:
        rule(f.rule, f.line)
        if f.kind is not None and f.kind not in kinds:
            err(f"case '{case.name}': unknown kind '{f.kind}' (kinds: {', '.join(kinds)})", f"用例 '{case.name}'：未知的标记类型 '{f.kind}'",
                f.line, suggest(f.kind, kinds))
        for name in f.parameters_from:
            if name not in params:
                err(f"case '{case.name}': no parameter '{name}' in the rule pack", f"用例 '{case.name}'：规则包中没有参数 '{name}'", f.line,
                    suggest(name, params))
    for rule_id, line in case.expect.absent:
        rule(rule_id, line)
    for u in case.expect.undecided:
        rule(u.rule, u.line)
    for name in case.parameters:
        if name not in params:
            err(f"case '{case.name}': no parameter '{name}' in the rule pack", f"用例 '{case.name}'：规则包中没有参数 '{name}'",
                case.parameters_line, suggest(name, params))
    return errors
