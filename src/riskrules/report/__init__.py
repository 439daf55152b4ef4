"""The county report (县级报告) of a screening: the seed article's figures, townships and
villages, deadline breaches and warnings with the overdue list, risk types, alerts awaiting
home checks -- as terminal tables, an Excel workbook (``riskrules[excel]``) and a
self-contained HTML page with SVG charts. See docs/report.md."""

from .html import render_html, write_html
from .model import CountyReport, ReportError, build_report, load_places, read_results
from .text import render_text

__all__ = ["CountyReport", "ReportError", "build_report", "load_places", "read_results", "render_html", "render_text",
           "write_excel", "write_html"]


def write_excel(report: CountyReport, path):  # type: ignore[no-untyped-def]
    from .excel import write_excel as _write

    return _write(report, path)
