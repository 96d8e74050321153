"""An audit's report: the checklist plus what changed since the site's previous run and what expires when.

``AuditReport`` is what ``conncheck audit`` renders; ``AUDIT_RENDERERS`` maps each ``--format`` to a function.
The plain checklist formats (table, json, markdown, junit) are the engine's renderers with the regressions and
the expiry forecast added; html and prometheus live in their own modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from conncheck import strict_json
from conncheck.checklist import Report
from conncheck.history.diff import Change, Diff
from conncheck.history.expiry import ExpiryItem
from conncheck.history.model import RunRecord
from conncheck.reports.json_report import render_json
from conncheck.reports.junit import render_junit
from conncheck.reports.markdown import render_markdown
from conncheck.reports.table import render_table
from tabulate import tabulate

AUDIT_SCHEMA = "conncheck.audit/1"


@dataclass(frozen=True)
class AuditReport:
    report: Report
    run: RunRecord
    previous: RunRecord | None  # the baseline: the site's run before this one
    diff: Diff
    expiry: list[ExpiryItem]
    exit_code: int  # the audit's: the engine's, or the regression code
    warning_days: int

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": AUDIT_SCHEMA,
            "run": self.run.to_json(),
            "previous_run": self.previous.to_json() if self.previous else None,
            "exit_code": self.exit_code,
            "regressions": [c.to_json() for c in self.diff.regressions],
            "diff": self.diff.to_json(),
            "expiry": [i.to_json() for i in self.expiry],
            "report": json.loads(render_json(self.report)),
        }


def run_label(run: RunRecord) -> str:
    return f"#{run.id} ({run.collected_at.strftime('%Y-%m-%d %H:%MZ')})"


def _status(value: Any) -> str:
    return value.value if value is not None else "-"


def change_line(change: Change) -> str:
    return (
        f"{_status(change.before):>7} -> {_status(change.after):<7} {change.check_id} @ {change.host}: {change.finding}"
    )


def diff_text(diff: Diff, before: RunRecord | None, after: RunRecord) -> str:
    """The diff as plain text; identical whichever store the runs came from."""
    if before is None:
        return f"Run {run_label(after)} of {after.site} is its first: no earlier run to compare with.\n"
    out = [f"{after.site}: run {run_label(before)} -> run {run_label(after)}"]
    for _, label, changes in diff.sections():
        if not changes:
            continue
        out += ["", f"{label} ({len(changes)}):"]
        for change in changes:
            out.append("  " + change_line(change))
            for key, (was, now) in change.evidence.items():
                out.append(f"      {key}: {_short(was)} -> {_short(now)}")
    out += ["", f"Regressions: {len(diff.regressions)}"]
    return "\n".join(out) + "\n"


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def expiry_rows(items: list[ExpiryItem]) -> list[list[Any]]:
    return [
        [
            str(i.days_left),
            i.expires.strftime("%Y-%m-%d"),
            i.kind,
            i.name,
            i.thumbprint or "-",
            ", ".join(i.hosts),
            ", ".join(i.checks),
        ]
        for i in items
    ]


EXPIRY_HEADERS = ["days left", "expires", "kind", "subject / issuer", "thumbprint", "hosts", "checks"]
HISTORY_HEADERS = ["run", "collected (UTC)", "site", "verdict", "results", "regressions", "exit"]


def expiry_text(items: list[ExpiryItem]) -> str:
    if not items:
        return "No certificate or CRL in the evidence.\n"
    return tabulate(expiry_rows(items), headers=EXPIRY_HEADERS, tablefmt="simple", disable_numparse=True,
                    colalign=("right",)) + "\n"


def history_text(runs: list[RunRecord]) -> str:
    """One row per stored run under a header row; the exit code is the audit's own (4 for a regression)."""
    rows = [
        [
            f"#{run.id}",
            f"{run.collected_at:%Y-%m-%d %H:%M}",
            run.site,
            run.verdict.value,
            " ".join(f"{k} {v}" for k, v in run.summary.items() if v) or "no results",
            "-" if run.regressions is None else str(run.regressions),
            str(run.exit_code),
        ]
        for run in runs
    ]
    align = ("left",) * 5 + ("right", "right")
    return tabulate(rows, headers=HISTORY_HEADERS, tablefmt="simple", disable_numparse=True, colalign=align) + "\n"


def _audit_tail(audit: AuditReport) -> str:
    out = ["", f"Audit run #{audit.run.id} stored; exit code {audit.exit_code}."]
    if audit.previous is None:
        out.append("First run of this site: no baseline to compare with.")
    else:
        regressions = audit.diff.regressions
        out.append(f"Against run {run_label(audit.previous)}: {len(regressions)} regression(s).")
        out += ["  " + change_line(c) for c in regressions]
        if audit.diff.fixed:
            out.append(f"Fixed since then: {len(audit.diff.fixed)}.")
    soon = [i for i in audit.expiry if i.days_left <= audit.warning_days]
    if soon:
        out += ["", f"Expired or expiring within {audit.warning_days} days:"]
        out += [f"  {i.days_left:>5} d  {i.kind} {i.name} ({i.thumbprint or '-'})" for i in soon]
    return "\n".join(out) + "\n"


def render_audit_table(audit: AuditReport) -> str:
    return render_table(audit.report) + _audit_tail(audit)


def render_audit_markdown(audit: AuditReport) -> str:
    out = [render_markdown(audit.report)]
    if audit.previous is not None:
        out.append(f"## Regressions against run {run_label(audit.previous)}\n")
        out += [
            f"- `{c.check_id}` @ `{c.host}`: {_status(c.before)} -> {_status(c.after)}: {c.finding}"
            for c in audit.diff.regressions
        ] or ["None."]
        out.append("")
    if audit.expiry:
        out += [
            "## Certificate and CRL expiry\n",
            tabulate(expiry_rows(audit.expiry), headers=EXPIRY_HEADERS, tablefmt="github"),
            "",
        ]
    return "\n".join(out)


def render_audit_json(audit: AuditReport) -> str:
    return strict_json.dumps(audit.to_json(), indent=2) + "\n"


def render_audit_junit(audit: AuditReport) -> str:
    """The checklist's JUnit, plus one suite whose failing cases are the regressions against the baseline."""
    suites = ET.fromstring(render_junit(audit.report))  # our own output, not untrusted XML
    if audit.previous is not None:
        suite = ET.SubElement(suites, "testsuite", name=f"Regressions against run #{audit.previous.id}")
        suite.set("tests", str(len(audit.diff.regressions)))
        suite.set("failures", str(len(audit.diff.regressions)))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        for change in audit.diff.regressions:
            case = ET.SubElement(
                suite, "testcase", classname=f"regression.{change.check_id}", name=f"{change.check_id} @ {change.host}"
            )
            ET.SubElement(case, "failure", message=change.finding, type="REGRESSION").text = change_line(change)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _html(audit: AuditReport) -> str:
    from conncheck.reports.html import render_html

    return render_html(audit)


def _prometheus(audit: AuditReport) -> str:
    from conncheck.reports.prometheus import render_prometheus

    return render_prometheus(audit)


AUDIT_RENDERERS: dict[str, Callable[[AuditReport], str]] = {
    "table": render_audit_table,
    "json": render_audit_json,
    "markdown": render_audit_markdown,
    "junit": render_audit_junit,
    "html": _html,
    "prometheus": _prometheus,
}
