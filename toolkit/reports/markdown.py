"""Markdown for tickets and wikis: the checklist table and the details of everything not PASS."""

from __future__ import annotations

from conncheck.checklist import Report
from conncheck.facts import format_time
from conncheck.reports.labels import status_label, word
from conncheck.results import Status
from tabulate import tabulate


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    lang = report.lang
    rows = [[row.code_hex or "-", row.name, status_label(row.status, lang), _cell(row.message)] for row in report.rows]
    out = [
        f"# conncheck: {report.site}",
        "",
        f"{word('collected', lang)}: {format_time(report.collected_at)}",
        "",
        tabulate(rows, headers=[word(k, lang) for k in ("code", "name", "status", "finding")], tablefmt="github"),
    ]
    attention = [r for r in report.results if r.status not in (Status.PASS, Status.SKIP)]
    if attention:
        out += ["", f"## {word('details', lang)}", ""]
        for r in attention:
            out.append(f"- **{status_label(r.status, lang)}** `{r.check_id}` @ `{r.host}`: {_cell(r.finding)}")
            if r.remediation:
                out.append(f"  - {word('fix', lang)}: {_cell(r.remediation)}")
    out += ["", f"{word('summary', lang)}: " + ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)]
    return "\n".join(out) + "\n"
