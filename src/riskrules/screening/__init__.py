"""Screening a county (县级批量筛查): streaming batches that lose nothing.

:func:`screen` reads an :class:`~riskrules.io.InputSource`, assesses each household in this
process or in worker processes, and writes the results in input order, with every rejected
row in the rejects output, a rule catalogue beside the output, a checkpoint to resume from
after a kill, and progress on standard error. See docs/cli.md and docs/outputs.md.
"""

from .progress import Progress
from .run import (
           Interrupted,
           Outcome,
           Plan,
           ScreeningError,
           WorkerDied,
           file_fingerprint,
           output_paths,
           screen,
)
from .work import Settings

__all__ = ["Interrupted", "Outcome", "Plan", "Progress", "ScreeningError", "Settings", "WorkerDied", "file_fingerprint",
           "output_paths", "screen"]
