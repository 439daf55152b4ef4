"""Run a compiled rule pack on durable-rules' C core (规则引擎宿主), safely and directly.

durable-rules' Python layer (``durable.engine.Host``) JSON-decodes the whole matched fact on
every firing, re-encodes the state after every action and builds closures and promises; a
quarter of its time is the C core. This runner drives the C module ``durable_rules_engine``
itself, as that layer does, without the rest:

- one ruleset per pack, created once (named by the pack's content hash, so two versions of a
  pack live side by side) and deleted when the runner is collected: each ruleset holds about
  1.1 MB that nothing else frees;
- per household: assert the fact in the runner's one session, take the matched actions one by
  one (``start_action_for_state`` / ``complete_and_start_action``), read each action's rule name
  from the head of its message (``{"<rule name>": ...}``, written by the C core) instead of
  decoding it, assert the signal a rule concludes, and retract every fact asserted, so the
  session is empty for the next household (measured: the same firings as a fresh session, flat
  memory, and a fifth faster);
- facts, not events, so every matching rule fires; a catch-all rule hears every household
  (deleting the state of a session whose fact matched nothing crashes the process), and every
  signal has a rule that hears it;
- on any error the session is deleted (after giving it a started action, without which
  ``delete_state`` frees memory the C core never initialised) and a new one begins, so nothing
  reaches the next household;
- one lock serialises all calls: nothing in durable-rules is thread-safe;
- only 64-bit integers, booleans and codes reach the engine (a ``Decimal`` cannot be encoded,
  a float may print with an exponent the C parser refuses, a wider integer never matches): the
  fact catalogue produces nothing else from a validated record (``tests/test_facts.py``), and
  ``json.dumps`` refuses a ``Decimal`` before the engine could see it.

The traps are listed with their tests in ``docs/durable-rules.md``.
"""

from __future__ import annotations

import itertools
import json
import threading
import weakref
from dataclasses import dataclass
from typing import Any

import durable_rules_engine as _core
import orjson

from ..errors import EngineError
from .ruleset import CLEANUP as _CLEANUP
from .ruleset import HOUSEHOLD, SIGNAL, EngineRule, RuleNotCompilable, ruleset_definition
from .ruleset import definition_json as _definition_json
from .ruleset import strings as _strings

__all__ = ["DurableRunner", "EngineRule", "RuleNotCompilable", "HOUSEHOLD", "SIGNAL"]

_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2  # assert_fact result codes of the C core


class DurableRunner:
    """One durable-rules ruleset for one rule pack, with one session reused household after
    household (its facts retracted after each), which is faster than a new session each time."""

    def __init__(self, ruleset_name: str, rules: list[EngineRule]):
        self.ruleset_name = ruleset_name
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._session = _Session(f"s{next(self._sessions)}")
        self._live = 0
        definition = ruleset_definition(rules)
        # rule name -> (pack rule id, signal concluded); the sinks conclude nothing
        self._actions: dict[str, tuple[str | None, str | None]] = {name: (None, None) for name in definition}
        self._actions.update({rule.name: (rule.rule_id, rule.concludes) for rule in rules})
        self.definition_json = _definition_json(rules)
        # Only the fields the ruleset names are sent: every byte is encoded here and parsed
        # again by the C core, once for each $iany over a list.
        named = set(_strings(definition))
        self._fields = named
        self._item_fields = {s[3:] for s in named if s.startswith("$i.")}
        # A signal no rule joins is recorded, not asserted: asserting it would cost a pass of
        # the network for nothing, and an unheard fact fails the assertion (trap 11).
        self._heard = {name for r in rules for cond in r.conditions for key, test in cond.items() if key != "h"
                       for name in _strings(test) if name in {x.concludes for x in rules}}
        try:
            self._handle = _core.create_ruleset(ruleset_name, json.dumps(definition, ensure_ascii=False))
        except Exception as error:
            raise _culprit(rules, error) from None
        # A ruleset holds about 1.1 MB that only delete_ruleset frees; its session goes first.
        weakref.finalize(self, _close, self._handle, self._session)

    def run(self, fact: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
        """Assert one household fact; the rule ids that fired (a rule whose ``or`` matched on
        several branches is listed once per branch) and the signals concluded, with the rule
        that first concluded each. The fact holds only 64-bit integers, booleans and codes: the
        fact catalogue makes it so from bounded records, and a property test checks it."""
        with self._lock:
            handle, sid = self._handle, self._session.sid
            fired: list[str] = []
            signals: dict[str, str] = {}
            asserted: list[str] = []  # the ids of the facts asserted, to retract them by id
            state: int | None = None
            action_started = False
            self._live += 1
            try:
                code, state = _core.assert_fact(handle, self._message(fact, sid))
                asserted.append(HOUSEHOLD)
                self._session.exists = True
                if code != _HANDLED:
                    raise EngineError(f"durable-rules did not accept the household fact (code {code})")
                started = _core.start_action_for_state(handle, state)
                action_started = started is not None
                action = started[1] if started else None
                while action is not None:
                    name = action[2:action.index('":', 2)]
                    rule_id, signal = self._actions[name]
                    if rule_id is not None:
                        fired.append(rule_id)
                    if signal is not None and signal not in signals:
                        signals[signal] = rule_id  # type: ignore[assignment]
                        if signal in self._heard:
                            # Signal names are lower_snake_case and session ids ours: nothing to escape.
                            heard, _ = _core.assert_fact(
                                handle, f'{{"t":"{SIGNAL}","name":"{signal}","id":"{signal}","sid":"{sid}"}}')
                            asserted.append(signal)
                            if heard not in (_HANDLED, _OBSERVED):
                                raise EngineError(f"durable-rules did not hear the signal {signal} (code {heard})")
                    action = _core.complete_and_start_action(handle, state)
                for fact_id in asserted:  # by id (measured: the same as by content), so the session is empty again
                    _core.retract_fact(handle, f'{{"sid":"{sid}","id":"{fact_id}"}}')
                return fired, signals
            except Exception as e:
                self._throw_away(handle, sid, state, asserted, action_started)
                if isinstance(e, EngineError):
                    raise
                raise EngineError(f"durable-rules failed: {type(e).__name__}: {e}") from e
            finally:
                self._live -= 1

    def _message(self, fact: dict[str, Any], sid: str) -> str:
        fields, item_fields = self._fields, self._item_fields
        sent: dict[str, Any] = {"sid": sid, "id": HOUSEHOLD, "t": HOUSEHOLD}
        for key, value in fact.items():
            if key in fields:
                if isinstance(value, list):
                    value = [{k: v for k, v in row.items() if k in item_fields} for row in value]
                sent[key] = value
        # Strict integers: anything beyond 53 bits is refused here, where the C core would clamp
        # it silently to 64 bits (measured). No fact the catalogue derives comes near either.
        return orjson.dumps(sent, option=orjson.OPT_STRICT_INTEGER).decode()

    def _throw_away(self, handle: int, sid: str, state: int | None, asserted: list[str], action_started: bool) -> None:
        """After an error the session is deleted, never retracted (measured: retracting after an
        abandoned action crashes the process) and never reused."""
        if asserted and state is not None:
            if not action_started:
                # delete_state frees the action context, which the C core only initialises when
                # an action starts: start one, on a fact only the cleanup rule hears.
                _quietly(_core.assert_fact, handle, f'{{"t":"{_CLEANUP}","sid":"{sid}"}}')
                _quietly(_core.start_action_for_state, handle, state)
            _quietly(_core.delete_state, handle, sid)
        self._session.sid, self._session.exists = f"s{next(self._sessions)}", False

    def state_count(self) -> int:
        """Assessments running in this runner (0 between assessments)."""
        return self._live


@dataclass
class _Session:
    """The runner's one session: its id, and whether the C core holds a state for it (every
    state it holds has had an action started, so deleting it is safe)."""

    sid: str
    exists: bool = False


def _close(handle: int, session: _Session) -> None:
    if session.exists:
        _quietly(_core.delete_state, handle, session.sid)
    _quietly(_core.delete_ruleset, handle)


def _quietly(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # the session may already be gone; nothing of it may survive either way
        pass


def _culprit(rules: list[EngineRule], error: Exception) -> Exception:
    """Find which rule durable-rules refuses, by creating each alone in a scratch ruleset."""
    for i, rule in enumerate(rules):
        try:
            handle = _core.create_ruleset(f"probe_{i}", json.dumps({rule.name: {"all": rule.conditions}}))
        except Exception as e:
            detail = str(e)
            if "113" in detail:
                detail += " (more than 32 expressions in one condition: split it into signals or definitions)"
            return RuleNotCompilable(rule.rule_id, detail)
        _core.delete_ruleset(handle)
    return EngineError(f"durable-rules refused the rule set: {error}")
