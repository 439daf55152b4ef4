"""Every durable-rules 2.0.28 trap listed in docs/durable-rules.md: first the raw behaviour of
durable-rules' own Python layer and C core (so an upgrade that changes it is noticed), then how
riskrules' runner, which drives the C core directly, handles it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import textwrap
from decimal import Decimal
from typing import Any

import pytest

durable_rules_engine = pytest.importorskip(
    "durable_rules_engine", reason="durable-rules imports on Python 3.10-3.12 only; its traps are tested there")
from durable.engine import Host, MessageNotHandledException, MessageObservedException  # noqa: E402

from riskrules.engine import durable_host  # noqa: E402
from riskrules.engine.durable_host import DurableRunner, EngineRule  # noqa: E402
from riskrules.errors import EngineError  # noqa: E402

_counter = iter(range(10**9))


class _QuietHost(Host):
    """durable-rules' own Host without its dispatcher and timer threads, for the raw traps."""

    def _run(self) -> None:
        return None


def host(rules: dict[str, Any]) -> tuple[Host, str]:
    name = f"trap_{next(_counter)}"
    h = _QuietHost()
    h.set_rulesets({name: rules})
    return h, name


def recorder() -> tuple[list[str], Any]:
    seen: list[str] = []

    def make(tag: str) -> Any:
        def act(c: Any) -> None:
            seen.append(tag)
        return act
    return seen, make


# 1. Events are consumed by one rule; facts fire every matching rule.
def test_trap1_events_fire_one_rule_facts_fire_all() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": make("a")}, "b": {"all": [{"m": {"x": 1}}], "run": make("b")}})
    h.post(name, {"sid": "1", "x": 1})
    assert len(seen) == 1
    seen.clear()
    h.assert_fact(name, {"sid": "2", "x": 1})
    assert sorted(seen) == ["a", "b"]


# 2. No match raises; an identical fact twice raises.
def test_trap2_no_match_and_duplicate_fact_raise() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": make("a")}})
    with pytest.raises(MessageNotHandledException):
        h.assert_fact(name, {"sid": "1", "x": 2})
    h.assert_fact(name, {"sid": "2", "x": 1})
    with pytest.raises(MessageObservedException):
        h.assert_fact(name, {"sid": "2", "x": 1})


def test_trap2_riskrules_hears_every_household() -> None:
    runner = DurableRunner(f"t2_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"$and": [{"t": "household"}, {"x": 1}]}}], None)])
    assert runner.run({"x": 2}) == ([], {})  # matched nothing: not an error
    assert runner.run({"x": 1})[0] == ["r"]


# 3. Action exceptions are swallowed into the state.
def test_trap3_action_exception_is_swallowed_by_durable_rules() -> None:
    def boom(c: Any) -> None:
        raise RuntimeError("broken action")
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": boom}})
    h.assert_fact(name, {"sid": "1", "x": 1})  # no exception reaches the caller
    assert "broken action" in h.get_state(name, "1")["exception"]


def test_trap3_riskrules_surfaces_engine_failures_and_throws_the_session_away(monkeypatch: pytest.MonkeyPatch) -> None:
    # riskrules registers no Python action: it drives the C core, so a failure mid-session is
    # an exception on the caller's thread; the session is abandoned and deleted.
    runner = DurableRunner(f"t3_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"$and": [{"t": "household"}, {"x": 1}]}}], "s")])

    class Failing:
        def __getattr__(self, name: str) -> Any:
            return getattr(durable_rules_engine, name)

        def complete_and_start_action(self, handle: int, state: int) -> Any:
            raise durable_rules_engine.error("broken action")

    monkeypatch.setattr(durable_host, "_core", Failing())
    with pytest.raises(EngineError, match="broken action"):
        runner.run({"x": 1})
    assert runner.state_count() == 0
    with pytest.raises(durable_rules_engine.error, match="309"):
        durable_rules_engine.get_state(runner._handle, "1")  # the broken session is gone
    monkeypatch.undo()
    assert runner.run({"x": 1}) == (["r"], {"s": "r"})  # and the runner is still usable


# 4. Batches lose actions: riskrules asserts one fact per sid and counts every firing.
def test_trap4_one_sid_per_assessment_loses_no_action() -> None:
    rules = [EngineRule(f"r{i}#0", f"r{i}", [{"h": {"$and": [{"t": "household"}, {"$gte": {"x": i}}]}}], None) for i in range(10)]
    runner = DurableRunner(f"t4_{next(_counter)}", rules)
    total = sum(len(runner.run({"x": n % 12})[0]) for n in range(3000))
    assert total == sum(min(n % 12 + 1, 10) for n in range(3000))


# 5. Numbers: Decimal cannot be serialised; exponent floats break the parser; integers beyond
#    64 bits lose precision (measured: 2**64 + 2 "equals" 2**64 + 1, and neither exceeds 2**64).
def test_trap5_numbers() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$gt": {"x": 0}}}], "run": make("a")},
                    "eq": {"all": [{"m": {"y": 2**64 + 1}}], "run": make("eq")},
                    "gt": {"all": [{"m": {"$gt": {"y": 2**64}}}], "run": make("gt")}})
    with pytest.raises(TypeError):
        h.assert_fact(name, {"sid": "1", "x": Decimal("1.5")})
    with pytest.raises(durable_rules_engine.error):
        h.assert_fact(name, {"sid": "2", "x": 1e-07})
    assert seen == []
    h.assert_fact(name, {"sid": "3", "y": 2**64 + 2})
    assert seen == ["eq"]


@pytest.mark.parametrize("bad", [Decimal("1.5"), 2**63, -(2**63) - 1, 2**53 + 1, 10**40])
def test_trap5_an_unencodable_value_is_an_engine_error_and_leaves_no_session(bad: Any) -> None:
    # The fact catalogue never produces these (tests/test_facts.py checks every engine value of
    # thousands of households); should one ever reach the runner, it is an error, not an answer.
    runner = DurableRunner(f"t5_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"$and": [{"t": "household"}, {"x": 1}]}}], None)])
    with pytest.raises(EngineError):
        runner.run({"x": bad})
    assert runner.state_count() == 0
    assert runner.run({"x": 1}) == (["r"], {})


# 6. State grows until deleted: riskrules deletes it after every assessment.
def test_trap6_state_is_deleted_after_each_assessment() -> None:
    runner = DurableRunner(f"t6_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"$and": [{"t": "household"}, {"x": 1}]}}], None)])
    runner.run({"x": 1})
    with pytest.raises(durable_rules_engine.error, match="309"):
        durable_rules_engine.get_state(runner._handle, "1")  # state of sid 1 no longer exists
    assert runner.state_count() == 0


# 7. Hosts start timer threads that never stop; set_rulesets mutates its argument.
def test_trap7_plain_host_starts_threads_and_mutates_definition() -> None:
    before = threading.active_count()
    Host()
    assert threading.active_count() >= before + 1
    definition = {"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}}
    h = _QuietHost()
    h.set_rulesets({f"t7_{next(_counter)}": definition})
    assert "run" not in definition["a"]


def test_trap7_riskrules_runner_starts_no_thread() -> None:
    before = threading.active_count()
    DurableRunner(f"t7r_{next(_counter)}", [])
    assert threading.active_count() == before


# 8. No locks: riskrules serialises each runner (threads are tested on whole packs in test_pack).
def test_trap8_runner_is_safe_under_threads() -> None:
    rules = [EngineRule(f"r{i}#0", f"r{i}", [{"h": {"$and": [{"t": "household"}, {"$gte": {"x": i}}]}}], f"s{i}") for i in range(5)]
    runner = DurableRunner(f"t8_{next(_counter)}", rules)
    results: list[int] = []

    def work(seed: int) -> None:
        results.append(sum(len(runner.run({"x": (seed + n) % 7})[0]) for n in range(300)))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = [sum(min((s + n) % 7 + 1, 5) for n in range(300)) for s in range(8)]
    assert sorted(results) == sorted(expected)
    assert runner.state_count() == 0


# 9. At most 255 properties per message.
def test_trap9_message_property_limit() -> None:
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": lambda c: None}})
    with pytest.raises(durable_rules_engine.error, match="302"):
        h.assert_fact(name, {"sid": "1", "x": 1, **{f"p{i}": i for i in range(300)}})


# 9b. More than 32 expressions in one rule: error 113 (riskrules names the rule; see test_pack).
def test_trap9b_expression_limit() -> None:
    big = {"$and": [{"$and": [{"$ex": {f"a{i}": 1}}, {"$gt": {f"a{i}": {"$m": f"b{i}"}}}]} for i in range(16)]}
    with pytest.raises(durable_rules_engine.error, match="113"):
        host({"a": {"all": [{"m": big}], "run": lambda c: None}})


def test_trap9c_error_113_counts_two_per_and_or() -> None:
    # What riskrules' check_limits models: each $and/$or of one fact pattern costs 2, comparisons
    # with constants nothing; 32 fails. 15 nested junctions load, 16 do not.
    def nested(levels: int) -> dict[str, Any]:
        node: dict[str, Any] = {"x": 0}
        for i in range(levels):
            node = {"$and" if i % 2 else "$or": [{"x": i + 1}, node]}
        return node
    host({"a": {"all": [{"m": nested(15)}], "run": lambda c: None}})
    with pytest.raises(durable_rules_engine.error, match="113"):
        host({"a": {"all": [{"m": nested(16)}], "run": lambda c: None}})
    flat = {"$or": [{"x": i} for i in range(200)]}  # one junction: cheap, however many terms
    host({"b": {"all": [{"m": flat}], "run": lambda c: None}})


# 10. Action arity decides sync or async.
def test_trap10_a_default_argument_makes_an_action_asynchronous() -> None:
    received: list[Any] = []

    def act(c: Any, name: Any = "rule") -> None:  # looks like a helper, receives a callback
        received.append(name)
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": act}})
    h.assert_fact(name, {"sid": "1", "x": 1})
    assert received and callable(received[0])


# 11. A fact asserted by an action must be heard.
def test_trap11_unheard_chained_fact_lands_in_state() -> None:
    def chain(c: Any) -> None:
        c.assert_fact({"t": "nobody_listens"})
    h, name = host({"a": {"all": [{"m": {"x": 1}}], "run": chain}})
    h.assert_fact(name, {"sid": "1", "x": 1})
    assert "exception" in h.get_state(name, "1")


def test_trap11_riskrules_asserts_only_the_signals_some_rule_reads() -> None:
    runner = DurableRunner(f"t11_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"$and": [{"t": "household"}, {"x": 1}]}}], "lonely")])
    assert runner.run({"x": 1}) == (["r"], {"lonely": "r"})


def test_trap11_chained_signal_fires_the_joined_rule_once() -> None:
    rules = [
        EngineRule("p#0", "p", [{"h": {"$and": [{"t": "household"}, {"$gte": {"x": 1}}]}}], "sig"),
        EngineRule("q#0", "q", [{"h": {"$and": [{"t": "household"}, {"$gte": {"x": 2}}]}}], "sig"),  # the same signal twice
        EngineRule("c#0", "c", [{"h": {"$and": [{"t": "household"}, {"$gte": {"x": 0}}]}},
                                {"s0": {"$and": [{"t": "signal"}, {"name": "sig"}]}}], None),
    ]
    runner = DurableRunner(f"t11c_{next(_counter)}", rules)
    fired, signals = runner.run({"x": 3})
    assert sorted(fired) == ["c", "p", "q"] and signals == {"sig": "p"} or signals == {"sig": "q"}
    assert runner.run({"x": 0}) == ([], {})


# Measured while building riskrules --------------------------------------------------------
def test_measured_missing_field_inside_arithmetic_matches() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$and": [{"t": "household"},
                                                  {"$lt": {"z": {"$sub": {"$l": {"$m": "missing"}, "$r": {"$m": "c"}}}}}]}}],
                          "run": make("a")}})
    h.assert_fact(name, {"sid": "1", "t": "household", "z": 0, "c": 20})
    assert seen == ["a"]  # 0 < missing - 20 "holds": hence the $ex guards


def test_measured_iall_of_empty_list_is_false() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$iall": {"xs": {"$gt": {"$i.v": 0}}}}}], "run": make("a")},
                    "any": {"all": [{"m": {"t": 1}}], "run": make("any")}})
    h.assert_fact(name, {"sid": "1", "xs": [], "t": 1})
    assert seen == ["any"]


def test_measured_division_truncates() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$gte": {"x": {"$div": {"$l": {"$m": "p"}, "$r": 10000}}}}}], "run": make("a")}})
    h.assert_fact(name, {"sid": "1", "x": 0, "p": 3000})  # 0 >= 0.3 is false; 0 >= 0 is true
    assert seen == ["a"]  # hence the language has no division


def test_measured_delete_state_after_unhandled_fact_crashes_the_process() -> None:
    code = textwrap.dedent("""
        from durable.engine import Host, MessageNotHandledException
        class H(Host):
            def _run(self): pass
        h = H(); h.set_rulesets({'r': {'a': {'all': [{'m': {'t': 'household'}}], 'run': lambda c: None}}})
        try:
            h.assert_fact('r', {'sid': '1', 't': 'other'})
        except MessageNotHandledException:
            pass
        h.delete_state('r', '1')
        print('survived')
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "survived" not in proc.stdout and proc.returncode != 0  # hence the catch-all rule


def test_measured_missing_dollar_m_field_matches_at_top_level() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$and": [{"t": "household"}, {"g": {"$m": "absent"}}]}}], "run": make("a")}})
    h.assert_fact(name, {"sid": "1", "t": "household", "g": "A"})
    assert seen == ["a"]  # hence set parameters carry a field for every code


def test_measured_or_fires_an_action_once_per_matching_branch() -> None:
    seen, make = recorder()
    h, name = host({"a": {"all": [{"m": {"$and": [{"t": "household"}, {"$or": [{"$gt": {"x": 0}}, {"$gt": {"x": 1}}]}]}}],
                          "run": make("a")}})
    h.assert_fact(name, {"sid": "1", "t": "household", "x": 5})
    assert seen == ["a", "a"]  # hence riskrules reports each rule once, whatever fired it


def test_generated_ruleset_is_json() -> None:
    runner = DurableRunner(f"tj_{next(_counter)}", [EngineRule("r#0", "r", [{"h": {"t": "household"}}], None)])
    assert "r#0" in json.loads(runner.definition_json)


def _rss_kib() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4


def test_a_runner_collected_frees_its_ruleset() -> None:
    # Each ruleset the C core holds costs about 1.1 MB; a pack reloaded 200 times must not keep them.
    import gc

    rules = [EngineRule(f"r{i}#0", f"r{i}", [{"h": {"$and": [{"t": "household"}, {"$gte": {f"x{i}": i}}]}}], None)
             for i in range(60)]
    for _ in range(20):
        DurableRunner(f"warm_{next(_counter)}", rules)
    gc.collect()
    before = _rss_kib()
    for _ in range(200):
        DurableRunner(f"reload_{next(_counter)}", rules).run({"x1": 5})
    gc.collect()
    assert _rss_kib() - before < 20 * 1024, "200 reloads kept their rulesets"
