"""The default console report: the checklist as a table, then what needs attention, with fixes."""

from __future__ import annotations

from conncheck.checklist import Report
from conncheck.facts import format_time
from conncheck.reports.labels import status_label, word
from conncheck.results import Result, Status
from tabulate import tabulate


def _count_line(report: Report) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)


GROUP_AT = 3  # this many UNKNOWNs on one host for one reason print as one line


def _unreadable_groups(results: list[Result]) -> dict[tuple[str, str], list[Result]]:
    """UNKNOWN results that share a host and an unread-input reason (a host WinRM could not reach, say)."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        reason = r.evidence.get("reason") if r.status is Status.UNKNOWN and "probe" in r.evidence else None
        if isinstance(reason, str):
            groups.setdefault((r.host, reason), []).append(r)
    return {key: group for key, group in groups.items() if len(group) >= GROUP_AT}


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
                row.name,
                status_label(row.status, lang),
                " ".join(f"{n} {s}" for s, n in counts.items()) or "-",
            ]
        )
    out = [
        f"{word('site', lang)}: {report.site}    {word('collected', lang)}: {format_time(report.collected_at)}",
        "",
        tabulate(rows, headers=[word(k, lang) for k in ("code", "name", "status", "checks")], tablefmt="simple"),
    ]
    attention = [r for r in report.results if r.status not in (Status.PASS, Status.SKIP)]
    if attention:
        out += ["", word("details", lang) + ":"]
        unreachable = _unreadable_groups(attention)
        grouped = {id(r) for group in unreachable.values() for r in group}
        order = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.WARN: 2}
        for r in sorted(attention, key=lambda r: (order.get(r.status, 9), r.check_id, r.host)):
            if id(r) in grouped:
                continue
            out.append(f"  [{status_label(r.status, lang)}] {r.check_id} @ {r.host}: {r.finding}")
            if r.remediation:
                out.append(f"      {word('fix', lang)}: {r.remediation}")
        for (host, reason), group in sorted(unreachable.items()):
            ids = ", ".join(sorted({r.check_id for r in group}))
            out.append(f"  [{status_label(Status.UNKNOWN, lang)}] {len(group)} checks @ {host}: {reason} ({ids})")
            out.append(f"      {word('fix', lang)}: {group[0].remediation}")
    out += ["", f"{word('summary', lang)}: {_count_line(report)}    {word('exit', lang)}: {report.exit_code}"]
    return "\n".join(out) + "\n"
