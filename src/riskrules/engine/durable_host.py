"""Run a compiled rule pack on durable-rules, safely (规则引擎宿主).

Each trap of durable-rules 2.0.28 that ``../shared/notes/durable-rules.md`` lists, and the ones
measured while building this (``docs/durable-rules-traps.md``), is handled here:

- facts, not events, so every matching rule fires (events are consumed by one rule);
- one ``sid`` per assessment, one fact asserted, every action run synchronously inside
  ``assert_fact`` before the state is deleted -- and deleted in ``finally`` on error too;
- a catch-all rule hears every household: deleting the state of a sid whose fact matched
  nothing crashes the process (measured: segmentation fault);
- actions are closures taking exactly one parameter (a second one turns them asynchronous);
- action exceptions are caught and re-raised after the call, and ``state['exception']`` is
  checked too, because durable-rules swallows them;
- every asserted signal has a rule that hears it, and a signal is asserted once per sid
  (an identical fact twice raises ``MessageObservedException``);
- the host starts no timer threads (they never stop and would run actions on another thread),
  and one lock serialises all calls, because nothing in durable-rules is thread-safe;
- rulesets are named by the pack's content hash and deep-copied before registration
  (``set_rulesets`` mutates its argument).
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from ..errors import EngineError

__all__ = ["DurableRunner", "EngineRule", "RuleNotCompilable", "HOUSEHOLD", "SIGNAL"]

HOUSEHOLD = "household"
SIGNAL = "signal"
_SINK = "__heard__"


class _QuietHost(Host):
    """A Host without the dispatcher and timer threads: all our actions are synchronous."""

    def _run(self) -> None:
        return None


@dataclass(frozen=True)
class EngineRule:
    """One durable-rules rule: a disjunct of a pack rule."""

    name: str          # unique in the ruleset, e.g. "identification.low_income#0"
    rule_id: str       # the pack rule it belongs to
    conditions: list[dict[str, Any]]  # the rule's "all" list
    concludes: str | None


class RuleNotCompilable(ValueError):
    """durable-rules refused one rule (e.g. error 113: more than 32 expressions in one join)."""

    def __init__(self, rule_id: str, detail: str):
        self.rule_id = rule_id
        self.detail = detail
        super().__init__(f"{rule_id}: {detail}")


@dataclass
class _Run:
    fired: list[str] = field(default_factory=list)
    signals: dict[str, str] = field(default_factory=dict)  # signal -> rule that first concluded it
    errors: list[str] = field(default_factory=list)


class DurableRunner:
    """One durable-rules Host for one rule pack."""

    def __init__(self, ruleset_name: str, rules: list[EngineRule], unheard_signals: list[str]):
        self.ruleset_name = ruleset_name
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}
        self._sids = itertools.count(1)
        definition: dict[str, Any] = {}
        for rule in rules:
            definition[rule.name] = {"all": rule.conditions, "run": self._action(rule)}
        definition[f"{_SINK}{HOUSEHOLD}"] = {"all": [{"h": {"t": HOUSEHOLD}}], "run": self._noop()}
        for sig in unheard_signals:
            definition[f"{_SINK}{sig}"] = {"all": [{"s": {"$and": [{"t": SIGNAL}, {"name": sig}]}}], "run": self._noop()}
        self.definition_json = json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "run"} for k, v in definition.items()},
                                          sort_keys=True, ensure_ascii=False)
        self._host = _QuietHost()
        try:
            self._host.set_rulesets({ruleset_name: _fresh(definition)})
        except Exception as error:
            raise _culprit(rules, error) from None

    def _noop(self) -> Callable[[Any], None]:
        def heard(c: Any) -> None:
            return None
        return heard

    def _action(self, rule: EngineRule) -> Callable[[Any], None]:
        # A closure with one parameter: a default argument would make it a 2-argument,
        # asynchronous action that receives durable-rules' callback (trap 10).
        runs = self._runs
        rule_id, signal = rule.rule_id, rule.concludes

        def act(c: Any) -> None:
            run = runs[c.s.sid]
            try:
                run.fired.append(rule_id)
                if signal is not None and signal not in run.signals:
                    run.signals[signal] = rule_id
                    c.assert_fact({"t": SIGNAL, "name": signal})
            except MessageObservedException:
                pass
            except BaseException as e:  # recorded, re-raised by run() on the caller's thread
                run.errors.append(f"{rule_id}: {type(e).__name__}: {e}")
        return act

    def run(self, fact: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
        """Assert one household fact; the rule ids that fired and the signals concluded."""
        _check_message(fact)
        with self._lock:
            sid = str(next(self._sids))
            run = self._runs[sid] = _Run()
            message = dict(fact)
            message["sid"] = sid
            message["t"] = HOUSEHOLD
            try:
                try:
                    self._host.assert_fact(self.ruleset_name, message)
                except MessageNotHandledException:  # cannot happen with the sink rule; kept defensive
                    raise EngineError("durable-rules did not handle the household fact") from None
                except EngineError:
                    raise
                except Exception as e:
                    raise EngineError(f"durable-rules failed: {type(e).__name__}: {e}") from e
                state = self._host.get_state(self.ruleset_name, sid)
                if "exception" in state:
                    raise EngineError(f"a rule action failed inside durable-rules: {state['exception']}")
                if run.errors:
                    raise EngineError("; ".join(run.errors))
                return run.fired, run.signals
            finally:
                del self._runs[sid]
                try:
                    self._host.delete_state(self.ruleset_name, sid)
                except Exception:  # the state may not exist if assert_fact failed early
                    pass

    def state_count(self) -> int:
        """Sessions alive in this runner (0 between assessments)."""
        return len(self._runs)


def _fresh(definition: dict[str, Any]) -> dict[str, Any]:
    # set_rulesets deletes the "run" key of the dict it is given: hand it a deep copy.
    out = {}
    for name, rule in definition.items():
        out[name] = {k: copy.deepcopy(v) for k, v in rule.items() if k != "run"}
        out[name]["run"] = rule["run"]
    return out


def _culprit(rules: list[EngineRule], error: Exception) -> Exception:
    """Find which rule durable-rules refuses, by registering each alone in a scratch host."""
    for i, rule in enumerate(rules):
        scratch = _QuietHost()
        try:
            scratch.set_rulesets({f"probe_{id(scratch)}_{i}": {rule.name: {"all": copy.deepcopy(rule.conditions),
                                                                             "run": _probe_action}}})
        except Exception as e:
            detail = str(e)
            if "113" in detail:
                detail += " (more than 32 expressions in one condition: split it into signals or definitions)"
            return RuleNotCompilable(rule.rule_id, detail)
    return EngineError(f"durable-rules refused the rule set: {error}")


def _probe_action(c: Any) -> None:
    return None


_INT64 = (-(2**63), 2**63 - 1)


def _check_message(fact: dict[str, Any]) -> None:
    """Only integers, booleans and codes reach the engine (trap 5): a Decimal cannot be
    serialised, a float may print with an exponent the C parser refuses, and an integer
    beyond 64 bits never matches."""
    for key, value in fact.items():
        if isinstance(value, list):
            for row in value:
                if not isinstance(row, dict):
                    raise EngineError(f"engine value {key}: list items must be objects")
                for k, v in row.items():
                    _check_scalar(f"{key}[].{k}", v)
        else:
            _check_scalar(key, value)


def _check_scalar(key: str, value: Any) -> None:
    if isinstance(value, bool) or isinstance(value, str):
        return
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise EngineError(f"engine value {key} = {value} does not fit in 64 bits")
        return
    raise EngineError(f"engine value {key} must be an integer, a boolean or a code, not {type(value).__name__}")
