"""Markdown for tickets and wikis: what was not checked, the checklist table (what was found, or what was verified),
and what needs attention, one item per cause with its fix."""

from __future__ import annotations

from conncheck.checklist import Report
from conncheck.facts import format_time
from conncheck.reports.labels import status_label, word
from conncheck.reports.rows import row_name, row_summary
from conncheck.reports.table import cause_lines, not_checked_line
from tabulate import tabulate


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    lang = report.lang
    rows = [[row.code_hex or "-", row_name(row, lang), status_label(row.status, lang), _cell(row_summary(row, lang))]
            for row in report.rows]
    out = [
        f"# conncheck: {report.site}",
        "",
        f"{word('collected', lang)}: {format_time(report.collected_at)}",
        "",
    ]
    if report.not_checked:
        out += [f"## {word('not_checked_title', lang)}", ""]
        out += [f"- {_cell(not_checked_line(item, lang))}" for item in report.not_checked]
        out.append("")
    out.append(tabulate(rows, headers=[word(k, lang) for k in ("code", "name", "status", "finding")],
                        tablefmt="github"))
    causes = report.causes
    if causes:
        out += ["", f"## {word('details', lang)}", ""]
        for cause in causes:
            head, under = cause_lines(cause, lang)
            out.append(f"- **{status_label(cause.status, lang)}** {_cell(head)}")
            out += [f"  - {_cell(line)}" for line in under]
    out += ["", f"{word('summary', lang)}: " + ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)]
    return "\n".join(out) + "\n"
