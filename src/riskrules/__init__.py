"""riskrules: China's policy for preventing return to poverty as tested, explainable rules.

防止返贫动态监测和帮扶机制 -- decide, for a rural household on a date, whether it should become a
monitoring object (监测对象) and in which category, whether the green channel applies, which
deadlines its case has broken, whether its risk can be marked eliminated, and whether its
assistance fits its causes. Every answer names its rule, the clause it rests on, and the
numbers it compared.

    >>> import riskrules
    >>> from datetime import date
    >>> pack = riskrules.load_rules()
    >>> result = pack.assess(riskrules.load_example("unstable_out_of_poverty"), as_of=date(2022, 7, 31))
    >>> result.category
    'unstable_out_of_poverty'
"""

from .assessment import Assessment, Citation, FactUsed, Flag, FlagKind, ParameterUsed, RulePackInfo, RuleReading, Severity, Undecided
from .errors import EngineError, InvalidRecord, MissingParameter, Problem, RiskRulesError, RulePackError
from .examples import example_names, load_example, load_examples
from .pack.pack import RulePack, load_rules
from .record import (
    AssistanceMeasure,
    DrinkingWater,
    Household,
    IncomeWindow,
    Member,
    MonitoringCase,
    ResidentId,
    RigidExpenditure,
    Shock,
    TransferItem,
)
from .schema import household_json_schema

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "AssistanceMeasure",
    "Citation",
    "DrinkingWater",
    "EngineError",
    "FactUsed",
    "Flag",
    "FlagKind",
    "Household",
    "IncomeWindow",
    "InvalidRecord",
    "Member",
    "MissingParameter",
    "MonitoringCase",
    "ParameterUsed",
    "Problem",
    "ResidentId",
    "Severity",
    "RigidExpenditure",
    "RiskRulesError",
    "RulePack",
    "RulePackError",
    "RulePackInfo",
    "RuleReading",
    "Shock",
    "TransferItem",
    "Undecided",
    "example_names",
    "household_json_schema",
    "load_example",
    "load_examples",
    "load_rules",
]
