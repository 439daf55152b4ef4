"""Bundled example households (示例农户), one per situation in the policy.

Each file in ``examples/`` is one intake record as JSON; its name says the situation. Docs,
tests and the demo use them.
"""

from __future__ import annotations

import json
from pathlib import Path

from .record.household import Household

__all__ = ["examples_path", "example_names", "load_example", "load_examples", "example_json"]


def examples_path() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "_bundled" / "examples"
    if installed.is_dir():
        return installed
    source_tree = here.parent.parent / "examples"
    if source_tree.is_dir():
        return source_tree
    raise FileNotFoundError("the bundled examples are missing from this installation")


def example_names() -> list[str]:
    """Names of the bundled examples, sorted."""
    return sorted(p.stem for p in examples_path().glob("*.json"))


def example_json(name: str) -> str:
    path = examples_path() / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no example named {name!r}; examples: {', '.join(example_names())}")
    return path.read_text(encoding="utf-8")


def load_example(name: str) -> Household:
    """One example household, validated."""
    return Household.model_validate_json(example_json(name))


def load_examples() -> dict[str, Household]:
    """Every example household, by name."""
    return {name: load_example(name) for name in example_names()}


def _raw(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(example_json(name))
