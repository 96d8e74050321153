"""``conncheck events``: post-incident triage from the connector's event logs."""

import re
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from conncheck.cli.app import HostOpt, Lang, LangOpt, OutputOpt, app
from conncheck.cli.output import destination
from conncheck.errors import InputError
from conncheck.exit_codes import ExitCode


class EventsFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


_RELATIVE = re.compile(r"([0-9]{1,5})\s*([dhm])")
_OFFSET = re.compile(r"([+-])([0-9]{1,2}):?([0-9]{2})")


def parse_since(spec: str | None, now: datetime) -> datetime | None:
    """'7d', '12h', '30m' before now, or an ISO 8601 time (UTC when it has no zone) within years 1-9999 in UTC."""
    if spec is None:
        return None
    match = _RELATIVE.fullmatch(spec.strip().lower())
    if match:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
        return now - timedelta(**{unit: int(match.group(1))})
    shown = spec if len(spec) <= 40 else spec[:36] + "…"
    try:
        parsed = datetime.fromisoformat(spec.strip().replace("Z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    except ValueError:
        raise InputError(f"--since {shown}: give a span like 7d, 12h, 30m or a time like 2026-11-20T08:00Z") from None
    except OverflowError:
        raise InputError(f"--since {shown}: in UTC that falls outside the years 1 to 9999") from None


def parse_offset(spec: str | None) -> timedelta | None:
    if spec is None:
        return None
    match = _OFFSET.fullmatch(spec.strip())
    if not match or int(match.group(2)) > 14 or int(match.group(3)) > 59:
        raise InputError(f"--csv-utc-offset {spec[:40]}: give the exporting machine's UTC offset like +03:00 or -05:00")
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
    2 for input that cannot be read, 3 when the inputs hold no record of the connector's logs (or none inside
    --since/--host). Damaged files keep their good records; what was skipped goes to stderr.

    Example: conncheck events connector.evtx --since 7d --format markdown
    """
    from conncheck import catalog
    from conncheck.events.render import RENDERERS, nothing_read_line
    from conncheck.events.triage import triage

    dest = destination(output, files)
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
    dest.write(RENDERERS[fmt.value](result, lang.value))
    if result.nothing_read:
        typer.echo(f"conncheck: {nothing_read_line(result, lang.value)}", err=True)
        raise typer.Exit(ExitCode.UNKNOWN)
    raise typer.Exit(ExitCode.FAIL if result.unrecovered else ExitCode.OK)
