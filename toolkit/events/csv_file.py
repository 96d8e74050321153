"""Event Viewer's CSV export ("Save All Events As… → CSV") and PowerShell's ``Get-WinEvent | Export-Csv``.

Event Viewer writes ``Level,Date and Time,Source,Event ID,Task Category`` and a sixth, unnamed column with the
rendered message; the header is in the exporting machine's language. Export-Csv writes a ``#TYPE`` line, then
the EventLogRecord properties (``Id``, ``TimeCreated``, ``ProviderName``, ``LogName``, ``LevelDisplayName``,
``MachineName``, ``Message``…). Neither has the event data fields, so the diagnostic code and the request details
come from the message text. Both write local time without a zone: it is read as UTC unless an offset is given,
and the read says so.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conncheck.catalog import Catalog
from conncheck.errors import InputError
from conncheck.events.record import (
    MAX_EVENT_ID,
    DamagedRecord,
    EventRecord,
    bounded_number,
    find_code,
    is_connector,
    level_name,
)
from conncheck.events.stats import ReadStats
from conncheck.events.textfile import open_text

# Header names (lower-case, letters only) → record field; English and Turkish Event Viewer, and Export-Csv.
_COLUMNS = {
    "level": "level", "leveldisplayname": "level", "düzey": "level",
    "dateandtime": "time", "timecreated": "time", "tarihvesaat": "time",
    "source": "provider", "providername": "provider", "kaynak": "provider",
    "eventid": "event_id", "id": "event_id", "olaykimliği": "event_id",
    "logname": "channel", "machinename": "computer", "message": "message",
}
_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S",
)


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalpha())


def parse_local_time(text: str, offset: timedelta) -> datetime:
    """The exporting machine's local time (or ISO 8601) in UTC; ValueError for what is not a time within years
    1-9999 in UTC."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _strptime(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone(offset))
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{text[:40]!r} falls outside the years 1 to 9999 in UTC") from None


def _strptime(text: str) -> datetime:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")


def _header(row: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(row):
        field = _COLUMNS.get(_squash(name))
        if field and field not in columns:
            columns[field] = index
    if "message" not in columns and len(row) == 5 and row[-1]:
        columns["message"] = 5  # Event Viewer: the message is the unnamed sixth column
    return columns


def read_csv(path: Path, catalog: Catalog, stats: ReadStats, offset: timedelta | None) -> Iterator[EventRecord]:
    zone = offset if offset is not None else timedelta(0)
    stats.notes.append(
        f"CSV times carry no zone: read as UTC{_offset_text(zone)}"
        + ("" if offset is not None else " (give --csv-utc-offset for the exporting machine's zone)")
    )
    with open_text(path) as text:
        rows = csv.reader(text)
        columns: dict[str, int] | None = None
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                stats.skip(f"line {rows.line_num}: {exc}")
                continue
            if not row or (columns is None and row[0].startswith("#TYPE")):
                continue
            if columns is None:
                columns = _header(row)
                if not {"time", "event_id"} <= columns.keys():
                    raise InputError(
                        f"{path}: not an Event Viewer or Export-Csv event list (no date and event ID columns)"
                    )
                continue
            try:
                record = _record(row, columns, catalog, zone)
            except DamagedRecord as exc:
                stats.skip(f"line {rows.line_num}: {exc}")
                continue
            if record is None:
                stats.skip(f"line {rows.line_num}: not an event row")
                continue
            stats.records += 1
            yield record


def _offset_text(offset: timedelta) -> str:
    if not offset:
        return ""
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _record(row: list[str], columns: dict[str, int], catalog: Catalog, offset: timedelta) -> EventRecord | None:
    """The row as a record; None for a row that is no event (no number as its event ID, or no time it can read);
    DamagedRecord for digits that cannot be an event ID ('²', 5,000 of them) or a level that cannot be one."""
    def cell(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    event_id = cell("event_id")
    if not event_id.isdigit():
        return None
    number = bounded_number(event_id, "Event ID", MAX_EVENT_ID)
    try:
        when = parse_local_time(cell("time"), offset)
    except ValueError:
        return None
    provider, channel, message = cell("provider"), cell("channel"), cell("message")
    return EventRecord(
        time=when,
        provider=provider,
        channel=channel,
        event_id=number,
        level=level_name(cell("level")),
        computer=cell("computer"),
        message=message,
        code=find_code({}, message, catalog) if is_connector(provider, channel) else None,
    )
