"""The engines of a pack: durable-rules beside the plain-Python evaluator where durable-rules
imports, the plain-Python evaluator alone where it does not (Python 3.13 and later), and the
same answers, byte for byte, either way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import riskrules
from riskrules.engine import available
from riskrules.testing import strategies as rs

AS_OF = date(2022, 7, 31)


@pytest.fixture(scope="module")
def python_pack() -> riskrules.RulePack:
    return riskrules.load_rules(engine="python")


def test_auto_uses_durable_rules_exactly_where_it_imports(pack: riskrules.RulePack, python_pack: riskrules.RulePack) -> None:
    assert pack.engines == (("python", "durable") if available.durable_available() else ("python",))
    assert python_pack.engines == ("python",)
    # The ruleset is generated, and checked against durable-rules' limits, on every Python.
    assert python_pack.durable_ruleset == pack.durable_ruleset and '"$and"' in pack.durable_ruleset


def test_examples_give_byte_identical_json_on_either_engine(pack: riskrules.RulePack, python_pack: riskrules.RulePack) -> None:
    for name, record in riskrules.load_examples().items():
        assert pack.assess(record, AS_OF).model_dump_json() == python_pack.assess(record, AS_OF).model_dump_json(), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_generated_households_give_byte_identical_json_on_either_engine(
        pack: riskrules.RulePack, python_pack: riskrules.RulePack, data: st.DataObject) -> None:
    as_of = data.draw(rs.as_of_dates())
    record = data.draw(rs.households(as_of=as_of, complete=data.draw(st.booleans())))
    assert pack.assess(record, as_of).model_dump_json() == python_pack.assess(record, as_of).model_dump_json()


@pytest.mark.durable
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_durable_rules_fires_what_the_python_evaluator_decides_true(pack: riskrules.RulePack, data: st.DataObject) -> None:
    as_of = data.draw(rs.as_of_dates())
    record = data.draw(rs.households(as_of=as_of, complete=data.draw(st.booleans())))
    python = pack.outcomes(record, as_of)
    durable = pack.outcomes(record, as_of, engine="durable")
    assert python.keys() == durable.keys()
    assert {r for r, v in python.items() if v} == {r for r, v in durable.items() if v}


def test_an_undecided_rule_reads_none_in_python_outcomes(python_pack: riskrules.RulePack) -> None:
    record = riskrules.load_example("unstable_out_of_poverty").model_dump(mode="json")
    record["income"] = None
    outcomes = python_pack.outcomes(record, AS_OF)
    assert None in outcomes.values() and set(outcomes) == {r.id for r in python_pack.rules}


def test_asking_for_durable_rules_where_it_cannot_import_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(available, "durable_import_error", lambda: "ImportError: undefined symbol: PyEval_CallObject")
    with pytest.raises(riskrules.EngineError, match="PyEval_CallObject") as info:
        riskrules.load_rules(engine="durable")
    assert isinstance(info.value, riskrules.RiskRulesError)
    assert riskrules.load_rules(engine="auto").engines == ("python",)


def test_an_unknown_engine_is_an_error(python_pack: riskrules.RulePack) -> None:
    with pytest.raises(riskrules.EngineError, match="unknown engine"):
        riskrules.load_rules(engine="drools")  # type: ignore[arg-type]
    with pytest.raises(riskrules.EngineError, match="engine='durable'|durable-rules"):
        python_pack.outcomes(riskrules.load_example("unstable_out_of_poverty"), AS_OF, engine="durable")
    with pytest.raises(riskrules.EngineError, match="unknown engine"):
        python_pack.outcomes(riskrules.load_example("unstable_out_of_poverty"), AS_OF, engine="java")


