"""The county report as an Excel workbook (Excel 工作簿): one sheet per table, with charts.
Needs ``riskrules[excel]`` (XlsxWriter)."""

from __future__ import annotations

from pathlib import Path

from ..io.tables import need
from .model import CATEGORIES, CATEGORY_ZH, SEVERITY, CountyReport

__all__ = ["write_excel"]

_SHEETS = {"headline": "主要指标", "monitoring": "监测对象", "townships": "乡镇", "villages": "村", "deadlines": "按规则",
           "overdue": "逾期清单", "months": "按月", "risks": "风险类型", "alerts": "待核实预警", "flags": "标记"}


def write_excel(r: CountyReport, path: str | Path) -> Path:
    xlsxwriter = need("xlsxwriter", "excel")
    p = Path(path)
    tmp = p.with_name(p.name + ".partial.xlsx")
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": False})
    bold = wb.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "top"})
    title_fmt = wb.add_format({"bold": True, "font_size": 13})
    sheets = {}
    for key, title, headers, rows in r.tables():
        ws = wb.add_worksheet(_SHEETS.get(key, key)[:31])
        sheets[key] = (ws, headers, rows)
        ws.write(0, 0, title, title_fmt)
        ws.write_row(2, 0, headers, bold)
        for i, row in enumerate(rows[:1_048_000]):
            ws.write_row(3 + i, 0, ["" if v is None else v for v in row])
        ws.freeze_panes(3, 0)
        for c, h in enumerate(headers):
            ws.set_column(c, c, max(10, min(40, len(h) + 4)))
        if key == "headline":
            ws.write(len(rows) + 4, 0, f"as of {r.as_of}; rule pack {r.pack_version}; input {r.source or ''}")
    # charts: category by township, breaches by month, risk types
    ws, headers, rows = sheets["townships"]
    if rows:
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        first_cat = 5
        for j, c in enumerate(CATEGORIES):
            chart.add_series({"name": CATEGORY_ZH[c], "categories": [ws.name, 3, 1, 2 + len(rows), 1],
                              "values": [ws.name, 3, first_cat + j, 2 + len(rows), first_cat + j]})
        chart.set_title({"name": "评估应纳入监测对象（按乡镇、类别）"})
        ws.insert_chart(len(rows) + 5, 1, chart, {"x_scale": 1.5, "y_scale": 1.3})
    ws, headers, rows = sheets["months"]
    if rows:
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, name in ((1, SEVERITY["breach"]), (2, SEVERITY["warning"])):
            chart.add_series({"name": name, "categories": [ws.name, 3, 0, 2 + len(rows), 0],
                              "values": [ws.name, 3, j, 2 + len(rows), j]})
        chart.set_title({"name": "违规与警示（按到期月份）"})
        ws.insert_chart(2, 5, chart, {"x_scale": 1.5})
    ws, headers, rows = sheets["risks"]
    if rows:
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": "评估（户）", "categories": [ws.name, 3, 0, 2 + len(rows), 0],
                          "values": [ws.name, 3, 1, 2 + len(rows), 1]})
        chart.set_title({"name": "风险类型"})
        ws.insert_chart(2, 5, chart)
    wb.close()
    tmp.replace(p)
    return p
