"""The event records the fact script collected on a host (probe ``events``, shape in docs/facts.md).

The PowerShell side (checks/ps/events.ps1) returns each record's raw fields and says, per connector log,
whether the log exists; Python normalises them exactly like a file's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from conncheck.catalog import Catalog
from conncheck.events.record import EventRecord, find_code, level_name
from conncheck.events.stats import ReadStats
from conncheck.schema import UtcTime


class LiveShapeError(ValueError):
    """The probe's data is not the documented shape."""


class LogState(msgspec.Struct):
    """One connector log on the host: found or not, why it could not be read, whether the read was capped."""

    name: str
    found: bool
    error: str | None = None
    truncated: bool = False


class LiveRecord(msgspec.Struct):
    time_utc: UtcTime
    provider: str
    channel: str
    event_id: Annotated[int, msgspec.Meta(ge=0, le=65535)]
    level: Annotated[int | str | None, msgspec.Meta(description="1 Critical … 5 Verbose, or its name")]
    computer: str
    message: str | None
    data: Annotated[dict[str, str | None], msgspec.Meta(description="<Data> by name; unnamed: Data1, Data2…")]


class EventsData(msgspec.Struct):
    """The ``events`` probe: the look-back window, each connector log's state, and the records."""

    window_days: int | None
    logs: list[LogState]
    records: list[LiveRecord]


@dataclass
class LiveEvents:
    logs: list[LogState]
    records: list[EventRecord]
    stats: ReadStats
    window_days: int | None = None

    @property
    def logs_found(self) -> list[LogState]:
        return [log for log in self.logs if log.found and not log.error]

    @property
    def truncated(self) -> list[str]:
        """Logs whose read stopped at the cap: their older records were not seen."""
        return [log.name for log in self.logs if log.truncated]


def _record(raw: LiveRecord, catalog: Catalog) -> EventRecord:
    data = {k: "" if v is None else v for k, v in raw.data.items()}
    message = raw.message or ""
    return EventRecord(
        time=raw.time_utc,
        provider=raw.provider,
        channel=raw.channel,
        event_id=raw.event_id,
        level=level_name(raw.level),
        computer=raw.computer,
        data=data,
        message=message,
        code=find_code(data, message, catalog),
    )


def live_events(data: EventsData, catalog: Catalog, source: str) -> LiveEvents:
    """The probe's typed data as normalised records."""
    stats = ReadStats(source, "live")
    records = [_record(raw, catalog) for raw in data.records]
    stats.records = len(records)
    return LiveEvents(data.logs, records, stats, data.window_days)


def parse_probe(data: Any, catalog: Catalog, source: str) -> LiveEvents:
    """Untyped probe data (a facts file given to ``conncheck events``); LiveShapeError when it is not the shape."""
    try:
        typed = msgspec.convert(data, EventsData, strict=False)
    except msgspec.ValidationError as exc:
        raise LiveShapeError(str(exc)) from None
    return live_events(typed, catalog, source)
