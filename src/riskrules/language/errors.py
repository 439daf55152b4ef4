"""The one error of the condition language (条件错误), and did-you-mean suggestions.

A :class:`ConditionError` carries its line inside the condition text; the rule-pack loader
adds the file, the line of the condition and the rule id when it turns it into a
:class:`~riskrules.errors.RulePackError`.
"""

from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["ConditionError", "suggest"]


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``line`` counts from 1 within the condition text."""

    def __init__(self, message_en: str, message_zh: str, *, line: int = 1, suggestion: str | None = None):
        self.message_en = message_en
        self.message_zh = message_zh
        self.line = line
        self.suggestion = suggestion
        super().__init__(message_en)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The name probably meant: same letters in another case, else the closest spelling."""
    options = list(candidates)
    for c in options:
        if c.lower() == name.lower():
            return c
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return match[0] if match else None
