"""The condition language: parser, types, errors, and the two back ends agreeing."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskrules.engine.ruleset import EngineRule
from riskrules.language.durable import to_durable
from riskrules.language.errors import ConditionError
from riskrules.language.ir import And, Arith, Compare, Const, InSet, Known, Not, Or, Quantified, Ref, Truth
from riskrules.language.layout import complement_key, set_member_key, set_parameter_fields
from riskrules.language.parser import Vocabulary, parse_condition, parse_expression
from riskrules.language.pyeval import compile_condition, compile_expression, compile_item_condition
from riskrules.language.rewrite import negation_normal_form, split_on_signals
from riskrules.language.types import Kind, ValueType

VOCAB = Vocabulary(
    facts={
        "income.net": ValueType(Kind.MONEY, 2),
        "income.fall": ValueType(Kind.MONEY, 2),
        "water.litres": ValueType(Kind.NUMBER, 1),
        "household.size": ValueType(Kind.NUMBER, 0),
        "case.identified": ValueType(Kind.BOOL),
        "case.clue_found_on": ValueType(Kind.DATE),
        "housing.grade": ValueType(Kind.TEXT, 0, ("A", "B", "C", "D", "no_house")),
    },
    collections={"members": {"age": ValueType(Kind.NUMBER), "insured": ValueType(Kind.BOOL),
                             "health": ValueType(Kind.TEXT, 0, ("healthy", "disabled"))}},
    params={"range": ValueType(Kind.MONEY, 2), "share": ValueType(Kind.NUMBER, 2), "min_age": ValueType(Kind.NUMBER),
            "grades": ValueType(Kind.TEXT_SET, 0, ("A", "B", "C", "D", "no_house"))},
    signals=frozenset({"low_income"}),
)


def cond(text: str) -> Any:
    return parse_condition(text, VOCAB)


def py(text: str, fact: dict, signals: dict | None = None) -> bool | None:
    return compile_condition(cond(text))(fact, signals or {})


# -- parsing and types ---------------------------------------------------------------------
@pytest.mark.parametrize("op, expected", [("<", False), ("<=", True), (">", False), (">=", True), ("==", True), ("!=", False)])
def test_each_comparison_operator(op: str, expected: bool) -> None:
    assert py(f"income.net {op} params.range", {"income__net": 600000, "params__range": 600000}) is expected


def test_money_literal_is_yuan_and_decimals_are_exact() -> None:
    c = cond("income.net <= 6000.5")
    assert isinstance(c, Compare) and c.right == Const(600050, Kind.MONEY, 2)
    # 0.3 is 3 tenths exactly: a share compared with money by multiplying, never dividing.
    assert py("income.fall >= income.net * 0.3", {"income__fall": 3000, "income__net": 10000}) is True
    assert py("income.fall >= income.net * 0.3", {"income__fall": 2999, "income__net": 10000}) is False
    assert py("income.fall >= income.net * params.share", {"income__fall": 3000, "income__net": 10000, "params__share": 30}) is True


def test_arithmetic_and_dates() -> None:
    fact = {"case__clue_found_on": 738000, "household__size": 3}
    assert py("case.clue_found_on + 15 >= case.clue_found_on", fact) is True
    e = parse_expression("case.clue_found_on - case.clue_found_on", VOCAB)
    assert e.kind is Kind.NUMBER
    assert compile_expression(parse_expression("household.size * 2 + 1", VOCAB))(fact, {}) == 7
    assert py("household.size - 1 == 2", fact) is True


def test_and_or_not_in_and_known() -> None:
    fact = {"housing__grade": "C", "case__identified": True}
    assert py('housing.grade in ["C", "D", "no_house"]', fact) is True
    assert py('housing.grade not in ["C", "D"]', fact) is False
    assert py("case.identified and not (housing.grade == 'A' or housing.grade == 'B')", fact) is True
    assert py("known(income.net)", fact) is False
    assert py("not known(income.net)", fact) is True


def test_quantifiers() -> None:
    fact = {"members": [{"age": 9, "insured": True}, {"age": 40, "insured": False}], "params__min_age": 6}
    assert py("any(m.age >= params.min_age and not m.insured for m in members)", fact) is True
    assert py("all(m.insured for m in members)", fact) is False
    assert py("all(m.insured for m in members)", {"members": []}) is True
    assert py("any(m.insured for m in members)", {"members": []}) is False


def test_set_parameter_membership() -> None:
    fields = set_parameter_fields("params.grades", ("A", "B", "C", "D", "no_house"), frozenset({"C", "D"}))
    assert fields[set_member_key("params.grades", "C")] == "C" and fields[complement_key("params.grades", "A")] == "A"
    assert py("housing.grade in params.grades", {"housing__grade": "C", **fields}) is True
    assert py("housing.grade in params.grades", {"housing__grade": "A", **fields}) is False
    assert py("housing.grade not in params.grades", {"housing__grade": "A", **fields}) is True


def test_three_valued_logic() -> None:
    assert py("income.net > 5", {}) is None
    assert py("income.net > 5 and case.identified", {"case__identified": False}) is False
    assert py("income.net > 5 or case.identified", {"case__identified": True}) is True
    assert py("not (income.net > 5)", {}) is None
    assert py("any(m.insured for m in members)", {"members": [{"insured": False}, {}]}) is None
    assert py("any(m.insured for m in members)", {"members": [{"insured": True}, {}]}) is True
    assert py("all(m.insured for m in members)", {"members": [{"insured": False}, {}]}) is False
    assert py("any(m.insured for m in members)", {}) is None


# -- errors at load time --------------------------------------------------------------------
@pytest.mark.parametrize("text, fragment, suggestion", [
    ("income.nett > 5", "unknown name 'income.nett'", "income.net"),
    ("params.rnge > income.net", "unknown name 'params.rnge'", "params.range"),
    ("signal.low_incom", "unknown name 'signal.low_incom'", "signal.low_income"),
    ("any(m.agee > 5 for m in members)", "unknown name 'm.agee'", "m.age"),
    ('housing.grade == "E"', "not a code", None),
    ('housing.grade == "c"', "not a code", "C"),
])
def test_unknown_names_suggest(text: str, fragment: str, suggestion: str | None) -> None:
    with pytest.raises(ConditionError) as info:
        cond(text)
    assert fragment in str(info.value)
    assert info.value.suggestion == suggestion


@pytest.mark.parametrize("text, fragment", [
    ("income.net > case.clue_found_on", "cannot compare money with date"),
    ("income.net * income.net > 5", "cannot compute money * money"),
    ("income.net / 2 > 5", "division is not exact"),
    ("income.net >", "syntax error"),
    ("housing.grade > 'A'", "needs numbers"),
    ("income.net", "not a condition"),
    ("__import__('os').system('x')", "unknown function"),
    ("(lambda: 1)()", "unknown function"),
    ("income.net is None", "use == and !="),
    ("any(m.age > 1 for m in members if m.insured)", "one 'for' clause"),
    ("m.age > 1", "unknown name"),
])
def test_type_and_syntax_errors(text: str, fragment: str) -> None:
    with pytest.raises(ConditionError) as info:
        cond(text)
    assert fragment in str(info.value)


def test_error_line_inside_multiline_condition() -> None:
    with pytest.raises(ConditionError) as info:
        cond("income.net > 5\n and income.nett > 1")
    assert info.value.line == 2


def test_negated_signal_is_refused() -> None:
    with pytest.raises(ConditionError, match="cannot be negated"):
        split_on_signals(cond("not signal.low_income"))


def test_split_on_signals_is_dnf_over_signals() -> None:
    parts = split_on_signals(cond("case.identified and (signal.low_income or income.net > 5)"))
    assert [p.signals for p in parts] == [("low_income",), ()]


def test_negation_normal_form_pushes_not_to_leaves() -> None:
    nnf = negation_normal_form(cond("not (income.net > 5 and any(m.insured for m in members))"))
    assert isinstance(nnf, Or)
    assert nnf.items[0] == Compare("<=", Ref("income.net", Kind.MONEY, 2, field="income.net"), Const(500, Kind.MONEY, 2))
    assert isinstance(nnf.items[1], Quantified) and nnf.items[1].quantifier == "all"


def test_durable_generator_guards_expressions_but_not_parameters() -> None:
    out = to_durable(cond("income.fall >= income.net * params.share"))
    text = repr(out.json)
    assert "'$ex': {'income__net': 1}" in text and "params__share': 1" not in text
    assert "__zero" in text or "'$gte': {'income__fall'" in text


def test_item_field_inside_an_expression_is_refused_by_the_durable_back_end() -> None:
    with pytest.raises(ConditionError, match="stand alone"):
        to_durable(cond("any(params.min_age > m.age * 2 for m in members)"))
    with pytest.raises(ConditionError, match="constants or parameters"):
        to_durable(cond("any(m.age > household.size for m in members)"))


# -- the two back ends agree ------------------------------------------------------------------
_FACT_KEYS = {"income__net": st.integers(-10**9, 10**9), "income__fall": st.integers(-10**6, 10**6),
              "water__litres": st.integers(0, 600), "household__size": st.integers(1, 8),
              "case__identified": st.booleans(), "case__clue_found_on": st.integers(737000, 739000),
              "housing__grade": st.sampled_from(["A", "B", "C", "D", "no_house"])}

_refs = {
    Kind.MONEY: [Ref("income.net", Kind.MONEY, 2, field="income.net"), Ref("income.fall", Kind.MONEY, 2, field="income.fall"),
                 Ref("params.range", Kind.MONEY, 2, field="params.range")],
    Kind.NUMBER: [Ref("water.litres", Kind.NUMBER, 1, field="water.litres"), Ref("household.size", Kind.NUMBER, 0, field="household.size")],
}


def _numeric(kind: Kind) -> st.SearchStrategy[Any]:
    leaf = st.sampled_from(_refs[kind]) | st.integers(-10**6, 10**6).map(lambda v: Const(v, kind, 2 if kind is Kind.MONEY else 1))
    return leaf | st.tuples(st.sampled_from(_refs[kind]), leaf, st.sampled_from(["+", "-"])).map(
        lambda t: _arith(t[2], t[0], t[1]))


def _arith(op: str, left: Any, right: Any) -> Any:
    from riskrules.language.parser import _align
    left, right = _align(left, right)
    return Arith(op, left, right, left.kind, left.scale)


def _compare(kind: Kind) -> st.SearchStrategy[Any]:
    from riskrules.language.parser import _align
    return st.tuples(_numeric(kind), _numeric(kind), st.sampled_from(["<", "<=", ">", ">=", "==", "!="])).map(
        lambda t: Compare(t[2], *_align(t[0], t[1])))


_atoms = st.one_of(
    _compare(Kind.MONEY), _compare(Kind.NUMBER),
    st.just(Truth(Ref("case.identified", Kind.BOOL, 0, field="case.identified"))),
    st.sampled_from(["A", "C", "no_house"]).map(lambda g: Compare("==", Ref("housing.grade", Kind.TEXT, 0, field="housing.grade"),
                                                                    Const(g, Kind.TEXT))),
    st.just(Known(Ref("income.net", Kind.MONEY, 2, field="income.net"))),
    st.just(InSet(Ref("housing.grade", Kind.TEXT, 0, field="housing.grade"), Ref("params.grades", Kind.TEXT_SET, 0, field="params.grades"),
                  ("A", "B", "C", "D", "no_house"))),
    st.tuples(st.sampled_from(["any", "all"]), st.integers(0, 60), st.sampled_from(["and", "or", "cmp", "not"])).map(
        lambda t: Quantified(t[0], "members", "m", _item_body(t[2], t[1]))),
)
def _item_body(shape: str, age: int) -> Any:
    older = Compare(">=", Ref("m.age", Kind.NUMBER, 0, item_of="members", field="age"), Const(age, Kind.NUMBER))
    insured = Truth(Ref("m.insured", Kind.BOOL, 0, item_of="members", field="insured"))
    if shape == "and":
        return And((older, insured))
    if shape == "or":
        return Or((Compare("==", Ref("m.insured", Kind.BOOL, 0, item_of="members", field="insured"), Const(False, Kind.BOOL)), older))
    if shape == "not":
        return Not(And((older, Not(insured))))
    return Compare("<", Ref("m.age", Kind.NUMBER, 0, item_of="members", field="age"),
                   Ref("params.min_age", Kind.NUMBER, 0, field="params.min_age"))


_conditions = st.recursive(_atoms, lambda inner: st.one_of(
    st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
    st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    inner.map(Not)), max_leaves=6)


@st.composite
def _facts(draw: st.DrawFn) -> dict:
    fact: dict[str, Any] = {k: draw(s) for k, s in _FACT_KEYS.items() if draw(st.booleans())}
    fact["params__range"] = draw(st.integers(0, 10**6))
    fact["params__min_age"] = draw(st.integers(0, 20))
    grades = draw(st.sets(st.sampled_from(["A", "B", "C", "D", "no_house"])))
    fact.update(set_parameter_fields("params.grades", ("A", "B", "C", "D", "no_house"), frozenset(grades)))
    if draw(st.booleans()):
        rows = draw(st.lists(st.fixed_dictionaries({}, optional={"age": st.integers(0, 90), "insured": st.booleans()}), max_size=3))
        fact["members"] = rows
        fact["__n__members"] = len(rows)
    fact["__zero"] = 0
    return fact


_names = itertools.count()


def _lowered_fact(fact: dict, lowered: dict) -> dict:
    """What the rule pack does before asserting: precompute lowered item conditions."""
    out = {k: ([dict(r) for r in v] if isinstance(v, list) else v) for k, v in fact.items()}
    for test in lowered.values():
        evaluate = compile_item_condition(test.body)
        for row in out.get(test.collection, ()):
            value = evaluate(out, row)
            if value is not None:
                row[test.key] = value
    return out


@pytest.mark.durable
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_conditions, min_size=1, max_size=4), st.lists(_facts(), min_size=1, max_size=4))
def test_durable_rules_fires_exactly_when_python_says_true(conditions: list[Any], facts: list[dict]) -> None:
    from riskrules.engine.durable_host import DurableRunner

    generated = [to_durable(c) for c in conditions]
    lowered = {t.key: t for g in generated for t in g.lowered}
    rules = [EngineRule(f"r{i}#0", f"r{i}", [{"h": {"$and": [{"t": "household"}, g.json]}}], None)
             for i, g in enumerate(generated)]
    runner = DurableRunner(f"prop_{next(_names)}", rules)
    evaluators = [compile_condition(c) for c in conditions]
    for fact in facts:
        fired, _ = runner.run(_lowered_fact(fact, lowered))
        expected = {f"r{i}" for i, ev in enumerate(evaluators) if ev(fact, {}) is True}
        assert set(fired) == expected, (conditions, fact)


def test_or_inside_a_quantifier_is_lowered_to_an_item_field() -> None:
    c = cond("not any(m.age >= params.min_age and not m.insured for m in members)")
    generated = to_durable(c)
    (test,) = generated.lowered
    assert test.collection == "members" and f"$i.{test.key}" in repr(generated.json)
