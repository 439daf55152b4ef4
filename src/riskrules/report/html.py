"""The county report as one self-contained HTML page (HTML 报告): inline CSS and SVG charts,
no script, no web font, nothing fetched -- it opens the same offline, attached to a mail, or
printed. Charts: monitoring objects by category and township, breaches and warnings by month
due, risk types."""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Any

from ..assessment import Severity
from .model import CATEGORIES, CATEGORY_ZH, RISK_ZH, SEVERITY, CountyReport

__all__ = ["render_html", "write_html"]

_COLOURS = {"unstable_out_of_poverty": "#3867d6", "marginal_prone": "#20bf6b", "sudden_severe_difficulty": "#fa8231"}
_BREACH, _WARNING = "#d63031", "#f0a500"
_NONE: Counter[str] = Counter()


def _e(v: Any) -> str:
    return html.escape("" if v is None else (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)))


def _legend(items: list[tuple[str, str]], x: int, y: int) -> str:
    out = []
    for i, (label, colour) in enumerate(items):
        xx = x + i * 150
        out.append(f'<rect x="{xx}" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{xx + 17}" y="{y + 11}" class="lg">{_e(label)}</text>')
    return "".join(out)


def chart_townships(r: CountyReport) -> str:
    towns = sorted(r.towns)
    if not towns:
        return "<p>无数据 / no data</p>"
    bar_h, gap, left, right = 22, 10, 150, 60
    width = 760
    top = 40
    height = top + len(towns) * (bar_h + gap) + 30
    biggest = max(sum(r.towns[t].assessed[c] for c in CATEGORIES) for t in towns) or 1
    scale = (width - left - right) / biggest
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="monitoring objects by township">',
             _legend([(CATEGORY_ZH[c], _COLOURS[c]) for c in CATEGORIES], left, 10)]
    for i, t in enumerate(towns):
        y = top + i * (bar_h + gap)
        name = r.place_name(t) or t
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end" class="ax">{_e(name)}</text>')
        x = float(left)
        total = 0
        for c in CATEGORIES:
            n = r.towns[t].assessed[c]
            if n:
                w = n * scale
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{_COLOURS[c]}">'
                             f'<title>{_e(name)} {_e(CATEGORY_ZH[c])}: {n}</title></rect>')
                if w > 22:
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + bar_h * 0.7}" text-anchor="middle" class="in">{n}</text>')
                x += w
                total += n
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7}" class="ax">{total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), so that quiet months show as gaps."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last and len(out) < 600:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def chart_months(r: CountyReport) -> str:
    known = sorted(r.months)
    if not known:
        return "<p>无数据 / no data</p>"
    months = _month_range(known[0], known[-1])
    width, height, left, bottom, top = 760, 300, 50, 60, 40
    slot = (width - left - 20) / len(months)
    bar_w = max(4.0, min(40.0, slot * 0.7))
    biggest = max(r.months.get(m, _NONE)["breach"] + r.months.get(m, _NONE)["warning"] for m in months) or 1
    scale = (height - top - bottom) / biggest
    base = height - bottom
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="breaches by month">',
             _legend([(SEVERITY["breach"], _BREACH), (SEVERITY["warning"], _WARNING)], left, 10)]
    for k in range(5):
        v = biggest * k / 4
        y = base - v * scale
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="ax">{v:,.0f}</text>')
    every = max(1, len(months) // 14)
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bar_w) / 2
        b, w = r.months.get(m, _NONE)["breach"], r.months.get(m, _NONE)["warning"]
        hb, hw = b * scale, w * scale
        parts.append(f'<rect x="{x:.1f}" y="{base - hb:.1f}" width="{bar_w:.1f}" height="{hb:.1f}" fill="{_BREACH}">'
                     f'<title>{m} {SEVERITY["breach"]} {b}</title></rect>')
        parts.append(f'<rect x="{x:.1f}" y="{base - hb - hw:.1f}" width="{bar_w:.1f}" height="{hw:.1f}" fill="{_WARNING}">'
                     f'<title>{m} {SEVERITY["warning"]} {w}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{base + 16}" text-anchor="end" class="ax" '
                         f'transform="rotate(-40 {x + bar_w / 2:.1f} {base + 16})">{m}</text>')
    parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{base}" y2="{base}" class="axis"/></svg>')
    return "".join(parts)


def chart_risks(r: CountyReport) -> str:
    risks = sorted(r.risk_assessed, key=lambda k: -r.risk_assessed[k])
    if not risks:
        return "<p>无数据 / no data</p>"
    bar_h, gap, left, width = 20, 8, 130, 760
    height = 20 + len(risks) * (bar_h + gap)
    biggest = max(r.risk_assessed.values()) or 1
    scale = (width - left - 60) / biggest
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="risk types">']
    for i, k in enumerate(risks):
        y = 10 + i * (bar_h + gap)
        n = r.risk_assessed[k]
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end" class="ax">{_e(RISK_ZH.get(k, k))}<title>{_e(k)}</title></text>'
                     f'<rect x="{left}" y="{y}" width="{n * scale:.1f}" height="{bar_h}" fill="#8854d0"><title>{_e(k)}: {n}</title></rect>'
                     f'<text x="{left + n * scale + 6:.1f}" y="{y + bar_h * 0.7}" class="ax">{n:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[Any]], limit: int | None = None, cls: str = "") -> str:
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="{"n" if isinstance(v, int) and not isinstance(v, bool) else ""}">{_e(v)}</td>'
                                    for v in row) + "</tr>" for row in shown)
    more = ""
    if limit is not None and len(rows) > limit:
        more = f'<p class="more">另有 {len(rows) - limit:,} 行，见 Excel 工作簿 / {len(rows) - limit:,} more rows in the Excel workbook</p>'
    if not rows:
        body = f'<tr><td colspan="{len(headers)}" class="none">无 / none</td></tr>'
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}'


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","WenQuanYi Micro Hei",sans-serif;
margin:0;background:#f4f6fa;color:#1e272e}
header{background:#1e3799;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}
main{padding:20px 32px;max-width:1200px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;margin:8px 0 20px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card .v{font-size:26px;font-weight:700;color:#1e3799}.card .l{font-size:12px;color:#57606f}
.card.bad .v{color:#d63031}.card.warn .v{color:#c77c00}
section{background:#fff;border-radius:8px;padding:14px 18px;margin:0 0 18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:17px;margin:2px 0 10px;color:#1e3799}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e5e8ef;padding:5px 8px;text-align:left}
th{background:#eef2fb;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}td.none{color:#888}
.more{font-size:12px;color:#57606f}.two{display:grid;grid-template-columns:1fr 1fr;gap:18px}
svg text{font-size:12px;fill:#2f3542}svg .in{fill:#fff;font-size:11px}svg .lg{font-size:12px}
svg .grid{stroke:#e5e8ef}svg .axis{stroke:#57606f}
footer{font-size:12px;color:#57606f;padding:0 32px 24px}
@media print{body{background:#fff}section,.card{box-shadow:none;border:1px solid #ddd}}
"""


def render_html(r: CountyReport, *, list_limit: int = 200) -> str:
    t = {key: (title, headers, rows) for key, title, headers, rows in r.tables()}
    breaches = sum(v["breach"] for v in r.by_rule.values())
    warnings = sum(v["warning"] for v in r.by_rule.values())
    cards = [
        ("已识别监测对象", f"{r.identified_households:,} 户 / {r.identified_people:,} 人", "identified monitoring objects", ""),
        ("帮扶措施", f"{r.measures:,} 项", f"assistance measures, {r.measures_per_household} per household", ""),
        ("户均措施", str(r.measures_per_household), "measures per identified household", ""),
        ("风险消除", f"{r.eliminated_h:,} 户 / {r.eliminated_p:,} 人", "risk eliminated", ""),
        ("应纳未纳", f"{sum(r.not_identified_h.values()):,} 户", "assessed, not yet identified", "warn"),
        (Severity.BREACH.title_zh, f"{breaches:,}", Severity.BREACH.title_en, "bad"),
        (Severity.WARNING.title_zh, f"{warnings:,}", Severity.WARNING.title_en, "warn"),
        ("待入户核实", f"{len(r.alerts):,}", "alerts awaiting home checks", "warn"),
    ]
    card_html = "".join(f'<div class="card {cls}"><div class="l">{_e(zh)}</div><div class="v">{_e(v)}</div><div class="l">{_e(en)}</div></div>'
                        for zh, v, en, cls in cards)

    def sec(key: str, limit: int | None = None, extra: str = "") -> str:
        title, headers, rows = t[key]
        return f'<section id="{key}"><h2>{_e(title)}</h2>{extra}{_table(headers, rows, limit)}</section>'

    body = (
        f'<div class="cards">{card_html}</div>'
        + sec("monitoring")
        + f'<section id="chart-townships"><h2>评估应纳入监测对象：按乡镇与类别 / monitoring objects by township and category</h2>{chart_townships(r)}</section>'
        + sec("townships")
        + f'<div class="two"><section id="chart-months"><h2>违规与警示：按到期月份 / breaches and warnings by month due</h2>{chart_months(r)}</section>'
        + f'<section id="chart-risks"><h2>风险类型（评估） / risk types (assessed)</h2>{chart_risks(r)}</section></div>'
        + sec("deadlines")
        + sec("overdue", list_limit)
        + sec("alerts", list_limit)
        + sec("risks")
        + sec("villages", list_limit)
        + sec("headline")
        + sec("flags")
    )
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f'<title>防返贫监测县级报告 {_e(r.as_of)}</title><style>{_CSS}</style></head><body>'
            f'<header><h1>防返贫动态监测 · 县级筛查报告 / county screening report</h1>'
            f'<p>截至 as of {_e(r.as_of)} · 评估 {r.households:,} 户 {r.people:,} 人'
            + (f' · 拒绝 {r.rejected:,} 行' if r.rejected is not None else "")
            + f' · 规则包 rule pack {_e(r.pack_version)}' + (f' · 输入 {_e(r.source)}' if r.source else "") + '</p></header>'
            f'<main>{body}</main><footer>riskrules · 定义见 docs/report.md · 身份证号码不出现在本报告中 / '
            f'no identity number appears in this report</footer></body></html>\n')


def write_html(r: CountyReport, path: str | Path, **kwargs: Any) -> Path:
    p = Path(path)
    tmp = p.with_name(p.name + ".partial")
    tmp.write_text(render_html(r, **kwargs), encoding="utf-8")
    tmp.replace(p)
    return p
