"""Inputs (输入): JSON Lines, JSON arrays, CSV, Excel and Parquet, read one household at a time.

- :func:`open_input` opens a file; ``source.units()`` yields each household (or each row that
  cannot become one, with its problems) in order.
- Tables go through a column mapping (:mod:`riskrules.io.mapping`); the bundled one,
  ``zh-CN``, reads the Chinese headers of a county export.
- Cells are converted by :mod:`riskrules.io.convert` (是/否, 2022/7/1, Excel serial dates,
  "1,689.87", full-width digits, local labels), each problem with its row, column and reason.

Excel needs ``riskrules[excel]`` (python-calamine), Parquet ``riskrules[parquet]`` (pyarrow).
See docs/inputs.md.
"""

from .convert import CellError
from .mapping import (
           Mapping,
           MappingError,
           bundled_mapping,
           bundled_mapping_path,
           load_mapping,
)
from .source import FORMATS, InputSource, format_of, open_input
from .tables import TableError
from .units import Unit

__all__ = [
           "FORMATS",
           "CellError",
           "InputSource",
           "Mapping",
           "MappingError",
           "TableError",
           "Unit",
           "bundled_mapping",
           "bundled_mapping_path",
           "format_of",
           "load_mapping",
           "open_input",
]
