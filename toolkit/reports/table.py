"""The default console report: what was not checked, the checklist as a table, then what needs attention, one line
per cause with its fix."""

from __future__ import annotations

from conncheck.causes import Cause
from conncheck.checklist import NotChecked, Report
from conncheck.facts import format_time
from conncheck.reports.labels import listed, status_label, word
from conncheck.reports.rows import row_name
from tabulate import tabulate

IDS_SHOWN = 5  # a cause shared by more checks names these first and counts the rest


def _count_line(report: Report) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)


def not_checked_line(item: NotChecked, lang: str) -> str:
    """What was not checked, why, and how many checks that leaves unverified."""
    count = f" ({word('checks_count', lang).format(n=len(item.checks))})" if item.checks else ""
    return f"{item.subject}: {item.reason}{count}"


def cause_lines(cause: Cause, lang: str) -> tuple[str, list[str]]:
    """'check_id @ host: finding' ('3 checks @ host: finding' for a cause several checks share), then the lines
    under it: the checks sharing it (the first few, and how many more), its fix."""
    ids = cause.check_ids
    who = ids[0] if len(ids) == 1 else word("checks_count", lang).format(n=len(ids))
    under = []
    if len(ids) > 1:
        under.append(f"{word('checks', lang)}: {listed(ids, lang, IDS_SHOWN).replace('; ', ', ')}")
    if cause.fix:
        under.append(f"{word('fix', lang)}: {cause.fix}")
    return f"{who} @ {cause.host}: {cause.finding}", under


def render_table(report: Report) -> str:
    lang = report.lang
    rows = []
    for row in report.rows:
        counts: dict[str, int] = {}
        for r in row.results:
            counts[r.status.value] = counts.get(r.status.value, 0) + 1
        rows.append(
            [
                row.code_hex or "-",
                row_name(row, lang),
                status_label(row.status, lang),
                " ".join(f"{n} {s}" for s, n in counts.items()) or "-",
            ]
        )
    out = [f"{word('site', lang)}: {report.site}    {word('collected', lang)}: {format_time(report.collected_at)}"]
    if report.not_checked:
        out += ["", word("not_checked_title", lang) + ":"]
        out += [f"  {not_checked_line(item, lang)}" for item in report.not_checked]
    out += [
        "",
        tabulate(rows, headers=[word(k, lang) for k in ("code", "name", "status", "checks")], tablefmt="simple"),
    ]
    causes = report.causes
    if causes:
        out += ["", word("details", lang) + ":"]
        for cause in causes:
            head, under = cause_lines(cause, lang)
            out.append(f"  [{status_label(cause.status, lang)}] {head}")
            out += [f"      {line}" for line in under]
    out += ["", f"{word('summary', lang)}: {_count_line(report)}    {word('exit', lang)}: {report.exit_code}"]
    return "\n".join(out) + "\n"
