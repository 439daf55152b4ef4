"""The household builders now live in the package, :mod:`riskrules.testing.builders`.

This module re-exports them for the test files that still ``import builders``.
"""

from riskrules.testing.builders import *  # noqa: F401,F403
from riskrules.testing.builders import __all__  # noqa: F401
