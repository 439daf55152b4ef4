"""Testing a rule pack (规则包测试): case files, their runner, coverage, builders and strategies.

Policy staff write cases as YAML beside their pack (``my-rules/tests/*.yaml``) and run them
with ``riskrules test`` or ``pytest``; developers of a jurisdiction's pack use the same pieces
from Python:

- :mod:`riskrules.testing.builders` -- complete, valid household records to start from
  (``household()`` is the clean baseline that triggers no rule of the bundled pack);
- :func:`load_cases` / :func:`run_cases` / :func:`run_case` -- read case files and run them;
- :mod:`riskrules.testing.coverage` -- which rules and cited clauses the cases fired;
- :mod:`riskrules.testing.strategies` -- hypothesis strategies for valid and invalid records
  (needs ``hypothesis``: ``pip install 'riskrules[testing]'``; not imported here);
- :mod:`riskrules.testing.pytest_plugin` -- collects case files as pytest items (registered
  through the ``pytest11`` entry point, so installing riskrules is enough).

See docs/changing-rules.md for the case-file format and a change worked end to end.
"""

from __future__ import annotations

from . import builders
from .builders import AS_OF, baseline, household
from .cases import (
    STANDARD_TAGS,
    Case,
    CaseFile,
    Expected,
    FlagExpected,
    UndecidedExpected,
    apply_changes,
    find_case_files,
    load_cases,
    pack_of_case_file,
)
from .coverage import ClauseCoverage, Coverage, RuleCoverage, coverage_of
from .runner import (
    CaseResult,
    PackCache,
    SuiteResult,
    outcomes_of,
    run_case,
    run_cases,
    summary_line,
)

__all__ = [
    "AS_OF",
    "STANDARD_TAGS",
    "Case",
    "CaseFile",
    "CaseResult",
    "ClauseCoverage",
    "Coverage",
    "Expected",
    "FlagExpected",
    "PackCache",
    "RuleCoverage",
    "SuiteResult",
    "UndecidedExpected",
    "apply_changes",
    "baseline",
    "builders",
    "coverage_of",
    "find_case_files",
    "household",
    "load_cases",
    "outcomes_of",
    "pack_of_case_file",
    "run_case",
    "run_cases",
    "summary_line",
]
