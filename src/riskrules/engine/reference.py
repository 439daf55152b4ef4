"""The reference runner (参照求值): every rule of a pack in plain Python, three-valued.

Rules run producers first, so a signal is settled before any rule joins it: concluded (true),
undecided (``None``, while only undecided rules could conclude it), or not concluded (absent).
Its outcomes decide which rules are undecided, and are the oracle the durable-rules runner is
checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

__all__ = ["ReferenceRule", "ReferenceRunner"]

Tri = bool | None


@dataclass(frozen=True)
class ReferenceRule:
    rule_id: str
    evaluate: Callable[[Mapping[str, Any], Mapping[str, Tri]], Tri]
    concludes: str | None


class ReferenceRunner:
    def __init__(self, rules: Sequence[ReferenceRule]):
        self._rules = list(rules)  # producers before readers

    def run(self, fact: Mapping[str, Any]) -> tuple[dict[str, Tri], dict[str, Tri]]:
        """The outcome of every rule, and the state of every signal concluded or undecided."""
        state: dict[str, Tri] = {}
        outcome: dict[str, Tri] = {}
        for rule in self._rules:
            result = rule.evaluate(fact, state)
            outcome[rule.rule_id] = result
            sig = rule.concludes
            if sig is not None and result is not False and state.get(sig) is not True:
                state[sig] = result
        return outcome, state
