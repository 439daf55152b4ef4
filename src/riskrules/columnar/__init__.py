"""The columnar back end (列式后端): whole populations decided at once, from the same rule IR.

``pack.screen(table_or_parquet, as_of=...)`` (or :func:`screen`) decides every household of a
table or a Parquet file column-wise with Polars: derived facts over child tables, parameters and
deadlines joined as tables, every rule as one expression in three-valued logic. Flags of flagged
households are explained by the pack's own explainer, and a referee re-decides a sample, and
every flagged or undecided household, by the durable path. See docs/columnar.md.

Needs the optional dependencies of ``riskrules[columnar]`` (polars, pyarrow).
"""

from .screen import DETAILS, Screener, Screening, Summary, Unreadable, screen, screen_batches
from .shape import arrow_schema, records_to_batch, records_to_table

__all__ = ["DETAILS", "Screener", "Screening", "Summary", "Unreadable", "arrow_schema", "records_to_batch", "records_to_table",
           "screen", "screen_batches"]
