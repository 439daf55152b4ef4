"""Safe YAML with line numbers, so every rule-pack error can name its file and line.

Rule files are data: only YAML's safe constructors run (no tags, no Python objects), and
every mapping remembers the line of each of its keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import RulePackError

__all__ = ["LineDict", "load_yaml", "require"]


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
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise RulePackError(f"a key must be text, not {key!r}", message_zh=f"键必须是文本：{key!r}",
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


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]


def load_yaml(path: Path, root: Path | None = None) -> Any:
    """Parse one rule-pack file; errors name the file (relative to the pack) and line."""
    name = str(path.relative_to(root)) if root else str(path)
    if not path.is_file():
        raise RulePackError("the rule pack has no such file", message_zh="规则包缺少该文件", file=name)
    try:
        with path.open("r", encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except RulePackError as e:
        raise e.located(file=name) from None
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise RulePackError(f"not valid YAML: {e.problem}", message_zh=f"YAML 格式错误：{e.problem}",
                            file=name, line=line) from None
    except UnicodeDecodeError:
        raise RulePackError("not UTF-8 text", message_zh="文件不是 UTF-8 文本", file=name) from None


def require(mapping: Any, key: str, kind: type | tuple[type, ...], *, file: str, rule_id: str | None = None,
            line: int | None = None) -> Any:
    """A required key of the right type, or an error naming file, line and rule."""
    if not isinstance(mapping, dict):
        raise RulePackError("expected a mapping", message_zh="应为映射（键: 值）", file=file, line=line, rule_id=rule_id)
    where = mapping.line if isinstance(mapping, LineDict) else line
    if key not in mapping:
        raise RulePackError(f"missing '{key}'", message_zh=f"缺少 '{key}'", file=file, line=where, rule_id=rule_id)
    value = mapping[key]
    if not isinstance(value, kind) or isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise RulePackError(f"'{key}' must be {names}", message_zh=f"'{key}' 的类型应为 {names}", file=file,
                            line=mapping.line_of(key) if isinstance(mapping, LineDict) else where, rule_id=rule_id)
    return value
