"""Bundled example households (示例农户), one per situation in the policy.

Each file in ``examples/`` is one intake record as JSON; its name says the situation. Docs,
tests and the demo use them.
"""

from __future__ import annotations

from pathlib import Path

from .record.household import Household
from .resources import bundled

__all__ = ["examples_path", "example_names", "load_example", "load_examples", "example_json"]


def examples_path() -> Path:
    return bundled("examples")


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

