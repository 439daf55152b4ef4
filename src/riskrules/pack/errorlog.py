"""Collect every error of a rule pack instead of stopping at the first (错误汇总).

Loading goes on past a bad rule, parameter or file, skipping only what is broken, so
``riskrules check`` can show policy staff every problem in one run.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ..errors import RulePackError

__all__ = ["ErrorLog"]


class ErrorLog:
    def __init__(self) -> None:
        self.errors: list[RulePackError] = []

    @contextmanager
    def attempt(self, *, file: str | None = None, line: int | None = None, rule_id: str | None = None) -> Iterator[None]:
        """Run a step; a :class:`RulePackError` inside is recorded (with this location filled
        in where it lacks one) and the rest of the step is skipped."""
        try:
            yield
        except RulePackError as e:
            self.errors.append(e.located(file=file, line=line, rule_id=rule_id))

    def add(self, error: RulePackError) -> None:
        self.errors.append(error)

    def raise_if_any(self) -> None:
        if self.errors:
            raise RulePackError.combine(self.errors)
