"""One self-contained HTML file for people: the checklist, what needs attention with its evidence and fix, the
regressions against the previous run, and the certificate/CRL expiry timeline as inline SVG.

No scripts, fonts, images or style sheets from anywhere: the page's Content-Security-Policy forbids every
external load, so it renders the same from a mail attachment, a share or an air-gapped jump host.
"""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from conncheck.facts import format_time
from conncheck.history.expiry import ExpiryItem
from conncheck.reports.audit import AuditReport, change_line, expiry_rows, run_label
from conncheck.reports.labels import status_label, word
from conncheck.results import Status

CSP = "default-src 'none'; style-src 'unsafe-inline'"
COLORS = {
    "PASS": "#2e7d32", "WARN": "#ef6c00", "FAIL": "#c62828", "UNKNOWN": "#6a1b9a", "SKIP": "#757575",
}
EXPIRED, EXPIRING, VALID = COLORS["FAIL"], COLORS["WARN"], COLORS["PASS"]

STYLE = """
body { font: 14px/1.4 system-ui, "Segoe UI", sans-serif; margin: 24px; color: #212121; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left;
vertical-align: top; } th { background: #f5f5f5; }
.badge { color: #fff; border-radius: 3px; padding: 1px 6px; font-weight: 600; white-space: nowrap; }
.meta { color: #555; } pre { background: #f7f7f7; padding: 6px; margin: 4px 0; white-space: pre-wrap; }
.fix { background: #fff8e1; padding: 4px 8px; border-left: 3px solid #ef6c00; }
""".strip()


def _badge(status: Status, lang: str) -> str:
    return f'<span class="badge" style="background:{COLORS[status.value]}">{escape(status_label(status, lang))}</span>'


def _table(headers: list[str], rows: list[list[str]], cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _checklist(audit: AuditReport) -> str:
    lang = audit.report.lang
    rows = [
        [escape(row.code_hex or "-"), escape(row.name), _badge(row.status, lang), escape(row.message),
         str(len(row.results))]
        for row in audit.report.rows
    ]
    headers = [word(k, lang) for k in ("code", "name", "status", "finding", "checks")]
    return _table(headers, rows, "checklist")


def _attention(audit: AuditReport) -> str:
    lang = audit.report.lang
    order = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WARN: 2}
    items = sorted(
        (r for r in audit.report.results if r.status in order), key=lambda r: (order[r.status], r.check_id, r.host)
    )
    if not items:
        return "<p>Nothing needs attention.</p>"
    out = []
    for r in items:
        evidence = json.dumps(r.evidence, indent=1, ensure_ascii=False, default=str) if r.evidence else ""
        out.append(
            f'<div class="finding"><h3>{_badge(r.status, lang)} <code>{escape(r.check_id)}</code> @ '
            f"<code>{escape(r.host)}</code></h3><p>{escape(r.title)}: {escape(r.finding)}</p>"
            + (f"<pre>{escape(evidence)}</pre>" if evidence else "")
            + (f'<p class="fix">{escape(word("fix", lang))}: {escape(r.remediation)}</p>' if r.remediation else "")
            + "</div>"
        )
    return "\n".join(out)


def _regressions(audit: AuditReport) -> str:
    if audit.previous is None:
        return "<p>First run of this site: no earlier run to compare with.</p>"
    head = f"<p>Against run {escape(run_label(audit.previous))}.</p>"
    changes = audit.diff.regressions
    if not changes:
        return head + "<p>No regressions.</p>"
    return head + "<ul>" + "".join(f"<li><code>{escape(change_line(c))}</code></li>" for c in changes) + "</ul>"


def _bar_color(item: ExpiryItem, warning_days: int) -> str:
    if item.days_left < 0:
        return EXPIRED
    return EXPIRING if item.days_left <= warning_days else VALID


def expiry_svg(items: list[ExpiryItem], now: datetime, warning_days: int) -> str:
    """A timeline: one bar per certificate/CRL from now to its expiry (back to it, in red, when past)."""
    label_w, chart_w, row_h, top = 330, 560, 22, 28
    horizon = max(90.0, min(730.0, max((i.days_left for i in items), default=0.0)))
    past = min(0.0, max(-90.0, min((i.days_left for i in items), default=0.0)))
    span = horizon - past

    def x(days: float) -> float:
        return label_w + (min(max(days, past), horizon) - past) / span * chart_w

    height = top + row_h * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="expiry-timeline" width="{label_w + chart_w + 70}" '
        f'height="{height}" role="img" aria-label="Certificate expiry timeline">',
        f'<line x1="{x(0):.1f}" y1="18" x2="{x(0):.1f}" y2="{height}" stroke="#212121" stroke-width="1.5"/>',
        f'<text x="{x(0):.1f}" y="12" font-size="11" text-anchor="middle">now ({now.strftime("%Y-%m-%d")})</text>',
        f'<line x1="{x(warning_days):.1f}" y1="18" x2="{x(warning_days):.1f}" y2="{height}" stroke="{EXPIRING}" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{x(warning_days) + 3:.1f}" y="24" font-size="10" fill="{EXPIRING}">{warning_days} d</text>',
        f'<text x="{x(horizon):.1f}" y="12" font-size="11" text-anchor="end">+{horizon:.0f} d</text>',
    ]
    for n, item in enumerate(items):
        y = top + n * row_h
        start, end = sorted((x(0), x(item.days_left)))
        name = item.name if len(item.name) <= 48 else item.name[:45] + "..."
        color = _bar_color(item, warning_days)
        tip = f"{item.kind} {item.name}: {item.days_left:.1f} days left, expires {format_time(item.expires)}"
        parts += [
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">{escape(name)}</text>',
            f'<rect class="expiry-bar" x="{start:.1f}" y="{y + 3}" width="{max(end - start, 2):.1f}" '
            f'height="{row_h - 6}" fill="{color}"><title>{escape(tip)}</title></rect>',
            f'<text x="{end + 4:.1f}" y="{y + 14}" font-size="11">{item.days_left:.0f} d</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _expiry(audit: AuditReport) -> str:
    if not audit.expiry:
        return "<p>No certificate or CRL appears in the evidence of this run.</p>"
    rows = [[escape(str(c)) for c in row] for row in expiry_rows(audit.expiry)]
    headers = ["days left", "expires", "kind", "subject / issuer", "thumbprint", "hosts", "checks"]
    svg = expiry_svg(audit.expiry, audit.report.collected_at, audit.warning_days)
    return svg + _table(headers, rows, "expiry")


def render_html(audit: AuditReport) -> str:
    report, run, lang = audit.report, audit.run, audit.report.lang
    counts = ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)
    sections: list[tuple[str, Any]] = [
        ("Regressions", _regressions(audit)),
        ("Checklist", _checklist(audit)),
        ("Needs attention", _attention(audit)),
        ("Certificate and CRL expiry", _expiry(audit)),
    ]
    body = "\n".join(f'<section><h2>{escape(title)}</h2>\n{html}\n</section>' for title, html in sections)
    title = f"conncheck audit: {report.site}"
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(title)} {_badge(run.verdict, lang)}</h1>
<p class="meta">Run #{run.id} · {escape(word("collected", lang))}: {format_time(report.collected_at)} ·
{escape(counts)} · exit code {audit.exit_code} · conncheck {escape(run.toolkit_version)}</p>
{body}
</body>
</html>
"""
