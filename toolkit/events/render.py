"""A Triage as text: a console table, JSON (reads cleanly with ConvertFrom-Json) or Markdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conncheck import strict_json
from conncheck.catalog import format_code
from conncheck.events.triage import Triage

TIMELINE_LIMIT = 50  # table and Markdown show the latest runs; JSON has them all


def _short(time: str | None) -> str:
    return (time or "-").replace("T", " ")[:19]


def _event_rows(triage: Triage) -> list[list[Any]]:
    return [
        [e["event_id"], e["name"], e["generation"] or "-", e["count"], _short(e["first"]), _short(e["last"]),
         ", ".join(e["levels"])]
        for e in triage.summary.event_rows()
    ]


def _code_rows(triage: Triage) -> list[list[Any]]:
    rows = []
    for c in triage.summary.code_rows():
        latest = c["latest"] or {}
        details = ", ".join(f"{k}={v}" for k, v in (latest.get("details") or {}).items())
        events = ", ".join(f"{e['event_id']}×{e['count']}" for e in c["events"])
        rows.append([c["code"], c["name"], c["count"], events, _short(latest.get("time_utc")),
                     latest.get("computer") or "-", details or "-"])
    return rows


def _timeline_rows(triage: Triage) -> list[list[Any]]:
    rows = []
    for run in triage.runs[-TIMELINE_LIMIT:]:
        doc = run.to_json(triage.summary.names)
        events = ", ".join(f"{e['event_id']} {e['name']}×{e['count']}" for e in doc["events"])
        state = f"recovered {_short(doc['recovered_at'])} ({doc['recovered_by']})" if run.recovered else "UNRECOVERED"
        rows.append([_short(doc["first"]), _short(doc["last"]), doc["host"], doc["operation"], events,
                     ", ".join(doc["codes"]) or "-", state])
    return rows


_EVENT_HEAD = ["event", "name", "generation", "count", "first (UTC)", "last (UTC)", "levels"]
_CODE_HEAD = ["code", "name", "records", "events", "latest (UTC)", "computer", "details"]
_TIMELINE_HEAD = ["failing from", "until", "host", "operation", "events", "codes", "then"]


def _totals(triage: Triage) -> str:
    s = triage.summary
    line = f"{s.total} records read, {s.connector} from the connector, {s.not_connector} other records ignored"
    if s.filtered_out:
        line += f", {s.filtered_out} outside --since/--host"
    return line


def _unrecovered(triage: Triage) -> str:
    return "unknown (no connector record read)" if triage.nothing_read else str(len(triage.unrecovered))


def _next_lines(triage: Triage, bullet: str) -> list[str]:
    if triage.nothing_read:
        return [f"{bullet}{triage.nothing_read}"]
    if not triage.next_steps:
        return [f"{bullet}no connector failures: nothing to re-check from these events"]
    return [f"{bullet}{format_code(s.code)} {s.name}: {', '.join(s.checks) or '(no check registered yet)'}"
            for s in triage.next_steps]


def render_table(triage: Triage) -> str:
    from tabulate import tabulate  # not imported for JSON: start-up counts on a small file

    out = [_totals(triage), ""]
    for title, head, rows in (
        ("Connector events", _EVENT_HEAD, _event_rows(triage)),
        ("Diagnostic codes", _CODE_HEAD, _code_rows(triage)),
        ("Failures and recoveries", _TIMELINE_HEAD, _timeline_rows(triage)),
    ):
        out.append(f"{title}:")
        out.append(tabulate(rows, headers=head, tablefmt="simple") if rows else "  (none)")
        out.append("")
    out.append(f"Unrecovered failures: {_unrecovered(triage)}")
    out.append("What to check next:")
    out += _next_lines(triage, "  ")
    if triage.command:
        out.append(f"  run: {triage.command}")
    return "\n".join(out) + "\n"


def render_markdown(triage: Triage) -> str:
    from tabulate import tabulate

    out = ["# Connector event triage", "", _totals(triage) + ".", ""]
    for title, head, rows in (
        ("Connector events", _EVENT_HEAD, _event_rows(triage)),
        ("Diagnostic codes", _CODE_HEAD, _code_rows(triage)),
        ("Failures and recoveries", _TIMELINE_HEAD, _timeline_rows(triage)),
    ):
        out += [f"## {title}", ""]
        out.append(tabulate(rows, headers=head, tablefmt="github") if rows else "(none)")
        out.append("")
    out += ["## What to check next", "", f"Unrecovered failures: {_unrecovered(triage)}", ""]
    out += _next_lines(triage, "- ")
    if triage.command:
        out += ["", "```sh", triage.command, "```"]
    return "\n".join(out) + "\n"


def render_json(triage: Triage) -> str:
    return strict_json.dumps(triage.to_json(), indent=1) + "\n"


RENDERERS: dict[str, Callable[[Triage], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
