"""Safe YAML with line numbers and limits, so every rule-pack error names its file and line.

Rule files are data: only YAML's safe constructors run (no tags, no Python objects), and
every mapping remembers the line of each of its keys. Loading is bounded: a file is at most
:data:`MAX_FILE_BYTES`, its tree at most :data:`MAX_DEPTH` deep, and aliases may not expand it
beyond :data:`MAX_NODES` nodes (an anchor chain cannot turn a small file into a huge one). A date
that does not exist or a time of day is a located error, not a traceback.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import yaml

from ..errors import RulePackError

__all__ = ["LineDict", "load_yaml", "require", "MAX_FILE_BYTES", "MAX_NODES", "MAX_DEPTH"]

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000   # nodes of one file with every alias expanded (the bundled pack's largest: ~3,000)
MAX_DEPTH = 64


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of a key (where an error about that entry should point)."""
        return self.key_lines.get(key, self.line)

    def text_line_of(self, key: str) -> int:
        """The line where a key's text value starts (after a block indicator such as ``>-``)."""
        return self.value_lines.get(key, self.line_of(key))


class _Loader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # PyYAML composes recursively: refuse depth before the stack runs out.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise RulePackError(f"values nested more than {MAX_DEPTH} deep", message_zh=f"嵌套超过 {MAX_DEPTH} 层",
                                    line=mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:
        node = super().compose_document()
        _check_size(node)
        return node


def _check_size(root: Any) -> None:
    """Refuse a node graph that is too deep, recursive, or too large once aliases expand."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise RulePackError(f"aliases expand this file beyond {MAX_NODES:,} values",
                                    message_zh=f"别名展开后超过 {MAX_NODES:,} 个值", line=node.start_mark.line + 1)
            continue
        if key in sizes:
            continue
        if key in active:
            raise RulePackError("an alias refers to the structure that contains it", message_zh="别名引用了包含它自身的结构",
                                line=node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise RulePackError(f"values nested more than {MAX_DEPTH} deep", message_zh=f"嵌套超过 {MAX_DEPTH} 层",
                                line=node.start_mark.line + 1)
        active.add(key)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in _children(node))


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise RulePackError(f"a key must be text, not {key!r}"[:200], message_zh="键必须是文本",
                                line=key_node.start_mark.line + 1)
        key = str(key)
        if key in out:
            raise RulePackError(f"key '{key}' appears twice", message_zh=f"键 '{key}' 重复出现",
                                line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
        block = isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">")
        out.value_lines[key] = value_node.start_mark.line + (2 if block else 1)
    return out


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> _dt.date:
    line = node.start_mark.line + 1
    try:
        value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise RulePackError(f"{node.value} is not a calendar date", message_zh=f"{node.value} 不是有效日期", line=line) from None
    if isinstance(value, _dt.datetime):
        raise RulePackError(f"{node.value}: write a date as YYYY-MM-DD, without a time of day",
                            message_zh=f"{node.value}：日期应写作 YYYY-MM-DD，不含时刻", line=line)
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)  # type: ignore[arg-type]


def load_yaml(path: Path, root: Path | None = None) -> Any:
    """Parse one rule-pack file; errors name the file (relative to the pack) and line."""
    name = str(path.relative_to(root)) if root else str(path)
    if not path.is_file():
        raise RulePackError("the rule pack has no such file", message_zh="规则包缺少该文件", file=name)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RulePackError(f"a rule-pack file is at most {MAX_FILE_BYTES:,} bytes", message_zh=f"规则包文件不能超过 {MAX_FILE_BYTES:,} 字节",
                            file=name)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise RulePackError("not UTF-8 text", message_zh="文件不是 UTF-8 文本", file=name) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except RulePackError as e:
        raise e.located(file=name) from None
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise RulePackError(f"not valid YAML: {e.problem}", message_zh=f"YAML 格式错误：{e.problem}",
                            file=name, line=line) from None
    except yaml.YAMLError as e:
        raise RulePackError(f"not valid YAML: {e}", message_zh="YAML 格式错误", file=name) from None
    except RecursionError:
        raise RulePackError(f"values nested more than {MAX_DEPTH} deep", message_zh=f"嵌套超过 {MAX_DEPTH} 层",
                            file=name) from None


def require(mapping: Any, key: str, kind: type | tuple[type, ...], *, file: str, rule_id: str | None = None,
            line: int | None = None) -> Any:
    """A required key of the right type, or an error naming file, line and rule."""
    if not isinstance(mapping, dict):
        raise RulePackError("expected a mapping", message_zh="应为映射（键: 值）", file=file, line=line, rule_id=rule_id)
    where = mapping.line if isinstance(mapping, LineDict) else line
    if key not in mapping:
        raise RulePackError(f"missing '{key}'", message_zh=f"缺少 '{key}'", file=file, line=where, rule_id=rule_id)
    value = mapping[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:
        names = "/".join(k.__name__ for k in kinds)
        raise RulePackError(f"'{key}' must be {names}", message_zh=f"'{key}' 的类型应为 {names}", file=file,
                            line=mapping.line_of(key) if isinstance(mapping, LineDict) else where, rule_id=rule_id)
    return value
