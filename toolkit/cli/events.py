"""``conncheck events``: post-incident triage from the connector's event logs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from conncheck.cli.app import HostOpt, Lang, LangOpt, OutputOpt, app, write_output
from conncheck.errors import InputError

EXIT_UNRECOVERED = 1


class EventsFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


_RELATIVE = re.compile(r"(\d{1,5})\s*([dhm])")
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})")


def parse_since(spec: str | None, now: datetime) -> datetime | None:
    """'7d', '12h', '30m' before now, or an ISO 8601 time (UTC when it has no zone)."""
    if spec is None:
        return None
    match = _RELATIVE.fullmatch(spec.strip().lower())
    if match:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        return now - timedelta(**{unit: int(match.group(1))})
    try:
        parsed = datetime.fromisoformat(spec.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--since {spec}: give a span like 7d, 12h, 30m or a time like 2026-11-20T08:00Z") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def parse_offset(spec: str | None) -> timedelta | None:
    if spec is None:
        return None
    match = _OFFSET.fullmatch(spec.strip())
    if not match or int(match.group(2)) > 14 or int(match.group(3)) > 59:
        raise InputError(f"--csv-utc-offset {spec}: give the exporting machine's UTC offset like +03:00 or -05:00")
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
    return -delta if match.group(1) == "-" else delta


@app.command()
def events(
    files: Annotated[
        list[Path], typer.Argument(help=".evtx, wevtutil/Event Viewer XML, Event Viewer CSV, or facts JSON.")
    ],
    since: Annotated[
        str | None, typer.Option("--since", help="Only records newer than this: 7d, 12h, 30m, or an ISO time.")
    ] = None,
    host: HostOpt = None,
    fmt: Annotated[EventsFormat, typer.Option("--format", "-f", help="table, json or markdown.")] = EventsFormat.table,
    csv_utc_offset: Annotated[
        str | None, typer.Option("--csv-utc-offset", help="UTC offset of the machine that exported a CSV (+03:00).")
    ] = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """Post-incident triage: what the connector's events say in the code table's terms, and what to check next.

    Exit 0 when every failure seen was followed by a success of the same operation, 1 when one was not,
    2 for input that cannot be read. Damaged files keep their good records; what was skipped goes to stderr.

    Example: conncheck events connector.evtx --since 7d --format markdown
    """
    from conncheck import catalog
    from conncheck.events.render import RENDERERS
    from conncheck.events.triage import triage

    result = triage(
        files,
        catalog.load(),
        since=parse_since(since, datetime.now(timezone.utc)),
        hosts=host,
        csv_offset=parse_offset(csv_utc_offset),
    )
    for stats in result.inputs:
        warning = stats.warning()
        if warning:
            typer.echo(f"conncheck: warning: {warning}", err=True)
        for note in stats.notes:
            typer.echo(f"conncheck: note: {stats.source}: {note}", err=True)
    write_output(RENDERERS[fmt.value](result, lang.value), output, files)
    raise typer.Exit(EXIT_UNRECOVERED if result.unrecovered else 0)
