"""One self-contained HTML page people act on: the verdict per code row at the top with a score, a legend, what needs
attention, a per-host view, a collapsible panel per check result (finding, evidence as a table, fix, Microsoft
references, related event IDs; PASS and SKIP ones too, collapsed), the regressions against the previous run (audit)
and the certificate/CRL expiry timeline as inline SVG. Fits a 1280 px screen and prints.

No scripts, fonts, images or style sheets from anywhere: the page's Content-Security-Policy forbids every external
load, so it renders the same from a mail attachment, a share or an air-gapped jump host. Links to Microsoft's pages
are plain links (navigation, not loads).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from html import escape

from conncheck import __version__
from conncheck.causes import ATTENTION, Cause
from conncheck.checklist import Report, Row
from conncheck.evaluate import NO_HOST
from conncheck.facts import format_time
from conncheck.history.expiry import CRL, ExpiryItem, expiry_items
from conncheck.reports.audit import AuditReport, change_line, expiry_rows, run_label
from conncheck.reports.html_evidence import evidence_table
from conncheck.reports.labels import meaning, status_label, word
from conncheck.reports.rows import row_name, row_summary
from conncheck.reports.table import not_checked_line
from conncheck.results import Result, Status, worst

CSP = "default-src 'none'; style-src 'unsafe-inline'"
COLORS = {
    "PASS": "#2e7d32", "WARN": "#ef6c00", "FAIL": "#c62828", "UNKNOWN": "#6a1b9a", "SKIP": "#757575",
}
EXPIRED, EXPIRING, VALID = COLORS["FAIL"], COLORS["WARN"], COLORS["PASS"]
ORDER = {s: n for n, s in enumerate((Status.FAIL, Status.UNKNOWN, Status.WARN, Status.PASS, Status.SKIP))}
LABEL_CHARS = 40  # an expiry label's name part; a suffix keeps labels apart

STYLE = """
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, "Segoe UI", sans-serif; margin: 0 auto; padding: 16px 24px; max-width: 1240px;
color: #212121; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; } h4 { margin: 10px 0 4px; }
table { border-collapse: collapse; margin: 6px 0; width: 100%; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #f5f5f5; font-weight: 600; }
table.checklist, table.expiry, table.results { table-layout: fixed; }
table.evidence { font-size: 12.5px; } table.evidence th { width: 22%; } table.evidence thead th { width: auto; }
.badge { color: #fff; border-radius: 3px; padding: 1px 6px; font-weight: 600; white-space: nowrap; font-size: 12px; }
.meta, .note, .more, .none { color: #555; } code { overflow-wrap: anywhere; }
.summary { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: baseline; padding: 12px 16px;
background: #fafafa; border: 1px solid #e0e0e0; border-radius: 6px; }
.score { font-size: 28px; font-weight: 700; } .chips .badge { margin-right: 6px; }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
.legend dd { margin: 0; }
details { border: 1px solid #e0e0e0; border-radius: 4px; margin: 6px 0; padding: 0 10px; }
details[open] { padding-bottom: 8px; }
summary { cursor: pointer; padding: 6px 0; font-weight: 600; }
details details { margin-left: 8px; }
.fix { background: #fff8e1; padding: 4px 8px; border-left: 3px solid #ef6c00; }
ul { margin: 4px 0; padding-left: 22px; }
svg.expiry-timeline { width: 100%; height: auto; max-width: 960px; display: block; }
@media print {
  @page { margin: 12mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  details { break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; }
  a[href^="https:"]::after { content: " <" attr(href) ">"; font-size: 9px; color: #555; }
}
""".strip()


def _badge(status: Status, lang: str) -> str:
    return f'<span class="badge" style="background:{COLORS[status.value]}">{escape(status_label(status, lang))}</span>'


def _table(headers: list[str], rows: list[list[str]], cls: str, widths: list[str] | None = None) -> str:
    cols = "<colgroup>" + "".join(f'<col style="width:{w}">' for w in widths) + "</colgroup>" if widths else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{cls}">{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _counts(results: tuple[Result, ...] | list[Result], lang: str) -> str:
    counted = Counter(r.status for r in results)
    return " ".join(f"{_badge(s, lang)}&nbsp;{counted[s]}" for s in ORDER if counted[s]) or "-"


def _code_id(row: Row) -> str:
    return f"code-{row.code_hex or 'prerequisites'}"


def _host_label(host: str, lang: str) -> str:
    return word("site_wide", lang) if host == NO_HOST else host


class _Anchors:
    """A result's panel id: ``r<n>`` where it first appears, ``r<n>-<row>`` under the other code rows it counts in."""

    def __init__(self, report: Report) -> None:
        self.index = {id(r): n for n, r in enumerate(report.results)}
        self.first_row: dict[int, int] = {}
        for n, row in enumerate(report.rows):
            for r in row.results:
                self.first_row.setdefault(id(r), n)

    def first(self, result: Result) -> str:
        return f"r{self.index[id(result)]}"

    def under(self, result: Result, row: int) -> str:
        return self.first(result) if row == self.first_row[id(result)] else f"{self.first(result)}-{row}"


# --- the top: verdict, score, checklist, legend ----------------------------------------------------------------


def _summary(report: Report, lang: str) -> str:
    applicable = [r for r in report.results if r.status is not Status.SKIP]
    passing = sum(1 for r in applicable if r.status is Status.PASS)
    percent = f" ({100 * passing // len(applicable)} %)" if applicable else ""
    rows_pass = sum(1 for row in report.rows if row.status is Status.PASS)
    return (
        '<section id="summary" class="summary">'
        f'<div><span class="score">{passing} / {len(applicable)}</span> {escape(word("score", lang))}{percent}'
        f'<div class="note">{escape(word("score_note", lang))}</div></div>'
        f'<div class="chips">{_counts(report.results, lang)}</div>'
        f"<div>{rows_pass} / {len(report.rows)} {escape(word('rows_pass', lang))}</div>"
        "</section>"
    )


def _not_checked(report: Report, lang: str) -> str:
    return "<ul>" + "".join(f"<li>{escape(not_checked_line(item, lang))}</li>" for item in report.not_checked) + "</ul>"


def _checklist(report: Report, lang: str) -> str:
    rows = [
        [f'<a href="#{_code_id(row)}">{escape(row.code_hex or "-")}</a>', escape(row_name(row, lang)),
         _badge(row.status, lang), escape(row_summary(row, lang)), _counts(row.results, lang)]
        for row in report.rows
    ]
    headers = [word("code", lang), word("name", lang), word("verdict", lang), word("finding", lang),
               word("checks", lang)]
    return _table(headers, rows, "checklist", ["110px", "22%", "120px", "auto", "210px"])


def _legend(lang: str) -> str:
    items = "".join(f"<dt>{_badge(s, lang)}</dt><dd>{escape(meaning(s, lang))}</dd>" for s in ORDER)
    return f'<dl class="legend">{items}</dl>'


def _cause(cause: Cause, anchors: _Anchors, lang: str) -> str:
    """One cause: what was found where, the checks that found it (linked to their panels), and its one fix."""
    links = ", ".join(f'<a href="#{anchors.first(r)}">{escape(r.title)}</a>' for r in cause.results)
    fix = f'<p class="fix">{escape(word("fix", lang))}: {escape(cause.fix)}</p>' if cause.fix else ""
    return (f'<li class="cause" data-checks="{len(cause.results)}">{_badge(cause.status, lang)} '
            f"<code>{escape(_host_label(cause.host, lang))}</code>: {escape(cause.finding)}"
            f'<div class="note">{escape(word("checks", lang))}: {links}</div>{fix}</li>')


def _attention(report: Report, anchors: _Anchors, lang: str) -> str:
    causes = report.causes
    if not causes:
        return f"<p>{escape(word('nothing', lang))}</p>"
    return "<ul>" + "".join(_cause(c, anchors, lang) for c in causes) + "</ul>"


def _regressions(audit: AuditReport, lang: str) -> str:
    if audit.previous is None:
        return f"<p>{escape(word('first_run', lang))}</p>"
    head = f"<p>{escape(word('against_run', lang))} {escape(run_label(audit.previous))}.</p>"
    changes = audit.diff.regressions
    if not changes:
        return head + f"<p>{escape(word('no_regressions', lang))}</p>"
    return head + "<ul>" + "".join(f"<li><code>{escape(change_line(c))}</code></li>" for c in changes) + "</ul>"


# --- per host and per check -------------------------------------------------------------------------------------


def _hosts(report: Report, anchors: _Anchors, lang: str) -> str:
    by_host: dict[str, list[Result]] = {}
    for r in report.results:
        by_host.setdefault(r.host, []).append(r)
    out = []
    for host, results in by_host.items():
        verdict = worst([r.status for r in results])
        rows = [
            [_badge(r.status, lang), f'<a href="#{anchors.first(r)}">{escape(r.title)}</a>', escape(r.finding)]
            for r in sorted(results, key=lambda r: (ORDER[r.status], r.check_id))
        ]
        table = _table([word("status", lang), word("check", lang), word("finding", lang)], rows, "results",
                       ["130px", "35%", "auto"])
        out.append(
            f'<details class="host" data-host="{escape(host)}">'
            f"<summary>{_badge(verdict, lang)} {escape(_host_label(host, lang))} &nbsp; {_counts(results, lang)}"
            f"</summary>{table}</details>"
        )
    return "\n".join(out)


class _CheckNotes:
    """What the page says beside a result: the check's Microsoft references and the event IDs related to it."""

    def __init__(self) -> None:
        from conncheck import catalog
        from conncheck.registry import default_registry

        self.checks = default_registry().checks
        self.catalog = catalog.load()
        self.named_events: dict[tuple[str, tuple[int, ...]], list[tuple[int, str]]] = {}

    def references(self, result: Result) -> list[str]:
        check = self.checks.get(result.check_id)
        found = getattr(check, "references", None) or ()
        return [str(url) for url in found]

    def events(self, result: Result) -> list[tuple[int, str]]:
        key = (result.check_id, result.codes)
        if key not in self.named_events:
            check = self.checks.get(result.check_id)
            ids = set(check.events if check else ())
            for value in result.codes:
                code = self.catalog.code(value)
                ids.update(code.events if code else ())
            named = []
            for event_id in sorted(ids):
                events = self.catalog.events_by_id(event_id)
                named.append((event_id, events[0].name if events else ""))
            self.named_events[key] = named
        return self.named_events[key]


def _link(url: str) -> str:
    if url.startswith("https://"):
        return f'<a href="{escape(url)}" rel="noreferrer">{escape(url)}</a>'
    return escape(url)


def _panel(result: Result, anchor: str, notes: _CheckNotes, lang: str) -> str:
    parts = [f'<p class="finding">{escape(result.finding)}</p>',
             f'<p class="meta">{escape(word("check", lang))} <code>{escape(result.check_id)}</code> @ '
             f"<code>{escape(_host_label(result.host, lang))}</code></p>"]
    if result.evidence:
        parts.append(f"<h4>{escape(word('evidence', lang))}</h4>{evidence_table(result.evidence, lang)}")
    if result.remediation and result.status in ATTENTION:
        parts.append(f'<p class="fix">{escape(word("fix", lang))}: {escape(result.remediation)}</p>')
    references = notes.references(result)
    if references:
        parts.append(f"<h4>{escape(word('references', lang))}</h4><ul>"
                     + "".join(f"<li>{_link(u)}</li>" for u in references) + "</ul>")
    events = notes.events(result)
    if events:
        listed = ", ".join(f"{n} {escape(name)}".strip() for n, name in events)
        parts.append(f'<p class="events">{escape(word("events", lang))}: {listed}</p>')
    is_open = " open" if result.status in ATTENTION else ""
    return (
        f'<details class="check-panel" id="{anchor}" data-result="{escape(result.check_id)}@{escape(result.host)}" '
        f'data-status="{result.status.value}"{is_open}><summary>{_badge(result.status, lang)} {escape(result.title)}'
        f" — {escape(_host_label(result.host, lang))}</summary>{''.join(parts)}</details>"
    )


def _by_code(report: Report, anchors: _Anchors, lang: str) -> str:
    notes = _CheckNotes()
    out = []
    for n, row in enumerate(report.rows):
        results = sorted(row.results, key=lambda r: (ORDER[r.status], r.check_id, r.host))
        panels = "".join(_panel(r, anchors.under(r, n), notes, lang) for r in results)
        reported = "" if row.code is None else (
            f'<p class="meaning">{escape(word("meaning", lang))}: {escape(row.message)}</p>')
        out.append(
            f'<details class="code-group" id="{_code_id(row)}"{" open" if row.status in ATTENTION else ""}>'
            f"<summary>{_badge(row.status, lang)} {escape(row.code_hex or '')} {escape(row_name(row, lang))} &nbsp; "
            f"{_counts(row.results, lang)}</summary>{reported}{panels}</details>"
        )
    return "\n".join(out)


# --- expiry ---------------------------------------------------------------------------------------------------


def expiry_labels(items: list[ExpiryItem]) -> list[str]:
    """One label per item, none twice: a CRL says so, and certificates sharing a subject show their thumbprints."""

    def base(item: ExpiryItem) -> str:
        name = item.name if len(item.name) <= LABEL_CHARS else item.name[: LABEL_CHARS - 1] + "…"
        return f"{name} (CRL)" if item.kind == CRL else name

    bases = [base(i) for i in items]
    shared = Counter(bases)
    labels = [f"{b} [{i.thumbprint[:8]}]" if shared[b] > 1 and i.thumbprint else b
              for b, i in zip(bases, items, strict=True)]
    seen: Counter[str] = Counter()
    unique = []
    for label in labels:
        seen[label] += 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique


def _bar_color(item: ExpiryItem, warning_days: int) -> str:
    if item.days_left < 0:
        return EXPIRED
    return EXPIRING if item.days_left <= warning_days else VALID


def expiry_svg(items: list[ExpiryItem], now: datetime, warning_days: int, lang: str) -> str:
    """A timeline: one bar per certificate/CRL from now to its expiry (back to it, in red, when past)."""
    label_w, chart_w, row_h, top = 330, 560, 22, 28
    d = escape(word("days_short", lang))
    horizon = max(90.0, min(730.0, max((i.days_left for i in items), default=0)))
    past = min(0.0, max(-90.0, min((i.days_left for i in items), default=0)))
    span = horizon - past

    def x(days: float) -> float:
        return label_w + (min(max(days, past), horizon) - past) / span * chart_w

    width, height = label_w + chart_w + 70, top + row_h * len(items) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="expiry-timeline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(word("timeline", lang))}">',
        f'<line x1="{x(0):.1f}" y1="18" x2="{x(0):.1f}" y2="{height}" stroke="#212121" stroke-width="1.5"/>',
        f'<text x="{x(0):.1f}" y="12" font-size="11" text-anchor="middle">{escape(word("now", lang))} '
        f'({now.strftime("%Y-%m-%d")})</text>',
        f'<line x1="{x(warning_days):.1f}" y1="18" x2="{x(warning_days):.1f}" y2="{height}" stroke="{EXPIRING}" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{x(warning_days) + 3:.1f}" y="24" font-size="10" fill="{EXPIRING}">{warning_days} {d}</text>',
        f'<text x="{x(horizon):.1f}" y="12" font-size="11" text-anchor="end">+{horizon:.0f} {d}</text>',
    ]
    for n, (item, label) in enumerate(zip(items, expiry_labels(items), strict=True)):
        y = top + n * row_h
        start, end = sorted((x(0), x(item.days_left)))
        left = word("days_left_tip", lang).format(days=item.days_left, when=format_time(item.expires))
        tip = f"{word(item.kind, lang)} {item.name}: {left}"
        parts += [
            f'<text class="expiry-label" x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>",
            f'<rect class="expiry-bar" x="{start:.1f}" y="{y + 3}" width="{max(end - start, 2):.1f}" '
            f'height="{row_h - 6}" fill="{_bar_color(item, warning_days)}"><title>{escape(tip)}</title></rect>',
            f'<text x="{end + 4:.1f}" y="{y + 14}" font-size="11">{item.days_left} {d}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _expiry(items: list[ExpiryItem], now: datetime, warning_days: int, lang: str) -> str:
    if not items:
        return f"<p>{escape(word('no_expiry', lang))}</p>"
    rows = []
    for label, row in zip(expiry_labels(items), expiry_rows(items), strict=True):
        days, expires, kind, _, thumbprint, hosts, checks = (escape(str(cell)) for cell in row)
        rows.append([days, expires, escape(word(kind, lang)), escape(label), f"<code>{thumbprint}</code>", hosts,
                     checks])
    headers = word("expiry_columns", lang).split("|")
    widths = ["70px", "95px", "95px", "20%", "16%", "auto", "auto"]
    return expiry_svg(items, now, warning_days, lang) + _table(headers, rows, "expiry", widths)


# --- the page -------------------------------------------------------------------------------------------------


def _page(report: Report, expiry: list[ExpiryItem], warning_days: int, audit: AuditReport | None) -> str:
    lang = report.lang
    anchors = _Anchors(report)
    verdict = worst([row.status for row in report.rows])
    sections: list[tuple[str, str, str]] = [
        *([("not-checked", word("not_checked_title", lang), _not_checked(report, lang))] if report.not_checked else []),
        ("checklist", word("verdict", lang), _checklist(report, lang)),
        ("legend", word("legend", lang), _legend(lang)),
    ]
    if audit is not None:
        sections.append(("regressions", word("regressions", lang), _regressions(audit, lang)))
    sections += [
        ("attention", word("attention", lang), _attention(report, anchors, lang)),
        ("hosts", word("per_host", lang), _hosts(report, anchors, lang)),
        ("checks", word("by_code", lang), _by_code(report, anchors, lang)),
        ("expiry", word("expiry", lang), _expiry(expiry, report.collected_at, warning_days, lang)),
    ]
    body = "\n".join(f'<section id="{key}"><h2>{escape(title)}</h2>\n{html}\n</section>'
                     for key, title, html in sections)
    exit_code = audit.exit_code if audit is not None else report.exit_code
    run = f"{escape(word('run', lang))} #{audit.run.id} · " if audit is not None else ""
    version = audit.run.toolkit_version if audit is not None else __version__
    title = f"conncheck{' audit' if audit is not None else ''}: {report.site}"
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(title)} {_badge(verdict, lang)}</h1>
<p class="meta">{run}{escape(word("collected", lang))}: {format_time(report.collected_at)} ·
{escape(word("exit", lang))}: {exit_code} · conncheck {escape(version)}</p>
{_summary(report, lang)}
{body}
</body>
</html>
"""


def render_html(audit: AuditReport) -> str:
    """``conncheck audit -f html``: the page with the regressions against the site's previous run."""
    return _page(audit.report, audit.expiry, audit.warning_days, audit)


def render_report_html(report: Report) -> str:
    """``--format html`` of check, evaluate and scep: the page without the history sections."""
    from conncheck.plugin import Settings

    return _page(report, expiry_items(report.results, report.collected_at), Settings().expiry_warning_days, None)

